"""Use cases of the configuration of leads: statuses, lead types, reference items, the sales team
directory, partners and settings. Each runs in the caller's unit of work and writes the events of
its change to the outbox in the same transaction; the caller commits.

Whoever may call them is the entrypoint's decision (configuration is a manager's), except where the
rule depends on the change itself (only a manager archives a partner)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from leadline.contracts.platform.auth import DEMO_USERS, Principal, Role
from leadline.contracts.platform.contacts import checked_e164, normalised_email
from leadline.contracts.platform.errors import Conflict, NotFound, RuleViolation, StaleVersion
from leadline.contracts.wire.events import (
    EmployeeChangedV1,
    LeadTypeChangedV1,
    PartnerChangedV1,
    PartnerContact,
    ReferenceItemChangedV1,
    SettingChangedV1,
    StatusChangedV1,
)
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.model import LeadType, ReferenceItem, Status
from leadline.leads.domain.reference import (
    Employee,
    Partner,
    SettingKey,
    Usage,
    employee_changed,
    ensure_extension_free,
    ensure_no_lead_stranded,
    ensure_reference_kind,
    ensure_stage_may_move,
    ensure_stage_outcome_may_change,
    existing_item,
    existing_lead_type,
    item_changed,
    item_created,
    item_removed,
    lead_type_changed,
    lead_type_created,
    setting_value,
    status_changed,
    status_created,
    status_removed,
    statuses_no_longer_allowed,
)
from leadline.leads.service.unit_of_work import AbstractUnitOfWork

# Who changes the configuration when no person does (the demo users put on the team at start).
SYSTEM = Principal(user_id="leadline", name="Leadline", roles=frozenset({Role.MANAGER}))

# Statuses and lead types


async def statuses(uow: LeadsUnitOfWork, *, include_archived: bool) -> list[Status]:
    """In the order sales apps show them."""
    found = (await uow.reference.load()).statuses.values()
    return [s for s in sorted(found, key=lambda s: s.sort_order) if include_archived or not s.archived]


async def lead_types(uow: LeadsUnitOfWork) -> list[LeadType]:
    """By name."""
    return sorted((await uow.reference.load()).lead_types.values(), key=lambda t: t.name)


async def create_status(uow: AbstractUnitOfWork, status: Status, user: Principal) -> Status:
    await uow.workflow.lock_for_change()
    created, *also_changed = status_created(await uow.reference.load(), status)
    await uow.workflow.add_status(created)
    for other in also_changed:
        await uow.workflow.save_status(other)
    await _announce_statuses(uow, [created, *also_changed], user)
    return created


async def update_status(uow: AbstractUnitOfWork, code: str, changes: Mapping[str, Any], user: Principal) -> Status:
    """Changes name, sort order, closed or lost; flagging a status as lost takes the flag from the former one."""
    await uow.workflow.lock_for_change()
    reference = await uow.reference.load()
    saved = status_changed(reference, code, changes, leads_in_status=await uow.workflow.leads_in_status(code))
    if saved == [reference.statuses[code]]:
        return saved[0]
    for status in saved:
        await uow.workflow.save_status(status)
    await _announce_statuses(uow, saved, user)
    return saved[0]


@dataclass(frozen=True)
class StatusRemoval:
    """What became of a status asked to be deleted: gone, or archived because leads or lead types use it."""

    status: Status
    deleted: bool


async def remove_status(uow: AbstractUnitOfWork, code: str, user: Principal) -> StatusRemoval:
    await uow.workflow.lock_for_change()
    reference = await uow.reference.load()
    archived = status_removed(reference, code, leads_in_status=await uow.workflow.leads_in_status(code))
    if archived is None:
        status = reference.statuses[code]
        await uow.workflow.delete_status(code)
        await uow.outbox.add(StatusChangedV1(**asdict(status), deleted=True, **_changed_by(user)))
        return StatusRemoval(status, deleted=True)
    if archived != reference.statuses[code]:
        await uow.workflow.save_status(archived)
        await _announce_statuses(uow, [archived], user)
    return StatusRemoval(archived, deleted=False)


async def _announce_statuses(uow: AbstractUnitOfWork, statuses: list[Status], user: Principal) -> None:
    for status in statuses:
        await uow.outbox.add(StatusChangedV1(**asdict(status), **_changed_by(user)))


async def create_lead_type(uow: AbstractUnitOfWork, lead_type: LeadType, user: Principal) -> LeadType:
    await uow.workflow.lock_for_change()
    created = lead_type_created(await uow.reference.load(), lead_type)
    await uow.workflow.add_lead_type(created)
    await _announce_lead_type(uow, created, user)
    return created


async def update_lead_type(uow: AbstractUnitOfWork, code: str, changes: Mapping[str, Any], user: Principal) -> LeadType:
    """Renames a type or sets the statuses it allows (empty: all); refused if leads of it would be left
    in a status it no longer allows."""
    await uow.workflow.lock_for_change()
    reference = await uow.reference.load()
    before = existing_lead_type(reference, code)
    after = lead_type_changed(reference, code, changes)
    dropped = statuses_no_longer_allowed(reference, before, after)
    ensure_no_lead_stranded(after, leads_in_dropped_statuses=await uow.workflow.leads_of_type_in(code, dropped))
    if after == before:
        return before
    await uow.workflow.save_lead_type(after)
    await _announce_lead_type(uow, after, user)
    return after


async def _announce_lead_type(uow: AbstractUnitOfWork, lead_type: LeadType, user: Principal) -> None:
    await uow.outbox.add(
        LeadTypeChangedV1(
            code=lead_type.code,
            name=lead_type.name,
            allowed_statuses=sorted(lead_type.allowed_statuses),
            **_changed_by(user),
        )
    )


# Reference items


async def reference_items(uow: LeadsUnitOfWork, kind: str | None, *, include_archived: bool) -> list[ReferenceItem]:
    """Items of one kind (or of every kind), in the order sales apps show them."""
    if kind is not None:
        ensure_reference_kind(kind)
    items = (await uow.reference.load()).items.values()
    return sorted(
        (i for i in items if (kind is None or i.kind == kind) and (include_archived or not i.archived)),
        key=lambda i: (i.kind, i.sort_order, i.name, i.code),
    )


async def create_reference_item(uow: AbstractUnitOfWork, item: ReferenceItem, user: Principal) -> ReferenceItem:
    await uow.reference_items.lock_for_change()
    created = item_created(await uow.reference.load(), item)
    await uow.reference_items.add(created)
    await _announce_item(uow, created, user)
    return created


async def update_reference_item(
    uow: AbstractUnitOfWork, kind: str, code: str, changes: Mapping[str, Any], user: Principal
) -> ReferenceItem:
    """Changes name, colour, sort order, a stage's pipeline, or archives / restores the item."""
    await uow.reference_items.lock_for_change()
    reference = await uow.reference.load()
    before = existing_item(reference, kind, code)
    after = item_changed(reference, kind, code, changes)
    if after.parent_code != before.parent_code:
        ensure_stage_may_move(before, await uow.reference_items.usage(before))
    if after.outcome != before.outcome:
        ensure_stage_outcome_may_change(before, await uow.reference_items.usage(before))
    if after == before:
        return before
    await uow.reference_items.save(after)
    await _announce_item(uow, after, user)
    return after


