"""Runs the app under uvicorn: JSON logs, and live sessions told "going away" on shutdown."""

from __future__ import annotations

import asyncio
import signal
import threading
from types import FrameType
from typing import Any

import uvicorn

from app import logs
from app.api import live


def close_sessions_on_exit() -> None:
    """On SIGTERM/SIGINT, close live sessions with 1001 ("going away") before uvicorn's own
    shutdown closes them with 1012 ("service restart"). Called from the lifespan, so it works
    in every worker process; the previous handler (uvicorn's) still runs."""
    if threading.current_thread() is not threading.main_thread():
        return  # in-process test clients: no signals
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[int]] = set()

    def close_all() -> None:
        task = loop.create_task(live.close_all(1001, "server shutting down"))
        tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(tasks.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(close_all)  # uvicorn waits 0.1 s before closing sockets
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)


def run(host: str, port: int, workers: int, log_level: str, log_format: str) -> None:
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=logs.config(log_format, log_level),
    )
