from leadline.communications.adapters.tables import metadata
from leadline.communications.config import Settings
from leadline.contracts.platform.migrations import run_migrations

run_migrations(metadata, Settings)
