"""What communications learns as leads and the team change, on an in-memory unit of work: a lead's new phone,
address, merged contacts, partner, status and salesperson decide what later calls and e-mails match and who triages
them, and what waited in triage for such a lead joins it (tests/component/test_communications*.py run the same
service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from leadline.communications.domain.model import KnownLead
from leadline.communications.service import intake, lead_reactions, ownership, triage
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    EmailAttachedV1,
    EmployeeChangedV1,
    Event,
    LeadAnnouncedV1,
    PartnerContact,
)
from tests.support.builders import (
    AT,
    CALLER,
    call_received,
    email_received,
    lead_assigned,
    lead_updated,
    partner_changed,
    status_changed,
)
from tests.support.fake_communications import FakeUnitOfWork
from tests.support.unit.communications import ANNA, a_call, an_email


def delivered(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/leads")


async def known(
    uow: FakeUnitOfWork,
    *,
    phone: str | None = None,
    salesperson_id: str | None = None,
    partner_id: uuid.UUID | None = None,
) -> KnownLead:
    lead = KnownLead(
        uuid.uuid4(), phone=phone, closed=False, created_at=AT, salesperson_id=salesperson_id, partner_id=partner_id
    )
    await uow.known_leads.put_all([lead])
    return lead


async def register_call(uow: FakeUnitOfWork, caller: str = CALLER) -> uuid.UUID | None:
    """The lead a call from ``caller`` is attached to on arrival."""
    received = call_received(caller_number=caller)
    await intake.register_calls(uow, [(received, delivered(received))], phone_region="PL")
    [call] = [call for call in uow.calls.by_id.values() if call.pbx_call_id == received.pbx_call_id]
    return call.lead_id


async def test_a_leads_new_phone_takes_the_calls_waiting_from_it_and_matches_later_ones() -> None:
    uow = FakeUnitOfWork()
    lead = await known(uow, phone="+48700100200")
    waiting = a_call()
    await uow.calls.add(waiting)
    event = lead_updated(lead.lead_id, phone=CALLER)

    await lead_reactions.lead_updated(uow, event, delivered(event))

    assert uow.calls.by_id[waiting.id].lead_id == lead.lead_id
    [attached] = uow.announced()
    assert isinstance(attached, CallAttachedV1)
    assert attached.how == "matched"
    assert await register_call(uow) == lead.lead_id


async def test_a_survivor_matches_the_calls_from_the_phones_of_the_leads_merged_into_it() -> None:
    uow = FakeUnitOfWork()
    survivor = await known(uow, phone="+48700100200")
    gained = [{"kind": "phone", "value": CALLER, "from_lead_id": str(uuid.uuid4())}]
    event = lead_updated(survivor.lead_id, extra_contacts=gained)

    await lead_reactions.lead_updated(uow, event, delivered(event))

    assert await register_call(uow) == survivor.lead_id


async def test_an_email_from_a_partners_contact_person_matches_its_open_lead() -> None:
    uow = FakeUnitOfWork()
    partner_id = uuid.uuid4()
    lead = await known(uow, partner_id=partner_id)
    contact = PartnerContact(contact_id=uuid.uuid4(), name="Jan Kowalski", emails=["jan@example.com"])
    event = partner_changed(partner_id, "Kowalski Meble", [contact])

    await lead_reactions.partner_changed(uow, event, delivered(event))
    await intake.register_email(uow, email_received(), delivered(email_received()))

    [email] = uow.emails.by_id.values()
    assert (email.state, email.lead_id) == ("attached", lead.lead_id)


async def test_a_closed_lead_leaves_the_calls_from_a_shared_number_to_the_open_one() -> None:
    uow = FakeUnitOfWork()
    closing, staying = await known(uow, phone=CALLER), await known(uow, phone=CALLER)
    event = status_changed(closing.lead_id, "new", "won", closed=True)

    await lead_reactions.lead_status_changed(uow, event, delivered(event))

    assert await register_call(uow) == staying.lead_id


async def test_a_lead_announced_that_was_missed_takes_the_emails_waiting_from_its_address() -> None:
    uow = FakeUnitOfWork()
    waiting = an_email(to="anna@leadline.example")
    await uow.emails.add(waiting)
    lead_id = uuid.uuid4()
    event = LeadAnnouncedV1(
        lead_id=lead_id,
        name="Office fit-out",
        closed=False,
        salesperson_id="anna",
        phone=None,
        email="Jan@Example.com",
        created_at=AT,
        announced_at=AT,
    )

    await ownership.lead_announced(uow, event, delivered(event))

    assert (await uow.known_leads.get(lead_id)) is not None
    assert uow.emails.by_id[waiting.id].lead_id == lead_id
    [attached] = uow.announced()
    assert isinstance(attached, EmailAttachedV1)
    assert attached.email_id == waiting.id


async def test_a_reassigned_lead_is_its_new_salespersons() -> None:
    uow = FakeUnitOfWork()
    lead = await known(uow, salesperson_id="anna")
    event = lead_assigned(lead.lead_id, "piotr")

    await ownership.lead_assigned(uow, event, delivered(event))

    assert (await uow.known_leads.get(lead.lead_id)) == replace(lead, salesperson_id="piotr")


async def test_a_salesperson_triages_the_emails_to_the_address_the_directory_gives_them_while_on_the_team() -> None:
    uow = FakeUnitOfWork()
    email = an_email(to="anna.nowak@leadline.example")
    await uow.emails.add(email)

    def anna_changed(*, archived: bool) -> EmployeeChangedV1:
        return EmployeeChangedV1(
            employee_id="anna",
            name="Anna Nowak",
            role="salesperson",
            extension="101",
            archived=archived,
            email="anna.nowak@leadline.example",
            changed_by="marta",
            changed_at=AT,
        )

    await ownership.employees_changed(uow, [(anna_changed(archived=False), delivered(anna_changed(archived=False)))])
    assert [e.id for e in (await triage.list_emails(uow, ANNA, state=None, limit=10, cursor=None))[0]] == [email.id]
    await ownership.employees_changed(uow, [(anna_changed(archived=True), delivered(anna_changed(archived=True)))])

    assert await triage.list_emails(uow, ANNA, state=None, limit=10, cursor=None) == ([], None)
