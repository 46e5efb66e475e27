from leadline.contracts.db import UnitOfWork
from leadline.reporting.adapters.repository import FunnelRepository


class ReportingUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.funnel = FunnelRepository(self.session)
