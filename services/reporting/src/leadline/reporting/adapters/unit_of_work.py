from leadline.contracts.platform.db import UnitOfWork
from leadline.reporting.adapters.calls_repository import CallsRepository
from leadline.reporting.adapters.communications_repository import CommunicationsRepository
from leadline.reporting.adapters.deal_queries import DealReportQueries
from leadline.reporting.adapters.deals_repository import DealFactsRepository, StageRepository
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
        self.deals = DealFactsRepository(self.session)
        self.stages = StageRepository(self.session)
        self.deal_reports = DealReportQueries(self.session)
