"""Settings every service reads from the environment (one table of them is in the README)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_JWT_SECRET = "leadline-local-development-secret-not-for-production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: ClassVar[str]
    default_http_port: ClassVar[int]

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Lets several Leadline environments (or test runs) share one Kafka cluster.
    kafka_topic_prefix: str = ""
    data_dir: Path = Path(".local/data")
    database_url: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 0
    jwt_secret: SecretStr = SecretStr(LOCAL_JWT_SECRET)
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "leadline"
    jwt_audience: str = "leadline"
    default_phone_region: str = "PL"
    consumer_max_records: int = 500
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _service_defaults(self) -> ServiceSettings:
        # Frozen settings: defaults that depend on the service are filled in once, here.
        if not self.database_url:
            object.__setattr__(
                self,
                "database_url",
                f"sqlite+aiosqlite:///{self.data_dir / self.service}.db",
            )
        if not self.http_port:
            object.__setattr__(self, "http_port", self.default_http_port)
        return self
