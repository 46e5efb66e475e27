"""Real Internet messages read into the mail gateway's event by the mail ingestion adapter."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from leadline.communications.adapters.rfc5322 import gateway_event
from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.wire.events import MailAttachment, Mailbox, StoredBlob
from leadline.contracts.wire.events.gateway import MAX_BODY_CHARS, MAX_REFERENCES

RECEIVED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def a_message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    defaults = {
        "From": '"Kowalski, Jan" <Jan@Example.com>',
        "To": "Anna Nowak <anna@leadline.example>, piotr@leadline.example",
        "Cc": "marta@leadline.example",
        "Subject": "Re: Office fit-out",
        "Date": "Mon, 02 Mar 2026 09:30:00 +0100",
        "Message-ID": "<m-3@mail.example.com>",
        "In-Reply-To": "<m-2@mail.example.com>",
        "References": "<m-1@mail.example.com> <m-2@mail.example.com>",
    }
    for name, value in {**defaults, **headers}.items():
        if value:
            message[name] = value
    message.set_content("Forty desks, please.")
    message.add_alternative("<p>Forty desks, please.</p>", subtype="html")
    message.add_attachment(b"%PDF-1.7 plan", maintype="application", subtype="pdf", filename="plan.pdf")
    return message


def test_a_reply_with_alternatives_and_an_attachment_is_read_header_by_header() -> None:
    raw = a_message().as_bytes()
    event = gateway_event(raw, received_at=RECEIVED)

    assert (event.message_id, event.in_reply_to, event.references) == (
        "m-3@mail.example.com",
        "m-2@mail.example.com",
        ["m-1@mail.example.com", "m-2@mail.example.com"],
    )
    assert event.sender == Mailbox(address="Jan@example.com", name="Kowalski, Jan")
    assert [m.address for m in event.to] == ["anna@leadline.example", "piotr@leadline.example"]
    assert [m.address for m in event.cc] == ["marta@leadline.example"]
    assert event.subject_line == "Re: Office fit-out"
    assert event.sent_at == datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert (event.text_body or "").strip() == "Forty desks, please."
    assert (event.html_body or "").strip() == "<p>Forty desks, please.</p>"
    digest = hashlib.sha256(b"%PDF-1.7 plan").hexdigest()
    assert event.attachments == [
        MailAttachment(
            file_name="plan.pdf", content_type="application/pdf", size=13, url=f"blob:sha256:{digest}", sha256=digest
        )
    ]
    assert event.raw_message == StoredBlob(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))


def test_without_message_id_the_bytes_name_the_message_so_an_upload_retried_is_the_same() -> None:
    raw = a_message(**{"Message-ID": ""}).as_bytes()

    first, again = gateway_event(raw, received_at=RECEIVED), gateway_event(raw, received_at=RECEIVED)

    assert first.message_id == again.message_id
    assert first.message_id.endswith("@leadline.invalid")


def test_without_a_date_it_was_sent_when_it_was_received_and_a_date_without_zone_is_utc() -> None:
    assert gateway_event(a_message(Date="").as_bytes(), received_at=RECEIVED).sent_at == RECEIVED
    naive = gateway_event(a_message(Date="Mon, 02 Mar 2026 09:30:00 -0000").as_bytes(), received_at=RECEIVED)
    assert naive.sent_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "field", "rule"),
    [
        pytest.param({"From": ""}, "From", "missing_sender", id="no sender"),
        pytest.param({"From": "Jan <jan@>"}, "sender.address", "value_error", id="an address without domain"),
        pytest.param({"From": "jan@no-dot"}, "sender.address", "value_error", id="an address that is not one"),
    ],
)
def test_a_message_it_cannot_describe_is_refused_naming_the_header(
    headers: dict[str, str], field: str, rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        gateway_event(a_message(**headers).as_bytes(), received_at=RECEIVED)

    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_a_body_and_references_longer_than_the_event_admits_are_cut_keeping_the_newest_references() -> None:
    message = a_message(References=" ".join(f"<m-{n}@mail.example.com>" for n in range(MAX_REFERENCES + 10)))
    message.get_body(preferencelist=("plain",)).set_content("x" * (MAX_BODY_CHARS + 100))  # type: ignore[union-attr]

    event = gateway_event(message.as_bytes(), received_at=RECEIVED)

    assert len(event.text_body or "") == MAX_BODY_CHARS
    assert event.references[-1] == f"m-{MAX_REFERENCES + 9}@mail.example.com"
    assert len(event.references) == MAX_REFERENCES


UNKNOWN_CHARSET = (
    b"From: Jan Kowalski <jan@example.com>\r\nTo: anna@leadline.example\r\n"
    b"Subject: =?unknown-8bit?Q?Zam=F3wienie_biurek?=\r\nMessage-ID: <odd-1@mail.example.com>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
    b"Zam\xf3wienie 40 biurek\r\n"
)


def test_a_body_in_a_charset_nobody_knows_is_read_as_utf8_with_replacements() -> None:
    event = gateway_event(UNKNOWN_CHARSET, received_at=RECEIVED)

    assert event.subject_line == "Zam\ufffdwienie biurek"
    assert (event.text_body or "").strip() == "Zam\ufffdwienie 40 biurek"


def test_bytes_the_declared_charset_cannot_read_become_replacement_characters() -> None:
    wrong = UNKNOWN_CHARSET.replace(b"charset=x-unknown", b"charset=utf-8")
    raw_8bit_header = wrong.replace(b"=?unknown-8bit?Q?Zam=F3wienie_biurek?=", b"Zam\xf3wienie")

    event = gateway_event(raw_8bit_header, received_at=RECEIVED)

    assert event.subject_line == "Zam\ufffdwienie"
    assert (event.text_body or "").strip() == "Zam\ufffdwienie 40 biurek"


def test_an_attachment_named_in_an_unknown_charset_keeps_its_bytes() -> None:
    raw = (
        b"From: jan@example.com\r\nMessage-ID: <odd-2@mail.example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
        b"Plan attached\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=x-unknown''plan%F3.pdf\r\n\r\n%PDF\r\n--b--\r\n"
    )

    event = gateway_event(raw, received_at=RECEIVED)

    assert [(a.file_name, a.sha256) for a in event.attachments] == [
        ("plan\ufffd.pdf", hashlib.sha256(b"%PDF").hexdigest())
    ]


def test_nul_in_a_body_is_replaced_rather_than_failing_the_database() -> None:
    raw = UNKNOWN_CHARSET.replace(b"charset=x-unknown", b"charset=utf-8").replace(b"40", b"4\x000")

    event = gateway_event(raw, received_at=RECEIVED)

    assert (event.text_body or "").strip() == "Zam\ufffdwienie 4\ufffd0 biurek"