@dataclass(frozen=True)
class ItemRemoval:
    """What became of an item asked to be deleted: gone, or archived because something uses it."""

    item: ReferenceItem
    usage: Usage

    @property
    def deleted(self) -> bool:
        return not self.usage.in_use


async def remove_reference_item(uow: AbstractUnitOfWork, kind: str, code: str, user: Principal) -> ItemRemoval:
    await uow.reference_items.lock_for_change()
    item = existing_item(await uow.reference.load(), kind, code)
    usage = await uow.reference_items.usage(item)
    archived = item_removed(item, usage)
    if archived is None:
        await uow.reference_items.delete(item)
        await _announce_item(uow, item, user, deleted=True)
        return ItemRemoval(item, usage)
    if archived != item:
        await uow.reference_items.save(archived)
        await _announce_item(uow, archived, user)
    return ItemRemoval(archived, usage)


async def _announce_item(
    uow: AbstractUnitOfWork, item: ReferenceItem, user: Principal, *, deleted: bool = False
) -> None:
    await uow.outbox.add(ReferenceItemChangedV1(**asdict(item), deleted=deleted, **_changed_by(user)))


# The sales team directory


async def employees(uow: LeadsUnitOfWork, *, include_archived: bool) -> list[Employee]:
    """The sales team, by name."""
    return await uow.employees.directory(include_archived=include_archived)


