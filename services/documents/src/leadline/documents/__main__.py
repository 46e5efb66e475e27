from leadline.contracts.platform.cli import service_main
from leadline.documents.app import create_app
from leadline.documents.config import Settings

if __name__ == "__main__":
    service_main("leadline.documents", Settings, create_app)
