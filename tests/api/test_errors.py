"""Engine errors as HTTP responses (app/api/errors.py): a status per kind, a structured body."""

from __future__ import annotations

from typing import Any, cast

import orjson
import pytest
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from app.api import errors
from app.errors import JobFailed, KerasRejected, LabError, ScenarioError, VerificationFailed
from tests import serving

NO_REQUEST = cast(Request, None)  # the handlers never read the request


def answer(handler: Any, exc: Exception) -> tuple[int, dict[str, Any], Response]:
    async def call() -> Response:
        return cast(Response, await handler(NO_REQUEST, exc))

    response = serving.run_async(call, timeout=10)
    body = orjson.loads(response.body) if response.body else {}
    return response.status_code, body, response


@pytest.mark.parametrize(
    ("error", "status"),
    [(ScenarioError, 422), (KerasRejected, 400), (VerificationFailed, 500), (JobFailed, 503)],
)
def test_each_kind_has_its_status_and_keeps_code_and_values(
    error: type[LabError], status: int
) -> None:
    code, body, _ = answer(errors.lab_error_handler, error("it broke", code="x_y", field="f"))
    assert code == status
    assert body == {"error": error.kind, "code": "x_y", "message": "it broke", "field": "f"}


def test_a_refusal_has_its_own_status_headers_and_keeps_detail() -> None:
    refusal = errors.Refused(
        503, "queue_full", "the queue is full", code="queue_full", headers={"Retry-After": "5"}
    )
    code, body, response = answer(errors.lab_error_handler, refusal)
    assert code == 503 and response.headers["retry-after"] == "5"
    assert body["detail"] == body["message"] == "the queue is full"
    assert body["error"] == body["code"] == "queue_full"


def test_validation_errors_are_capped_and_never_echo_the_input() -> None:
    problems = [
        {
            "loc": ("body", "values", i),
            "msg": "Input should be a valid number",
            "type": "float_parsing",
            "input": f"secret-{i}",
            "url": "https://errors.pydantic.dev",
        }
        for i in range(errors.MAX_ERRORS + 5)
    ]
    code, body, response = answer(errors.validation_error_handler, RequestValidationError(problems))
    assert code == 422
    assert body["errors_total"] == errors.MAX_ERRORS + 5
    assert len(body["errors"]) == len(body["detail"]) == errors.MAX_ERRORS
    assert body["field"] == "values.0" and body["code"] == "float_parsing"  # "body." dropped
    assert body["message"] == "values.0: Input should be a valid number"
    assert b"secret-" not in response.body and b"pydantic.dev" not in response.body


def test_a_client_that_left_gets_499_and_no_body() -> None:
    from app.api.deps import ClientGone

    code, body, _ = answer(errors.client_gone_handler, ClientGone())
    assert code == 499 and body == {}
