from leadline.contracts.platform.migrations import run_migrations
from leadline.documents.adapters.tables import metadata
from leadline.documents.config import Settings

run_migrations(metadata, Settings)