async def get_employee(uow: AbstractUnitOfWork, employee_id: str) -> Employee:
    employee = await uow.employees.get(employee_id)
    if employee is None:
        raise NotFound(f"there is no employee {employee_id!r}", rule="employee_not_found", field="id")
    return employee


async def create_employee(uow: AbstractUnitOfWork, employee: Employee, user: Principal) -> Employee:
    await uow.employees.lock_for_change()
    if await uow.employees.get(employee.id) is not None:
        raise Conflict(f"employee {employee.id!r} is in the directory already", rule="duplicate_id", field="id")
    await _ensure_extension_free(uow, employee)
    await uow.employees.add(employee)
    await _announce_employee(uow, employee, user)
    return employee


async def update_employee(
    uow: AbstractUnitOfWork, employee_id: str, changes: Mapping[str, Any], user: Principal
) -> Employee:
    """Changes name, role or extension, archives (left the team) or restores an employee."""
    await uow.employees.lock_for_change()
    before = await get_employee(uow, employee_id)
    after = employee_changed(before, changes)
    if after == before:
        return before
    await _ensure_extension_free(uow, after)
    await uow.employees.save(after)
    await _announce_employee(uow, after, user)
    return after


async def enrol_demo_users(uow: AbstractUnitOfWork) -> None:
    """Puts the demo users (those ``leadline-token`` mints tokens for) in the directory unless they are there
    already, archived or not (one there without an address gets theirs); an extension someone else holds is left
    out."""
    await uow.employees.lock_for_change()
    for user in DEMO_USERS.values():
        enrolled = await uow.employees.get(user.user_id)
        if enrolled is not None:
            if enrolled.email is None:  # enrolled before the directory kept addresses
                await uow.employees.save(replace(enrolled, email=user.email))
                await _announce_employee(uow, replace(enrolled, email=user.email), SYSTEM)
            continue
        role = Role.MANAGER if Role.MANAGER in user.roles else Role.SALESPERSON
        employee = Employee(id=user.user_id, name=user.name, role=role, extension=user.extension, email=user.email)
        if await uow.employees.holding_extension(user.extension):
            employee = replace(employee, extension=None)
        await uow.employees.add(employee)
        await _announce_employee(uow, employee, SYSTEM)


async def ensure_on_the_team(uow: AbstractUnitOfWork, employee_id: str, *, field: str) -> None:
    """Leads are given to people on the team: a known employee who has not left."""
    employee = await uow.employees.get(employee_id)
    if employee is None:
        raise RuleViolation(
            f"there is no employee {employee_id!r}; a manager adds them under /employees first",
            rule="unknown_employee",
            field=field,
        )
    if employee.archived:
        raise RuleViolation(
            f"{employee.name} has left the team (archived) and cannot be given leads",
            rule="archived_employee",
            field=field,
        )


async def _ensure_extension_free(uow: AbstractUnitOfWork, employee: Employee) -> None:
    holders = await uow.employees.holding_extension(employee.extension) if employee.extension else []
    ensure_extension_free(employee, holders)


async def _announce_employee(uow: AbstractUnitOfWork, employee: Employee, user: Principal) -> None:
    await uow.outbox.add(
        EmployeeChangedV1(
            employee_id=employee.id,
            name=employee.name,
            role=employee.role.value,
            extension=employee.extension,
            archived=employee.archived,
            email=employee.email,
            **_changed_by(user),
        )
    )


# Partners


@dataclass(frozen=True)
class PartnerWithContacts:
    partner: Partner
    contacts: list[Contact]  # by name


async def partner_page(
    uow: LeadsUnitOfWork, *, name_contains: str | None, include_archived: bool, limit: int, cursor: str | None
) -> tuple[list[PartnerWithContacts], str | None]:
    """One page of the partners by name, each with its contact persons; the cursor of the next page, None on the
    last."""
    found, next_cursor = await uow.partners.page(
        name_contains=name_contains, include_archived=include_archived, limit=limit, cursor=cursor
    )
    contacts = await uow.contacts.of([p.id for p in found])
    return [PartnerWithContacts(p, contacts.get(p.id, [])) for p in found], next_cursor


async def with_contacts(uow: AbstractUnitOfWork, partner: Partner) -> PartnerWithContacts:
    return PartnerWithContacts(partner, (await uow.contacts.of([partner.id])).get(partner.id, []))


async def get_partner(uow: AbstractUnitOfWork, partner_id: UUID) -> Partner:
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound(f"there is no partner {partner_id}", rule="partner_not_found", field="partner_id")
    return partner


