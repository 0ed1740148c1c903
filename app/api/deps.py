"""Shared things routes need, as typed dependencies, and the rule for work nobody waits for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from app.jobqueue import JobQueue
from app.tracing import TraceService

T = TypeVar("T")
POLL_S = 0.25  # how often a waiting request checks that its client is still there


def _jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


def _traces(request: Request) -> TraceService:
    traces: TraceService = request.app.state.traces
    return traces


JobsDep = Annotated[JobQueue, Depends(_jobs)]
TracesDep = Annotated[TraceService, Depends(_traces)]


class ClientGone(Exception):
    """The HTTP client disconnected while its work waited or ran: the work was cancelled."""


async def while_connected(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it (queued work is never started) if the client goes away."""
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_S)
            if done:
                return task.result()
            if await request.is_disconnected():
                task.cancel()
                raise ClientGone
    finally:
        if not task.done():
            task.cancel()


def owner(request: Request) -> Any:
    """The fair queue's lane of an HTTP request: its client's address."""
    return ("http", request.client.host if request.client else "?")
