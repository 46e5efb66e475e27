"""Text no database or JSON encoder can take: NUL (PostgreSQL cannot store it) and lone UTF-16 surrogates
(no characters: they cannot be encoded as UTF-8; Python makes them of undecodable bytes, JSON of \\ud800
escapes). What people send is refused naming the field; what arrives as found (a received e-mail) is
kept readable with U+FFFD in their place."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains the NUL character (U+0000), which cannot be stored"
    return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not a character"


def storable(text: str) -> str:
    """``text`` with what cannot be stored replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)
