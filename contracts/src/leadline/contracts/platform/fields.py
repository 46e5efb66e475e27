"""Types of what callers send (request bodies and query parameters), strict where Pydantic would guess.

Pydantic's lax mode reads ``0`` as the date 1970-01-01, ``"yes"`` as true and ``"40"`` as 40, and takes a
date-time without an offset as it comes. A request that breaks the documented type must be refused, naming
the field, so every request model and query parameter of every service uses these instead:

- in JSON bodies ``StrictBool`` / ``StrictInt`` (Pydantic's own), ``Day``, ``OffsetDatetime``;
- in query parameters (always text) ``QueryBool``, ``QueryInt``, ``Day``, ``OffsetDatetime``; a bounded whole
  number that is a parameter of an endpoint function is ``Annotated[int, Query(ge=…, le=…), IN_DIGITS]``
  (after ``Query``, or the document would show the bounds as ``ge``/``le`` instead of minimum/maximum);
- ``not_null(...)`` for a field that may be left out of a request but, when given, cannot be null.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")


def _day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD, e.g. 2026-03-02")


def _date_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        return value  # AwareDatetime then parses it and refuses one without an offset (timezone_aware)
    raise PydanticCustomError(
        "datetime_format", "a date-time is written in RFC 3339 with its offset, e.g. 2026-03-02T09:30:00+01:00"
    )


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_parsing", "a flag is true or false")


def _query_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise PydanticCustomError("int_parsing", "a whole number is written in digits, e.g. 20")


Day = Annotated[date, BeforeValidator(_day)]
"""A calendar day, YYYY-MM-DD."""

OffsetDatetime = Annotated[AwareDatetime, BeforeValidator(_date_time)]
"""A moment: an RFC 3339 date-time with its UTC offset (``Z`` or ``+01:00``); one without is refused."""

IN_DIGITS = BeforeValidator(_query_int)

QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
QueryInt = Annotated[int, IN_DIGITS]


def _no_default_in_schema(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def not_null(**constraints: Any) -> Any:
    """A field that may be left out (then it is unset: a create takes its default, a patch leaves it) but
    cannot be null. Type it without ``| None``: the document then says it is not nullable, and Pydantic
    refuses an explicit null naming the field."""
    return Field(default=None, json_schema_extra=_no_default_in_schema, **constraints)
