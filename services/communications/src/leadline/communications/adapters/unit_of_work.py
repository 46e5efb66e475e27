from leadline.communications.adapters.repository import (
    CallRepository,
    EmailRepository,
    KnownLeadRepository,
)
from leadline.contracts.db import UnitOfWork


class CommunicationsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.calls = CallRepository(self.session)
        self.emails = EmailRepository(self.session)
        self.known_leads = KnownLeadRepository(self.session)
