"""Communications' domain objects and users for unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from leadline.communications.domain.model import Addressee, Blob, Call, CallState, Email
from leadline.communications.domain.outbound import OutboundEmail
from leadline.contracts.platform.auth import Principal, Role

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def a_call(*, state: CallState = "triage", extension: str | None = "101", caller_number: str = "+48601234567") -> Call:
    return Call(
        id=uuid4(),
        pbx_call_id="pbx-1",
        caller_number=caller_number,
        called_number="+48713000000",
        extension=extension,
        direction="inbound",
        received_at=RECEIVED,
        contact_number=caller_number,
        state=state,
    )


def an_email(
    *, to: str = "anna@leadline.example", message_id: str | None = None, replying_to: str | None = None
) -> Email:
    """An e-mail from Jan in triage."""
    return Email(
        id=uuid4(),
        state="triage",
        message_id=message_id or f"{uuid4()}@example.com",
        in_reply_to=replying_to,
        references=(),
        sender="jan@example.com",
        sender_name=None,
        to=(Addressee(to),),
        cc=(),
        subject_line="Office fit-out",
        sent_at=RECEIVED,
        text_body="A quote, please",
        html_body=None,
        attachments=(),
    )


def a_written_email(lead_id: UUID, *, minutes: int = 0) -> OutboundEmail:
    """An e-mail Anna wrote from the lead, queued; its bytes are not in any blob store."""
    email_id, at = uuid4(), RECEIVED + timedelta(minutes=minutes)
    return OutboundEmail(
        id=email_id,
        lead_id=lead_id,
        message_id=f"{email_id}@leadline.example",
        in_reply_to=None,
        references=(),
        sender="anna@leadline.example",
        sender_name="Anna Nowak",
        to=("jan@example.com",),
        cc=(),
        subject_line="Your quote",
        text_body="Please find the quote attached.",
        html_body=None,
        attachments=(),
        raw_message=Blob("0" * 64, 100),
        written_by="anna",
        written_at=at,
        next_attempt_at=at,
    )


# Who triages: Anna's calls reach extension 101 and her e-mails anna@leadline.example; Marta manages everyone's.
ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101", email="anna@leadline.example")
PIOTR = Principal(
    "piotr", "Piotr Zieliński", frozenset({Role.SALESPERSON}), extension="102", email="piotr@leadline.example"
)
MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}), extension="100")
