"""How a customer's contacts are written wherever Leadline keeps or compares them: phone numbers in E.164 and
e-mail addresses in lower case. Leads store them so, and calls and e-mails are matched to leads on them, so
every service must write them alike."""

from __future__ import annotations

import phonenumbers

from leadline.contracts.platform.errors import RuleViolation


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


def checked_e164(number: str, default_region: str, *, field: str = "phone") -> str:
    """``to_e164`` of a number a caller sent: one that is not a phone number is refused, naming the field."""
    try:
        return to_e164(number, default_region)
    except InvalidPhoneNumber as error:
        raise RuleViolation(str(error), rule="invalid_phone", field=field) from None


def normalised_email(address: str) -> str:
    """``Jan.Kowalski@Kowalski-Meble.PL`` gives ``jan.kowalski@kowalski-meble.pl``: however a sender, a caller or a
    token writes an address, it is stored and compared as one."""
    return address.lower()


def normalised_email_or_none(address: str | None) -> str | None:
    """``normalised_email`` of an address that may be missing (None or empty: None)."""
    return normalised_email(address) if address else None
