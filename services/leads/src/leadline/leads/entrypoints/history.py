"""What a history entry looks like over HTTP: a lead's, and a deal's (the part of its lead's about it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leadline.leads.entrypoints import examples


class FieldChangeOut(BaseModel):
    field: str
    old: Any
    new: Any


class HistoryEntry(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.HISTORY_ENTRY]})

    at: datetime
    by: str
    action: str = Field(examples=["created", "updated", "status_changed"])
    changes: list[FieldChangeOut]
    merged_from_lead_id: UUID | None = Field(
        description="Set when the entry came with a lead merged into this one: the lead it was recorded on."
    )
