"""Bearer-JWT authentication and the two roles of Leadline.

HS256 with a shared secret is the embedded default (``leadline-token`` mints tokens for the
demo users); with ``JWT_JWKS_URL`` set, RS256 tokens of a real identity provider are verified
against its published keys instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from leadline.contracts.platform.contacts import normalised_email


class Role(StrEnum):
    SALESPERSON = "salesperson"
    MANAGER = "manager"


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    roles: frozenset[Role]
    extension: str | None = None  # PBX extension: a salesperson triages the calls that reached it
    email: str | None = None  # lower case: a salesperson triages the e-mails addressed to it

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER in self.roles


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by whom we trust."""


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    name: str
    roles: tuple[Role, ...]
    extension: str
    email: str


DEMO_USERS = {
    user.user_id: user
    for user in (
        DemoUser("anna", "Anna Nowak", (Role.SALESPERSON,), "101", "anna@leadline.example"),
        DemoUser("piotr", "Piotr Zieliński", (Role.SALESPERSON,), "102", "piotr@leadline.example"),
        DemoUser("marta", "Marta Wiśniewska", (Role.MANAGER, Role.SALESPERSON), "100", "marta@leadline.example"),
    )
}


# Sales apps send the same token with every request until it expires; checking its signature again each
# time was a tenth of a lead create. A verified token is remembered until it expires, and at most this
# long, so a key the identity provider withdraws stops working soon even for tokens seen before.
REMEMBER_VERIFIED_SECONDS = 300.0
REMEMBERED_TOKENS = 10_000


class TokenVerifier:
    def __init__(
        self,
        *,
        secret: str,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}  # token -> (whose, valid until)

    @property
    def may_block(self) -> bool:
        """Verifying against a JWKS may fetch the provider's keys over the network (then they are cached)."""
        return self._jwks is not None

    def verify(self, token: str) -> Principal:
        now = self._clock()
        remembered = self._verified.get(token)
        if remembered is not None and now < remembered[1]:
            return remembered[0]
        principal, expires_at = self._verified_now(token)
        if len(self._verified) >= REMEMBERED_TOKENS:
            self._verified = {t: v for t, v in self._verified.items() if now < v[1]}
            if len(self._verified) >= REMEMBERED_TOKENS:
                self._verified.clear()
        self._verified[token] = (principal, min(expires_at, now + REMEMBER_VERIFIED_SECONDS))
        return principal

    def _verified_now(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key, algorithm = self._jwks.get_signing_key_from_jwt(token).key, "RS256"
            else:
                key, algorithm = self._secret, "HS256"
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self._issuer,
                audience=self._audience,
                # Expiry is checked below, on the clock that also ends what is remembered.
                options={"require": ["exp", "sub"], "verify_exp": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        if not isinstance(claims["exp"], int | float) or claims["exp"] <= self._clock():
            raise InvalidToken("Signature has expired")
        granted = claims.get("roles", [])
        if not isinstance(granted, list):
            raise InvalidToken("the roles claim must be a list")
        known = {r.value for r in Role}
        roles = frozenset(Role(r) for r in granted if r in known)
        if not roles:
            raise InvalidToken("the token grants none of the roles salesperson, manager")
        principal = Principal(
            user_id=str(claims["sub"]),
            name=str(claims.get("name", claims["sub"])),
            roles=roles,
            extension=str(claims["ext"]) if claims.get("ext") else None,
            email=normalised_email(str(claims["email"])) if claims.get("email") else None,
        )
        return principal, float(claims["exp"])


def mint_token(
    *,
    user_id: str,
    name: str,
    roles: tuple[Role, ...],
    extension: str | None = None,
    email: str | None = None,
    secret: str,
    issuer: str = "leadline",
    audience: str = "leadline",
    ttl: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": user_id,
        "name": name,
        "roles": [r.value for r in roles],
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl,
    }
    if extension is not None:
        claims["ext"] = extension
    if email is not None:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm="HS256")
