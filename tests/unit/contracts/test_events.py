"""The event catalogue: every type named by the convention, declared once, on a catalogued topic."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from leadline.contracts.wire.events import (
    EVENT_TYPES,
    CallAttachedV1,
    CallLeadRequestedV1,
    CallReceivedV1,
    CallRegisteredV1,
    Event,
    LeadCreatedV1,
    LeadsByStatusV1,
    LeadStatusChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
    StatusChangedV1,
    event_type,
)
from leadline.contracts.wire.topics import DOMAIN_TOPICS, LEAD

# leadline.<context>.<aggregate>.<verb>.v<N>; a gateway's context has two parts (gateway.telephony).
NAME = re.compile(r"^leadline\.(?:[a-z][a-z0-9_-]*\.){3,4}v(?P<major>[1-9][0-9]*)$")

CATALOGUE: dict[str, type[Event]] = {
    "leadline.leads.lead.created.v1": LeadCreatedV1,
    "leadline.leads.lead.status_changed.v1": LeadStatusChangedV1,
    "leadline.gateway.telephony.call.received.v1": CallReceivedV1,
    "leadline.communications.call.registered.v1": CallRegisteredV1,
    "leadline.communications.call.attached.v1": CallAttachedV1,
    "leadline.communications.call.lead_requested.v1": CallLeadRequestedV1,
    "leadline.reporting.leads_by_status.updated.v1": LeadsByStatusV1,
}


@pytest.fixture
def catalogue_kept() -> Iterator[None]:
    """Whatever a test declares is gone afterwards, so the real catalogue stays as the code declares it."""
    before = dict(EVENT_TYPES)
    yield
    EVENT_TYPES.clear()
    EVENT_TYPES.update(before)


def test_the_catalogue_holds_every_event_type_under_its_own_name() -> None:
    assert {name: EVENT_TYPES.get(name) for name in CATALOGUE} == CATALOGUE
    for name, model in CATALOGUE.items():
        assert model.type == name
        assert event_type(name) is model


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_type_follows_the_naming_convention_and_its_class_carries_the_major_version(name: str) -> None:
    matched = NAME.match(name)

    assert matched, f"{name} is not leadline.<context>.<aggregate>.<verb>.v<N>"
    assert EVENT_TYPES[name].__name__.endswith(f"V{matched['major']}")


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_type_is_on_a_catalogued_topic_and_keyed_by_one_of_its_fields(name: str) -> None:
    model = EVENT_TYPES[name]

    assert model.topic in DOMAIN_TOPICS
    assert model.subject_field in model.model_fields or model.subject_field in model.model_computed_fields


def test_an_unknown_type_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        event_type("leadline.leads.lead.archived.v1")


def test_the_subject_is_the_declared_field_as_text() -> None:
    lead_id = uuid4()
    event = LeadStatusChangedV1(
        lead_id=lead_id,
        from_status_code="new",
        to_status_code="won",
        closed=True,
        changed_by="anna",
        changed_at=datetime(2026, 3, 2, tzinfo=UTC),
    )

    assert event.subject == str(lead_id)
    assert LeadsByStatusV1(status_code="won", lead_count=3, as_of=datetime(2026, 3, 2, tzinfo=UTC)).subject == "won"


def test_every_catalogued_topic_carries_some_event_type() -> None:
    assert {model.topic for model in EVENT_TYPES.values()} == set(DOMAIN_TOPICS)


def test_configuration_events_sharing_a_compacted_topic_are_keyed_by_kind_and_code() -> None:
    """Only the latest record per key survives compaction: a status and a priority both coded "won"
    must not overwrite each other, and the key travels in the payload too, for consumers rebuilding state."""
    who = {"changed_by": "marta", "changed_at": datetime(2026, 3, 2, tzinfo=UTC)}
    status = StatusChangedV1(code="won", name="Won", sort_order=40, closed=True, lost=False, **who)
    priority = ReferenceItemChangedV1(
        kind="priority", code="won", name="Won", colour=None, sort_order=0, parent_code=None, archived=False, **who
    )
    setting = SettingChangedV1(key="order_type", value="ZS", **who)

    assert [status.subject, priority.subject, setting.subject] == ["status:won", "priority:won", "setting:order_type"]
    assert json.loads(priority.model_dump_json())["reference_key"] == "priority:won"
    assert ReferenceItemChangedV1.model_validate_json(priority.model_dump_json()) == priority


def test_events_are_immutable() -> None:
    event = LeadsByStatusV1(status_code="won", lead_count=3, as_of=datetime(2026, 3, 2, tzinfo=UTC))

    with pytest.raises(ValidationError):
        event.lead_count = 4  # type: ignore[misc]


def test_a_count_below_zero_is_not_a_valid_report() -> None:
    with pytest.raises(ValidationError):
        LeadsByStatusV1(status_code="won", lead_count=-1, as_of=datetime(2026, 3, 2, tzinfo=UTC))


# --- declaring types ----------------------------------------------------------------------------


@pytest.mark.usefixtures("catalogue_kept")
def test_a_new_type_is_registered_with_its_topic_and_subject() -> None:
    class LeadArchivedV1(Event, type="leadline.leads.lead.archived.v1", topic=LEAD, subject="lead_id"):
        lead_id: str

    assert event_type("leadline.leads.lead.archived.v1") is LeadArchivedV1
    assert (LeadArchivedV1.topic, LeadArchivedV1.subject_field) == (LEAD, "lead_id")


@pytest.mark.usefixtures("catalogue_kept")
def test_a_type_declared_twice_is_refused_and_the_first_declaration_stays() -> None:
    with pytest.raises(ValueError, match="declared twice"):

        class AnotherLeadCreatedV1(Event, type="leadline.leads.lead.created.v1", topic=LEAD, subject="lead_id"):
            lead_id: str

    assert event_type("leadline.leads.lead.created.v1") is LeadCreatedV1


@pytest.mark.usefixtures("catalogue_kept")
@pytest.mark.parametrize(
    "name",
    [
        "leads.lead.created.v1",  # not under leadline
        "leadline.leads.lead.created",  # no version
        "leadline.leads.lead.created.v0",  # versions start at 1
        "leadline.leads.lead.created.V1",
        "leadline.Leads.lead.created.v1",  # lower case only
        "leadline.leads.created.v1",  # no aggregate
        "leadline.a.b.c.d.e.v1",  # too many parts
        "leadline.leads.lead created.v1",
    ],
)
def test_a_type_not_following_the_convention_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="does not follow"):

        class BadlyNamedV1(Event, type=name, topic=LEAD, subject="lead_id"):
            lead_id: str

    assert name not in EVENT_TYPES


@pytest.mark.usefixtures("catalogue_kept")
def test_a_type_needs_a_topic_and_a_subject() -> None:
    with pytest.raises(ValueError, match="needs a topic"):

        class NoTopicV1(Event, type="leadline.leads.lead.no_topic.v1", subject="lead_id"):
            lead_id: str

    with pytest.raises(ValueError, match="needs a topic"):

        class NoSubjectV1(Event, type="leadline.leads.lead.no_subject.v1", topic=LEAD):
            lead_id: str

    assert "leadline.leads.lead.no_topic.v1" not in EVENT_TYPES
    assert "leadline.leads.lead.no_subject.v1" not in EVENT_TYPES


@pytest.mark.usefixtures("catalogue_kept")
def test_a_class_without_a_type_is_a_base_and_not_registered() -> None:
    before = dict(EVENT_TYPES)

    class AuditedEvent(Event):
        actor: str

    assert before == EVENT_TYPES
