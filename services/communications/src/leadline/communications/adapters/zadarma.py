"""Zadarma's API, for what Leadline asks of it: a callback (click-to-call) and a link to a recording. Requests are
signed as the provider's API libraries sign them: ``Authorization: <key>:<base64 of the hex HMAC-SHA1, with the
secret, of method + query + md5(query)>``, the query sorted by name and form-encoded."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import httpx

CALLBACK = "/v1/request/callback/"
RECORDING = "/v1/pbx/record/request/"
TIMEOUT_SECONDS = 5.0


class ZadarmaRefused(Exception):
    """Zadarma did not take the request (it said why), or could not be reached."""


def authorization(key: str, secret: str, method: str, query: str) -> str:
    signed = method + query + hashlib.md5(query.encode()).hexdigest()
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).hexdigest()
    return f"{key}:{base64.b64encode(digest.encode()).decode()}"


class ZadarmaClient:
    def __init__(self, *, key: str, secret: str, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self._key, self._secret = key, secret
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def request_callback(self, extension: str, number: str) -> None:
        """Zadarma rings the extension, then connects it to the number (international, digits only)."""
        await self._get(CALLBACK, {"from": extension, "to": number.lstrip("+")})

    async def recording_link(self, recording_id: str) -> str:
        """A link to a call's recording (Zadarma's ``call_id_with_rec``), valid for a while (30 minutes by default)."""
        answer = await self._get(RECORDING, {"call_id": recording_id})
        link = answer.get("link")
        if not isinstance(link, str) or not link.startswith("https://"):
            raise ZadarmaRefused(f"Zadarma gave no link to recording {recording_id}")
        return link

    async def _get(self, method: str, params: dict[str, str]) -> dict[str, object]:
        query = urlencode(sorted({**params, "format": "json"}.items()))
        headers = {"Authorization": authorization(self._key, self._secret, method, query)}
        try:
            response = await self._http.get(f"{method}?{query}", headers=headers)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ZadarmaRefused(f"Zadarma could not be asked: {error!r}") from error
        if response.status_code >= 400 or not isinstance(answer, dict) or answer.get("status") != "success":
            message = answer.get("message") if isinstance(answer, dict) else None
            raise ZadarmaRefused(f"Zadarma refused {method} ({response.status_code}): {message or response.text[:200]}")
        return answer

    async def close(self) -> None:
        await self._http.aclose()
