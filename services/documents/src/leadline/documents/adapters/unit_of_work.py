from leadline.contracts.db import UnitOfWork
from leadline.documents.adapters.repository import LeadCopyRepository


class DocumentsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.leads = LeadCopyRepository(self.session)
