"""The leads service's unit of work in memory, as creating, editing, moving, losing, deleting and merging leads,
changing their deals, dropping cards on the boards and changing the configuration see it (service/unit_of_work.py):
what the SQL repositories keep in tables is kept in dictionaries, the configuration as a test gives it (and as the
use cases change it), and what the outbox would publish in a list.

The fakes keep the repositories' promises the use cases rely on: a save of a stale version (of a lead or a deal) is
refused, history outlives a lead and follows a merged one, deals go with their lead, a savepoint undoes what was
written inside it. They do not lock: one use case at a time runs against them, so races are the integration tests'."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.wire.events import CallFacts, Event
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import MERGED_LEAD, LeadLink, LinkKind
from leadline.leads.domain.model import (
    REFERENCE_FIELDS,
    FieldChange,
    HistoryEntry,
    Lead,
    LeadType,
    ReferenceData,
    ReferenceItem,
    Status,
)
from leadline.leads.domain.reference import Employee, Partner, SettingKey, Usage
from tests.support.fake_outbox import FakeOutbox


class FakeLeadRepository:
    def __init__(self, deals: FakeDeals) -> None:
        self.by_id: dict[UUID, Lead] = {}
        self._deals = deals

    async def get(self, lead_id: UUID, *, for_update: bool = False) -> Lead | None:
        return self.by_id.get(lead_id)

    async def existing(self, lead_ids: Collection[UUID]) -> set[UUID]:
        return {lead_id for lead_id in lead_ids if lead_id in self.by_id}

    async def add(self, lead: Lead) -> None:
        assert lead.id not in self.by_id, f"lead {lead.id} exists already"  # a primary key
        self.by_id[lead.id] = lead

    async def save(self, lead: Lead, before: Lead) -> None:
        stored = self.by_id.get(lead.id)
        if stored is None or stored.version != lead.version - 1:
            raise StaleVersion(f"lead {lead.id} was changed by someone else", rule="stale_version")
        self.by_id[lead.id] = lead

    async def remove(self, lead_id: UUID) -> None:
        del self.by_id[lead_id]
        self._deals.by_id = {i: deal for i, deal in self._deals.by_id.items() if deal.lead_id != lead_id}  # cascades

    async def open_sharing_contacts(self, lead: Lead, *, limit: int) -> list[Lead]:
        sharing = [
            other
            for other in self.by_id.values()
            if other.id != lead.id and not other.closed and other.contact_keys & lead.contact_keys
        ]
        sharing.sort(key=lambda other: other.id)
        sharing.sort(key=lambda other: other.created_at, reverse=True)
        return sharing[:limit]


class FakeHistory:
    """``rows``: every lead's entries, each with the lead it belongs to, in the order they were recorded."""

    def __init__(self) -> None:
        self.rows: list[tuple[UUID, HistoryEntry]] = []

    async def record(self, lead_id: UUID, *, action: str, by: str, at: datetime, changes: list[FieldChange]) -> None:
        self.rows.append((lead_id, HistoryEntry(at, by, action, list(changes), None)))

    async def of(self, lead_id: UUID) -> list[HistoryEntry]:
        return [entry for of_lead, entry in self.rows if of_lead == lead_id]

    async def knows(self, lead_id: UUID) -> bool:
        return any(lead_id in (of_lead, entry.merged_from_lead_id) for of_lead, entry in self.rows)

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        self.rows = [
            (to_lead_id, replace(entry, merged_from_lead_id=entry.merged_from_lead_id or from_lead_id))
            if of_lead == from_lead_id
            else (of_lead, entry)
            for of_lead, entry in self.rows
        ]


class FakeReferenceData:
    def __init__(self, reference: ReferenceData) -> None:
        self.reference = reference

    async def load(self) -> ReferenceData:
        return self.reference


