"""How free text in the lead list is read."""

from __future__ import annotations

import re

# What people type around the digits of a phone number: "+48 601-234-567", "(0) 601 234 567".
_PHONE_LIKE = re.compile(r"[\d\s+\-().]+")
MIN_PHONE_DIGITS = 3


def phone_digits(query: str) -> str | None:
    """The digits to look for in stored (E.164) phones when ``query`` looks like a phone number, else None.

    Leading zeros are dropped: they are the trunk or international prefix ("0048 601…", "07700…"),
    which E.164 writes without. Fewer than three digits would match nearly every phone."""
    if not _PHONE_LIKE.fullmatch(query):
        return None
    digits = re.sub(r"\D", "", query).lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None
