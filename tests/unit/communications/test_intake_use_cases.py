"""Intake on an in-memory unit of work: what a gateway reports is stored once, matched to its lead by the customer's
number or the e-mail's thread and sender, and announced (tests/component/test_communications*.py run the same service
on SQLite)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import KnownLead
from leadline.communications.service import intake
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallReceivedV1,
    CallRegisteredV1,
    EmailAttachedV1,
    EmailReceivedV1,
    EmailRegisteredV1,
    Event,
)
from tests.support.builders import AT, CALLER, SENDER, call_received, email_received
from tests.support.fake_communications import FakeUnitOfWork

REGION = "PL"


def delivered(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/gateway")


async def known(
    uow: FakeUnitOfWork, *, phone: str | None = CALLER, email: str | None = None, days_old: int = 0
) -> uuid.UUID:
    lead = KnownLead(uuid.uuid4(), phone=phone, closed=False, created_at=AT - timedelta(days=days_old), email=email)
    await uow.known_leads.put_all([lead])
    return lead.lead_id


async def register(uow: FakeUnitOfWork, *received: CallReceivedV1) -> None:
    await intake.register_calls(uow, [(event, delivered(event)) for event in received], phone_region=REGION)


async def register_email(uow: FakeUnitOfWork, received: EmailReceivedV1) -> None:
    await intake.register_email(uow, received, delivered(received))


def registered_calls(uow: FakeUnitOfWork) -> list[CallRegisteredV1]:
    return [event for event in uow.announced() if isinstance(event, CallRegisteredV1)]


# Calls


async def test_a_call_from_a_known_leads_number_is_stored_attached_to_it_and_announced() -> None:
    uow = FakeUnitOfWork()
    lead_id = await known(uow)

    await register(uow, call_received("pbx-1"))  # the caller as the PBX wrote it: "601 234 567"

    [call] = uow.calls.by_id.values()
    assert (call.state, call.lead_id, call.caller_number) == ("attached", lead_id, CALLER)
    [event] = registered_calls(uow)
    assert (event.call_id, event.state, event.lead_id, event.pbx_call_id) == (call.id, "attached", lead_id, "pbx-1")


async def test_a_call_from_a_number_two_open_leads_share_waits_in_triage_with_both_newest_first() -> None:
    uow = FakeUnitOfWork()
    older = await known(uow, days_old=3)
    newer = await known(uow)

    await register(uow, call_received())

    [call] = uow.calls.by_id.values()
    assert (call.state, call.lead_id, call.candidate_lead_ids) == ("triage", None, (newer, older))
    [event] = registered_calls(uow)
    assert (event.state, event.candidate_lead_ids) == ("triage", [newer, older])


async def test_a_call_from_an_unknown_number_waits_in_triage_without_candidates() -> None:
    uow = FakeUnitOfWork()
    await known(uow, phone="+48700100200")

    await register(uow, call_received())

    [call] = uow.calls.by_id.values()
    assert (call.state, call.lead_id, call.candidate_lead_ids) == ("triage", None, ())


async def test_a_gateways_retry_of_a_call_is_stored_and_announced_once_in_the_batch_and_after_it() -> None:
    uow = FakeUnitOfWork()
    first = call_received("pbx-1")

    await register(uow, first, call_received("pbx-1"), call_received("pbx-2"))
    await register(uow, call_received("pbx-1"))

    assert sorted(call.pbx_call_id for call in uow.calls.by_id.values()) == ["pbx-1", "pbx-2"]
    assert [event.pbx_call_id for event in registered_calls(uow)] == ["pbx-1", "pbx-2"]


async def test_each_registration_names_the_gateways_event_as_its_cause() -> None:
    uow = FakeUnitOfWork()
    received = call_received()
    envelope = delivered(received)

    await intake.register_calls(uow, [(received, envelope)], phone_region=REGION)

    assert [cause for _, cause in uow.outbox.events] == [envelope]


# E-mails


async def test_an_email_from_a_known_leads_address_is_attached_to_it_by_sender() -> None:
    uow = FakeUnitOfWork()
    lead_id = await known(uow, email=SENDER)

    await register_email(uow, email_received("m1@example.com"))  # from Jan@Example.com: addresses match in lower case

    [email] = uow.emails.by_id.values()
    assert (email.state, email.lead_id, email.sender) == ("attached", lead_id, SENDER)
    [event] = uow.announced()
    assert isinstance(event, EmailRegisteredV1)
    assert (event.email_id, event.lead_id, event.matched_by) == (email.id, lead_id, "sender")


async def test_a_retried_email_has_no_further_effect() -> None:
    uow = FakeUnitOfWork()
    await register_email(uow, email_received("m1@example.com"))

    await register_email(uow, email_received("m1@example.com", subject_line="Sent again"))

    assert [email.subject_line for email in uow.emails.by_id.values()] == ["Office fit-out"]
    assert len(uow.announced()) == 1


async def test_a_reply_goes_where_its_thread_went_though_its_sender_is_another_leads() -> None:
    uow = FakeUnitOfWork()
    thread_lead = await known(uow, email="office@example.com")
    await known(uow, email=SENDER)
    await register_email(uow, email_received("m1@example.com", sender={"address": "office@example.com"}))

    await register_email(uow, email_received("m2@example.com", in_reply_to="m1@example.com"))

    reply = await uow.emails.get_by_message_id("m2@example.com")
    assert reply is not None
    assert (reply.state, reply.lead_id) == ("attached", thread_lead)
    event = uow.announced()[-1]
    assert isinstance(event, EmailRegisteredV1)
    assert event.matched_by == "thread"


async def test_a_reply_that_came_first_follows_its_thread_once_that_is_attached() -> None:
    uow = FakeUnitOfWork()
    lead_id = await known(uow, email="office@example.com")
    await register_email(uow, email_received("m2@example.com", in_reply_to="m1@example.com"))  # nobody knows Jan

    await register_email(uow, email_received("m1@example.com", sender={"address": "office@example.com"}))

    reply = await uow.emails.get_by_message_id("m2@example.com")
    assert reply is not None
    assert (reply.state, reply.lead_id) == ("attached", lead_id)
    followed = uow.announced()[-1]
    assert isinstance(followed, EmailAttachedV1)
    assert (followed.email_id, followed.lead_id, followed.how) == (reply.id, lead_id, "thread")


# The IMAP connector


async def test_a_message_is_taken_in_as_the_mailbox_position_moves_past_it() -> None:
    uow = FakeUnitOfWork()
    message = email_received()

    taken = await intake.take_in_from_mailbox(uow, "sales", None, MailboxPosition(7, 1), message)

    assert taken
    assert await intake.mailbox_position(uow, "sales") == MailboxPosition(7, 1)
    assert uow.announced() == [message]


async def test_a_message_another_connector_took_in_meanwhile_is_left_alone() -> None:
    uow = FakeUnitOfWork()
    await intake.take_in_from_mailbox(uow, "sales", None, MailboxPosition(7, 1), None)  # refused: only passed

    taken = await intake.take_in_from_mailbox(uow, "sales", None, MailboxPosition(7, 1), email_received())

    assert not taken
    assert uow.announced() == []
