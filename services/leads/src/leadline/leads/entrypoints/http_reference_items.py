"""HTTP API of the reference items of every kind (priorities, tags, lost reasons, sources, campaigns, channels,
products, pipelines and their stages): every signed-in user reads them (sales apps build their forms from them);
changing them is a manager's. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import Manager, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.domain.model import REFERENCE_KINDS, ReferenceItem
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.fields import Code, CodeInPath, IncludeArchived, Name, Patch, SortOrder
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["reference data"])

Kind = Annotated[
    str,
    Path(
        description="priority, tag, lost_reason, source, campaign, channel, product, pipeline or stage.",
        json_schema_extra={"enum": list(REFERENCE_KINDS)},
    ),
]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb.", examples=["#ff9800"])]
Probability = Annotated[StrictInt, Field(ge=0, le=100, description="Percent.")]
Outcome = Literal["won", "lost"]


class ReferenceItemIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"code": "critical", "name": "Critical", "colour": "#b71c1c", "sort_order": 50},
                {"code": "delivery", "name": "Delivery", "sort_order": 40, "parent_code": "sales"},
            ]
        },
    )

    code: Code
    name: Name
    colour: Colour | None = None
    sort_order: SortOrder = 0
    parent_code: Code | None = Field(default=None, description="Stages only, and required for them: the pipeline.")
    probability: Probability | None = Field(
        default=None, description="Stages only: the chance that a deal in the stage is won (reports weigh by it)."
    )
    outcome: Outcome | None = Field(
        default=None, description="Stages only: a closing stage; a deal entering it is won (or lost) from then."
    )


class ReferenceItemPatch(Patch):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Very high", "colour": "#ff5722"}, {"archived": False}]},
    )

    name: Name = not_null()
    colour: Colour | None = Field(default=None, description="null clears it.")
    sort_order: SortOrder = not_null()
    parent_code: Code = not_null(description="Moves a stage to another pipeline; refused if deals use it.")
    archived: StrictBool = not_null(description="Archive (no longer offered for new choices) or restore.")
    probability: Probability | None = Field(default=None, description="Stages only; null clears it.")
    outcome: Outcome | None = Field(
        default=None, description="Stages only; null: an open stage. Refused while deals are in the stage."
    )


class ReferenceItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REFERENCE_ITEM]})

    kind: str
    code: str
    name: str
    colour: str | None
    sort_order: int
    parent_code: str | None
    archived: bool
    probability: int | None = Field(description="A stage's: the chance (percent) that a deal in it is won.")
    outcome: Literal["won", "lost"] | None = Field(description="A closing stage's: won or lost.")

    @classmethod
    def of(cls, item: ReferenceItem) -> ReferenceItemOut:
        return cls.model_validate(item, from_attributes=True)


class UsageOut(BaseModel):
    leads: int
    deals: int
    stages: int = Field(description="A pipeline's stages.")


class ReferenceItemRemoval(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "archived",
                    "used_by": {"leads": 14, "deals": 0, "stages": 0},
                    "item": {**examples.REFERENCE_ITEM, "archived": True},
                }
            ]
        }
    )

    outcome: Literal["deleted", "archived"] = Field(
        description="deleted when nothing used the item; archived when something does (see used_by)."
    )
    used_by: UsageOut
    item: ReferenceItemOut = Field(description="The item as it is now (as it was, when deleted).")


@router.get(
    "/reference",
    response_model=list[ReferenceItemOut],
    summary="Reference items of every kind",
)
async def list_all_reference_items(
    uow: UnitOfWork, include_archived: IncludeArchived = False
) -> list[ReferenceItemOut]:
    async with uow:
        items = await use_cases.reference_items(uow, None, include_archived=include_archived)
    return [ReferenceItemOut.of(item) for item in items]


@router.get(
    "/reference/{kind}",
    response_model=list[ReferenceItemOut],
    summary="Reference items of one kind, by sort order",
)
async def list_reference_items(
    kind: Kind, uow: UnitOfWork, include_archived: IncludeArchived = False
) -> list[ReferenceItemOut]:
    async with uow:
        items = await use_cases.reference_items(uow, kind, include_archived=include_archived)
    return [ReferenceItemOut.of(item) for item in items]


@router.post(
    "/reference/{kind}",
    status_code=201,
    response_model=ReferenceItemOut,
    summary="Add a reference item (manager)",
)
async def create_reference_item(
    kind: Kind, body: ReferenceItemIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[ReferenceItemOut, dict[str, str]]:
        item = await use_cases.create_reference_item(uow, ReferenceItem(kind=kind, **body.model_dump()), user)
        return ReferenceItemOut.of(item), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/reference/{kind}/{code}",
    response_model=ReferenceItemOut,
    summary="Change, archive or restore a reference item (manager)",
)
async def update_reference_item(
    kind: Kind, code: CodeInPath, body: ReferenceItemPatch, user: Manager, uow: UnitOfWork
) -> ReferenceItemOut:
    async with uow:
        item = await use_cases.update_reference_item(uow, kind, code, body.changes(), user)
        await uow.commit()
    return ReferenceItemOut.of(item)


@router.delete(
    "/reference/{kind}/{code}",
    response_model=ReferenceItemRemoval,
    summary="Delete a reference item, or archive it while in use (manager)",
    description="An item no lead, deal or stage refers to is deleted. One in use is archived instead, so the "
    "leads keep their meaning while new choices of it are refused (422 `archived_<kind>`): the answer is "
    "200 with `outcome` archived and what uses it.",
)
async def remove_reference_item(kind: Kind, code: CodeInPath, user: Manager, uow: UnitOfWork) -> ReferenceItemRemoval:
    async with uow:
        removal = await use_cases.remove_reference_item(uow, kind, code, user)
        await uow.commit()
    return ReferenceItemRemoval(
        outcome="deleted" if removal.deleted else "archived",
        used_by=UsageOut.model_validate(removal.usage, from_attributes=True),
        item=ReferenceItemOut.of(removal.item),
    )
