"""What may be decided about a call, and by whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from leadline.communications.domain.model import Call, CallState, ensure_may_handle
from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Conflict, Forbidden, RuleViolation
from tests.support.unit.communications import a_call

DECIDED = datetime(2026, 3, 2, 9, 45, tzinfo=UTC)


def salesperson(extension: str | None) -> Principal:
    return Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension=extension)


MANAGER = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}), extension="100")


def test_requesting_a_lead_records_the_lead_to_be_and_who_decided() -> None:
    call = a_call()
    lead_id = uuid4()

    requested = call.with_lead_requested(lead_id, "Office fit-out", by="anna", at=DECIDED)

    assert (requested.state, requested.lead_id, requested.decided_by, requested.decided_at) == (
        "lead_requested",
        lead_id,
        "anna",
        DECIDED,
    )
    assert requested.version == call.version + 1


def test_attaching_records_the_chosen_lead_and_who_chose_it() -> None:
    lead_id = uuid4()

    attached = a_call().attached_to(lead_id, by="anna", at=DECIDED)

    assert (attached.state, attached.lead_id, attached.decided_by, attached.decided_at) == (
        "attached",
        lead_id,
        "anna",
        DECIDED,
    )


Decision = Callable[[Call], Call]


@pytest.mark.parametrize("state", ["attached", "lead_requested"])
@pytest.mark.parametrize(
    "decide",
    [
        pytest.param(
            lambda call: call.with_lead_requested(uuid4(), "Office fit-out", by="anna", at=DECIDED), id="create lead"
        ),
        pytest.param(lambda call: call.attached_to(uuid4(), by="anna", at=DECIDED), id="attach"),
    ],
)
def test_only_a_call_in_triage_can_be_decided(state: CallState, decide: Decision) -> None:
    with pytest.raises(Conflict) as refused:
        decide(a_call(state=state))

    assert (refused.value.rule, refused.value.field) == ("call_already_decided", "state")


@pytest.mark.parametrize("caller_number", ["anonymous", "601234567"])
def test_no_lead_is_requested_for_a_caller_number_that_is_not_e164(caller_number: str) -> None:
    call = a_call(caller_number=caller_number)

    with pytest.raises(RuleViolation) as refused:
        call.with_lead_requested(uuid4(), "Office fit-out", by="anna", at=DECIDED)

    assert (refused.value.rule, refused.value.field) == ("caller_number_not_a_phone", "caller_number")


def test_the_created_lead_attaches_the_call_and_the_requester_stays_the_one_who_decided() -> None:
    lead_id = uuid4()
    requested = a_call().with_lead_requested(lead_id, "Office fit-out", by="anna", at=DECIDED)

    attached = requested.attached_to_created_lead(lead_id, by="leads-import", at=datetime(2026, 3, 3, tzinfo=UTC))

    assert (attached.state, attached.lead_id, attached.decided_by, attached.decided_at) == (
        "attached",
        lead_id,
        "anna",
        DECIDED,
    )


def test_a_lead_created_from_a_call_still_in_triage_is_decided_by_its_creator() -> None:
    lead_id = uuid4()

    attached = a_call().attached_to_created_lead(lead_id, by="piotr", at=DECIDED)

    assert (attached.state, attached.lead_id, attached.decided_by, attached.decided_at) == (
        "attached",
        lead_id,
        "piotr",
        DECIDED,
    )


@pytest.mark.parametrize(("state", "awaits"), [("triage", True), ("lead_requested", True), ("attached", False)])
def test_a_call_awaits_a_lead_until_it_is_attached(state: CallState, awaits: bool) -> None:
    assert replace(a_call(), state=state).awaits_lead is awaits


def test_a_salesperson_handles_the_calls_of_their_own_extension() -> None:
    ensure_may_handle(a_call(extension="101"), salesperson("101"))


@pytest.mark.parametrize(
    ("call_extension", "user_extension"),
    [
        pytest.param("102", "101", id="another extension's call"),
        pytest.param("101", None, id="salesperson without extension"),
    ],
)
def test_a_salesperson_may_not_handle_other_calls(call_extension: str | None, user_extension: str | None) -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_may_handle(a_call(extension=call_extension), salesperson(user_extension))

    assert (refused.value.rule, refused.value.field) == ("not_your_extension", "extension")


@pytest.mark.parametrize("user_extension", ["101", None])
def test_every_salesperson_handles_a_call_that_reached_no_extension(user_extension: str | None) -> None:
    """A queue or an IVR took it and nobody answered: anyone of the team may take it up."""
    ensure_may_handle(a_call(extension=None), salesperson(user_extension))


@pytest.mark.parametrize("call_extension", ["101", "102", None])
def test_a_manager_handles_every_call(call_extension: str | None) -> None:
    ensure_may_handle(a_call(extension=call_extension), MANAGER)