class FakeWorkflow:
    """Writes the statuses and lead types of the reference data the unit of work loads."""

    def __init__(self, reference: FakeReferenceData, leads: FakeLeadRepository) -> None:
        self._reference = reference
        self._leads = leads

    async def lock_for_change(self) -> None:
        """Nothing to wait for: one use case at a time runs against the fakes."""

    async def add_status(self, status: Status) -> None:
        assert status.code not in self._reference.reference.statuses, f"status {status.code} exists already"
        await self.save_status(status)

    async def save_status(self, status: Status) -> None:
        configured = self._reference.reference
        self._reference.reference = replace(configured, statuses={**configured.statuses, status.code: status})

    async def delete_status(self, code: str) -> None:
        configured = self._reference.reference
        remaining = {other: status for other, status in configured.statuses.items() if other != code}
        self._reference.reference = replace(configured, statuses=remaining)

    async def leads_in_status(self, code: str) -> int:
        return sum(1 for lead in self._leads.by_id.values() if lead.status_code == code)

    async def leads_of_type_in(self, type_code: str, status_codes: frozenset[str]) -> int:
        leads = self._leads.by_id.values()
        return sum(1 for lead in leads if lead.type_code == type_code and lead.status_code in status_codes)

    async def add_lead_type(self, lead_type: LeadType) -> None:
        assert lead_type.code not in self._reference.reference.lead_types, f"lead type {lead_type.code} exists already"
        await self.save_lead_type(lead_type)

    async def save_lead_type(self, lead_type: LeadType) -> None:
        configured = self._reference.reference
        self._reference.reference = replace(configured, lead_types={**configured.lead_types, lead_type.code: lead_type})


# Which field of a lead refers to each kind of reference item it carries directly (as adapters/reference_repository.py).
_LEAD_FIELD_OF_KIND = {kind: field for field, kind in REFERENCE_FIELDS.items()} | {"lost_reason": "lost_reason_code"}


class FakeReferenceItems:
    """Writes the items of the reference data the unit of work loads; counts what uses them."""

    def __init__(self, reference: FakeReferenceData, leads: FakeLeadRepository, deals: FakeDeals) -> None:
        self._reference = reference
        self._leads = leads
        self._deals = deals

    async def lock_for_change(self) -> None:
        """Nothing to wait for: one use case at a time runs against the fakes."""

    async def add(self, item: ReferenceItem) -> None:
        assert (item.kind, item.code) not in self._reference.reference.items, f"{item.kind} {item.code} exists already"
        await self.save(item)

    async def save(self, item: ReferenceItem) -> None:
        configured = self._reference.reference
        self._reference.reference = replace(configured, items={**configured.items, (item.kind, item.code): item})

    async def delete(self, item: ReferenceItem) -> None:
        configured = self._reference.reference
        remaining = {key: other for key, other in configured.items.items() if key != (item.kind, item.code)}
        self._reference.reference = replace(configured, items=remaining)

    async def usage(self, item: ReferenceItem) -> Usage:
        leads, deals = self._leads.by_id.values(), self._deals.by_id.values()
        if item.kind == "tag":
            return Usage(leads=sum(1 for lead in leads if item.code in lead.tags))
        if item.kind in _LEAD_FIELD_OF_KIND:
            return Usage(leads=sum(1 for lead in leads if getattr(lead, _LEAD_FIELD_OF_KIND[item.kind]) == item.code))
        if item.kind == "pipeline":
            stages = self._reference.reference.items.values()
            return Usage(
                deals=sum(1 for deal in deals if deal.pipeline_code == item.code),
                stages=sum(1 for stage in stages if stage.kind == "stage" and stage.parent_code == item.code),
            )
        if item.kind == "stage":
            return Usage(deals=sum(1 for deal in deals if deal.stage_code == item.code))
        raise ValueError(f"no usage is known for reference kind {item.kind!r}")


class FakeSettings:
    def __init__(self) -> None:
        self.values: dict[SettingKey, str | None] = {}

    async def all(self) -> dict[SettingKey, str | None]:
        return {key: self.values.get(key) for key in SettingKey}

    async def put(self, key: SettingKey, value: str | None) -> None:
        self.values[key] = value


class FakeEmployees:
    def __init__(self, *employees: Employee) -> None:
        self.by_id = {employee.id: employee for employee in employees}

    async def lock_for_change(self) -> None:
        """Nothing to wait for: one use case at a time runs against the fakes."""

    async def get(self, employee_id: str) -> Employee | None:
        return self.by_id.get(employee_id)

    async def holding_extension(self, extension: str) -> list[Employee]:
        return [e for e in self.by_id.values() if e.extension == extension and not e.archived]

    async def add(self, employee: Employee) -> None:
        assert employee.id not in self.by_id, f"employee {employee.id} exists already"
        self.by_id[employee.id] = employee

    async def save(self, employee: Employee) -> None:
        self.by_id[employee.id] = employee


