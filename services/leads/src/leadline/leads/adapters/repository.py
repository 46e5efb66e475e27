"""Reading and writing leads and reference data."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.errors import StaleVersion
from leadline.leads.adapters.configuration_cache import cache_of
from leadline.leads.adapters.deals_repository import follow_lead
from leadline.leads.adapters.tables import (
    configuration_token,
    lead_contacts,
    lead_history,
    lead_tags,
    lead_type_statuses,
    lead_types,
    leads,
    reference_items,
    statuses,
)
from leadline.leads.domain.model import (
    ContactPoint,
    FieldChange,
    HistoryEntry,
    Lead,
    LeadType,
    ReferenceData,
    ReferenceItem,
    Status,
)

# Built once, values bound per call (see leadline.contracts.platform.messaging.outbox).
_INSERT_LEAD = insert(leads)
_INSERT_HISTORY = insert(lead_history)
# Every column is set from the parameters; the bind names of the condition must not be column names.
_UPDATE_LEAD = update(leads).where(leads.c.id == bindparam("b_id"), leads.c.version == bindparam("b_version_before"))


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID, *, for_update: bool = False) -> Lead | None:
        """``for_update``: the lead stays locked to the commit (PostgreSQL; SQLite has one writer at a time): what
        holds it (``held``) waits, and so does any other change of it."""
        query = select(leads).where(leads.c.id == lead_id)
        found = await self.many(query.with_for_update() if for_update else query)
        return found[0] if found else None

    async def existing(self, lead_ids: Collection[UUID]) -> set[UUID]:
        """Which of these leads exist, each kept so to the commit: a delete or merge of one waits, and then sees what
        the caller wrote (an item linked to it)."""
        query = select(leads.c.id).where(leads.c.id.in_(list(lead_ids))).with_for_update(read=True)
        return set((await self._session.execute(query)).scalars())

    async def many(self, query: Select[Any]) -> list[Lead]:
        """The leads a query over the leads table selects, each with its tags and extra contact points."""
        rows = list((await self._session.execute(query)).mappings())
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        tags: dict[UUID, set[str]] = {}
        for lead_id, tag in (await self._session.execute(select(lead_tags).where(lead_tags.c.lead_id.in_(ids)))).all():
            tags.setdefault(lead_id, set()).add(tag)
        contacts: dict[UUID, list[ContactPoint]] = {}
        query = select(lead_contacts).where(lead_contacts.c.lead_id.in_(ids)).order_by(lead_contacts.c.position)
        for contact in (await self._session.execute(query)).mappings():
            point = ContactPoint(contact["kind"], contact["value"], contact["from_lead_id"])
            contacts.setdefault(contact["lead_id"], []).append(point)
        return [
            Lead(**row, tags=frozenset(tags.get(row["id"], ())), extra_contacts=tuple(contacts.get(row["id"], ())))
            for row in rows
        ]

    async def add(self, lead: Lead) -> None:
        await self._session.execute(_INSERT_LEAD, _columns(lead))
        await self._put_tags(lead, frozenset())
        await self._put_contacts(lead, ())

    async def _put_contacts(self, lead: Lead, before: tuple[ContactPoint, ...]) -> None:
        """Contact points are only ever gained (a merge), so what is new is appended."""
        added = lead.extra_contacts[len(before) :]
        if added:
            await self._session.execute(
                insert(lead_contacts),
                [
                    {
                        "lead_id": lead.id,
                        "kind": c.kind,
                        "value": c.value,
                        "from_lead_id": c.from_lead_id,
                        "position": n,
                    }
                    for n, c in enumerate(added, start=len(before))
                ],
            )

    async def _put_tags(self, lead: Lead, before: frozenset[str]) -> None:
        if removed := before - lead.tags:
            await self._session.execute(
                delete(lead_tags).where(lead_tags.c.lead_id == lead.id, lead_tags.c.tag_code.in_(removed))
            )
        if added := lead.tags - before:
            await self._session.execute(insert(lead_tags), [{"lead_id": lead.id, "tag_code": t} for t in sorted(added)])

    async def save(self, lead: Lead, before: Lead) -> None:
        """Writes a changed lead; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            _UPDATE_LEAD, {**_columns(lead), "b_id": lead.id, "b_version_before": lead.version - 1}
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"lead {lead.id} was changed by someone else; reload it and try again",
                rule="stale_version",
            )
        await self._put_tags(lead, before.tags)
        await self._put_contacts(lead, before.extra_contacts)
        await follow_lead(self._session, lead, before)

    async def remove(self, lead_id: UUID) -> None:
        """Deletes the lead; its tags, deals and kanban positions go with it (foreign keys cascade)."""
        await self._session.execute(delete(leads).where(leads.c.id == lead_id))

    async def open_sharing_contacts(self, lead: Lead, *, limit: int) -> list[Lead]:
        """Other open leads known by one of the lead's phones or e-mail addresses (their own, or one they gained in a
        merge), newest first: likely duplicates."""
        keys = lead.contact_keys
        if not keys:
            return []
        phones = sorted(value for kind, value in keys if kind == "phone")
        emails = sorted(value for kind, value in keys if kind == "email")
        matching = [
            leads.c.phone.in_(phones),
            leads.c.email.in_(emails),
            leads.c.id.in_(
                select(lead_contacts.c.lead_id).where(
                    or_(
                        (lead_contacts.c.kind == "phone") & lead_contacts.c.value.in_(phones),
                        (lead_contacts.c.kind == "email") & lead_contacts.c.value.in_(emails),
                    )
                )
            ),
        ]
        query = (
            select(leads)
            .where(or_(*matching), leads.c.closed == false(), leads.c.id != lead.id)
            .order_by(leads.c.created_at.desc(), leads.c.id)
            .limit(limit)
        )
        return await self.many(query)


class ReferenceDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self) -> ReferenceData:
        """Cached per process while the configuration is unchanged; treat it as read-only."""
        return await cache_of(self._session).current(self._session, "reference", self._load)

    async def claim_first_publication(self, at: datetime) -> bool:
        """True once per database: for the caller, whose transaction then publishes the whole configuration.
        The row stays locked to its commit, so replicas starting together wait, then find it claimed; and so do
        configuration changes (each writes a new token in the same row), whose events then follow it."""
        claimed = await self._session.execute(
            update(configuration_token).where(configuration_token.c.published_at.is_(None)).values(published_at=at)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def _load(self) -> ReferenceData:
        status_rows = (await self._session.execute(select(statuses))).mappings()
        allowed: dict[str, set[str]] = {}
        for type_code, status_code in (await self._session.execute(select(lead_type_statuses))).all():
            allowed.setdefault(type_code, set()).add(status_code)
        type_rows = (await self._session.execute(select(lead_types))).mappings()
        item_rows = (await self._session.execute(select(reference_items))).mappings()
        return ReferenceData(
            items={(row["kind"], row["code"]): ReferenceItem(**row) for row in item_rows},
            statuses={row["code"]: Status(**row) for row in status_rows},
            lead_types={
                row["code"]: LeadType(row["code"], row["name"], frozenset(allowed.get(row["code"], ())))
                for row in type_rows
            },
        )


def _columns(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in leads.c.keys()}  # noqa: SIM118  (a ColumnCollection iterates columns, not names)


class HistoryRepository:
    """Each lead's history: who changed what, when. Written in the same transaction as the change."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, lead_id: UUID, *, action: str, by: str, at: datetime, changes: list[FieldChange]) -> None:
        await self._session.execute(
            _INSERT_HISTORY,
            {
                "lead_id": lead_id,
                "action": action,
                "by": by,
                "at": at,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes],
            },
        )

    async def of(self, lead_id: UUID) -> list[HistoryEntry]:
        query = select(lead_history).where(lead_history.c.lead_id == lead_id).order_by(lead_history.c.id)
        return [
            HistoryEntry(
                at=row.at,
                by=row.by,
                action=row.action,
                changes=[FieldChange(change["field"], change["old"], change["new"]) for change in row.changes],
                merged_from_lead_id=row.merged_from_lead_id,
            )
            for row in await self._session.execute(query)
        ]

    async def knows(self, lead_id: UUID) -> bool:
        """Whether a lead with this id ever existed: history outlives a deleted lead, and follows a merged one."""
        query = (
            select(lead_history.c.id)
            .where(or_(lead_history.c.lead_id == lead_id, lead_history.c.merged_from_lead_id == lead_id))
            .limit(1)
        )
        return (await self._session.execute(query)).first() is not None

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        """A merged lead's history becomes its survivor's, interleaved in the order it happened, each entry
        marked with the lead it was about (kept through later merges)."""
        await self._session.execute(
            update(lead_history)
            .where(lead_history.c.lead_id == from_lead_id)
            .values(
                lead_id=to_lead_id,
                merged_from_lead_id=func.coalesce(lead_history.c.merged_from_lead_id, from_lead_id),
            )
        )
