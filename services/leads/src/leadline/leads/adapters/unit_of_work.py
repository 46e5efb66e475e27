from sqlalchemy.ext.asyncio import AsyncSessionTransaction

from leadline.contracts.platform.db import UnitOfWork
from leadline.leads.adapters.announcement_cursor import AnnouncementCursor
from leadline.leads.adapters.board_totals import BoardTotals, DealTotals
from leadline.leads.adapters.card_positions import DEAL_CARDS, LEAD_CARDS, CardPositions
from leadline.leads.adapters.contacts_repository import ContactRepository
from leadline.leads.adapters.deal_queries import DealQueries
from leadline.leads.adapters.deals_repository import DealRepository
from leadline.leads.adapters.links_repository import CallFactsRepository, LinkRepository
from leadline.leads.adapters.queries import LeadQueries
from leadline.leads.adapters.reference_repository import (
    EmployeeRepository,
    PartnerRepository,
    ReferenceItemRepository,
    SettingsRepository,
    WorkflowRepository,
)
from leadline.leads.adapters.repository import HistoryRepository, LeadRepository, ReferenceDataRepository


class LeadsUnitOfWork(UnitOfWork):
    def started(self) -> None:
        self.leads = LeadRepository(self.session)
        self.reference = ReferenceDataRepository(self.session)
        self.workflow = WorkflowRepository(self.session)
        self.reference_items = ReferenceItemRepository(self.session)
        self.employees = EmployeeRepository(self.session)
        self.partners = PartnerRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.settings = SettingsRepository(self.session)
        self.history = HistoryRepository(self.session)
        self.links = LinkRepository(self.session)
        self.call_facts = CallFactsRepository(self.session)
        self.deals = DealRepository(self.session)
        self.queries = LeadQueries(self.session)
        self.board_totals = BoardTotals(self.session)
        self.deal_totals = DealTotals(self.session)
        self.deal_queries = DealQueries(self.session)
        self.card_positions = CardPositions(self.session, LEAD_CARDS)
        self.deal_card_positions = CardPositions(self.session, DEAL_CARDS)
        self.announcement_cursor = AnnouncementCursor(self.session)

    def savepoint(self) -> AsyncSessionTransaction:
        """What is written inside the block is undone, alone, when the block raises."""
        return self.session.begin_nested()
