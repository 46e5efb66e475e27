"""Pure parts of the messaging plumbing: the topic catalogue and the consumer's retry backoff."""

from __future__ import annotations

from leadline.contracts.messaging.consumer import RetryPolicy
from leadline.contracts.topics import (
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
    all_topics,
)


def test_every_domain_topic_has_a_dead_letter_topic_beside_it() -> None:
    names = [t.name for t in all_topics()]

    assert sorted(names) == sorted(
        [
            "leadline.leads.lead",
            "leadline.leads.lead.dlq",
            "leadline.leads.reference",
            "leadline.leads.reference.dlq",
            "leadline.leads.partner",
            "leadline.leads.partner.dlq",
            "leadline.leads.employee",
            "leadline.leads.employee.dlq",
            "leadline.gateway.telephony.call",
            "leadline.gateway.telephony.call.dlq",
            "leadline.communications.call",
            "leadline.communications.call.dlq",
            "leadline.gateway.mail.email",
            "leadline.gateway.mail.email.dlq",
            "leadline.communications.email",
            "leadline.communications.email.dlq",
            "leadline.documents.order",
            "leadline.documents.order.dlq",
            "leadline.documents.invoice",
            "leadline.documents.invoice.dlq",
            "leadline.reporting.leads-by-status",
            "leadline.reporting.leads-by-status.dlq",
            "leadline.reporting.funnel",
            "leadline.reporting.funnel.dlq",
            "leadline.reporting.pipeline",
            "leadline.reporting.pipeline.dlq",
        ]
    )
    assert DOMAIN_TOPICS == (
        LEAD,
        REFERENCE,
        PARTNER,
        EMPLOYEE,
        TELEPHONY_CALL,
        CALL,
        LEADS_BY_STATUS,
        MAIL_EMAIL,
        EMAIL,
        ORDER,
        INVOICE,
        FUNNEL,
        PIPELINE,
    )


def test_a_dead_letter_topic_keeps_its_records_a_month_on_one_partition() -> None:
    dead_letter = LEAD.dead_letter

    assert (dead_letter.partitions, dead_letter.compacted) == (1, False)
    assert dead_letter.broker_config() == {"retention.ms": str(30 * 24 * 3600 * 1000)}


def test_only_topics_of_current_state_are_compacted() -> None:
    assert LEADS_BY_STATUS.broker_config() == {"cleanup.policy": "compact"}
    assert [t for t in DOMAIN_TOPICS if t.compacted] == [
        REFERENCE,
        PARTNER,
        EMPLOYEE,
        LEADS_BY_STATUS,
        FUNNEL,
        PIPELINE,
    ]
    assert LEAD.broker_config() == {}


def test_the_retry_backoff_doubles_from_the_first() -> None:
    policy = RetryPolicy(attempts=4, first_backoff_seconds=0.25)

    assert [policy.backoff(attempt) for attempt in range(3)] == [0.25, 0.5, 1.0]


def test_by_default_a_message_gets_three_attempts() -> None:
    assert RetryPolicy().attempts == 3
