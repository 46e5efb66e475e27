"""Phone numbers in E.164: leads store them so, and calls are matched on them."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(number: str, default_region: str) -> str:
    """``+48 601-234-567``, ``0048601234567`` and ``601 234 567`` (region PL) all give ``+48601234567``."""
    cleaned = number.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        parsed = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(f"{number!r} is not a phone number") from error
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"{number!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