async def current_partner(uow: AbstractUnitOfWork, partner_id: UUID, expected_version: int | None) -> Partner:
    partner = await get_partner(uow, partner_id)
    if expected_version is not None and expected_version != partner.version:
        raise StaleVersion(
            f"partner {partner.id} is at version {partner.version}, not {expected_version}", rule="stale_version"
        )
    return partner


async def create_partner(
    uow: AbstractUnitOfWork, fields: Mapping[str, Any], user: Principal, *, phone_region: str
) -> Partner:
    partner = Partner(id=uuid.uuid4(), **_contacts_normalised(fields, phone_region))
    await uow.partners.add(partner)
    await announce_partner(uow, partner, user)
    return partner


async def update_partner(
    uow: AbstractUnitOfWork,
    partner_id: UUID,
    changes: Mapping[str, Any],
    user: Principal,
    *,
    expected_version: int | None,
    phone_region: str,
) -> Partner:
    partner = await current_partner(uow, partner_id, expected_version)
    edited = partner.edited(_contacts_normalised(changes, phone_region), user)
    if edited is partner:
        return partner
    await uow.partners.save(edited)
    await announce_partner(uow, edited, user)
    return edited


def _contacts_normalised(fields: Mapping[str, Any], phone_region: str) -> dict[str, Any]:
    """Phones in E.164, as on leads (calls are matched on them); e-mails in lower case."""
    normalised = dict(fields)
    if normalised.get("phone"):
        normalised["phone"] = checked_e164(normalised["phone"], phone_region)
    if normalised.get("email"):
        normalised["email"] = normalised_email(str(normalised["email"]))
    return normalised


async def announce_partner(uow: AbstractUnitOfWork, partner: Partner, user: Principal) -> None:
    """The partner's whole state, its contact persons included (after the caller's writes)."""
    fields = asdict(partner)
    contacts = [
        PartnerContact(contact_id=c.id, name=c.name, role=c.role, phones=list(c.phones), emails=list(c.emails))
        for c in (await uow.contacts.of([partner.id])).get(partner.id, [])
    ]
    await uow.outbox.add(
        PartnerChangedV1(partner_id=fields.pop("id"), **fields, contacts=contacts, **_changed_by(user))
    )


# Settings


async def current_settings(uow: LeadsUnitOfWork) -> dict[SettingKey, str | None]:
    return await uow.settings.all()


async def change_setting(
    uow: AbstractUnitOfWork, key: SettingKey, value: str | None, user: Principal
) -> dict[SettingKey, str | None]:
    """Sets one setting; returns them all."""
    value = setting_value(key, value)
    current = await uow.settings.all()
    if current[key] == value:
        return current
    await uow.settings.put(key, value)
    await uow.outbox.add(SettingChangedV1(key=key.value, value=value, **_changed_by(user)))
    return {**current, key: value}


# The whole configuration, once


async def publish_configuration_once(uow: LeadsUnitOfWork) -> None:
    """What a database starts with (the seeded defaults; on a database older than this step, whatever it holds)
    goes to the compacted reference topic like any later change, so a consumer reading the topic from its
    beginning knows the whole configuration. Once per database, whichever replica starts first; by the service
    itself (``changed_by`` is its source)."""
    now = datetime.now(UTC)
    if not await uow.reference.claim_first_publication(now):
        return
    by = {"changed_by": uow.outbox.source, "changed_at": now}
    reference = await uow.reference.load()
    for status in sorted(reference.statuses.values(), key=lambda s: (s.sort_order, s.code)):
        await uow.outbox.add(StatusChangedV1(**asdict(status), **by))
    for lead_type in sorted(reference.lead_types.values(), key=lambda t: t.code):
        await uow.outbox.add(
            LeadTypeChangedV1(
                code=lead_type.code, name=lead_type.name, allowed_statuses=sorted(lead_type.allowed_statuses), **by
            )
        )
    for item in sorted(reference.items.values(), key=lambda i: (i.kind, i.sort_order, i.code)):
        await uow.outbox.add(ReferenceItemChangedV1(**asdict(item), **by))
    for key, value in (await uow.settings.all()).items():
        await uow.outbox.add(SettingChangedV1(key=key.value, value=value, **by))


def _changed_by(user: Principal) -> dict[str, Any]:
    return {"changed_by": user.user_id, "changed_at": datetime.now(UTC)}
