"""A retried create has one effect: the ``Idempotency-Key`` request header (IETF draft
"The Idempotency-Key HTTP Header Field"), for every service that creates.

A client sends a unique key with a create and the same key when it retries. The first request claims the
key in the service's database, in the transaction of its effect, and stores its answer there before it
commits; so either both the effect and the stored answer are committed or neither is.

- the same key and the same request again: the first answer, same status, headers and body;
- the same key with another request (method, path or body): 422 ``idempotency_key_reused``;
- the same key while the first request is still in its transaction: 409 ``idempotency_key_in_flight``
  (the claim is a primary key, so replicas see each other's claims: the second waits for the first's
  commit and is refused; retried, it gets the first answer);
- a key is kept ``IDEMPOTENCY_KEY_HOURS`` (24 by default) for retries, then purged.

Keys are per user: two people's keys never meet. Without the header a create is not idempotent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import JSON, Column, Integer, LargeBinary, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.errors import Conflict, RuleViolation
from leadline.contracts.platform.http import CurrentUser, json_answer, runtime_of
from leadline.contracts.platform.sql import UtcDateTime, new_metadata

if TYPE_CHECKING:
    from leadline.contracts.platform.db import UnitOfWork
    from leadline.contracts.platform.runtime import ServiceRuntime

HEADER = "Idempotency-Key"
PURGE_SECONDS = 3600.0


def idempotency_keys_table(metadata: MetaData) -> Table:
    """The table of claimed keys and their answers, declared in the tables of each service that creates."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(200), primary_key=True),  # the token's user
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),  # SHA-256 of method, path, query and body
        Column("status_code", Integer, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False, index=True),
    )


_keys = idempotency_keys_table(new_metadata())  # what the statements below name, in whichever database


@dataclass(frozen=True)
class IdempotentRequest:
    """A create as the Idempotency-Key sees it: whose, which key (None: none was sent), which request."""

    principal: str
    key: str | None
    fingerprint: str
    kept_for: timedelta

    async def answer(
        self,
        uow: UnitOfWork,
        create: Callable[[], Awaitable[tuple[BaseModel, Mapping[str, str]]]],
        *,
        status_code: int = 201,
    ) -> Response:
        """Runs ``create`` (it returns the body and the headers of its answer) in ``uow`` and commits, once per
        key: a retry gets the stored answer instead."""
        async with uow:
            earlier = await self._claim(uow.session)
            if earlier is not None:
                return earlier
            body, headers = await create()
            answer = json_answer(body, status_code=status_code, headers=headers)
            await self._remember(uow.session, answer)
            await uow.commit()
        return answer

    async def _claim(self, session: AsyncSession) -> Response | None:
        if self.key is None:
            return None
        mine = (_keys.c.principal == self.principal, _keys.c.key == self.key)
        now = datetime.now(UTC)
        row = (await session.execute(select(_keys).where(*mine))).mappings().first()
        if row is not None and row["expires_at"] > now:
            if row["fingerprint"] != self.fingerprint:
                raise RuleViolation(
                    f"{HEADER} {self.key!r} was used for another request; use a new key for a new request",
                    rule="idempotency_key_reused",
                    field=HEADER,
                )
            return Response(row["body"], status_code=row["status_code"], headers=row["headers"])
        if row is not None:  # kept long enough: the key is free again
            await session.execute(delete(_keys).where(*mine))
        try:
            # The answer is filled in before the commit; nobody else sees the claim without it.
            await session.execute(
                insert(_keys).values(
                    principal=self.principal,
                    key=self.key,
                    fingerprint=self.fingerprint,
                    status_code=0,
                    headers={},
                    body=b"",
                    created_at=now,
                    expires_at=now + self.kept_for,
                )
            )
        except IntegrityError:
            # Another request with this key claimed it meanwhile (waited for here until it committed).
            raise Conflict(
                f"a request with {HEADER} {self.key!r} is being processed; retry it to get its answer",
                rule="idempotency_key_in_flight",
                field=HEADER,
            ) from None
        return None

    async def _remember(self, session: AsyncSession, answer: Response) -> None:
        if self.key is None:
            return
        headers = {name: value for name, value in answer.headers.items() if name != "content-length"}
        await session.execute(
            update(_keys)
            .where(_keys.c.principal == self.principal, _keys.c.key == self.key)
            .values(status_code=answer.status_code, headers=headers, body=bytes(answer.body))
        )


async def purge_expired(session: AsyncSession) -> int:
    """Deletes the keys kept long enough (one statement on the expiry index); how many."""
    result = await session.execute(delete(_keys).where(_keys.c.expires_at < datetime.now(UTC)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_expired_keys(runtime: ServiceRuntime[Any]) -> None:
    """Purges every hour while the service runs (every replica does; it is cheap)."""

    async def purge() -> None:
        async with runtime.unit_of_work() as uow:
            await purge_expired(uow.session)
            await uow.commit()

    runtime.periodically(PURGE_SECONDS, purge)


async def idempotent_request(
    request: Request,
    user: CurrentUser,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=200,
            description="A unique string per intended create (a UUID, say), sent again with every retry of it: a "
            "retry gets the first answer (same status and body) instead of a second effect. The same key with "
            "another request is refused (422 `idempotency_key_reused`), one whose first request is still being "
            "processed too (409 `idempotency_key_in_flight`). Kept for IDEMPOTENCY_KEY_HOURS (24 by default).",
        ),
    ] = None,
) -> IdempotentRequest:
    body = await request.body()
    fingerprint = hashlib.sha256(
        b"\n".join([request.method.encode(), request.url.path.encode(), request.url.query.encode(), body])
    ).hexdigest()
    hours = runtime_of(request).settings.idempotency_key_hours
    return IdempotentRequest(user.user_id, key, fingerprint, timedelta(hours=hours))


Idempotency = Annotated[IdempotentRequest, Depends(idempotent_request)]
