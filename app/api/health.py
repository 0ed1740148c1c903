from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from app import metrics

router = APIRouter(tags=["health"])


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
    gauges = {}
    if jobs is not None:
        gauges["lsl_jobs_pending"] = float(sum(not j.finished for j in jobs.jobs.values()))
    return PlainTextResponse(metrics.render(gauges), media_type="text/plain; version=0.0.4")
