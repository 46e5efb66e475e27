from leadline.contracts.platform.migrations import run_migrations
from leadline.reporting.adapters.tables import metadata
from leadline.reporting.config import Settings

run_migrations(metadata, Settings)
