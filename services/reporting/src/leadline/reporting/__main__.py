from leadline.contracts.platform.cli import service_main
from leadline.reporting.app import create_app
from leadline.reporting.config import Settings

if __name__ == "__main__":
    service_main("leadline.reporting", Settings, create_app, rebuildable=True)
