"""Writing the configuration of leads (statuses and lead types, reference items, employees, partners,
settings) and counting what uses it. Reading reference data as leads see it is ReferenceDataRepository's."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.auth import Role
from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.platform.pagination import Keyset, Segment, keyset_page
from leadline.leads.adapters.configuration_cache import cache_of, configuration_changed, lock_configuration
from leadline.leads.adapters.tables import (
    deals,
    employees,
    lead_tags,
    lead_type_statuses,
    lead_types,
    leads,
    partners,
    reference_items,
    settings,
    statuses,
)
from leadline.leads.domain.model import REFERENCE_FIELDS, LeadType, ReferenceItem, Status
from leadline.leads.domain.reference import Employee, Partner, SettingKey, Usage


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _count(self, table: Table, *conditions: ColumnElement[bool]) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)

    async def _serialise_writers(self, table: Table) -> None:
        """Rules that span rows (one lost status, a free extension, an existing pipeline) are checked
        against what is committed; on PostgreSQL this lock, held to the commit, keeps two changes from
        passing such a check side by side. Reads go on. SQLite transactions begin IMMEDIATE, which
        already lets one writer in at a time."""
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE"))

    async def _serialise_with_lead_writes(self) -> None:
        await lock_configuration(self._session)


class WorkflowRepository(_Repository):
    """Statuses and lead types: the workflow a lead goes through. Their rules span both."""

    async def lock_for_change(self) -> None:
        await self._serialise_writers(statuses)
        await self._serialise_with_lead_writes()

    async def add_status(self, status: Status) -> None:
        await configuration_changed(self._session)
        await self._session.execute(insert(statuses).values(**asdict(status)))

    async def save_status(self, status: Status) -> None:
        await configuration_changed(self._session)
        await self._session.execute(update(statuses).where(statuses.c.code == status.code).values(**asdict(status)))

    async def delete_status(self, code: str) -> None:
        await configuration_changed(self._session)
        await self._session.execute(delete(statuses).where(statuses.c.code == code))

    async def leads_in_status(self, code: str) -> int:
        return await self._count(leads, leads.c.status_code == code)

    async def leads_of_type_in(self, type_code: str, status_codes: frozenset[str]) -> int:
        if not status_codes:
            return 0
        return await self._count(leads, leads.c.type_code == type_code, leads.c.status_code.in_(status_codes))

    async def add_lead_type(self, lead_type: LeadType) -> None:
        await configuration_changed(self._session)
        await self._session.execute(insert(lead_types).values(code=lead_type.code, name=lead_type.name))
        await self._put_allowed_statuses(lead_type)

    async def save_lead_type(self, lead_type: LeadType) -> None:
        await configuration_changed(self._session)
        await self._session.execute(
            update(lead_types).where(lead_types.c.code == lead_type.code).values(name=lead_type.name)
        )
        await self._session.execute(delete(lead_type_statuses).where(lead_type_statuses.c.type_code == lead_type.code))
        await self._put_allowed_statuses(lead_type)

    async def _put_allowed_statuses(self, lead_type: LeadType) -> None:
        if lead_type.allowed_statuses:
            await self._session.execute(
                insert(lead_type_statuses),
                [{"type_code": lead_type.code, "status_code": code} for code in sorted(lead_type.allowed_statuses)],
            )


# Which column of a lead refers to each kind of reference item it carries directly.
_LEAD_COLUMN_OF_KIND = {kind: leads.c[field] for field, kind in REFERENCE_FIELDS.items()} | {
    "lost_reason": leads.c.lost_reason_code
}


class ReferenceItemRepository(_Repository):
    async def lock_for_change(self) -> None:
        await self._serialise_writers(reference_items)
        await self._serialise_with_lead_writes()

    async def add(self, item: ReferenceItem) -> None:
        await configuration_changed(self._session)
        await self._session.execute(insert(reference_items).values(**asdict(item)))

    async def save(self, item: ReferenceItem) -> None:
        await configuration_changed(self._session)
        await self._session.execute(
            update(reference_items)
            .where(reference_items.c.kind == item.kind, reference_items.c.code == item.code)
            .values(**asdict(item))
        )

    async def delete(self, item: ReferenceItem) -> None:
        await configuration_changed(self._session)
        await self._session.execute(
            delete(reference_items).where(reference_items.c.kind == item.kind, reference_items.c.code == item.code)
        )

    async def usage(self, item: ReferenceItem) -> Usage:
        """What refers to ``item``: leads (by their coded fields, tags and lost reason), deals, a pipeline's stages."""
        if item.kind == "tag":
            return Usage(leads=await self._count(lead_tags, lead_tags.c.tag_code == item.code))
        if item.kind in _LEAD_COLUMN_OF_KIND:
            return Usage(leads=await self._count(leads, _LEAD_COLUMN_OF_KIND[item.kind] == item.code))
        if item.kind == "pipeline":
            return Usage(
                deals=await self._count(deals, deals.c.pipeline_code == item.code),
                stages=await self._count(
                    reference_items, reference_items.c.kind == "stage", reference_items.c.parent_code == item.code
                ),
            )
        if item.kind == "stage":
            return Usage(deals=await self._count(deals, deals.c.stage_code == item.code))
        raise ValueError(f"no usage is known for reference kind {item.kind!r}")


