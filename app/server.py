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
    closing: list[asyncio.Task[int]] = []

    def then_exit(previous: Any, signum: int) -> None:
        task = loop.create_task(live.close_all(1001, "server shutting down"))
        closing.append(task)  # a reference until it is done
        # uvicorn's own handler only after our close frames are out: its shutdown would
        # otherwise close the same sockets with 1012 first (seen under load with 2 workers)
        task.add_done_callback(lambda _: previous(signum, None) if callable(previous) else None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            if closing:  # a second signal: no more waiting
                if callable(previous):
                    previous(signum, frame)
                return
            loop.call_soon_threadsafe(then_exit, previous, signum)

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
