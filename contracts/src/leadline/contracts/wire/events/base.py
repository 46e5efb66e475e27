"""The base of every event type: a versioned, validated Pydantic model.

Each concrete event declares its CloudEvents type (``leadline.<context>.<aggregate>.<verb>.v<major>``),
its topic and which field is its subject (the aggregate id, also the Kafka key).
Within a major version only optional fields are added, so consumers ignore fields they
do not know yet; a breaking change is a new class with the next major version.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from leadline.contracts.wire.topics import Topic

_TYPE_PATTERN = re.compile(r"^leadline(\.[a-z][a-z0-9_-]*){3,4}\.v[1-9][0-9]*$")
_MAJOR_VERSION = re.compile(r"^(?P<name>.+)\.v(?P<major>[1-9][0-9]*)$")

_DECLARATION = frozenset({"type", "topic", "subject"})

EVENT_TYPES: dict[str, type[Event]] = {}


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    type: ClassVar[str]
    topic: ClassVar[Topic]
    subject_field: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The event declaration (type, topic, subject) is read once Pydantic has built the class.
        super().__init_subclass__(**{k: v for k, v in kwargs.items() if k not in _DECLARATION})

    @classmethod
    def __pydantic_init_subclass__(
        cls,
        *,
        type: str = "",
        topic: Topic | None = None,
        subject: str = "",
        **kwargs: Any,
    ) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not type:
            return  # an intermediate base class, not an event type
        if not _TYPE_PATTERN.match(type):
            raise ValueError(f"event type {type!r} does not follow leadline.<context>.<aggregate>.<verb>.v<major>")
        if type in EVENT_TYPES:
            raise ValueError(f"event type {type!r} is declared twice")
        if topic is None or not subject:
            raise ValueError(f"event type {type!r} needs a topic and a subject field")
        cls.type, cls.topic, cls.subject_field = type, topic, subject
        EVENT_TYPES[type] = cls

    @property
    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


def is_newer_version_of_a_known_type(name: str) -> bool:
    """Whether ``name`` is a later major version of a type Leadline knows, e.g. ``….created.v2`` of a known
    ``….created.v1``: published beside the old one while consumers move, so one that reads the old skips it."""
    match = _MAJOR_VERSION.match(name)
    if match is None:
        return False
    name, major = match["name"], int(match["major"])
    return any(
        (known := _MAJOR_VERSION.match(type_name)) is not None and known["name"] == name and int(known["major"]) < major
        for type_name in EVENT_TYPES
    )


def event_type(name: str) -> type[Event]:
    """The model of a CloudEvents type; KeyError when Leadline has no such type."""
    return EVENT_TYPES[name]
