"""Map engine errors to HTTP responses: structured JSON, never a traceback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from app import metrics
from app.errors import (
    JobFailed,
    KerasRejected,
    LabError,
    ScenarioError,
    VerificationFailed,
    headline,
    validation_items,
)

MAX_ERRORS = 20
STATUS = {ScenarioError: 422, KerasRejected: 400, VerificationFailed: 500, JobFailed: 503}


class Detail(BaseModel):
    """FastAPI's HTTPException body."""

    detail: str


class LabErrorBody(BaseModel):
    """A LabError (app/errors.py): kind, code (catalog key error.<code>), English message and
    error-specific fields (e.g. `field`) that the translated message is filled with."""

    model_config = ConfigDict(extra="allow")
    error: str
    code: str
    message: str


# Documented in /openapi.json so clients (and the schema fuzzer) know every status a route gives.
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Detail, "description": "Not found."}}
LAB_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        # FastAPI's own 400 (a body that is not JSON) is a Detail
        "model": LabErrorBody | Detail,
        "description": "Keras rejected an operation (its own message), or the body is not JSON.",
    },
    500: {
        "model": LabErrorBody,
        "description": "verification_failed: the recomputed trace disagrees with Keras.",
    },
}


class Refused(LabError):
    """A route's own refusal (e.g. a full experiment queue): a LabError with its HTTP status,
    whose body also keeps `detail` (the message), as the HTTPException it replaces gave it."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        *,
        code: str,
        headers: dict[str, str] | None = None,
        **detail: Any,
    ) -> None:
        super().__init__(message, code=code, **detail)
        self.kind, self.status, self.headers = kind, status, headers

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "detail": self.message}


async def lab_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LabError)
    metrics.inc("lsl_errors_total", exc.kind)
    if isinstance(exc, Refused):
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers)
    return JSONResponse(exc.to_dict(), status_code=STATUS.get(type(exc), 400))


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts)


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body (`detail`: pydantic's errors) plus `errors` (field, message, type, ctx
    each) and the first problem's code, ctx and field on top, as the live error frame has them."""
    assert isinstance(exc, RequestValidationError)
    # Never the input back (a 10 MB body was rendered and echoed on the event loop), and at
    # most MAX_ERRORS problems: a list of 100,000 bad numbers needs only its first ones.
    every = exc.errors()
    raw = [{k: v for k, v in e.items() if k not in ("input", "url")} for e in every[:MAX_ERRORS]]
    errors = validation_items(raw, _field)
    top = headline(errors, "invalid_request")
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    metrics.inc("lsl_errors_total", "invalid_request")
    body = {
        "error": "invalid_request",
        **top,
        "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        "errors": errors,
        "errors_total": len(every),
        "detail": jsonable_encoder(raw),
    }
    return JSONResponse(body, status_code=422)


async def client_gone_handler(_: Request, exc: Exception) -> Response:
    """The client left while its work waited or ran: the work is cancelled, nobody reads this."""
    metrics.inc("lsl_requests_abandoned_total")
    return Response(status_code=499)
