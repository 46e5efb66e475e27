"""Pure parts of the messaging plumbing: the topic catalogue and the consumer's retry backoff."""

from __future__ import annotations

from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.messaging.consumer import RetryPolicy
from leadline.contracts.wire import topics
from leadline.contracts.wire.topics import (
    CALL,
    DOMAIN_TOPICS,
    EMAIL,
    EMPLOYEE,
    FUNNEL,
    INVOICE,
    LEAD,
    LEADS_BY_STATUS,
    MAIL_EMAIL,
    ORDER,
    PARTNER,
    PIPELINE,
    REFERENCE,
    TELEPHONY_CALL,
    TELEPHONY_COMMAND,
    Topic,
    all_topics,
    min_insync_replicas,
)


def test_every_topic_the_catalogue_module_declares_is_catalogued_once() -> None:
    """A topic left out of DOMAIN_TOPICS would be neither provisioned nor documented (auto-creation is off)."""
    declared = [value for value in vars(topics).values() if isinstance(value, Topic)]

    assert len(set(DOMAIN_TOPICS)) == len(DOMAIN_TOPICS)
    assert set(declared) == set(DOMAIN_TOPICS)


def test_every_domain_topic_has_a_dead_letter_topic_beside_it() -> None:
    names = [t.name for t in all_topics()]

    assert len(set(names)) == len(names), "no two topics share a name"
    for topic in DOMAIN_TOPICS:
        assert f"{topic.name}.dlq" in names


def test_a_dead_letter_topic_keeps_its_records_a_month_on_one_partition() -> None:
    dead_letter = LEAD.dead_letter

    assert (dead_letter.partitions, dead_letter.compacted) == (1, False)
    assert dead_letter.broker_config() == {
        "cleanup.policy": "delete",
        "retention.ms": str(30 * 24 * 3600 * 1000),
        "retention.bytes": "-1",
        "min.insync.replicas": "1",
    }


def test_only_topics_of_current_state_are_compacted() -> None:
    assert LEADS_BY_STATUS.broker_config() == {"cleanup.policy": "compact", "min.insync.replicas": "1"}
    compacted = [REFERENCE, PARTNER, EMPLOYEE, LEADS_BY_STATUS, FUNNEL, PIPELINE]
    assert [t for t in DOMAIN_TOPICS if t.compacted] == compacted


def test_the_events_of_leadlines_own_aggregates_are_kept_for_ever() -> None:
    """Every consumer folds them into its state: with them all, a state can be rebuilt from the start."""
    kept_for_ever = [t for t in DOMAIN_TOPICS if not t.compacted and t.retention_days is None]

    assert kept_for_ever == [LEAD, CALL, EMAIL, ORDER, INVOICE]
    assert LEAD.broker_config(min_insync_replicas=2) == {
        "cleanup.policy": "delete",
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "min.insync.replicas": "2",
    }


def test_the_gateways_topics_are_kept_a_week() -> None:
    gateways = [TELEPHONY_CALL, MAIL_EMAIL, TELEPHONY_COMMAND]
    assert [t for t in DOMAIN_TOPICS if t.retention_days is not None] == gateways
    assert {t.kept for t in gateways} == {"7 days"}
    assert TELEPHONY_CALL.broker_config()["retention.ms"] == str(7 * 24 * 3600 * 1000)


def test_all_but_one_replica_must_have_a_write() -> None:
    assert [min_insync_replicas(replicas) for replicas in (1, 2, 3, 5)] == [1, 1, 2, 4]


def test_backoff_doubles_from_the_first_wait_up_to_the_longest() -> None:
    backoff = Backoff(first_seconds=0.25, max_seconds=1.5)

    assert [backoff.ceiling(attempt) for attempt in range(5)] == [0.25, 0.5, 1.0, 1.5, 1.5]


def test_each_wait_is_drawn_from_the_upper_half_of_its_step() -> None:
    backoff = Backoff(first_seconds=0.25, max_seconds=1.5)

    assert backoff.seconds(2, draw=lambda: 0.0) == 0.5
    assert backoff.seconds(2, draw=lambda: 1.0) == 1.0
    waits = {backoff.seconds(3) for _ in range(50)}
    assert all(0.75 <= wait <= 1.5 for wait in waits)
    assert len(waits) > 1  # spread out, not in lockstep


def test_by_default_a_message_gets_three_attempts() -> None:
    assert RetryPolicy().attempts == 3
