"""HTTP API of the settings of leads: every signed-in user reads them; changing one is a manager's. Thin: parse,
call a use case, commit, answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import Manager, signed_in_router
from leadline.leads.domain.reference import SettingKey
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["settings"])


class SettingsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order_type": "ZS", "invoice_type": "FV", "default_currency": "PLN"}]}
    )

    order_type: str | None = Field(description="The documents service's type for orders made from a lead.")
    invoice_type: str | None = Field(description="The documents service's type for invoices made from a lead.")
    default_currency: str = Field(description="ISO 4217.", examples=["PLN"])

    @classmethod
    def of(cls, settings: dict[SettingKey, str | None]) -> SettingsOut:
        return cls.model_validate({key.value: value for key, value in settings.items()})


class SettingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"value": "ZS"}, {"value": "EUR"}, {"value": None}]}
    )

    value: str | None = Field(
        max_length=40,
        description="order_type, invoice_type: a document type code, null unsets it; "
        "default_currency: an ISO 4217 code.",
    )


@router.get("/settings", response_model=SettingsOut, summary="The settings of leads")
async def get_settings(uow: UnitOfWork) -> SettingsOut:
    async with uow:
        settings = await use_cases.current_settings(uow)
    return SettingsOut.of(settings)


@router.put("/settings/{key}", response_model=SettingsOut, summary="Set one setting (manager)")
async def put_setting(key: SettingKey, body: SettingIn, user: Manager, uow: UnitOfWork) -> SettingsOut:
    async with uow:
        settings = await use_cases.change_setting(uow, key, body.value, user)
        await uow.commit()
    return SettingsOut.of(settings)
