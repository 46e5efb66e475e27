"""The communications repositories keep the promises intake, triage and the reactions to lead events rely on
(service/unit_of_work.py), whether in SQLite or in the unit tests' in-memory fakes: the same tests run against both,
so a use case tested on the fakes behaves so on the database too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import KnownLead, Returned
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.platform.errors import StaleVersion
from tests.support.builders import AT
from tests.support.component.service_under_test import service_named
from tests.support.fake_communications import FakeUnitOfWork
from tests.support.unit.communications import ANNA, PIOTR, RECEIVED, a_call, a_written_email, an_email

SHARED = "sales@leadline.example"


@pytest.fixture(params=["in memory", "sqlite"])
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AbstractUnitOfWork]:
    """One transaction of either, left uncommitted: each test reads back what it wrote in it."""
    if request.param == "in memory":
        yield FakeUnitOfWork(shared_addresses=frozenset({SHARED}))
        return
    settings = {"mail_shared_addresses": [SHARED]}
    async with service_named("communications", tmp_path, **settings) as service, service.runtime.unit_of_work() as sql:
        yield sql


def a_lead(
    *, phone: str | None = None, email: str | None = None, closed: bool = False, partner_id: uuid.UUID | None = None
) -> KnownLead:
    return KnownLead(uuid.uuid4(), phone=phone, closed=closed, created_at=AT, email=email, partner_id=partner_id)


# Known leads


async def test_leads_are_found_by_their_phones_and_addresses_their_merged_leads_and_open_ones_partners(
    uow: AbstractUnitOfWork,
) -> None:
    partner = uuid.uuid4()
    own = a_lead(phone="+48601000001", email="own@example.com")
    merged_into = a_lead(phone="+48601000002")
    open_of_partner, closed_of_partner = a_lead(partner_id=partner), a_lead(partner_id=partner, closed=True)
    await uow.known_leads.put_all([own, merged_into, open_of_partner, closed_of_partner])
    await uow.known_leads.add_contacts(merged_into.lead_id, [("phone", "+48601000009"), ("email", "old@example.com")])
    await uow.known_leads.put_partner_contacts(partner, [("phone", "+48601000005"), ("email", "buyer@example.com")])

    by_phone = await uow.known_leads.with_phones({"+48601000001", "+48601000009", "+48601000005", "+48600000000"})

    assert {phone: [lead.lead_id for lead in leads] for phone, leads in by_phone.items()} == {
        "+48601000001": [own.lead_id],
        "+48601000009": [merged_into.lead_id],
        "+48601000005": [open_of_partner.lead_id],
    }
    assert [lead.lead_id for lead in await uow.known_leads.with_email("old@example.com")] == [merged_into.lead_id]
    assert [lead.lead_id for lead in await uow.known_leads.with_email("buyer@example.com")] == [open_of_partner.lead_id]
    claimed = await uow.known_leads.claim(merged_into.lead_id)
    assert claimed is not None
    assert (claimed.other_phones, claimed.other_emails) == (frozenset({"+48601000009"}), frozenset({"old@example.com"}))


async def test_a_forgotten_lead_is_found_by_nothing_stays_gone_and_an_unknown_one_is_not_gone(
    uow: AbstractUnitOfWork,
) -> None:
    lead, never_seen = a_lead(phone="+48601000001"), uuid.uuid4()
    await uow.known_leads.put_all([lead])

    await uow.known_leads.forget(lead.lead_id, at=AT)
    await uow.known_leads.forget(never_seen, at=AT)
    await uow.known_leads.put_all([lead])  # its creation seen again

    assert await uow.known_leads.get(lead.lead_id) is None
    assert await uow.known_leads.claim(never_seen) is None
    assert await uow.known_leads.with_phones({"+48601000001"}) == {}
    assert (await uow.known_leads.is_gone(lead.lead_id), await uow.known_leads.is_gone(never_seen)) == (True, True)
    assert not await uow.known_leads.is_gone(uuid.uuid4())


async def test_an_update_changes_a_known_lead_and_leaves_an_unknown_one_unknown(uow: AbstractUnitOfWork) -> None:
    lead, unknown = a_lead(phone="+48601000001"), uuid.uuid4()
    await uow.known_leads.put_all([lead])

    await uow.known_leads.update(lead.lead_id, phone="+48601000002", closed=True, salesperson_id="piotr")
    await uow.known_leads.update(unknown, phone="+48601000002")

    assert await uow.known_leads.get(lead.lead_id) == replace(
        lead, phone="+48601000002", closed=True, salesperson_id="piotr"
    )
    assert await uow.known_leads.get(unknown) is None


# Calls and e-mails in triage


async def test_a_save_of_a_stale_version_is_refused(uow: AbstractUnitOfWork) -> None:
    call = a_call()
    await uow.calls.add_all([call])
    await uow.calls.save(call.ignored(by="anna", at=AT))

    with pytest.raises(StaleVersion):
        await uow.calls.save(call.ignored(by="piotr", at=AT))

    stored = await uow.calls.get(call.id)
    assert stored is not None
    assert stored.decided_by == "anna"


async def test_items_waiting_for_a_lead_and_those_back_from_a_retryable_request_await_it(
    uow: AbstractUnitOfWork,
) -> None:
    lead_id = uuid.uuid4()
    waiting = replace(a_call(state="lead_requested"), lead_id=lead_id, pbx_call_id="pbx-1")
    refused = replace(a_call(), pbx_call_id="pbx-2", returned=Returned("lead_request_refused", lead_id, "no", AT))
    deleted = replace(a_call(), pbx_call_id="pbx-3", returned=Returned("lead_deleted", lead_id, "gone", AT))
    await uow.calls.add_all([waiting, refused, deleted])

    awaiting = await uow.calls.awaiting_leads({lead_id, uuid.uuid4()})

    assert {key: {call.id for call in calls} for key, calls in awaiting.items()} == {lead_id: {waiting.id, refused.id}}


async def test_items_in_triage_come_by_sender_oldest_first_and_by_lead_attached_or_candidate(
    uow: AbstractUnitOfWork,
) -> None:
    lead_id = uuid.uuid4()
    later = replace(a_call(), pbx_call_id="pbx-1", received_at=RECEIVED + timedelta(minutes=5))
    earlier = replace(a_call(), pbx_call_id="pbx-2", candidate_lead_ids=(lead_id,))
    attached = replace(a_call(state="attached"), pbx_call_id="pbx-3", lead_id=lead_id)
    await uow.calls.add_all([later, earlier, attached])

    from_caller = await uow.calls.in_triage_from_any({earlier.contact_number})

    assert [call.id for call in from_caller[earlier.contact_number]] == [earlier.id, later.id]
    assert {call.id for call in await uow.calls.of_lead(lead_id)} == {earlier.id, attached.id}
    assert [call.id for call in await uow.calls.attached_to(lead_id)] == [attached.id]
    assert [call.id for call in await uow.calls.in_triage_with_candidate(lead_id)] == [earlier.id]


async def test_calls_are_listed_newest_first_a_page_at_a_time_for_an_extension_and_those_of_none(
    uow: AbstractUnitOfWork,
) -> None:
    calls = [
        replace(a_call(extension=extension), pbx_call_id=f"pbx-{n}", received_at=RECEIVED + timedelta(minutes=n))
        for n, extension in enumerate(["101", None, "102", "101"])
    ]
    await uow.calls.add_all(calls)

    first, cursor = await uow.calls.page_of_extension("101", everyone=False, state=None, limit=2, cursor=None)
    rest, end = await uow.calls.page_of_extension("101", everyone=False, state=None, limit=2, cursor=cursor)

    assert [call.id for call in first + rest] == [calls[3].id, calls[1].id, calls[0].id]
    assert end is None


async def test_an_email_is_found_by_its_message_id_its_replies_and_the_lead_of_its_thread(
    uow: AbstractUnitOfWork,
) -> None:
    lead = a_lead()
    await uow.known_leads.put_all([lead])
    original = replace(an_email(message_id="m1@example.com"), state="attached", lead_id=lead.lead_id)
    reply = an_email(message_id="m2@example.com", replying_to="m1@example.com")
    await uow.emails.add(original)
    await uow.emails.add(reply)

    assert await uow.emails.get_by_message_id("m2@example.com") == reply
    assert [email.id for email in await uow.emails.in_triage_replying_to("m1@example.com")] == [reply.id]
    assert await uow.emails.leads_of_messages(["m1@example.com", "m2@example.com"]) == {"m1@example.com": lead.lead_id}
    await uow.known_leads.forget(lead.lead_id, at=AT)
    assert await uow.emails.leads_of_messages(["m1@example.com"]) == {}


async def test_a_salesperson_triages_the_emails_to_their_directory_address_their_tokens_and_the_shared_ones(
    uow: AbstractUnitOfWork,
) -> None:
    await uow.directory.put("anna", "Anna.Nowak@leadline.example", archived=False)
    await uow.directory.put("piotr", "piotr.z@leadline.example", archived=True)

    assert await uow.emails.addresses_of(ANNA) == {"anna.nowak@leadline.example", "anna@leadline.example", SHARED}
    assert await uow.emails.addresses_of(PIOTR) == {"piotr@leadline.example", SHARED}
    assert await uow.calls.addresses_of(ANNA) == frozenset()


async def test_emails_are_listed_newest_first_all_or_those_sent_to_some_addresses(uow: AbstractUnitOfWork) -> None:
    to_anna = an_email(message_id="m1@example.com")
    to_piotr = replace(
        an_email(message_id="m2@example.com", to="piotr@leadline.example"), sent_at=AT + timedelta(minutes=1)
    )
    await uow.emails.add(to_anna)
    await uow.emails.add(to_piotr)

    everyone, _ = await uow.emails.page_addressed_to(None, state=None, limit=10, cursor=None)
    annas, _ = await uow.emails.page_addressed_to({"anna@leadline.example"}, state="triage", limit=10, cursor=None)

    assert ([email.id for email in everyone], [email.id for email in annas]) == (
        [to_piotr.id, to_anna.id],
        [to_anna.id],
    )


# What the PBX reports, and the IMAP connector's position


async def test_a_calls_lifecycle_and_call_back_are_written_apart_from_a_persons_decision(
    uow: AbstractUnitOfWork,
) -> None:
    call = a_call()
    await uow.calls.add_all([call])
    decided = call.ignored(by="anna", at=AT)
    await uow.calls.save(decided)

    await uow.calls.save_lifecycles([replace(call, phase="ended", disposition="missed", extension="102")])
    await uow.calls.save_callbacks([replace(call, callback_state="waiting")])

    stored = await uow.calls.get(call.id)
    assert stored == replace(decided, phase="ended", disposition="missed", extension="102", callback_state="waiting")
    assert [c.id for c in await uow.calls.waiting_for_callback({call.contact_number})] == [call.id]
    assert await uow.calls.by_pbx_call_ids({call.pbx_call_id, "unknown"}) == {call.pbx_call_id: stored}


async def test_a_mailbox_position_moves_only_from_where_it_is(uow: AbstractUnitOfWork) -> None:
    first, second = MailboxPosition(7, 1), MailboxPosition(7, 2)

    moved = [
        await uow.mailbox_positions.advance("sales", None, first, at=AT),
        await uow.mailbox_positions.advance("sales", None, second, at=AT),
        await uow.mailbox_positions.advance("sales", first, second, at=AT),
        await uow.mailbox_positions.advance("sales", first, second, at=AT),
    ]

    assert moved == [True, False, True, False]
    assert await uow.mailbox_positions.get("sales") == second


# E-mails written from leads


async def test_written_emails_are_listed_oldest_first_and_threaded_under_their_lead(uow: AbstractUnitOfWork) -> None:
    lead, gone = a_lead(), a_lead()
    await uow.known_leads.put_all([lead, gone])
    later, earlier = a_written_email(lead.lead_id, minutes=5), a_written_email(lead.lead_id)
    of_gone = a_written_email(gone.lead_id)
    for written in (later, earlier, of_gone):
        await uow.outbound_emails.add(written)
    await uow.known_leads.forget(gone.lead_id, at=AT)

    assert await uow.outbound_emails.of_lead(lead.lead_id) == [earlier, later]
    assert await uow.outbound_emails.get(later.id) == later
    assert await uow.emails.leads_of_messages([later.message_id, of_gone.message_id]) == {
        later.message_id: lead.lead_id
    }


async def test_the_sending_queue_hands_out_what_is_due_and_a_change_only_from_the_state_it_was_in(
    uow: AbstractUnitOfWork,
) -> None:
    lead_id = uuid.uuid4()
    due, not_yet = a_written_email(lead_id), a_written_email(lead_id, minutes=60)
    for written in (due, not_yet):
        await uow.outbound_emails.add(written)
    now = RECEIVED + timedelta(minutes=1)
    claimed = due.claimed(at=now, lease=timedelta(minutes=5))

    assert await uow.outbound_emails.due(now, limit=10) == [due]
    assert await uow.outbound_emails.replace(due, claimed)
    assert not await uow.outbound_emails.replace(due, due.claimed(at=now, lease=timedelta(minutes=5)))
    assert await uow.outbound_emails.abandoned(now + timedelta(minutes=10)) == [claimed]
    assert await uow.outbound_emails.count_by_state() == {"sending": 1, "queued": 1}


async def test_an_employees_work_address_is_theirs_while_they_are_on_the_team(uow: AbstractUnitOfWork) -> None:
    await uow.directory.put("anna", "Anna.Nowak@leadline.example", archived=False)
    await uow.directory.put("piotr", "piotr@leadline.example", archived=True)

    addresses = [await uow.directory.address_of(employee) for employee in ("anna", "piotr", "zofia")]

    assert addresses == ["anna.nowak@leadline.example", None, None]
