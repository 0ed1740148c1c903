"""Runs the app under uvicorn: JSON logs, a deadline for receiving requests, a raised
open-file limit, and live sessions told "going away" on shutdown."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import signal
import sys
import threading
from types import FrameType
from typing import Any

import uvicorn

from app import logs
from app.api import live
from app.http_timeouts import HttpToolsProtocol

# Each open connection is a file descriptor: the usual soft limit (1,024) is a class of
# students with a few tabs each. Raised to the hard limit, up to this.
MAX_OPEN_FILES = 65_536

log = logging.getLogger("app.server")


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


def raise_open_file_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (at most MAX_OPEN_FILES); worker processes
    inherit it. Returns (before, after)."""
    if sys.platform == "win32":
        return 0, 0
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:  # e.g. macOS refuses more than OPEN_MAX
            log.warning("open-file limit not raised: %s", exc, extra={"soft": soft, "hard": hard})
            return soft, soft
        return soft, target
    return soft, soft


GRACEFUL_SHUTDOWN_S = 5


def run(host: str, port: int, workers: int, log_level: str, log_format: str) -> None:
    log_config = logs.config(log_format, log_level)
    logging.config.dictConfig(log_config)  # uvicorn.run configures it again, the same way
    before, after = raise_open_file_limit()
    log.info("open-file limit %d (was %d)", after, before, extra={"nofile": after})
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config,
        http=HttpToolsProtocol,  # uvicorn's own (httptools) + a deadline for each request
        # frames are float arrays that deflate poorly, and compressing them ran on the event
        # loop (a 1.1 GB step froze every user for minutes): no permessage-deflate
        ws_per_message_deflate=False,
        # a request still running at shutdown is cancelled after this, not waited for
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
