"""App factory: wires settings, the lifespan, routers and error handlers. Nothing else."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app import metrics
from app.api import (
    backends,
    claims,
    experiments,
    exports,
    generate,
    health,
    lessons,
    live,
    pages,
    presets,
    traces,
)
from app.api.deps import ClientGone
from app.api.errors import client_gone_handler, lab_error_handler, validation_error_handler
from app.api.limits import BodyLimit
from app.api.security import SecurityHeaders
from app.assets import StaticAssets
from app.claim_store import ClaimStore
from app.errors import LabError
from app.jobqueue import JobQueue, LocalJobQueue
from app.scenario import Scenario
from app.schemas import TraceDoc
from app.server import close_sessions_on_exit
from app.settings import Settings, get_settings
from app.tracing import TraceService
from app.web import STATIC
from app.workers import WorkerProcess


def _warm_up() -> None:
    from app.engine import tasks

    tasks.warm_up()  # imports TF; every layer kind and operation compiled once


def _compute(scenario: Scenario) -> TraceDoc:
    from app.engine import tracer  # imported by the warm-up, in the TF thread

    return tracer.run(scenario).document()


def _job_queue(settings: Settings, worker: WorkerProcess) -> JobQueue:
    """The embedded engine (this process's worker), or RQ on Redis when LSL_REDIS_URL is set."""
    if not settings.redis_url:
        return LocalJobQueue(worker, settings.experiment_jobs, settings.max_pending_jobs)
    from app.redis_queue import RedisJobQueue

    return RedisJobQueue(
        settings.redis_url,
        settings.queue_name,
        settings.max_pending_jobs,
        settings.job_result_ttl_s,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # TensorFlow is not thread-safe: all TF work goes through this bounded limiter.
        app.state.tf_limiter = anyio.CapacityLimiter(settings.tf_workers)
        workers = _workers(settings)
        app.state.jobs = _job_queue(settings, workers.pop("jobs"))
        app.state.traces = TraceService(
            settings, _compute, workers["big"], app.state.tf_limiter, workers.get("lane")
        )
        store = ClaimStore(Path(settings.cache_dir) if settings.cache_dir else None)
        app.state.claims = claims.ClaimRuns(store, app.state.jobs)
        background: set[asyncio.Task[None]] = set()
        if settings.warm_up:
            # the second lane must be warm before it is useful; the others start when first
            # used (their first job waits for TensorFlow's import, nobody else does)
            if "lane" in workers:
                workers["lane"].start()
            await anyio.to_thread.run_sync(_warm_up, limiter=app.state.tf_limiter)
            # claims missing for this Keras/TF: computed once, in the background, on disk
            background.add(asyncio.create_task(app.state.claims.fill()))
            # gzip every static file once, now, not in the first visitor's request
            await anyio.to_thread.run_sync(pages.warm_assets)
        app.state.ready = True
        close_sessions_on_exit()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for worker in workers.values():  # first: their work stops now, not when done
                await worker.close()
            await app.state.jobs.close()
            await app.state.traces.close()
            metrics.process_exited(os.getpid())

    # /docs is served by app.api.pages with local Swagger UI assets (FastAPI's uses a CDN).
    app = FastAPI(title="LSTM State Lab", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    _wire(app, settings)
    return app


def _workers(settings: Settings) -> dict[str, WorkerProcess]:
    """Heavy work in child processes (started on first use, or at once when warming up): jobs
    (experiments, generation, cost, claims) and big traces, at lower priority; lane: the
    explorer's second lane (full priority, cheap traces only)."""
    workers = {
        name: WorkerProcess(
            name,
            nice=settings.worker_nice,
            tf_threads=settings.worker_tf_threads,
            warm_up=settings.warm_up,
        )
        for name in ("jobs", "big")
    }
    if settings.trace_lanes > 1:
        workers["lane"] = WorkerProcess(
            "lane", nice=0, tf_threads=settings.worker_tf_threads, warm_up=settings.warm_up
        )
    return workers


def _wire(app: FastAPI, settings: Settings) -> None:
    """Error handlers, middleware and routes."""
    app.add_exception_handler(LabError, lab_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(ClientGone, client_gone_handler)
    app.add_exception_handler(StarletteHTTPException, pages.http_error_handler)
    app.add_middleware(SecurityHeaders, settings=settings)
    hosts = [h.strip() for h in settings.trusted_hosts.split(",") if h.strip()]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts or ["*"])
    # outermost: a body over the limit is refused before anything reads it
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    for module in (
        health,
        presets,
        traces,
        exports,
        live,
        claims,
        backends,
        lessons,
        experiments,
        generate,
        pages,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticAssets(STATIC), name="static")  # hashed URLs, gzip
