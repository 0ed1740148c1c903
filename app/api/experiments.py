"""Experiment runner: the Keras stateful example for a set of (tsteps, lahead, batch_size)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.errors import NOT_FOUND, Refused
from app.jobs import Job, Jobs, QueueFull

router = APIRouter(prefix="/api/experiments", tags=["experiments"])

# seed 000's table (2,1,1) (2,2,1) (2,2,2) (2,1,2), then the recommended lahead/tsteps pairs
DEFAULT_CONFIGS = [
    (2, 1, 1),
    (2, 2, 1),
    (2, 2, 2),
    (2, 1, 2),
    (2, 1, 1),
    (2, 2, 2),
    (5, 2, 2),
    (5, 5, 5),
]


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tsteps: int = Field(ge=1, le=32)
    lahead: int = Field(ge=1, le=32)
    batch_size: int = Field(ge=1, le=64)


class ExperimentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    configs: list[Config] = Field(
        default_factory=lambda: [
            Config(tsteps=t, lahead=la, batch_size=b) for t, la, b in dict.fromkeys(DEFAULT_CONFIGS)
        ],
        min_length=1,
        max_length=12,
    )
    input_len: int = Field(400, ge=50, le=2000, description="Windows of data (example: 1000).")
    epochs: int = Field(3, ge=1, le=25, description="Training epochs (example: 10).")
    seed: int = Field(0, ge=0, le=2**31 - 1)


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


def _work(req: ExperimentRequest) -> Any:
    def work(emit: Any, cancelled: Any) -> list[dict[str, Any]]:
        from app.engine import experiment  # loaded with the engine

        results = []
        for i, c in enumerate(req.configs):

            def tagged(event: dict[str, Any], i: int = i) -> None:
                emit({"config": i, "configs": len(req.configs), **event})

            results.append(
                experiment.run(
                    c.tsteps,
                    c.lahead,
                    c.batch_size,
                    req.input_len,
                    req.epochs,
                    req.seed,
                    tagged,
                    cancelled,
                )
            )
        return results

    return work


@router.post("/cost")
async def cost(request: Request) -> dict[str, Any]:
    """Measure now, on this server: stateful batch-1 training vs batched stateless training."""

    def work() -> dict[str, Any]:
        from app.engine import cost as cost_module

        return cost_module.measure()

    return await anyio.to_thread.run_sync(work, limiter=request.app.state.tf_limiter)


@router.post("", status_code=202)
async def start(req: ExperimentRequest, request: Request) -> dict[str, Any]:
    """Queue an experiment; a cached identical one comes back done at once."""
    jobs = _jobs(request)
    try:
        job = jobs.submit(req.model_dump_json(), _work(req))
    except QueueFull as exc:
        raise Refused(
            503,
            "queue_full",
            str(exc),
            code="queue_full",
            headers={"Retry-After": "30"},
            limit=jobs.max_pending,
            retry_after=30,
        ) from exc
    return job.summary()


def _job(request: Request, job_id: str) -> Job:
    job = _jobs(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no experiment {job_id!r}")
    return job


@router.get("/{job_id}", responses=NOT_FOUND)
async def status(job_id: str, request: Request) -> dict[str, Any]:
    return _job(request, job_id).summary()


@router.get("/{job_id}/events", responses=NOT_FOUND)
async def events(job_id: str, request: Request) -> StreamingResponse:
    """Server-sent events: started, progress (config, phase, epoch, batch, loss), then the end."""
    job = _job(request, job_id)

    async def sse() -> AsyncIterator[str]:
        async for event in _jobs(request).stream(job):
            yield f"data: {json.dumps(event)}\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")


@router.delete("/{job_id}", responses=NOT_FOUND)
async def cancel(job_id: str, request: Request) -> dict[str, Any]:
    job = _job(request, job_id)
    _jobs(request).cancel(job)
    return job.summary()
