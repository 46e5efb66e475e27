"""The communications service's settings: every service's, telephony's (the PBX webhooks, Zadarma) and mail's (the
blob store, the LMTP/SMTP receiver, IMAP mailboxes, the SMTP server e-mails are sent through). The README's
configuration table lists them all."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from leadline.contracts.platform.contacts import normalised_email
from leadline.contracts.platform.settings import ServiceSettings

GATEWAY_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
# With the built-in development JWT secret (loopback only, see ServiceSettings), the webhooks take notifications signed
# with these, so `make demo` can play a PBX; anywhere else configure your own.
LOCAL_PBX_GATEWAY = "demo-pbx"
LOCAL_PBX_SECRET = "leadline-local-pbx-secret-not-for-production"
LOCAL_ZADARMA_SECRET = "leadline-local-zadarma-secret-not-for-production"
MiB = 1024 * 1024

Security = Literal["ssl", "starttls", "none"]


def _addresses(value: object) -> object:
    """A comma-separated list in the environment (``sales@example.com, info@example.com``), lower case."""
    if isinstance(value, str):
        return [normalised_email(item.strip()) for item in value.split(",") if item.strip()]
    return value


# Connecting, the envelope (MAIL, RCPT) and the message (DATA): each may take up to SMTP_TIMEOUT_SECONDS.
SMTP_STEPS_PER_ATTEMPT = 3


class ImapMailbox(BaseModel):
    """One mailbox the IMAP connector reads. The password is not written here: ``password_env`` names the variable
    of the environment that holds it (so the list can sit in a ConfigMap and the password in a Secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="What the connector remembers its position under: keep it when anything else changes.",
    )
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535, description="Default: 993 with ssl, else 143.")
    security: Security = "ssl"
    ca_file: FilePath | None = Field(default=None, description="A private CA to trust, else the system's CAs.")
    user: str = Field(min_length=1)
    password_env: str = Field(min_length=1, description="The environment variable holding the password.")
    folder: str = "INBOX"
    processed: Literal["flag", "move"] = Field(
        default="flag", description="flag: keyword `processed_flag` is set; move: moved to `move_to`."
    )
    processed_flag: str = Field(default="$Leadline", pattern=r"^\$?[A-Za-z0-9_]+$")
    move_to: str = "Leadline"
    idle: bool = Field(default=True, description="Use IDLE when the server offers it; poll otherwise.")
    poll_seconds: float = Field(default=60.0, gt=0)

    @property
    def server_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)

    @property
    def password(self) -> SecretStr:
        return SecretStr(os.environ.get(self.password_env, ""))

    @model_validator(mode="after")
    def _password_in_the_environment(self) -> ImapMailbox:
        if self.password_env not in os.environ:
            raise ValueError(f"mailbox {self.name}: the environment has no {self.password_env} (its password)")
        return self


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

    # Raw messages and attachments: a local directory (default DATA_DIR/blobs), or an S3-compatible store.
    blob_dir: Path | None = None
    blob_s3_endpoint: str = ""
    blob_s3_bucket: str = ""
    blob_s3_prefix: str = "leadline/"
    blob_s3_region: str = "us-east-1"
    blob_s3_access_key_id: str = ""
    blob_s3_secret_access_key: SecretStr = SecretStr("")
    mail_max_message_bytes: int = Field(default=25 * MiB, ge=1024)

    # Who receives e-mail here: the receiver's recipients, and the addresses every salesperson may triage.
    mail_recipient_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    mail_recipient_addresses: Annotated[list[str], NoDecode] = Field(default_factory=list)
    mail_shared_addresses: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The LMTP (or SMTP) receiver an MTA delivers to; off while the port is 0.
    mail_receiver_host: str = "127.0.0.1"
    mail_receiver_port: int = Field(default=0, ge=0, le=65535)
    mail_receiver_protocol: Literal["lmtp", "smtp"] = "lmtp"

    # IMAP mailboxes (`python -m leadline.communications mailboxes`): a JSON list of ImapMailbox.
    imap_mailboxes: list[ImapMailbox] = Field(default_factory=list)

    # The company's SMTP server (relay) that e-mails written from leads go through; writing is off while unset.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Security = "starttls"
    smtp_ca_file: FilePath | None = None
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=60.0, gt=0)
    mail_from_address: str = ""
    mail_send_attempts: int = Field(default=8, ge=1)
    mail_retry_seconds: float = Field(default=60.0, gt=0)
    # How long a sender's claim on an e-mail holds: another replica sends it again only once a claim has run out
    # (its sender died before handing the message over), so it must outlast any one attempt.
    mail_send_lease_seconds: float = Field(default=600.0, gt=0)

    _split_addresses = field_validator(
        "mail_recipient_domains", "mail_recipient_addresses", "mail_shared_addresses", mode="before"
    )(_addresses)

    @property
    def blobs_in_s3(self) -> bool:
        return bool(self.blob_s3_endpoint)

    @property
    def local_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @model_validator(mode="after")
    def _consistent_mail(self) -> Settings:
        if self.blobs_in_s3 and not (
            self.blob_s3_bucket and self.blob_s3_access_key_id and self.blob_s3_secret_access_key.get_secret_value()
        ):
            raise ValueError(
                "BLOB_S3_ENDPOINT needs BLOB_S3_BUCKET, BLOB_S3_ACCESS_KEY_ID and BLOB_S3_SECRET_ACCESS_KEY"
            )
        if bool(self.smtp_username) != bool(self.smtp_password.get_secret_value()):
            raise ValueError("SMTP_USERNAME and SMTP_PASSWORD go together")
        if self.smtp_host and not self.mail_from_address:
            raise ValueError("SMTP_HOST needs MAIL_FROM_ADDRESS: the sender of e-mails whose writer has no address")
        if self.mail_receiver_port and not (self.mail_recipient_domains or self.mail_recipient_addresses):
            raise ValueError(
                "MAIL_RECEIVER_PORT needs MAIL_RECIPIENT_DOMAINS or MAIL_RECIPIENT_ADDRESSES: whom it receives for"
            )
        if self.mail_send_lease_seconds <= SMTP_STEPS_PER_ATTEMPT * self.smtp_timeout_seconds:
            raise ValueError(
                f"MAIL_SEND_LEASE_SECONDS must be longer than {SMTP_STEPS_PER_ATTEMPT} × SMTP_TIMEOUT_SECONDS "
                "(connecting, the envelope and the message may each take that long): a shorter claim could run out "
                "while its sender still sends, and another replica would send the message again"
            )
        names = [mailbox.name for mailbox in self.imap_mailboxes]
        if len(set(names)) != len(names):
            raise ValueError("IMAP_MAILBOXES: every mailbox needs a name of its own")
        return self
