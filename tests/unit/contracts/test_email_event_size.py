"""The mail gateway's event fits one Kafka record whatever the message: its limits are chosen for that."""

from __future__ import annotations

import pytest

from leadline.contracts.wire.envelope import MAX_EVENT_BYTES, Envelope
from leadline.contracts.wire.events import EmailReceivedV1, MailAttachment, Mailbox
from leadline.contracts.wire.events.gateway import MAX_BODY_CHARS, MAX_REFERENCES


@pytest.mark.parametrize(
    "widest_char",
    [pytest.param("\U0001f600", id="4-byte UTF-8"), pytest.param("\x01", id="a control char JSON escapes to 6")],
)
def test_an_email_with_every_field_at_its_longest_fits_one_record(widest_char: str) -> None:
    message_id = "m" * 240 + "@x.example"
    mailbox = Mailbox(address="a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".com", name=widest_char * 200)
    event = EmailReceivedV1(
        message_id=message_id,
        in_reply_to=message_id,
        references=[message_id] * MAX_REFERENCES,
        sender=mailbox,
        to=[mailbox] * 100,
        cc=[mailbox] * 100,
        subject_line=widest_char * 998,
        sent_at="2026-03-02T09:30:00Z",
        text_body=widest_char * MAX_BODY_CHARS,
        html_body=widest_char * MAX_BODY_CHARS,
        attachments=[
            MailAttachment(file_name=widest_char * 255, content_type="application/pdf", size=1, url="u" * 2000)
        ]
        * 50,
    )

    # Below the broker's and the producer's default record limit (message.max.bytes, max.request.size) less headers,
    # and so below what consumers take.
    assert len(Envelope.wrap(event, source="mail-gateway").data) < MAX_EVENT_BYTES
