"""The leads service's intake of e-mails: leads made from e-mails, and e-mails linked to leads' cards."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.wire.events import LeadAnnouncedV1, LeadCreatedFrom, LeadCreatedV1
from leadline.contracts.wire.topics import EMAIL
from leadline.leads.adapters.tables import lead_announcement
from leadline.leads.domain.links import LeadHasLinks, LeadLink
from leadline.leads.service import announcement, lifecycle
from leadline.leads.service.commands import DeleteLead
from tests.support.builders import AT, SENDER, email_attached, email_lead_requested, email_registered
from tests.support.component.leads import Leads, lead_of, links_of, number_of_leads

ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101")
LABEL = f"{SENDER}, Office fit-out, 2026-03-02 09:30 UTC"


async def test_a_lead_requested_for_an_email_is_created_once_with_the_sender_as_its_email(leads: Leads) -> None:
    request = email_lead_requested(name="Quote for 40 desks", email="jan@example.com")

    envelope = await leads.deliver(request)
    await leads.deliver(request)  # the request again under a new ce_id: the lead is there already

    lead = await lead_of(leads, request.lead_id)
    assert lead is not None
    assert (lead.name, lead.email, lead.phone, lead.salesperson_id) == ("Quote for 40 desks", SENDER, None, "anna")
    assert await number_of_leads(leads) == 1
    [row] = await leads.outbox()
    assert isinstance(row.event, LeadCreatedV1)
    assert (row.event.lead_id, row.event.email, row.envelope.causation_id) == (request.lead_id, SENDER, envelope.id)
    # Its origin is the e-mail; `origin` admits calls only (what consumers of v1 were written against), so stays unset.
    assert (row.event.created_from, row.event.origin) == (LeadCreatedFrom(kind="email", id=request.email_id), None)
    assert leads.dead_letters(EMAIL) == []


async def test_an_email_attached_on_arrival_or_later_is_listed_on_the_card_and_keeps_the_lead(leads: Leads) -> None:
    request = email_lead_requested()
    await leads.deliver(request)
    lead_id = request.lead_id
    on_arrival = email_registered(lead_id, subject_line="Office fit-out")
    await leads.deliver(on_arrival)
    await leads.deliver(email_registered(None))  # in triage: linked to nothing yet
    later = email_attached(request.email_id, lead_id, how="lead_created", subject_line="")

    await leads.deliver(later)

    assert set(await links_of(leads, lead_id)) == {
        LeadLink("email", str(on_arrival.email_id), lead_id, LABEL, AT),
        LeadLink("email", str(request.email_id), lead_id, f"{SENDER}, (no subject), 2026-03-02 09:30 UTC", AT),
    }
    async with leads.runtime.unit_of_work() as uow:
        with pytest.raises(LeadHasLinks) as refused:
            await lifecycle.delete_lead(uow, DeleteLead(lead_id), ANNA)
    assert {link["kind"] for link in refused.value.extensions["links"]} == {"email"}


async def test_leads_that_existed_before_the_announcement_are_each_announced_once(
    leads: Leads, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = [email_lead_requested(email=f"client{n}@example.com") for n in range(3)]
    for request in requests:
        await leads.deliver(request)
    # As the migration leaves a database that already holds these leads: nothing announced yet.
    async with leads.runtime.sessions() as session:
        await session.execute(update(lead_announcement).values(after_lead_id=None, done_at=None))
        await session.commit()
    monkeypatch.setattr(announcement, "CHUNK", 2)  # more leads than one transaction announces

    await announcement.announce_all(leads.runtime.unit_of_work)
    await announcement.announce_all(leads.runtime.unit_of_work)  # the next start: nothing left to announce

    announced = [row.event for row in await leads.outbox() if isinstance(row.event, LeadAnnouncedV1)]
    assert sorted((e.lead_id, e.email) for e in announced) == sorted((r.lead_id, r.email) for r in requests)
