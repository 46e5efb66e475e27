"""Calls and e-mails from a partner's contact person match the partner's open leads like the lead's own phone and
address: taken from the leads service's partner and lead events, looked up once per kind of key per batch."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.contracts.wire.events import PartnerContact
from tests.support.builders import (
    call_received,
    email_received,
    lead_created,
    lead_updated,
    partner_changed,
    status_changed,
)
from tests.support.component.calls import call_by_pbx_id, gateway
from tests.support.component.service_under_test import ServiceUnderTest

Communications = ServiceUnderTest[CommunicationsUnitOfWork]

ACME = uuid.uuid4()
CONTACT_PHONE = "+48602111222"
JAN = PartnerContact(contact_id=uuid.uuid4(), name="Jan", phones=[CONTACT_PHONE], emails=["Jan.Kowalski@Acme.example"])


async def test_a_call_from_a_contact_person_attaches_to_the_partners_only_open_lead(
    communications: Communications,
) -> None:
    await communications.deliver(partner_changed(ACME, "Acme", [JAN]))
    lead = lead_created(phone=None, email=None, partner_id=ACME)
    await communications.deliver(lead)
    await communications.deliver(lead_created(phone=None, email=None))  # another partner's: no match

    await communications.deliver(call_received("from-jan", caller_number="602 111 222"))

    call = await call_by_pbx_id(communications, "from-jan")
    assert (call.state, call.lead_id) == ("attached", lead.lead_id)


async def test_with_two_open_leads_of_the_partner_the_call_waits_with_both_and_a_closed_one_never_matches(
    communications: Communications,
) -> None:
    await communications.deliver(partner_changed(ACME, "Acme", [JAN]))
    first, second = lead_created(phone=None, partner_id=ACME), lead_created(phone=None, partner_id=ACME)
    closed = lead_created(phone=None, partner_id=ACME)
    for created in (first, second, closed):
        await communications.deliver(created)
    await communications.deliver(status_changed(closed.lead_id, "new", "won", closed=True))

    await communications.deliver(call_received("from-jan", caller_number=CONTACT_PHONE))

    call = await call_by_pbx_id(communications, "from-jan")
    assert (call.state, set(call.candidate_lead_ids)) == ("triage", {first.lead_id, second.lead_id})


async def test_an_email_from_a_contact_person_and_a_lead_given_the_partner_later_match_too(
    communications: Communications,
) -> None:
    lead = lead_created(phone=None, email=None)
    await communications.deliver(lead)
    await communications.deliver(partner_changed(ACME, "Acme", [JAN]))
    await communications.deliver(lead_updated(lead.lead_id, partner_id=str(ACME)))

    sender = email_received(sender={"address": "jan.kowalski@acme.example", "name": "Jan"})
    await communications.deliver(sender)

    async with communications.runtime.unit_of_work() as uow:
        email = await uow.emails.get_by_message_id(sender.message_id)
    assert email is not None
    assert (email.state, email.lead_id) == ("attached", lead.lead_id)


async def test_a_batch_of_calls_finds_contact_persons_and_the_leads_own_numbers_in_one_lookup(
    communications: Communications,
) -> None:
    """Intake stays set-based: a contact's number and a lead's own are found by the same one query per batch."""
    own = lead_created(phone="+48601000000")
    ours = lead_created(phone=None, partner_id=ACME)
    batch = [
        gateway(partner_changed(ACME, "Acme", [JAN])),
        gateway(own),
        gateway(ours),
        gateway(call_received("own-number", caller_number="+48601000000")),
        gateway(call_received("contact-number", caller_number=CONTACT_PHONE)),
    ]

    sent: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(communications.runtime.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await communications.deliver_batch(batch)
    finally:
        event.remove(communications.runtime.engine.sync_engine, "before_cursor_execute", capture)

    assert (await call_by_pbx_id(communications, "own-number")).lead_id == own.lead_id
    assert (await call_by_pbx_id(communications, "contact-number")).lead_id == ours.lead_id
    # The leads of both callers: one query for the leads, one for their merged contacts, one for their partners'.
    lookups = [s for s in sent if s.lstrip().upper().startswith("SELECT") and "known_partner_contacts" in s]
    assert len(lookups) == 2, lookups
