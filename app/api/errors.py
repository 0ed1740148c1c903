"""Map engine errors to HTTP responses: structured JSON, never a traceback."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from app import metrics
from app.errors import KerasRejected, LabError, ScenarioError, VerificationFailed

STATUS = {ScenarioError: 422, KerasRejected: 400, VerificationFailed: 500}


class Detail(BaseModel):
    """FastAPI's HTTPException body."""

    detail: str


class LabErrorBody(BaseModel):
    """A LabError (app/errors.py): kind, message and error-specific fields (e.g. `field`)."""

    model_config = ConfigDict(extra="allow")
    error: str
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


async def lab_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LabError)
    metrics.inc("lsl_errors_total", exc.kind)
    return JSONResponse(exc.to_dict(), status_code=STATUS.get(type(exc), 400))