class EmployeeRepository(_Repository):
    async def lock_for_change(self) -> None:
        await self._serialise_writers(employees)

    async def directory(self, *, include_archived: bool) -> list[Employee]:
        query = select(employees).order_by(employees.c.name, employees.c.id)
        if not include_archived:
            query = query.where(employees.c.archived.is_(False))
        return [_employee(row) for row in (await self._session.execute(query)).mappings()]

    async def get(self, employee_id: str) -> Employee | None:
        return (await self._team()).get(employee_id)

    async def _team(self) -> dict[str, Employee]:
        """Everyone, as of the configuration the transaction reads: the team changes rarely, and every lead given to
        someone (a create, a reassignment) checks them against it. A change of the team is a change of the
        configuration (``add``, ``save``)."""
        return await cache_of(self._session).current(self._session, "employees", self._load_team)

    async def _load_team(self) -> dict[str, Employee]:
        return {row["id"]: _employee(row) for row in (await self._session.execute(select(employees))).mappings()}

    async def holding_extension(self, extension: str) -> list[Employee]:
        query = select(employees).where(employees.c.extension == extension, employees.c.archived.is_(False))
        return [_employee(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, employee: Employee) -> None:
        await self._session.execute(insert(employees).values(**asdict(employee)))
        await configuration_changed(self._session)

    async def save(self, employee: Employee) -> None:
        await self._session.execute(update(employees).where(employees.c.id == employee.id).values(**asdict(employee)))
        await configuration_changed(self._session)


def _employee(row: Any) -> Employee:
    return Employee(**{**row, "role": Role(row["role"])})


class PartnerRepository(_Repository):
    async def get(self, partner_id: UUID) -> Partner | None:
        row = (await self._session.execute(select(partners).where(partners.c.id == partner_id))).mappings().first()
        return Partner(**row) if row else None

    async def add(self, partner: Partner) -> None:
        await self._session.execute(insert(partners).values(**asdict(partner)))

    async def save(self, partner: Partner) -> None:
        """Writes a changed partner; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            update(partners)
            .where(partners.c.id == partner.id, partners.c.version == partner.version - 1)
            .values(**asdict(partner))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"partner {partner.id} was changed by someone else; reload it and try again", rule="stale_version"
            )

    async def page(
        self, *, name_contains: str | None, include_archived: bool, limit: int, cursor: str | None
    ) -> tuple[list[Partner], str | None]:
        """By name (then id, so equal names keep one order); the cursor is the position after the last one."""
        query = select(partners)
        if not include_archived:
            query = query.where(partners.c.archived.is_(False))
        if name_contains:
            query = query.where(partners.c.name.icontains(name_contains, autoescape=True))
        rows, next_cursor = await keyset_page(
            self._session,
            [Segment(query, Keyset([partners.c.name, partners.c.id]))],
            listing="partners-by-name",
            limit=limit,
            cursor=cursor,
        )
        return [Partner(**row) for row in rows], next_cursor


class SettingsRepository(_Repository):
    async def all(self) -> dict[SettingKey, str | None]:
        current = await cache_of(self._session).current(self._session, "settings", self._load)
        return dict(current)  # a copy: the cached one is shared by every request

    async def _load(self) -> dict[SettingKey, str | None]:
        rows = await self._session.execute(select(settings.c.key, settings.c.value))
        stored: dict[str, str | None] = dict(rows.all())
        return {key: stored.get(key.value) for key in SettingKey}

    async def put(self, key: SettingKey, value: str | None) -> None:
        await configuration_changed(self._session)
        result = await self._session.execute(update(settings).where(settings.c.key == key.value).values(value=value))
        if result.rowcount == 0:  # type: ignore[attr-defined]  # a key added after the database was seeded
            await self._session.execute(insert(settings).values(key=key.value, value=value))
