"""Contacts as they are stored and matched: phone numbers in E.164, e-mail addresses in lower case."""

from __future__ import annotations

import pytest

from leadline.contracts.platform.contacts import InvalidPhoneNumber, normalised_email, normalised_email_or_none, to_e164


@pytest.mark.parametrize(
    "as_written",
    ["+48 601-234-567", "0048601234567", "601234567", "601 234 567", " +48601234567 ", "(+48) 601 234 567"],
)
def test_a_polish_number_in_any_usual_format_gives_one_e164_number(as_written: str) -> None:
    assert to_e164(as_written, "PL") == "+48601234567"


def test_a_number_with_its_country_code_keeps_its_country_whatever_the_default_region() -> None:
    assert to_e164("+49 30 1234567", "PL") == "+49301234567"
    assert to_e164("0049 30 1234567", "PL") == "+49301234567"


def test_the_default_region_decides_a_number_written_without_country_code() -> None:
    assert to_e164("030 1234567", "DE") == "+49301234567"


@pytest.mark.parametrize("garbage", ["", "   ", "abc", "call me", "12", "+1", "anonymous"])
def test_what_is_not_a_phone_number_is_refused_naming_it(garbage: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        to_e164(garbage, "PL")

    assert repr(garbage) in str(refused.value)


def test_an_invalid_number_is_a_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


def test_an_email_address_in_any_case_gives_one_address() -> None:
    assert normalised_email("Jan.Kowalski@Kowalski-Meble.PL") == "jan.kowalski@kowalski-meble.pl"
    assert normalised_email("jan.kowalski@kowalski-meble.pl") == "jan.kowalski@kowalski-meble.pl"


@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_email_address_stays_missing(missing: str | None) -> None:
    assert normalised_email_or_none(missing) is None
    assert normalised_email_or_none("Anna@Firma.pl") == "anna@firma.pl"
