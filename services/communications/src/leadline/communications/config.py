from __future__ import annotations

import re
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator

from leadline.contracts.settings import ServiceSettings

GATEWAY_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
# With the built-in development JWT secret (loopback only, see ServiceSettings), the webhooks take notifications signed
# with these, so `make demo` can play a PBX; anywhere else configure your own.
LOCAL_PBX_GATEWAY = "demo-pbx"
LOCAL_PBX_SECRET = "leadline-local-pbx-secret-not-for-production"
LOCAL_ZADARMA_SECRET = "leadline-local-zadarma-secret-not-for-production"


class Settings(ServiceSettings):
    service: ClassVar[str] = "communications"
    default_http_port: ClassVar[int] = 8002

    # The generic signed webhook: each gateway's secrets, e.g. {"asterisk-hq": ["new-secret", "old-secret"]} (JSON),
    # two while one replaces the other; and how far a notification's timestamp may be from now.
    telephony_webhook_secrets: dict[str, list[SecretStr]] = Field(default_factory=dict)
    telephony_webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    # The Zadarma-compatible webhook verifies notifications with the API secret; with the key too, click-to-call asks
    # Zadarma for a callback. Its notifications say times in the PBX account's zone (default COMPANY_TIME_ZONE).
    zadarma_api_key: str = ""
    zadarma_api_secret: SecretStr = SecretStr("")
    zadarma_api_url: str = "https://api.zadarma.com"
    zadarma_time_zone: ZoneInfo | None = None

    @field_validator("telephony_webhook_secrets")
    @classmethod
    def _secrets_per_gateway(cls, secrets: dict[str, list[SecretStr]]) -> dict[str, list[SecretStr]]:
        for gateway, values in secrets.items():
            if not re.match(GATEWAY_NAME, gateway):
                raise ValueError(f"gateway name {gateway!r} must be 1-64 letters, digits, '_', '.' or '-'")
            if not 1 <= len(values) <= 2 or any(len(v.get_secret_value()) < 16 for v in values):
                raise ValueError(
                    f"gateway {gateway!r} needs one secret, or two while rotating, each of 16 characters or more"
                )
        return secrets

    @model_validator(mode="after")
    def _development_webhooks(self) -> Settings:
        if self.development_tokens:
            if not self.telephony_webhook_secrets:
                object.__setattr__(
                    self, "telephony_webhook_secrets", {LOCAL_PBX_GATEWAY: [SecretStr(LOCAL_PBX_SECRET)]}
                )
            if not self.zadarma_api_secret.get_secret_value():
                object.__setattr__(self, "zadarma_api_secret", SecretStr(LOCAL_ZADARMA_SECRET))
        return self
