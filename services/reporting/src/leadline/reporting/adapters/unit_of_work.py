from leadline.contracts.db import UnitOfWork
from leadline.reporting.adapters.calls_repository import CallsRepository
from leadline.reporting.adapters.communications_repository import CommunicationsRepository
from leadline.reporting.adapters.facts_repository import LeadFactsRepository
from leadline.reporting.adapters.queries import ReportQueries
from leadline.reporting.adapters.repository import FunnelRepository


class ReportingUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.funnel = FunnelRepository(self.session)
        self.facts = LeadFactsRepository(self.session)
        self.reports = ReportQueries(self.session)
        self.communications = CommunicationsRepository(self.session)
        self.calls = CallsRepository(self.session)
