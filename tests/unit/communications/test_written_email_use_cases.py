"""Writing e-mails from leads on an in-memory unit of work (and a blob store in a temporary directory): who may
write from a lead, what an e-mail and a reply are composed of, what queueing one stores and announces, and a reply
to it coming back to its lead (tests/component/test_communications_emails.py runs the same service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from leadline.communications.adapters.blobs import LocalBlobStore
from leadline.communications.domain.model import KnownLead
from leadline.communications.domain.outbound import OutboundEmail
from leadline.communications.service import intake, outbound
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import EmailAttachedV1, EmailRegisteredV1, EmailWrittenV1
from tests.support.builders import AT, email_received
from tests.support.fake_communications import FakeUnitOfWork
from tests.support.unit.communications import ANNA, MARTA, PIOTR, an_email

NO_REPLY = "leadline@leadline.example"


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path, max_bytes=1_000_000)


async def annas_lead(uow: FakeUnitOfWork) -> KnownLead:
    lead = KnownLead(
        uuid.uuid4(), phone=None, closed=False, created_at=AT, email="jan@example.com", salesperson_id="anna"
    )
    await uow.known_leads.put_all([lead])
    return lead


async def write(
    uow: FakeUnitOfWork,
    blobs: LocalBlobStore,
    lead: KnownLead,
    user: Principal = ANNA,
    *,
    reply_to: uuid.UUID | None = None,
    default_sender: str = NO_REPLY,
) -> OutboundEmail:
    command = outbound.WriteEmail(
        lead_id=lead.lead_id,
        to=(),
        cc=(),
        subject=None if reply_to else "Your quote",
        text_body="Please find the quote attached.",
        html_body=None,
        reply_to_email_id=reply_to,
    )
    prepared = await outbound.prepare_email(uow, blobs, command, user, default_sender=default_sender)
    return await outbound.queue_email(uow, prepared, user)


async def test_an_email_written_from_a_lead_goes_to_its_address_from_the_writers_and_is_queued_announced(
    blobs: LocalBlobStore,
) -> None:
    uow = FakeUnitOfWork()
    lead = await annas_lead(uow)
    await uow.directory.put("anna", "Anna.Nowak@leadline.example", archived=False)

    written = await write(uow, blobs, lead)

    assert uow.outbound_emails.by_id[written.id] == written
    assert (written.to, written.sender, written.state) == (
        ("jan@example.com",),
        "anna.nowak@leadline.example",
        "queued",
    )
    assert await blobs.contains(written.raw_message.sha256)
    [event] = uow.announced()
    assert isinstance(event, EmailWrittenV1)
    assert (event.email_id, event.lead_id, event.sender, event.to) == (
        written.id,
        lead.lead_id,
        "anna.nowak@leadline.example",
        ["jan@example.com"],
    )


async def test_a_reply_to_an_email_of_the_lead_is_threaded_under_it(blobs: LocalBlobStore) -> None:
    uow = FakeUnitOfWork()
    lead = await annas_lead(uow)
    received = replace(an_email(message_id="m1@example.com"), state="attached", lead_id=lead.lead_id)
    await uow.emails.add(received)

    reply = await write(uow, blobs, lead, reply_to=received.id)

    assert (reply.subject_line, reply.in_reply_to, reply.references) == (
        "Re: Office fit-out",
        "m1@example.com",
        ("m1@example.com",),
    )
    assert reply.sender == NO_REPLY  # the directory has no address of Anna's


async def test_the_customers_answer_to_a_written_email_comes_back_to_its_lead(blobs: LocalBlobStore) -> None:
    uow = FakeUnitOfWork()
    lead = await annas_lead(uow)
    await uow.known_leads.put_all([replace(lead, lead_id=uuid.uuid4())])  # another lead with Jan's address
    written = await write(uow, blobs, lead)
    answer = email_received(in_reply_to=written.message_id)

    await intake.register_email(uow, answer, Envelope.wrap(answer, source="leadline/gateway"))

    registered = uow.announced()[-1]
    assert isinstance(registered, EmailRegisteredV1)
    assert (registered.lead_id, registered.matched_by) == (lead.lead_id, "thread")
    assert not [event for event in uow.announced() if isinstance(event, EmailAttachedV1)]


async def test_only_the_leads_salesperson_or_a_manager_writes_from_it_and_reads_what_was_written(
    blobs: LocalBlobStore,
) -> None:
    uow = FakeUnitOfWork()
    lead = await annas_lead(uow)

    with pytest.raises(Forbidden):
        await write(uow, blobs, lead, PIOTR)
    written = await write(uow, blobs, lead, MARTA)

    assert await outbound.get_written(uow, written.id, ANNA) == written
    assert await outbound.written_from(uow, lead.lead_id, ANNA) == [written]
    with pytest.raises(Forbidden):
        await outbound.get_written(uow, written.id, PIOTR)


async def test_nothing_is_written_from_an_unknown_lead_or_without_an_smtp_server(blobs: LocalBlobStore) -> None:
    uow = FakeUnitOfWork()
    lead = await annas_lead(uow)

    with pytest.raises(NotFound):
        await write(uow, blobs, replace(lead, lead_id=uuid.uuid4()))
    with pytest.raises(Conflict):
        await write(uow, blobs, lead, default_sender="")

    assert (uow.outbound_emails.by_id, uow.announced()) == ({}, [])
