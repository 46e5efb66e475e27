"""Aggregates that reporting publishes for BI consumers (compacted topics)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from leadline.contracts.events.base import Event
from leadline.contracts.topics import LEADS_BY_STATUS


class LeadsByStatusV1(
    Event,
    type="leadline.reporting.leads_by_status.updated.v1",
    topic=LEADS_BY_STATUS,
    subject="status_code",
):
    """The current number of leads in one status; the latest record per key is the truth."""

    status_code: str
    lead_count: int = Field(ge=0)
    as_of: datetime
