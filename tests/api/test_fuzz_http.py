"""Schemathesis fuzzing of the HTTP API from its own /openapi.json, in-process over ASGI.

Every operation gets schemathesis's coverage phase (boundary and invalid values of each field)
and its fuzzing phase (random requests). A response must never be a 5xx and must conform to
the schema: documented status code, content type, headers and body.

Schemathesis runs the app's lifespan itself (tf_limiter, jobs) and ends it after each test.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.main import create_app
from app.settings import Settings

CONFIG = schemathesis.Config.from_dict(
    {
        # not 10 s: a first Keras compile of a model takes seconds, many more on a busy machine
        "request-timeout": 120,
        "operations": [
            {
                # POST /api/traces runs the same tracer as POST /api/export/{fmt}, which keeps
                # the coverage phase: its ~150 TensorFlow runs here would double the runtime.
                "include-path": "/api/traces",
                "phases": {"coverage": {"enabled": False}},
            },
            {
                # GET and DELETE are two routes to Starlette, whose 405 lists the methods of
                # the first one only in `Allow` (a framework limit; the methods themselves work).
                "include-path": "/api/experiments/{job_id}",
                "checks": {"allow_header_conformance": {"enabled": False}},
            },
        ],
    }
)
schema = (
    schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(Settings(warm_up=False)), config=CONFIG
    )
    # Training: seconds to minutes per valid request (and POST /api/experiments trains in the
    # background, after the response); the backends' run starts two processes per backend for
    # each valid scenario (its body is the Scenario fuzzed at /api/traces). Their validation
    # is pydantic's, as everywhere else.
    .exclude(method="POST", path_regex=r"^/api/(generate|experiments|backends)")
)


@schema.parametrize()
@settings(
    max_examples=10,  # fuzzing phase, per operation; the coverage phase adds its own cases
    derandomize=True,  # the same cases on every run: a failure here is a regression
    deadline=None,  # a TensorFlow run takes 0.1-1 s, more on a busy machine
    # the Scenario body is deep: most random bodies are invalid (that is the point)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_and_never_fails(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(
        excluded_checks=[
            # pydantic's lax mode coerces by design ("seed": false -> 0, "5" -> 5) where the
            # JSON schema says integer: accepting those is not a bug.
            negative_data_rejection,
            # A schema-valid scenario can still be refused: cross-field rules (422
            # invalid_scenario) and Keras's own refusals (400 keras_rejected), both documented.
            positive_data_acceptance,
        ]
    )


def test_export_of_a_schedule_that_runs_no_batch() -> None:
    """Found by the fuzzer: only reset_states ops ran no batch, the trace had no weights and
    the script export failed (500, IndexError). Version 0 = the initial weights, always."""
    scenario = {"data": {"preset": "ramp"}, "schedule": {"ops": [{"op": "reset_states"}]}}
    with TestClient(create_app(Settings(warm_up=False))) as client:
        for fmt in ("py", "ipynb", "torch"):
            r = client.post(f"/api/export/{fmt}", json=scenario)
            assert r.status_code == 200, r.text
            assert ("from_keras(" if fmt == "torch" else "set_weights") in r.text
