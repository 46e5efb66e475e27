from leadline.communications.app import create_app
from leadline.communications.config import Settings
from leadline.communications.mailboxes import run_mailboxes
from leadline.contracts.platform.cli import service_main

if __name__ == "__main__":
    service_main(
        "leadline.communications",
        Settings,
        create_app,
        commands={"mailboxes": ("read the IMAP mailboxes of IMAP_MAILBOXES until stopped", run_mailboxes)},
    )
