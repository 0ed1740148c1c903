"""Experiment runner: the Keras stateful example for a set of (tsteps, lahead, batch_size)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app import budget
from app.api.deps import JobsDep, owner, while_connected
from app.api.errors import NOT_FOUND, Refused
from app.jobqueue import QueueFull

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

    @model_validator(mode="after")
    def _whole_batches(self) -> ExperimentRequest:
        # Keras fails inside predict (UnboundLocalError) when a part holds no whole batch
        for i, c in enumerate(self.configs):
            if not fits(c.batch_size, self.input_len):
                raise PydanticCustomError(
                    "experiment_batch_too_large",
                    "configs[{index}].batch_size {batch_size} leaves no whole test batch in "
                    "{input_len} windows (80 % train, 20 % test): {fitting} does, or a longer "
                    "input_len",
                    {
                        "index": i,
                        "batch_size": c.batch_size,
                        "input_len": self.input_len,
                        # the largest below it (not a bound: 14 fits 50 windows, 13 does not)
                        "fitting": max(
                            b for b in range(1, c.batch_size) if fits(b, self.input_len)
                        ),
                    },
                )
        return self


def fits(batch_size: int, input_len: int) -> bool:
    """The example's split (app/engine/experiment.py): 80 % of the windows for training, both
    parts trimmed to whole batches; each must keep at least one."""
    train = int(input_len * 0.8) // batch_size * batch_size
    return train >= batch_size and (input_len - train) // batch_size >= 1


@router.post("/cost")
async def cost(request: Request, jobs: JobsDep) -> dict[str, Any]:
    """Measure now, on a worker (this server's own, or a queue worker): stateful batch-1
    training vs batched stateless training."""
    result: dict[str, Any] = await while_connected(request, jobs.call("cost", owner=owner(request)))
    return result


@router.post("", status_code=202)
async def start(req: ExperimentRequest, request: Request, jobs: JobsDep) -> dict[str, Any]:
    """Queue an experiment; an identical one (same configuration and seed) is computed once
    and comes back done when its result is kept. Priced first: over the job budget is a 422
    naming it."""
    settings = request.app.state.settings
    seconds = budget.experiment_seconds(
        [(c.lahead, c.batch_size) for c in req.configs], req.input_len, req.epochs
    )
    budget.check_job(
        seconds, settings.job_budget_s, "fewer configurations, epochs or windows, larger batches"
    )
    try:
        return await jobs.submit(req.model_dump_json(), "experiment", req.model_dump())
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


async def _found(summary: dict[str, Any] | None, job_id: str) -> dict[str, Any]:
    if summary is None:
        raise HTTPException(404, f"no experiment {job_id!r}")
    return summary


@router.get("/{job_id}", responses=NOT_FOUND)
async def status(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    """The job's status, result or error, its place in the queue (0 = running) and how many
    workers serve the queue."""
    return await _found(await jobs.status(job_id), job_id)


@router.get("/{job_id}/events", responses=NOT_FOUND)
async def events(
    job_id: str,
    jobs: JobsDep,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
    last: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """Server-sent events: queued (place), started, progress (config, phase, epoch, batch,
    loss), then done / failed / cancelled. Each event has an id: a page that reconnects
    (`Last-Event-ID`, sent by the browser) resumes after the last one it saw, from any
    replica; `last` does the same for a page that had to open a new stream."""
    await _found(await jobs.status(job_id), job_id)

    async def sse() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        async for event_id, event in jobs.stream(job_id, last_event_id or last):
            yield f"id: {event_id}\ndata: {json.dumps(event)}\n\n"

    return StreamingResponse(
        sse(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


@router.delete("/{job_id}", responses=NOT_FOUND)
async def cancel(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    return await _found(await jobs.cancel(job_id), job_id)
