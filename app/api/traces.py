from __future__ import annotations

from typing import Any

import anyio
import orjson
from fastapi import APIRouter, HTTPException, Request, Response

from app import metrics
from app.api.deps import TracesDep, owner, while_connected
from app.api.errors import LAB_ERRORS, NOT_FOUND
from app.scenario import Scenario
from app.schemas import TraceDoc, plain, schemas

router = APIRouter(prefix="/api", tags=["traces"])


def _json(trace: TraceDoc) -> bytes:
    return orjson.dumps(plain(trace, arrays=True), option=orjson.OPT_SERIALIZE_NUMPY)


@router.post(
    "/traces",
    response_class=Response,
    responses={200: {"description": "The verified trace (docs/trace.schema.json)."}, **LAB_ERRORS},
)
async def create_trace(scenario: Scenario, request: Request, traces: TracesDep) -> Response:
    """Run the scenario on Keras and return its verified trace. Priced first: over a budget
    is a 422 that names it; a client that disconnects cancels its work."""
    trace = await while_connected(request, traces.trace(scenario, owner(request)))
    body = await anyio.to_thread.run_sync(_json, trace)  # not on the event loop
    metrics.inc("lsl_traces_total")
    return Response(body, media_type="application/json")


@router.get("/schemas/{name}", responses=NOT_FOUND)
async def get_schema(name: str) -> dict[str, Any]:
    found = schemas().get(name)
    if found is None:
        raise HTTPException(404, "schemas: " + ", ".join(schemas()))
    return found
