"""The communications service's tables (the outbox and inbox come from the contracts package)."""

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, String, Table, Text, Uuid

from leadline.contracts.platform.idempotency import idempotency_keys_table
from leadline.contracts.platform.sql import UtcDateTime, new_metadata

metadata = new_metadata()


def _triage_columns(kind: str) -> list[Column[Any] | Index]:
    """What calls and e-mails both keep of a lead asked for and of a return to triage (domain: TriageItem)."""
    return [
        Column("requested_name", String(200)),
        Column("returned_reason", String(40)),
        Column("returned_from_lead_id", Uuid),
        Column("returned_detail", String(2000)),
        Column("returned_at", UtcDateTime()),
        # A lead's items (deleted or merged), the item a requested lead is for, and one asked for again.
        Index(f"ix_{kind}_lead_id", "lead_id"),
        Index(f"ix_{kind}_returned_from_lead_id", "returned_from_lead_id"),
    ]


calls = Table(
    "calls",
    metadata,
    Column("id", Uuid, primary_key=True),
    # A gateway retry carries the same PBX call id: unique, so a call is stored once.
    Column("pbx_call_id", String(200), nullable=False, unique=True),
    Column("caller_number", String(50), nullable=False),
    Column("called_number", String(50), nullable=False),
    Column("extension", String(20)),
    Column("direction", String(10), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("lead_id", Uuid),
    Column("candidate_lead_ids", JSON, nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    *_triage_columns("calls"),
    # The customer's number (the caller's inbound, the called one outbound): what the call is matched by.
    Column("contact_number", String(50), nullable=False),
    # The lifecycle, as the PBX reports it (domain: Call). Written only by intake, never by a person's decision.
    Column("phase", String(10)),
    Column("answered_by", String(20)),
    Column("answered_at", UtcDateTime()),
    Column("ended_at", UtcDateTime()),
    Column("duration_seconds", Integer),
    Column("disposition", String(20)),
    Column("recording_url", String(2000)),
    Column("recording_id", String(200)),
    # A missed inbound call waits for a call back (callback_state waiting) until one, or a person, clears it.
    Column("callback_state", String(20)),
    Column("callback_at", UtcDateTime()),
    Column("callback_by", String(100)),
    Column("callback_call_id", Uuid),
    # The triage list ("Ready" = state triage), newest first.
    Index("ix_calls_state_received_at", "state", "received_at"),
    # A salesperson's own calls.
    Index("ix_calls_extension", "extension"),
    # A manager's list of every call, newest first.
    Index("ix_calls_received_at_id", "received_at", "id"),
    # Calls waiting for a lead with their number, when such a lead appears.
    Index("ix_calls_contact_number_state", "contact_number", "state"),
    # The missed calls waiting for a call back, oldest first; and those of a number, when it is called back.
    Index("ix_calls_callback_state_received_at", "callback_state", "received_at"),
    Index("ix_calls_contact_number_callback_state", "contact_number", "callback_state"),
)

# What a PBX reported of a call before anything said who calls whom (an answer without the parties, a recording):
# kept until the call is registered, then applied to it in the order it came.
early_call_events = Table(
    "early_call_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("pbx_call_id", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Index("ix_early_call_events_pbx_call_id", "pbx_call_id"),
)

# The sales team directory as the leads service publishes it (employee.changed.v1): whose PBX extension is whose.
employees = Table(
    "employees",
    metadata,
    Column("employee_id", String(100), primary_key=True),
    Column("extension", String(20)),
    Column("archived", Boolean, nullable=False),
    Index("ix_employees_extension", "extension"),
)

emails = Table(
    "emails",
    metadata,
    Column("id", Uuid, primary_key=True),
    # A gateway retry carries the same Message-ID: unique, so an e-mail is stored once.
    Column("message_id", String(998), nullable=False, unique=True),
    Column("in_reply_to", String(998)),
    Column("references", JSON, nullable=False),
    Column("sender", String(320), nullable=False),
    Column("sender_name", String(200)),
    Column("to", JSON, nullable=False),
    Column("cc", JSON, nullable=False),
    Column("subject_line", String(998), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("text_body", Text),
    Column("html_body", Text),
    Column("attachments", JSON, nullable=False),
    # The message as received, in the blob store (None: a gateway that keeps it itself).
    Column("raw_sha256", String(64)),
    Column("raw_size", BigInteger),
    Column("state", String(20), nullable=False),
    Column("lead_id", Uuid),
    Column("candidate_lead_ids", JSON, nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    *_triage_columns("emails"),
    Index("ix_emails_state_sent_at", "state", "sent_at"),
    Index("ix_emails_sent_at_id", "sent_at", "id"),
    # E-mails waiting for a lead with the sender's address, when such a lead appears.
    Index("ix_emails_sender_state", "sender", "state"),
)

# Who an e-mail was sent to (To and Cc, lower case): a salesperson's list is the e-mails addressed to them.
email_recipients = Table(
    "email_recipients",
    metadata,
    Column("email_id", Uuid, primary_key=True),
    Column("address", String(320), primary_key=True),
    Index("ix_email_recipients_address", "address"),
)

# The message ids an e-mail replies to (In-Reply-To and References): when one of them is attached to a lead,
# the replies waiting in triage follow it.
email_replies = Table(
    "email_replies",
    metadata,
    Column("email_id", Uuid, primary_key=True),
    Column("replied_message_id", String(998), primary_key=True),
    Index("ix_email_replies_replied_message_id", "replied_message_id"),
)

# Read model of the leads service's leads: just enough to match a caller's number or a sender's address.
known_leads = Table(
    "known_leads",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("phone", String(20)),
    Column("closed", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("email", String(320)),
    # Deleted, or merged into another: kept so that nothing is attached to it any more, whatever comes late.
    Column("gone", Boolean, nullable=False, default=False),
    # Who may correct what was attached to it and write e-mails from it (besides managers); for leads learnt before
    # it was kept, unknown until their announcement (lead.announced.v1).
    Column("salesperson_id", String(100)),
    Column("partner_id", Uuid),
    Index("ix_known_leads_phone", "phone"),
    Index("ix_known_leads_email", "email"),
    Index("ix_known_leads_partner_id", "partner_id"),
)

# The other phones and addresses a known lead is known by: those of the leads merged into it.
known_lead_contacts = Table(
    "known_lead_contacts",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("kind", String(5), primary_key=True),  # phone or email
    Column("value", String(320), primary_key=True),
    Index("ix_known_lead_contacts_kind_value", "kind", "value"),
)

# The phones and addresses of partners' contact persons (from the leads service's partner events): calls and e-mails
# from them match the partner's open leads.
known_partner_contacts = Table(
    "known_partner_contacts",
    metadata,
    Column("partner_id", Uuid, primary_key=True),
    Column("kind", String(5), primary_key=True),  # phone or email
    Column("value", String(320), primary_key=True),
    Index("ix_known_partner_contacts_kind_value", "kind", "value"),
)

# The sales team's work addresses, from the leads service's directory (employee.changed): e-mails sent to one are
# that employee's to triage.
employee_addresses = Table(
    "employee_addresses",
    metadata,
    Column("employee_id", String(200), primary_key=True),
    Column("email", String(320)),
    Column("archived", Boolean, nullable=False),
    Index("ix_employee_addresses_email", "email"),
)

# Where the IMAP connector is in each mailbox: the folder's UIDVALIDITY and the last UID taken in. Advanced in the
# transaction that puts the message's event in the outbox, so a message is taken in once however often it restarts.
mailbox_positions = Table(
    "mailbox_positions",
    metadata,
    Column("mailbox", String(100), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# E-mails written from leads, and the queue they are sent from (domain: OutboundEmail).
outbound_emails = Table(
    "outbound_emails",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("lead_id", Uuid, nullable=False),
    Column("message_id", String(250), nullable=False, unique=True),
    Column("in_reply_to", String(998)),
    Column("references", JSON, nullable=False),
    Column("sender", String(320), nullable=False),
    Column("sender_name", String(200)),
    Column("to", JSON, nullable=False),
    Column("cc", JSON, nullable=False),
    Column("subject_line", String(998), nullable=False),
    Column("text_body", Text),
    Column("html_body", Text),
    Column("attachments", JSON, nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("raw_size", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    # Who is sending it (a sender's claim) and until when the claim holds, should that sender die.
    Column("claim_token", Uuid),
    Column("claimed_until", UtcDateTime()),
    # Set just before the message is handed to the SMTP server: after it, a send cut short may have arrived.
    Column("handed_over_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("failure_reason", String(2000)),
    Column("written_by", String(200), nullable=False),
    Column("written_at", UtcDateTime(), nullable=False),
    # The queue: what is due, oldest first; and a lead's e-mails.
    Index("ix_outbound_emails_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_outbound_emails_lead_id", "lead_id"),
)

# The Idempotency-Keys of creates and their answers (leadline.contracts.platform.idempotency).
idempotency_keys = idempotency_keys_table(metadata)
