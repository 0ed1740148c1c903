from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

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
async def metrics_endpoint(request: Request) -> PlainTextResponse:
    """Prometheus text format: sessions, frames, commands, errors, jobs."""
    jobs = getattr(request.app.state, "jobs", None)
    gauges = {
        # for leak checks: both should return to their idle values when sessions close
        "lsl_asyncio_tasks": float(len(asyncio.all_tasks())),
        "lsl_resident_memory_bytes": float(_rss_bytes()),
    }
    if jobs is not None:
        gauges["lsl_jobs_pending"] = float(sum(not j.finished for j in jobs.jobs.values()))
    return PlainTextResponse(metrics.render(gauges), media_type="text/plain; version=0.0.4")
