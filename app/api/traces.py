from __future__ import annotations

from typing import Any

import anyio
import orjson
from fastapi import APIRouter, HTTPException, Request, Response

from app import metrics
from app.api.errors import LAB_ERRORS, NOT_FOUND
from app.scenario import Scenario
from app.schemas import schemas

router = APIRouter(prefix="/api", tags=["traces"])


def _trace(scenario: Scenario) -> bytes:
    from app.engine import tracer  # imported at start-up by the lifespan; TF stays out of here

    trace = tracer.run(scenario).to_dict(arrays=True)
    return orjson.dumps(trace, option=orjson.OPT_SERIALIZE_NUMPY)


@router.post(
    "/traces",
    response_class=Response,
    responses={200: {"description": "The verified trace (docs/trace.schema.json)."}, **LAB_ERRORS},
)
async def create_trace(scenario: Scenario, request: Request) -> Response:
    """Run the scenario on Keras and return its verified trace."""
    limiter = request.app.state.tf_limiter
    body = await anyio.to_thread.run_sync(_trace, scenario, limiter=limiter)
    metrics.inc("lsl_traces_total")
    return Response(body, media_type="application/json")


@router.get("/schemas/{name}", responses=NOT_FOUND)
async def get_schema(name: str) -> dict[str, Any]:
    found = schemas().get(name)
    if found is None:
        raise HTTPException(404, "schemas: scenario, trace")
    return found
