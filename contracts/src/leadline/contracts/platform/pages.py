"""One page of a listing as every service answers it: the items and the cursor of the next page (keyset
pagination, see leadline.contracts.platform.pagination), and the page size a caller may ask for."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from leadline.contracts.platform.fields import IN_DIGITS

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """Subclass it per listing (``class LeadPage(Page[LeadOut])``): the subclass names the schema in the
    document and carries the listing's example."""

    items: list[Item]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


PageLimit = Annotated[int, Query(ge=1, le=200), IN_DIGITS]
