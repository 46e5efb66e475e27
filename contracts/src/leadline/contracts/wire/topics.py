"""The topic catalogue: every Kafka topic Leadline uses, provisioned explicitly
(``leadline-topics``, leadline.contracts.platform.topic_provisioning).

Automatic topic creation is off on the broker, so a topic missing from this
catalogue cannot be written to by accident. The catalogue also says how long each
topic keeps its records: the event log is the system's memory, so a topic that a
consumer builds its state from is kept for ever (or compacted to its current state).
"""

from __future__ import annotations

from dataclasses import dataclass

DEAD_LETTER_SUFFIX = ".dlq"


DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    partitions: int = 3
    # Compacted: the broker keeps the latest record of each key, for ever.
    compacted: bool = False
    # How long the broker keeps a record of a topic that is not compacted; None: for ever. A topic any
    # consumer folds into its state is kept for ever, so that state can always be rebuilt from the start.
    retention_days: int | None = None
    # Written by parties outside Leadline (gateways): a record of a type we do not know is refused
    # into the dead-letter topic. On Leadline's own topics so is any unknown type, except a newer major
    # version of a known one (``….v2`` beside ``….v1``), skipped so it can be published beside the old.
    external: bool = False

    @property
    def dead_letter(self) -> Topic:
        return Topic(
            name=self.name + DEAD_LETTER_SUFFIX,
            description=f"Events of {self.name} that could not be processed, with the reason in headers.",
            partitions=1,
            retention_days=30,
        )

    @property
    def kept(self) -> str:
        """How long records stay, in words (the README's topics table says the same)."""
        if self.compacted:
            return "compacted"
        return "for ever" if self.retention_days is None else f"{self.retention_days} days"

    def broker_config(self, *, min_insync_replicas: int = 1) -> dict[str, str]:
        """The topic-level configuration, complete: provisioning makes the broker's exactly this."""
        if self.compacted:
            retention = {"cleanup.policy": "compact"}
        else:
            # retention.bytes too: a broker default (1 GiB locally) would otherwise still cut the log.
            retention_ms = -1 if self.retention_days is None else self.retention_days * DAY_MS
            retention = {"cleanup.policy": "delete", "retention.ms": str(retention_ms), "retention.bytes": "-1"}
        return {**retention, "min.insync.replicas": str(min_insync_replicas)}


LEAD = Topic("leadline.leads.lead", "Lifecycle of leads, keyed by lead id.")
# Configuration topics carry the whole current state of what changed, not a diff, and are compacted:
# a consumer that reads one from the beginning knows the current configuration without asking leads.
REFERENCE = Topic(
    "leadline.leads.reference",
    "Reference data, statuses, lead types and settings of the leads service; compacted, keyed by "
    "<kind>:<code> (e.g. priority:high, status:won, lead_type:sale, setting:order_type): "
    "the latest record per key is the current state.",
    partitions=1,  # a handful of rows, changed rarely: one partition keeps them in the order they changed
    compacted=True,
)
PARTNER = Topic(
    "leadline.leads.partner",
    "Partners (customers) of leads; compacted, keyed by partner id: the latest record is the partner's current state.",
    compacted=True,
)
EMPLOYEE = Topic(
    "leadline.leads.employee",
    "The sales team directory (role, PBX extension); compacted, keyed by employee id: "
    "the latest record is the employee's current state.",
    partitions=1,
    compacted=True,
)
# Gateways' topics are an intake: communications stores what arrives and publishes it on its own topics,
# kept for ever. A week covers any outage of communications.
GATEWAY_RETENTION_DAYS = 7
TELEPHONY_CALL = Topic(
    "leadline.gateway.telephony.call",
    "Call notifications published by telephony gateways (PBX), keyed by the PBX call id.",
    retention_days=GATEWAY_RETENTION_DAYS,
    external=True,
)
TELEPHONY_COMMAND = Topic(
    "leadline.gateway.telephony.command",
    "Commands for telephony gateways (click-to-call dial requests), published by communications, keyed by the "
    "request's id.",
    retention_days=GATEWAY_RETENTION_DAYS,  # a dial request is acted on within seconds or not at all
)
CALL = Topic(
    "leadline.communications.call",
    "Calls as communications registers, follows (answered, ended, recorded) and triages them, keyed by call id.",
)
MAIL_EMAIL = Topic(
    "leadline.gateway.mail.email",
    "Inbound e-mails published by mail gateways, keyed by the message's Message-ID.",
    retention_days=GATEWAY_RETENTION_DAYS,
    external=True,
)
EMAIL = Topic(
    "leadline.communications.email",
    "Inbound e-mails as communications registers and triages them, keyed by e-mail id.",
)
ORDER = Topic(
    "leadline.documents.order",
    "Sales orders made from leads (created, status changes, deletion), keyed by order id.",
)
INVOICE = Topic(
    "leadline.documents.invoice",
    "Invoices made from leads or orders (created, status changes, deletion), keyed by invoice id.",
)
LEADS_BY_STATUS = Topic(
    "leadline.reporting.leads-by-status",
    "Number of leads per status; compacted, keyed by status code: the latest value is the current count.",
    partitions=1,
    compacted=True,
)

FUNNEL = Topic(
    "leadline.reporting.funnel",
    "The sales funnel per month and status: leads that entered the status that month, how many of them left it "
    "and their average time in it; compacted, keyed by <month>/<status code> (e.g. 2026-11/proposal): "
    "the latest value per key is the current one.",
    compacted=True,
)

PIPELINE = Topic(
    "leadline.reporting.pipeline",
    "Deals per pipeline stage: how many are in it and their value per currency, weighted by the stage's probability; "
    "compacted, keyed by <pipeline code>/<stage code> (e.g. sales/negotiation): the latest value per key is the "
    "current one.",
    compacted=True,
)

DOMAIN_TOPICS: tuple[Topic, ...] = (
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
    TELEPHONY_COMMAND,
    PIPELINE,
)


def all_topics() -> list[Topic]:
    return [t for topic in DOMAIN_TOPICS for t in (topic, topic.dead_letter)]


def min_insync_replicas(replication_factor: int) -> int:
    """All replicas but one must have a write (with ``acks=all``): one broker may be lost or restarted
    without stopping writes, and an acknowledged write survives the loss of any one broker."""
    return max(1, replication_factor - 1)
