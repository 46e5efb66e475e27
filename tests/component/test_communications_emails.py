"""The communications service's e-mail intake: stored once, matched by thread then sender, decided in triage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from leadline.communications.adapters.tables import emails as emails_table
from leadline.communications.service import triage
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Forbidden
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailRegisteredV1,
    EmailUnignoredV1,
    EmployeeChangedV1,
    Event,
    LeadAnnouncedV1,
)
from leadline.contracts.wire.topics import MAIL_EMAIL
from tests.support.builders import (
    AT,
    SENDER,
    email_received,
    lead_created,
    lead_deleted,
    lead_updated,
    leads_merged,
    status_changed,
)
from tests.support.component.emails import ANNA, Communications, email_of
from tests.support.component.service_under_test import headers_of

PIOTR = Principal("piotr", "Piotr", frozenset({Role.SALESPERSON}), extension="102", email="piotr@leadline.example")


async def number_of_emails(service: Communications) -> int:
    async with service.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(emails_table))).scalar_one())


async def events(service: Communications, kind: type[Event]) -> list[Event]:
    return [row.event for row in await service.outbox() if isinstance(row.event, kind)]


async def test_an_email_from_an_unknown_sender_waits_in_triage_and_is_announced(communications: Communications) -> None:
    received = email_received(message_id="m-1@example.com")

    envelope = await communications.deliver(received)

    email = await email_of(communications, "m-1@example.com")
    assert (email.state, email.lead_id, email.sender, email.sender_name) == ("triage", None, SENDER, "Jan Kowalski")
    [row] = await communications.outbox()
    assert (row.topic, row.key, row.envelope.causation_id) == (
        "leadline.communications.email",
        str(email.id),
        envelope.id,
    )
    assert row.event == EmailRegisteredV1(
        email_id=email.id,
        message_id="m-1@example.com",
        sender=SENDER,
        subject_line="Office fit-out",
        sent_at=AT,
        state="triage",
        lead_id=None,
        matched_by=None,
        candidate_lead_ids=[],
    )


async def test_an_email_the_gateway_sends_again_is_stored_once(communications: Communications) -> None:
    received = email_received()

    first = await communications.deliver(received)
    await communications.redeliver(first, MAIL_EMAIL)  # the same record again
    retry = await communications.deliver(received)  # the gateway retried: new ce_id, same Message-ID

    assert await number_of_emails(communications) == 1
    assert len(await events(communications, EmailRegisteredV1)) == 1
    assert sorted(await communications.inbox()) == sorted([first.id, retry.id])


async def test_a_malformed_email_is_dead_lettered_with_the_reason_and_intake_goes_on(
    communications: Communications,
) -> None:
    bad = json.loads(email_received().model_dump_json())
    bad["sender"] = {"address": "not an address"}
    envelope = Envelope.wrap(email_received(), source="gateway")
    await communications.deliver_raw(MAIL_EMAIL, json.dumps(bad).encode(), headers_of(envelope))
    good = email_received()
    await communications.deliver(good)

    [dead] = communications.dead_letters(MAIL_EMAIL)
    assert dead.headers["dlq_error_class"] == "ValidationError"
    assert "sender.address" in dead.headers["dlq_error_message"]
    assert (await email_of(communications, good.message_id)).state == "triage"
    assert await number_of_emails(communications) == 1


async def test_the_senders_lead_gets_the_email_whatever_the_case_of_the_address(communications: Communications) -> None:
    lead = lead_created(email="jan@example.com")
    await communications.deliver(lead)

    await communications.deliver(email_received(message_id="m-1", sender={"address": "JAN@EXAMPLE.COM"}))

    email = await email_of(communications, "m-1")
    assert (email.state, email.lead_id) == ("attached", lead.lead_id)
    [registered] = await events(communications, EmailRegisteredV1)
    assert isinstance(registered, EmailRegisteredV1)
    assert registered.matched_by == "sender"


async def test_several_open_leads_of_the_sender_leave_it_in_triage_with_the_candidates(
    communications: Communications,
) -> None:
    older, newer = lead_created(created_at=AT.replace(day=1)), lead_created(created_at=AT.replace(day=2))
    closed = lead_created()
    for lead in (older, newer, closed):
        await communications.deliver(lead)
    await communications.deliver(status_changed(closed.lead_id, "new", "won", closed=True))

    await communications.deliver(email_received(message_id="m-1"))

    email = await email_of(communications, "m-1")
    assert (email.state, email.lead_id, email.candidate_lead_ids) == ("triage", None, (newer.lead_id, older.lead_id))


async def test_a_reply_follows_its_thread_to_the_lead_rather_than_the_senders_address(
    communications: Communications,
) -> None:
    first_lead = lead_created(email="jan@example.com")
    await communications.deliver(first_lead)
    await communications.deliver(email_received(message_id="m-1"))
    # A colleague of Jan's answers in the thread, from an address no lead has.
    await communications.deliver(
        email_received(message_id="m-2", in_reply_to="m-1", references=["m-1"], sender={"address": "eva@example.com"})
    )

    reply = await email_of(communications, "m-2")
    assert (reply.state, reply.lead_id) == ("attached", first_lead.lead_id)
    registered = [e for e in await events(communications, EmailRegisteredV1) if isinstance(e, EmailRegisteredV1)]
    assert [(e.message_id, e.matched_by) for e in registered] == [("m-1", "sender"), ("m-2", "thread")]


async def test_replies_waiting_in_triage_follow_their_email_when_it_is_attached(communications: Communications) -> None:
    lead = lead_created(email="someone.else@example.com")
    await communications.deliver(lead)
    await communications.deliver(email_received(message_id="m-1"))
    await communications.deliver(email_received(message_id="m-2", in_reply_to="m-1"))
    await communications.deliver(email_received(message_id="m-3", references=["m-1", "m-2"]))
    first = await email_of(communications, "m-1")
    await communications.runtime.relay.publish_pending()

    async with communications.runtime.unit_of_work() as uow:
        await triage.attach(uow, uow.emails, Attach(first.id, lead.lead_id), ANNA)
        await uow.commit()

    for message_id in ("m-1", "m-2", "m-3"):
        assert (await email_of(communications, message_id)).lead_id == lead.lead_id
    attached = [e for e in await events(communications, EmailAttachedV1) if isinstance(e, EmailAttachedV1)]
    assert sorted(e.how for e in attached) == ["chosen", "thread", "thread"]


async def test_a_waiting_email_is_attached_when_a_lead_with_the_senders_address_appears(
    communications: Communications,
) -> None:
    await communications.deliver(email_received(message_id="m-1"))
    await communications.runtime.relay.publish_pending()

    lead = lead_created(email="Jan@Example.com")
    await communications.deliver(lead)

    assert (await email_of(communications, "m-1")).lead_id == lead.lead_id
    [attached] = await events(communications, EmailAttachedV1)
    assert isinstance(attached, EmailAttachedV1)
    assert (attached.how, attached.sender, attached.subject_line) == ("matched", SENDER, "Office fit-out")


async def test_a_lead_given_the_senders_address_later_takes_the_waiting_email(communications: Communications) -> None:
    lead = lead_created(email=None)
    await communications.deliver(lead)
    await communications.deliver(email_received(message_id="m-1"))

    await communications.deliver(lead_updated(lead.lead_id, email="jan@example.com"))

    assert (await email_of(communications, "m-1")).lead_id == lead.lead_id
    await communications.deliver(email_received(message_id="m-2"))
    assert (await email_of(communications, "m-2")).lead_id == lead.lead_id


async def test_a_lead_whose_address_changed_no_longer_matches_the_old_one(communications: Communications) -> None:
    lead = lead_created(email="jan@example.com")
    await communications.deliver(lead)

    await communications.deliver(lead_updated(lead.lead_id, email="jan@elsewhere.example"))
    await communications.deliver(email_received(message_id="m-1"))

    assert (await email_of(communications, "m-1")).state == "triage"


async def test_the_lead_created_from_an_email_takes_it(communications: Communications) -> None:
    await communications.deliver(email_received(message_id="m-1", subject_line="Quote for 40 desks"))
    email = await email_of(communications, "m-1")
    async with communications.runtime.unit_of_work() as uow:
        requested = await triage.request_lead_from_email(uow, RequestLead(email.id), ANNA)
        await uow.commit()
    assert requested.lead_id is not None
    [request] = await events(communications, EmailLeadRequestedV1)
    assert isinstance(request, EmailLeadRequestedV1)
    assert (request.lead_id, request.name, request.email, request.salesperson_id) == (
        requested.lead_id,
        "Quote for 40 desks",
        SENDER,
        "anna",
    )
    await communications.runtime.relay.publish_pending()

    created = lead_created(requested.lead_id, email=SENDER, created_by="anna")
    await communications.deliver(created)
    await communications.deliver(created)  # the same lead again: attached once

    after = await email_of(communications, "m-1")
    assert (after.state, after.lead_id, after.decided_by) == ("attached", requested.lead_id, "anna")
    attached = [e for e in await events(communications, EmailAttachedV1) if isinstance(e, EmailAttachedV1)]
    assert [(e.email_id, e.how) for e in attached] == [(email.id, "lead_created")]


async def test_ignoring_and_undoing_are_announced_and_refused_to_someone_it_was_not_sent_to(
    communications: Communications,
) -> None:
    await communications.deliver(email_received(message_id="m-1"))
    email = await email_of(communications, "m-1")
    await communications.runtime.relay.publish_pending()

    async with communications.runtime.unit_of_work() as uow:
        with pytest.raises(Forbidden):
            await triage.ignore(uow, uow.emails, email.id, PIOTR)
        ignored = await triage.ignore(uow, uow.emails, email.id, ANNA)
        back = await triage.unignore(uow, uow.emails, email.id, ANNA)
        await uow.commit()

    assert (ignored.state, back.state) == ("ignored", "triage")
    rows = await communications.outbox()
    assert [row.event.type for row in rows] == [EmailIgnoredV1.type, EmailUnignoredV1.type]
    assert {row.key for row in rows} == {str(email.id)}


async def test_emails_follow_a_merged_lead_and_forget_a_deleted_candidate(communications: Communications) -> None:
    survivor, merged, deleted = lead_created(email="eva@example.com"), lead_created(), lead_created()
    for lead in (survivor, merged, deleted):
        await communications.deliver(lead)
    await communications.deliver(email_received(message_id="m-1"))  # candidates: merged, deleted

    await communications.deliver(leads_merged(survivor.lead_id, merged.lead_id))
    await communications.deliver(lead_deleted(deleted.lead_id))

    email = await email_of(communications, "m-1")
    assert set(email.candidate_lead_ids) == {survivor.lead_id}


async def test_a_salesperson_lists_the_emails_addressed_to_them_a_manager_all(communications: Communications) -> None:
    await communications.deliver(email_received(message_id="to-anna"))
    await communications.deliver(
        email_received(
            message_id="cc-anna", to=[{"address": "piotr@leadline.example"}], cc=[{"address": "ANNA@leadline.example"}]
        )
    )
    await communications.deliver(email_received(message_id="to-piotr", to=[{"address": "piotr@leadline.example"}]))
    marta = Principal("marta", "Marta", frozenset({Role.MANAGER}))

    async def listed(user: Principal) -> set[str]:
        async with communications.runtime.unit_of_work() as uow:
            found, _ = await triage.list_emails(uow, user, state="triage", limit=10, cursor=None)
        return {email.message_id for email in found}

    assert await listed(ANNA) == {"to-anna", "cc-anna"}
    assert await listed(PIOTR) == {"cc-anna", "to-piotr"}
    assert await listed(marta) == {"to-anna", "cc-anna", "to-piotr"}
    assert await listed(Principal("eva", "Eva", frozenset({Role.SALESPERSON}))) == set()


async def test_an_employees_directory_address_makes_the_emails_to_it_theirs_while_they_are_on_the_team(
    communications: Communications,
) -> None:
    eva = Principal("eva", "Eva", frozenset({Role.SALESPERSON}))  # her token names no address
    await communications.deliver(email_received(message_id="to-eva", to=[{"address": "Eva@leadline.example"}]))

    async def listed() -> set[str]:
        async with communications.runtime.unit_of_work() as uow:
            found, _ = await triage.list_emails(uow, eva, state="triage", limit=10, cursor=None)
        return {email.message_id for email in found}

    assert await listed() == set()
    employee = EmployeeChangedV1(
        employee_id="eva",
        name="Eva",
        role="salesperson",
        extension=None,
        archived=False,
        email="eva@leadline.example",
        changed_by="marta",
        changed_at=AT,
    )
    await communications.deliver(employee)
    assert await listed() == {"to-eva"}
    await communications.deliver(employee.model_copy(update={"archived": True}))
    assert await listed() == set()


async def test_a_lead_known_before_matching_by_address_takes_the_waiting_emails_once_announced(
    communications: Communications,
) -> None:
    old = lead_created(email=None)  # as communications kept a lead before it matched e-mails by address
    await communications.deliver(old)
    await communications.deliver(email_received(message_id="m-1"))
    assert (await email_of(communications, "m-1")).state == "triage"

    announced = LeadAnnouncedV1(
        lead_id=old.lead_id,
        name=old.name,
        closed=False,
        salesperson_id="anna",
        phone=old.phone,
        email="jan@example.com",
        created_at=old.created_at,
        announced_at=AT,
    )
    await communications.deliver(announced)
    await communications.deliver(announced)  # announced again (a replica's retry): nothing more happens

    assert (await email_of(communications, "m-1")).lead_id == old.lead_id
    await communications.deliver(email_received(message_id="m-2"))
    assert (await email_of(communications, "m-2")).lead_id == old.lead_id
    attached = [e for e in await events(communications, EmailAttachedV1) if isinstance(e, EmailAttachedV1)]
    assert sorted(e.how for e in attached) == ["matched"]  # m-2 was registered attached, not attached later
