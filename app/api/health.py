from __future__ import annotations

import asyncio
import os

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from app import metrics

router = APIRouter(tags=["health"])


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux
        return 0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """TensorFlow is imported and the step functions are compiled."""
    ready = bool(getattr(request.app.state, "ready", False))
    return JSONResponse({"ready": ready}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format: sessions, frames, commands, errors, traces and jobs summed over
    every server process; the job queue's depth, running jobs, workers and oldest job age."""
    jobs = getattr(request.app.state, "jobs", None)
    queue = await jobs.stats() if jobs is not None else {}
    process = {"tasks": float(len(asyncio.all_tasks())), "rss": float(_rss_bytes())}
    body = await anyio.to_thread.run_sync(metrics.render, process, queue)
    return Response(body, media_type=metrics.CONTENT_TYPE)
