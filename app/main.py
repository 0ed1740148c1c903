"""App factory: wires settings, the lifespan, routers and error handlers. Nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.api import (
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
from app.api.errors import lab_error_handler, validation_error_handler
from app.api.security import headers_middleware
from app.errors import LabError
from app.jobs import Jobs
from app.server import close_sessions_on_exit
from app.settings import Settings, get_settings
from app.web import STATIC


def _warm_up() -> None:
    from app.engine import tracer
    from app.scenario import Scenario

    tracer.run(Scenario())  # imports TF, builds and compiles the default model once


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # TensorFlow is not thread-safe: all TF work goes through this bounded limiter.
        app.state.tf_limiter = anyio.CapacityLimiter(settings.tf_workers)
        app.state.jobs = Jobs(app.state.tf_limiter, concurrency=settings.experiment_jobs)
        if settings.warm_up:
            await anyio.to_thread.run_sync(_warm_up, limiter=app.state.tf_limiter)
        app.state.ready = True
        close_sessions_on_exit()
        yield

    # /docs is served by app.api.pages with local Swagger UI assets (FastAPI's uses a CDN).
    app = FastAPI(title="LSTM State Lab", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.add_exception_handler(LabError, lab_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.middleware("http")(headers_middleware(settings))
    hosts = [h.strip() for h in settings.trusted_hosts.split(",") if h.strip()]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts or ["*"])
    for module in (
        health,
        presets,
        traces,
        exports,
        live,
        claims,
        lessons,
        experiments,
        generate,
        pages,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
