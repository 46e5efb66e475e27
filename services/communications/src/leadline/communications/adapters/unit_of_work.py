from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from leadline.communications.adapters.mail_repository import (
    DirectoryRepository,
    MailboxPositionRepository,
    OutboundEmailRepository,
)
from leadline.communications.adapters.repository import (
    CallRepository,
    EmailRepository,
    KnownLeadRepository,
)
from leadline.communications.adapters.telephony import EarlyCallEventRepository, EmployeeRepository
from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.messaging.outbox import Publication


class CommunicationsUnitOfWork(UnitOfWork):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publication: Publication,
        *,
        shared_addresses: frozenset[str] = frozenset(),
    ) -> None:
        """``shared_addresses``: the team's shared mailboxes (sales@…), whose e-mails every salesperson triages."""
        super().__init__(sessions, publication)
        self._shared_addresses = shared_addresses

    def started(self) -> None:
        self.directory = DirectoryRepository(self.session, self._shared_addresses)
        self.calls = CallRepository(self.session)
        self.emails = EmailRepository(self.session, self.directory)
        self.known_leads = KnownLeadRepository(self.session)
        self.early_call_events = EarlyCallEventRepository(self.session)
        self.employees = EmployeeRepository(self.session)
        self.mailbox_positions = MailboxPositionRepository(self.session)
        self.outbound_emails = OutboundEmailRepository(self.session)
