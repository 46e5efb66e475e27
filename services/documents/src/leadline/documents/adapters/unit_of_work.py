from leadline.contracts.platform.db import UnitOfWork
from leadline.documents.adapters.copies_repository import LeadCopyRepository, NamedValues
from leadline.documents.adapters.documents_repository import DocumentRepository
from leadline.documents.adapters.tables import lead_settings, partners, products


class DocumentsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.leads = LeadCopyRepository(self.session)
        self.settings = NamedValues(self.session, lead_settings, lead_settings.c.key, lead_settings.c.value)
        self.products = NamedValues(self.session, products, products.c.code, products.c.name)
        self.partners = NamedValues(self.session, partners, partners.c.partner_id, partners.c.name)
        self.documents = DocumentRepository(self.session)