class FakePartners:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Partner] = {}

    async def get(self, partner_id: UUID) -> Partner | None:
        return self.by_id.get(partner_id)

    async def add(self, partner: Partner) -> None:
        assert partner.id not in self.by_id, f"partner {partner.id} exists already"
        self.by_id[partner.id] = partner

    async def save(self, partner: Partner) -> None:
        stored = self.by_id.get(partner.id)
        if stored is None or stored.version != partner.version - 1:
            raise StaleVersion(f"partner {partner.id} was changed by someone else", rule="stale_version")
        self.by_id[partner.id] = partner


class FakeContacts:
    def __init__(self, leads: FakeLeadRepository) -> None:
        self.by_id: dict[UUID, Contact] = {}
        self._leads = leads

    async def of(self, partner_ids: Collection[UUID]) -> dict[UUID, list[Contact]]:
        found: dict[UUID, list[Contact]] = {}
        for contact in sorted(self.by_id.values(), key=lambda contact: (contact.name, contact.id)):
            if contact.partner_id in partner_ids:
                found.setdefault(contact.partner_id, []).append(contact)
        return found

    async def get(self, contact_id: UUID) -> Contact | None:
        return self.by_id.get(contact_id)

    async def add(self, contact: Contact) -> None:
        assert contact.id not in self.by_id, f"contact {contact.id} exists already"
        self.by_id[contact.id] = contact

    async def save(self, contact: Contact) -> None:
        self.by_id[contact.id] = contact

    async def remove(self, contact: Contact) -> None:
        self.by_id.pop(contact.id, None)

    async def naming_leads(self, contact_id: UUID) -> int:
        return sum(1 for lead in self._leads.by_id.values() if lead.contact_id == contact_id)


class FakeDeals:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Deal] = {}

    async def of(self, lead_id: UUID) -> list[Deal]:
        return sorted((deal for deal in self.by_id.values() if deal.lead_id == lead_id), key=lambda d: (d.name, d.id))

    async def get(self, lead_id: UUID, deal_id: UUID) -> Deal | None:
        deal = self.by_id.get(deal_id)
        return deal if deal is not None and deal.lead_id == lead_id else None

    async def by_ids(self, deal_ids: list[UUID]) -> list[Deal]:
        return [self.by_id[deal_id] for deal_id in deal_ids if deal_id in self.by_id]

    async def add(self, deal: Deal, lead: Lead) -> None:
        assert deal.id not in self.by_id, f"deal {deal.id} exists already"
        self.by_id[deal.id] = deal

    async def save(self, deal: Deal) -> None:
        stored = self.by_id.get(deal.id)
        if stored is None or stored.version != deal.version - 1:
            raise StaleVersion(f"deal {deal.id} was changed by someone else", rule="stale_version")
        self.by_id[deal.id] = deal

    async def remove(self, deal: Deal) -> None:
        self.by_id.pop(deal.id, None)

    async def move(self, from_lead_id: UUID, to_lead: Lead) -> None:
        for deal in [deal for deal in self.by_id.values() if deal.lead_id == from_lead_id]:
            self.by_id[deal.id] = replace(deal, lead_id=to_lead.id)


class FakeLinks:
    """``by_item``: each linked item's link, by (kind, item id), in the order first linked."""

    def __init__(self) -> None:
        self.by_item: dict[tuple[str, str], LeadLink] = {}

    async def of(self, lead_id: UUID) -> list[LeadLink]:
        linked = [link for link in self.by_item.values() if link.lead_id == lead_id]
        return sorted(linked, key=lambda link: (link.linked_at, link.kind, link.item_id))

    async def get(self, kind: LinkKind, item_id: str) -> LeadLink | None:
        return self.by_item.get((kind, item_id))

    async def put(self, link: LeadLink) -> None:
        self.by_item[link.kind, link.item_id] = link

    async def put_all(self, links: Sequence[LeadLink]) -> None:
        for link in links:
            await self.put(link)

    async def survivors_of(self, merged_lead_ids: Collection[UUID]) -> dict[UUID, UUID]:
        wanted = {str(lead_id) for lead_id in merged_lead_ids}
        merges = [link for link in self.by_item.values() if link.kind == MERGED_LEAD and link.item_id in wanted]
        return {UUID(merge.item_id): merge.lead_id for merge in merges}

    async def remove(self, kind: LinkKind, item_id: str) -> None:
        self.by_item.pop((kind, item_id), None)

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        for link in await self.of(from_lead_id):
            self.by_item[link.kind, link.item_id] = replace(link, lead_id=to_lead_id)

    async def remove_of(self, lead_id: UUID) -> None:
        self.by_item = {key: link for key, link in self.by_item.items() if link.lead_id != lead_id}


