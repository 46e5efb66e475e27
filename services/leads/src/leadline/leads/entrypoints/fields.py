"""Field types and the patch base the leads request models share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field, StrictInt

from leadline.contracts.platform.fields import QueryBool

# A code names an item in URLs, in leads and in Kafka keys (<kind>:<code>), so it is a plain slug.
Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Lower-case letters, digits, - and _; cannot change once created.",
    ),
]
# A lead, a deal or a filter refers to an item by its code; whether the item exists is the use case's to say.
CodeRef = Annotated[str, Field(min_length=1, max_length=40)]
CodeInPath = Annotated[str, Path(max_length=40)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
SortOrder = Annotated[StrictInt, Field(ge=0, le=1_000_000, description="Ascending: lower comes first.")]
IncludeArchived = Annotated[QueryBool, Query(alias="archived", description="Include archived ones too.")]


class Patch(BaseModel):
    """Only the fields present change; null clears a field that may be empty (the others are not nullable)."""

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)
