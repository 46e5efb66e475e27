from leadline.contracts.db import UnitOfWork
from leadline.leads.adapters.repository import HistoryRepository, LeadRepository, ReferenceDataRepository


class LeadsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.leads = LeadRepository(self.session)
        self.reference = ReferenceDataRepository(self.session)
        self.history = HistoryRepository(self.session)
