"""RFC 9457 problem details: the one shape of every error answer, whether an endpoint gives it or middleware
(the body-size limit, an unexpected error) does."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.types import Send

from leadline.contracts.platform.openapi import PROBLEM_JSON


class FieldError(BaseModel):
    field: str = Field(examples=["email"])
    rule: str = Field(examples=["value_error"])
    message: str = Field(examples=["value is not a valid email address"])


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and per field which rule was broken."""

    type: str = Field(examples=["urn:leadline:problem:validation"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    correlation_id: str | None = Field(
        default=None, description="The request's id (also in the X-Correlation-Id header): quote it to support."
    )


async def send_problem(send: Send, problem: Problem, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answers with the problem from ASGI middleware, where no FastAPI response class is at hand."""
    body = problem.model_dump_json().encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
