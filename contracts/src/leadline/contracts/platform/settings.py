"""Settings every service reads from the environment (one table of them is in the README)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import ClassVar, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field, FilePath, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

LOCAL_JWT_SECRET = "leadline-local-development-secret-not-for-production"
MANAGEMENT_PORT_OFFSET = 100  # the management port of a service whose API is on 8001 is 8101

KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
KafkaSaslMechanism = Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]

S = TypeVar("S", bound=BaseSettings)


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster: what the services and ``leadline-topics`` share."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Lets several Leadline environments (or test runs) share one Kafka cluster.
    kafka_topic_prefix: str = ""
    kafka_security_protocol: KafkaSecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: KafkaSaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    # Without a CA file TLS trusts the system's CAs (enough for a cloud cluster with a public certificate).
    kafka_ssl_cafile: FilePath | None = None
    # A client certificate, for clusters that authenticate clients by TLS (mutual TLS).
    kafka_ssl_certfile: FilePath | None = None
    kafka_ssl_keyfile: FilePath | None = None

    @property
    def kafka_bootstrap_list(self) -> list[str]:
        """The brokers one by one. FastStream takes a string as the address of one broker, so a comma-separated
        list handed over whole would never reach any of a cluster's brokers."""
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",") if server.strip()]

    @property
    def kafka_uses_sasl(self) -> bool:
        return self.kafka_security_protocol.startswith("SASL_")

    @property
    def kafka_uses_tls(self) -> bool:
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")

    @model_validator(mode="after")
    def _consistent_kafka_security(self) -> KafkaSettings:
        # A half-configured client would fail later with a broker timeout that names no setting;
        # and a credential or certificate the protocol ignores is a mistake that must not pass silently.
        protocol = f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}"
        has_credentials = bool(self.kafka_sasl_username or self.kafka_sasl_password.get_secret_value())
        if self.kafka_uses_sasl and not (self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()):
            raise ValueError(f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if has_credentials and not self.kafka_uses_sasl:
            raise ValueError(
                f"KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but {protocol} does not use them; "
                "use SASL_SSL (or SASL_PLAINTEXT)"
            )
        has_tls_files = any((self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile))
        if has_tls_files and not self.kafka_uses_tls:
            raise ValueError(f"KAFKA_SSL_* files are set but {protocol} does not use TLS; use SSL or SASL_SSL")
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE")
        return self


def read_settings(settings_class: type[S], program: str) -> S:
    """The settings from the environment, or exit naming what is wrong rather than with a traceback.

    The message leaves the values out: pydantic's own would print every input, passwords included.
    """
    try:
        return settings_class()
    except ValidationError as error:
        problems = "\n".join(
            f"  {'.'.join(str(part) for part in problem['loc']).upper() or 'settings'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)
        )
        sys.exit(f"{program}: the configuration in the environment is not valid:\n{problems}")


class ServiceSettings(KafkaSettings):
    service: ClassVar[str]
    default_http_port: ClassVar[int]

    data_dir: Path = Path(".local/data")
    database_url: str = ""
    # Connections each process keeps open to its PostgreSQL database; when more are in use at once, the extra ones
    # (up to as many again) are opened for one use and closed. At SQLAlchemy's 5, 16 clients creating leads had leads
    # opening and closing a connection (a PostgreSQL process, a TLS handshake) every few requests: 10 took creates
    # from 231-260/s to 252-290/s, p99 125-174 ms to 90-113 ms. Mind PostgreSQL's max_connections (100 by default)
    # across services and replicas. SQLite's file needs no pool sizing.
    database_pool_size: int = Field(default=10, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = 0
    # /ready and /metrics (and /health) on a port of their own, for probes and Prometheus, off the API's port.
    management_host: str = ""
    management_port: int = 0
    jwt_secret: SecretStr = SecretStr(LOCAL_JWT_SECRET)
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "leadline"
    jwt_audience: str = "leadline"
    default_phone_region: str = "PL"
    # The company's calendar: the date a document bears and the year its number counts in (an IANA name).
    company_time_zone: ZoneInfo = ZoneInfo("Europe/Warsaw")
    consumer_max_records: int = 500
    # How long the broker may hold a consumer's fetch while it has nothing new for it. Kafka's 500 ms default was
    # the tail of intake latency (p99 680 ms at a steady 1,000 calls/s on PostgreSQL, 220 ms at 100 ms).
    consumer_fetch_max_wait_ms: int = Field(default=100, ge=1)
    # How much a consumer's fetch waits to gather (up to that wait). Kafka's default answers a fetch as soon as one
    # record is there: then every service handled a trickle of one-record batches, each a transaction, an offset
    # commit and a relay round, and the broker served them all. At a steady 1,000 calls/s the broker used 0.72 of
    # the machine's two cores with 1 byte, 0.50 with 64 KiB (communications 0.44 -> 0.26); lead creates went
    # 228 -> 281/s. The cost is latency while traffic is thin: an event may wait up to the fetch wait per hop.
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    # How long an Idempotency-Key is kept for the retries of a create (leadline.contracts.platform.idempotency).
    idempotency_key_hours: int = Field(default=24, ge=1)
    log_level: str = "INFO"
    # Worker processes serving one API socket, each a whole replica (HTTP, consumers, relay): PostgreSQL only.
    web_concurrency: int = Field(default=1, ge=1)

    @property
    def development_tokens(self) -> bool:
        """Tokens are verified with the built-in development secret, which anyone can read in the source."""
        return self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() == LOCAL_JWT_SECRET

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
        if not self.management_host:
            object.__setattr__(self, "management_host", self.http_host)
        if not self.management_port:
            object.__setattr__(self, "management_port", self.http_port + MANAGEMENT_PORT_OFFSET)
        if self.management_port == self.http_port:
            raise ValueError("MANAGEMENT_PORT must differ from HTTP_PORT: /metrics and /ready stay off the API's port")
        if self.web_concurrency > 1 and make_url(self.database_url).get_backend_name() == "sqlite":
            raise ValueError(
                f"WEB_CONCURRENCY={self.web_concurrency} needs PostgreSQL, but DATABASE_URL is a SQLite file: SQLite "
                "lets one process write at a time and the group commit gathers the writes of one process only, so "
                "several workers would queue behind each other's file lock instead of sharing commits; run one worker "
                "on SQLite"
            )
        if self.development_tokens and not _is_loopback(self.http_host):
            raise ValueError(
                f"JWT_SECRET is the built-in development secret, which anyone can read, so anyone could mint "
                f"tokens; set JWT_SECRET (or JWT_JWKS_URL) before listening on HTTP_HOST={self.http_host}"
            )
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False
