from leadline.contracts.platform.migrations import run_migrations
from leadline.leads.adapters.tables import metadata
from leadline.leads.config import Settings

run_migrations(metadata, Settings)
