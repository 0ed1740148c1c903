"""Start the real server in a subprocess for tests that talk to it over the network."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    log_path: Path, *extra: str, port: int | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`lstm-state-lab serve` on `port` (default: a free one); returns once /readyz says ready."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *extra,
    ]
    # one trace lane unless a test asks for more: a second lane is a process that imports and
    # warms TensorFlow at every start, CPU a 2-core CI machine needs for the tests themselves
    env = {**os.environ, "LSL_TRACE_LANES": os.environ.get("LSL_TRACE_LANES", "1"), **(env or {})}
    with log_path.open("ab") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:  # TF import + warm-up take a few seconds
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if json.load(r)["ready"]:
                    return proc, base
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError("server did not become ready in 120 s")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def run_async(make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 600) -> T:
    """asyncio.run(make()) in a thread of its own: the browser tests keep an event loop running
    in the main thread (Playwright's sync API), where asyncio.run is refused."""
    out: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(make()))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    if errors:
        raise errors[0]
    if not out:
        raise TimeoutError(f"no result in {timeout} s")
    return out[0]
