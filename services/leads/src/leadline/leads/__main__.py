from leadline.contracts.platform.cli import service_main
from leadline.leads.app import create_app
from leadline.leads.config import Settings

if __name__ == "__main__":
    service_main("leadline.leads", Settings, create_app)
