from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request

from app.scenario import Scenario
from app.schemas import schemas

router = APIRouter(prefix="/api", tags=["traces"])


def _trace(scenario: Scenario) -> dict[str, Any]:
    from app.engine import tracer  # imported at start-up by the lifespan; TF stays out of here

    return tracer.run(scenario).to_dict()


@router.post("/traces")
async def create_trace(scenario: Scenario, request: Request) -> dict[str, Any]:
    """Run the scenario on Keras and return its verified trace."""
    limiter = request.app.state.tf_limiter
    return await anyio.to_thread.run_sync(_trace, scenario, limiter=limiter)


@router.get("/schemas/{name}")
async def get_schema(name: str) -> dict[str, Any]:
    from fastapi import HTTPException

    found = schemas().get(name)
    if found is None:
        raise HTTPException(404, "schemas: scenario, trace")
    return found
