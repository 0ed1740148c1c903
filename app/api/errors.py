"""Map engine errors to HTTP responses: structured JSON, never a traceback."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from app import metrics
from app.errors import KerasRejected, LabError, ScenarioError, VerificationFailed

STATUS = {ScenarioError: 422, KerasRejected: 400, VerificationFailed: 500}


async def lab_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LabError)
    metrics.inc("lsl_errors_total", exc.kind)
    return JSONResponse(exc.to_dict(), status_code=STATUS.get(type(exc), 400))
