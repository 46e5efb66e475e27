"""How far a mailbox's IMAP connector has taken the folder in: the folder's UIDVALIDITY and the last UID taken in
(a message with a higher UID is new; a UIDVALIDITY that changed means the folder is taken in from its start)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailboxPosition:
    uidvalidity: int
    last_uid: int