class FakeCallFacts:
    def __init__(self) -> None:
        self.by_call: dict[str, CallFacts] = {}

    async def put_all(self, facts: Mapping[str, CallFacts]) -> None:
        self.by_call.update(facts)


class FakeCardPositions:
    """``by_user``: each user's position of each card they placed."""

    def __init__(self) -> None:
        self.by_user: dict[str, dict[UUID, float]] = {}

    async def lock_order_of(self, user_id: str) -> None:
        """Nothing to wait for: one use case at a time runs against the fakes."""

    async def put(self, user_id: str, positions: Mapping[UUID, float]) -> None:
        self.by_user.setdefault(user_id, {}).update(positions)


class FakeLeadQueries:
    def __init__(self, leads: FakeLeadRepository, positions: FakeCardPositions) -> None:
        self._leads = leads
        self._positions = positions

    def column_order(self, user_id: str, status_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        in_column = [
            (lead.id, lead.created_at) for lead in self._leads.by_id.values() if lead.status_code == status_code
        ]
        return _in_users_order(in_column, self._positions.by_user.get(user_id, {}))


class FakeDealQueries:
    def __init__(self, deals: FakeDeals, positions: FakeCardPositions) -> None:
        self._deals = deals
        self._positions = positions

    def stage_order(self, user_id: str, stage_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        in_stage = [(deal.id, deal.created_at) for deal in self._deals.by_id.values() if deal.stage_code == stage_code]
        return _in_users_order(in_stage, self._positions.by_user.get(user_id, {}))


async def _in_users_order(
    cards: list[tuple[UUID, datetime]], placed: Mapping[UUID, float]
) -> AsyncGenerator[tuple[UUID, float | None]]:
    """A board's column as a user sees it (adapters/card_positions.py): the cards they placed, by position, then the
    others newest first. ``cards``: the column's, each with when it was made."""
    for position, card_id in sorted((placed[card_id], card_id) for card_id, _ in cards if card_id in placed):
        yield card_id, position
    for _, card_id in sorted(((at, card_id) for card_id, at in cards if card_id not in placed), reverse=True):
        yield card_id, None


class FakeUnitOfWork:
    def __init__(self, reference: ReferenceData, *employees: Employee) -> None:
        self.deals = FakeDeals()
        self.leads = FakeLeadRepository(self.deals)
        self.history = FakeHistory()
        self.reference = FakeReferenceData(reference)
        self.workflow = FakeWorkflow(self.reference, self.leads)
        self.reference_items = FakeReferenceItems(self.reference, self.leads, self.deals)
        self.settings = FakeSettings()
        self.employees = FakeEmployees(*employees)
        self.partners = FakePartners()
        self.contacts = FakeContacts(self.leads)
        self.links = FakeLinks()
        self.call_facts = FakeCallFacts()
        self.card_positions = FakeCardPositions()
        self.queries = FakeLeadQueries(self.leads, self.card_positions)
        self.deal_card_positions = FakeCardPositions()
        self.deal_queries = FakeDealQueries(self.deals, self.deal_card_positions)
        self.outbox = FakeOutbox(source="leadline/leads")

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """As SQL's: what the block wrote (leads, history, deals, card positions, links, events) is undone when it
        raises."""
        leads, deals, links = dict(self.leads.by_id), dict(self.deals.by_id), dict(self.links.by_item)
        history, events = list(self.history.rows), list(self.outbox.events)
        positions = [
            {user: dict(placed) for user, placed in order.by_user.items()}
            for order in (self.card_positions, self.deal_card_positions)
        ]
        try:
            yield
        except BaseException:
            self.leads.by_id, self.deals.by_id, self.links.by_item = leads, deals, links
            self.history.rows, self.outbox.events = history, events
            self.card_positions.by_user, self.deal_card_positions.by_user = positions
            raise

    def announced(self) -> list[Event]:
        """The events the use cases added to the outbox, oldest first."""
        return self.outbox.announced()
