from leadline.communications.adapters.repository import (
    CallRepository,
    EmailRepository,
    KnownLeadRepository,
)
from leadline.communications.adapters.telephony import EarlyCallEventRepository, EmployeeRepository
from leadline.contracts.db import UnitOfWork


class CommunicationsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.calls = CallRepository(self.session)
        self.emails = EmailRepository(self.session)
        self.known_leads = KnownLeadRepository(self.session)
        self.early_call_events = EarlyCallEventRepository(self.session)
        self.employees = EmployeeRepository(self.session)
