"""What becomes of a call when its lead, or one of its candidates, is merged into another or deleted."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from tests.support.unit.communications import a_call


def test_a_call_attached_to_a_merged_lead_follows_it_to_the_survivor() -> None:
    merged, survivor = uuid4(), uuid4()
    call = replace(a_call(state="attached"), lead_id=merged)

    repointed = call.repointed(merged, survivor)

    assert (repointed.lead_id, repointed.state, repointed.version) == (survivor, "attached", call.version + 1)


def test_a_merged_candidate_is_replaced_by_the_survivor_once() -> None:
    merged, survivor, other = uuid4(), uuid4(), uuid4()
    call = replace(a_call(), candidate_lead_ids=(merged, other, survivor))

    repointed = call.repointed(merged, survivor)

    assert (repointed.candidate_lead_ids, repointed.lead_id, repointed.state) == ((survivor, other), None, "triage")


def test_a_call_of_another_lead_keeps_its_lead() -> None:
    own = uuid4()
    call = replace(a_call(state="attached"), lead_id=own)

    assert call.repointed(uuid4(), uuid4()).lead_id == own


def test_a_deleted_lead_is_no_longer_a_candidate() -> None:
    deleted, other = uuid4(), uuid4()
    call = replace(a_call(), candidate_lead_ids=(deleted, other))

    assert call.without_candidate(deleted).candidate_lead_ids == (other,)
