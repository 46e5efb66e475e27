"""Communications' domain objects and users for unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from leadline.communications.domain.model import Addressee, Call, CallState, Email
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


# Who triages: Anna's calls reach extension 101 and her e-mails anna@leadline.example; Marta manages everyone's.
ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101", email="anna@leadline.example")
PIOTR = Principal(
    "piotr", "Piotr Zieliński", frozenset({Role.SALESPERSON}), extension="102", email="piotr@leadline.example"
)
MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}), extension="100")
