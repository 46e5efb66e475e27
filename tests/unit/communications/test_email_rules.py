"""Which lead an inbound e-mail attaches to (its thread, else its sender), and what may be decided about it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from leadline.communications.domain.model import (
    Addressee,
    Email,
    ItemState,
    KnownLead,
    Match,
    ensure_may_handle,
    match_email,
    triage_addresses,
)
from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Conflict, Forbidden

SENDER = "jan@example.com"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

_lead_numbers = itertools.count(1)


def lead(*, email: str | None = SENDER, closed: bool = False, created_on: int = 1) -> KnownLead:
    return KnownLead(
        lead_id=UUID(int=next(_lead_numbers)),
        phone=None,
        closed=closed,
        created_at=datetime(2026, 3, created_on, tzinfo=UTC),
        email=email,
    )


def an_email(
    *,
    state: ItemState = "triage",
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    to: tuple[str, ...] = ("anna@leadline.example",),
    cc: tuple[str, ...] = (),
) -> Email:
    return Email(
        id=uuid4(),
        message_id="m-3@example.com",
        in_reply_to=in_reply_to,
        references=references,
        sender=SENDER,
        sender_name="Jan Kowalski",
        to=tuple(Addressee(a) for a in to),
        cc=tuple(Addressee(a) for a in cc),
        subject_line="Office fit-out",
        sent_at=AT,
        text_body="Hello",
        html_body=None,
        attachments=(),
        state=state,
    )


def test_a_reply_goes_to_the_lead_of_the_email_it_answers_even_when_the_sender_has_another_lead() -> None:
    thread_lead, senders_lead = uuid4(), lead()

    match = match_email(["m-1"], {"m-1": thread_lead}, SENDER, [senders_lead])

    assert match == Match("attached", lead_id=thread_lead, by_thread=True)


def test_in_reply_to_comes_before_the_references_and_the_newest_reference_before_older_ones() -> None:
    email = an_email(in_reply_to="m-2", references=("m-0", "m-1", "m-2"))

    assert email.thread == ("m-2", "m-1", "m-0")
    answered, older = uuid4(), uuid4()
    assert match_email(email.thread, {"m-0": older, "m-2": answered}, SENDER, []).lead_id == answered
    assert match_email(email.thread, {"m-0": older}, SENDER, []).lead_id == older


def test_a_thread_with_no_attached_email_falls_back_to_the_sender() -> None:
    the_lead = lead()

    match = match_email(["m-1", "m-0"], {}, SENDER, [the_lead])

    assert match == Match("attached", lead_id=the_lead.lead_id)


def test_the_senders_one_open_lead_gets_the_email_before_newer_closed_ones() -> None:
    the_open_one, newer_closed = lead(created_on=1), lead(closed=True, created_on=5)

    assert match_email([], {}, SENDER, [newer_closed, the_open_one]).lead_id == the_open_one.lead_id


def test_with_only_closed_leads_the_most_recent_one_gets_the_email() -> None:
    closed_leads = [lead(closed=True, created_on=day) for day in (3, 8, 1)]

    assert match_email([], {}, SENDER, closed_leads) == Match("attached", lead_id=closed_leads[1].lead_id)


def test_several_open_leads_of_the_sender_leave_it_in_triage_with_them_listed_newest_first() -> None:
    older, newer = lead(created_on=2), lead(created_on=6)

    match = match_email([], {}, SENDER, [older, newer, lead(closed=True, created_on=9)])

    assert match == Match("triage", candidate_lead_ids=(newer.lead_id, older.lead_id))


@pytest.mark.parametrize(
    "known",
    [pytest.param([], id="no leads"), pytest.param([lead(email="eva@example.com")], id="another sender's lead")],
)
def test_an_unknown_sender_waits_in_triage_without_candidates(known: list[KnownLead]) -> None:
    assert match_email([], {}, SENDER, known) == Match("triage")


def test_its_recipients_are_to_and_cc_in_lower_case() -> None:
    email = an_email(to=("Anna@Leadline.example",), cc=("piotr@leadline.example",))

    assert email.recipients == {"anna@leadline.example", "piotr@leadline.example"}


def salesperson(email: str | None) -> Principal:
    return Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101", email=email)


ANNAS = triage_addresses(["anna@leadline.example"], shared=[])


def test_a_salesperson_handles_the_emails_addressed_to_their_addresses_in_to_or_cc_a_manager_any() -> None:
    manager = Principal("marta", "Marta", frozenset({Role.MANAGER}))
    ensure_may_handle(an_email(), salesperson(None), ANNAS)
    ensure_may_handle(an_email(to=(), cc=("anna@leadline.example",)), salesperson(None), ANNAS)
    ensure_may_handle(an_email(to=("someone@leadline.example",)), manager)


def test_the_shared_addresses_are_every_salespersons_and_addresses_are_compared_in_lower_case() -> None:
    addresses = triage_addresses(["Piotr@Leadline.example", None], shared=["Sales@Leadline.example"])

    assert addresses == {"piotr@leadline.example", "sales@leadline.example"}
    ensure_may_handle(an_email(to=("sales@leadline.example",)), salesperson(None), addresses)


@pytest.mark.parametrize("addresses", [triage_addresses(["piotr@leadline.example"], shared=[]), frozenset()])
def test_a_salesperson_may_not_handle_an_email_to_someone_else(addresses: frozenset[str]) -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_may_handle(an_email(), salesperson("anna@leadline.example"), addresses)

    assert (refused.value.rule, refused.value.field) == ("not_addressed_to_you", "to")


def test_ignoring_takes_it_out_of_triage_and_undoing_puts_it_back_undecided() -> None:
    email = an_email()

    ignored = email.ignored(by="anna", at=AT)
    back = ignored.unignored()

    assert (ignored.state, ignored.decided_by, ignored.decided_at, ignored.version) == ("ignored", "anna", AT, 2)
    assert (back.state, back.decided_by, back.decided_at, back.version) == ("triage", None, None, 3)


@pytest.mark.parametrize("state", ["attached", "lead_requested", "ignored"])
def test_only_an_email_in_triage_can_be_ignored(state: ItemState) -> None:
    with pytest.raises(Conflict) as refused:
        an_email(state=state).ignored(by="anna", at=AT)

    assert refused.value.rule == "email_already_decided"


@pytest.mark.parametrize("state", ["triage", "attached", "lead_requested"])
def test_only_an_ignored_email_can_be_put_back(state: ItemState) -> None:
    with pytest.raises(Conflict) as refused:
        an_email(state=state).unignored()

    assert refused.value.rule == "email_not_ignored"
