"""Bearer tokens: what a verified token tells about its user, and which tokens are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from leadline.contracts.platform.auth import (
    REMEMBER_VERIFIED_SECONDS,
    InvalidToken,
    Principal,
    Role,
    TokenVerifier,
    mint_token,
)

SECRET = "a-test-secret-long-enough-for-hs256-keys"
VERIFIER = TokenVerifier(secret=SECRET, issuer="leadline", audience="leadline")


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "sub": "anna",
        "name": "Anna Nowak",
        "roles": ["salesperson"],
        "iss": "leadline",
        "aud": "leadline",
        "iat": now,
        "exp": now + timedelta(hours=1),
        **changes,
    }


def signed(token_claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(token_claims, secret, algorithm="HS256")


def test_a_minted_token_verifies_to_its_user_roles_and_extension() -> None:
    token = mint_token(user_id="anna", name="Anna Nowak", roles=(Role.SALESPERSON,), extension="101", secret=SECRET)

    assert VERIFIER.verify(token) == Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101")


def test_a_manager_token_makes_a_manager() -> None:
    token = mint_token(user_id="marta", name="Marta", roles=(Role.MANAGER, Role.SALESPERSON), secret=SECRET)

    user = VERIFIER.verify(token)

    assert user.roles == {Role.MANAGER, Role.SALESPERSON}
    assert user.is_manager
    assert user.extension is None


def test_a_salesperson_is_not_a_manager() -> None:
    token = mint_token(user_id="anna", name="Anna", roles=(Role.SALESPERSON,), secret=SECRET)

    assert not VERIFIER.verify(token).is_manager


def test_without_a_name_the_user_id_names_the_user() -> None:
    token_claims = claims()
    del token_claims["name"]

    assert VERIFIER.verify(signed(token_claims)).name == "anna"


def test_roles_leadline_does_not_know_are_dropped() -> None:
    assert VERIFIER.verify(signed(claims(roles=["admin", "manager"]))).roles == {Role.MANAGER}


def test_an_expired_token_is_refused() -> None:
    token = mint_token(user_id="anna", name="Anna", roles=(Role.SALESPERSON,), secret=SECRET, ttl=timedelta(seconds=-1))

    with pytest.raises(InvalidToken, match="expired"):
        VERIFIER.verify(token)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    clock = Clock()
    verifier = TokenVerifier(secret=SECRET, issuer="leadline", audience="leadline", clock=clock)
    token = signed(claims(exp=datetime.fromtimestamp(clock.now + 60, UTC)))
    assert verifier.verify(token).user_id == "anna"

    clock.now += 59
    assert verifier.verify(token).user_id == "anna"
    clock.now += 2

    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_a_token_is_checked_again_after_a_while_even_before_it_expires() -> None:
    clock = Clock()
    token = signed(claims(exp=datetime.fromtimestamp(clock.now + 3600, UTC)))
    trusting = TokenVerifier(secret=SECRET, issuer="leadline", audience="leadline", clock=clock)
    assert trusting.verify(token).user_id == "anna"
    # The key is withdrawn (here: the secret changes under the verifier); within a few minutes, the token fails.
    trusting._secret = "the-identity-provider-rotated-its-key-away!"
    clock.now += REMEMBER_VERIFIED_SECONDS + 1

    with pytest.raises(InvalidToken):
        trusting.verify(token)


def test_a_forged_token_is_refused_every_time() -> None:
    forged = signed(claims(roles=["manager"]), secret="not-our-secret-but-long-enough-for-hs256")

    for _ in range(2):
        with pytest.raises(InvalidToken):
            VERIFIER.verify(forged)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = mint_token(
        user_id="anna", name="Anna", roles=(Role.SALESPERSON,), secret="another-secret-just-as-long-as-ours!!"
    )

    with pytest.raises(InvalidToken, match=r"(?i)signature"):
        VERIFIER.verify(token)


def test_a_token_for_another_audience_is_refused() -> None:
    token = mint_token(user_id="anna", name="Anna", roles=(Role.SALESPERSON,), secret=SECRET, audience="billing")

    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        VERIFIER.verify(token)


def test_a_token_from_another_issuer_is_refused() -> None:
    token = mint_token(user_id="anna", name="Anna", roles=(Role.SALESPERSON,), secret=SECRET, issuer="elsewhere")

    with pytest.raises(InvalidToken, match=r"(?i)issuer"):
        VERIFIER.verify(token)


@pytest.mark.parametrize("roles", [[], ["admin"], ["Manager", "SALESPERSON"]], ids=["none", "unknown", "wrong case"])
def test_a_token_with_no_known_role_is_refused(roles: list[str]) -> None:
    with pytest.raises(InvalidToken, match="none of the roles"):
        VERIFIER.verify(signed(claims(roles=roles)))


def test_a_token_without_roles_is_refused() -> None:
    token = mint_token(user_id="anna", name="Anna", roles=(), secret=SECRET)

    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


@pytest.mark.parametrize("claim", ["exp", "sub"])
def test_a_token_without_expiry_or_subject_is_refused(claim: str) -> None:
    token_claims = claims()
    del token_claims[claim]

    with pytest.raises(InvalidToken, match=claim):
        VERIFIER.verify(signed(token_claims))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        jwt.encode(claims(), key="", algorithm="none"),
    ],
    ids=["empty", "garbage", "unsigned"],
)
def test_a_malformed_or_unsigned_token_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


def test_a_roles_claim_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(signed(claims(roles=7)))


# --- an identity provider's RS256 tokens, keys from its JWKS URL --------------------------------


@pytest.fixture(scope="module")
def identity_provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_verifier(identity_provider_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> TokenVerifier:
    """A verifier that trusts the provider's key, handed out as if fetched from its JWKS URL (no network)."""

    def signing_key(_client: jwt.PyJWKClient, _token: str) -> SimpleNamespace:
        return SimpleNamespace(key=identity_provider_key.public_key())

    monkeypatch.setattr(jwt.PyJWKClient, "get_signing_key_from_jwt", signing_key)
    return TokenVerifier(
        secret=SECRET, issuer="leadline", audience="leadline", jwks_url="https://idp.invalid/.well-known/jwks.json"
    )


def test_an_identity_providers_token_verifies_against_its_published_key(
    jwks_verifier: TokenVerifier, identity_provider_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(claims(roles=["manager"], ext=100), identity_provider_key, algorithm="RS256")

    assert jwks_verifier.verify(token) == Principal("anna", "Anna Nowak", frozenset({Role.MANAGER}), extension="100")


def test_with_a_jwks_url_a_shared_secret_token_is_refused(jwks_verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken):
        jwks_verifier.verify(signed(claims()))


def test_an_identity_providers_token_without_subject_is_refused(
    jwks_verifier: TokenVerifier, identity_provider_key: rsa.RSAPrivateKey
) -> None:
    token_claims = claims()
    del token_claims["sub"]

    with pytest.raises(InvalidToken):
        jwks_verifier.verify(jwt.encode(token_claims, identity_provider_key, algorithm="RS256"))


def test_an_identity_providers_token_without_expiry_is_refused(
    jwks_verifier: TokenVerifier, identity_provider_key: rsa.RSAPrivateKey
) -> None:
    token_claims = claims()
    del token_claims["exp"]

    with pytest.raises(InvalidToken):
        jwks_verifier.verify(jwt.encode(token_claims, identity_provider_key, algorithm="RS256"))
