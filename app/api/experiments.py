"""Experiment runner: the Keras stateful example for a set of (tsteps, lahead, batch_size)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app import budget
from app.api.deps import HeavyDep, JobsDep, while_connected
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


@router.post("/cost")
async def cost(request: Request, heavy: HeavyDep) -> dict[str, Any]:
    """Measure now, on this server (in the worker process): stateful batch-1 training vs
    batched stateless training."""
    result: dict[str, Any] = await while_connected(request, heavy.call("cost"))
    return result


@router.post("", status_code=202)
async def start(req: ExperimentRequest, request: Request, jobs: JobsDep) -> dict[str, Any]:
    """Queue an experiment; a cached identical one comes back done at once. Priced first:
    over the job budget is a 422 naming it."""
    settings = request.app.state.settings
    seconds = budget.experiment_seconds(
        [(c.lahead, c.batch_size) for c in req.configs], req.input_len, req.epochs
    )
    budget.check_job(
        seconds, settings.job_budget_s, "fewer configurations, epochs or windows, larger batches"
    )
    try:
        job = jobs.submit(req.model_dump_json(), "experiment", req.model_dump())
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
    return _summary(jobs, job)


def _job(jobs: Jobs, job_id: str) -> Job:
    job = jobs.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no experiment {job_id!r}")
    return job


def _summary(jobs: Jobs, job: Job) -> dict[str, Any]:
    return {**job.summary(), "queue_position": jobs.position(job)}


@router.get("/{job_id}", responses=NOT_FOUND)
async def status(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    """The job's status, result or error, and its place in the queue (0 = running)."""
    return _summary(jobs, _job(jobs, job_id))


@router.get("/{job_id}/events", responses=NOT_FOUND)
async def events(job_id: str, jobs: JobsDep) -> StreamingResponse:
    """Server-sent events: started, progress (config, phase, epoch, batch, loss), then the end."""
    job = _job(jobs, job_id)

    async def sse() -> AsyncIterator[str]:
        async for event in jobs.stream(job):
            yield f"data: {json.dumps(event)}\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")


@router.delete("/{job_id}", responses=NOT_FOUND)
async def cancel(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    job = _job(jobs, job_id)
    jobs.cancel(job)
    return _summary(jobs, job)
