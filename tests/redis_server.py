"""A real redis-server on a free port, and `lstm-state-lab worker` processes, for tests.

Without redis-server (Debian package `redis-server`, installed by .ci/run) the tests that need
it skip with that reason locally; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import serving

REDIS = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)


def require() -> str:
    if REDIS is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI (.ci/run installs it)")
        pytest.skip("redis-server is not installed here (.ci/run installs it)")
    return REDIS


@contextmanager
def running(tmp: Path) -> Iterator[str]:
    """redis-server in `tmp` (no persistence: a test's data dies with it); yields its URL."""
    binary = require()
    port = serving.free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis did not start"
            time.sleep(0.05)
    try:
        yield url
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


def worker(url: str, log: Path, wait: bool = True, **env: str) -> subprocess.Popen[bytes]:
    """`lstm-state-lab worker` on this Redis; returns once it is registered with RQ (at once
    with `wait=False`: its ~20 s warm-up then overlaps the caller's own work)."""
    import redis
    from rq import Worker

    full = {
        **os.environ,
        "LSL_REDIS_URL": url,
        "LSL_WORKER_HEARTBEAT_S": "2",
        "LSL_WORKER_NICE": "0",
        **env,
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full,
        )
    if not wait:
        return proc
    conn = redis.Redis.from_url(url)
    before = {w.name for w in Worker.all(connection=conn)}
    deadline = time.monotonic() + 120
    while not {w.name for w in Worker.all(connection=conn)} - before:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {log.read_text()[-2000:]}")
        assert time.monotonic() < deadline, "worker did not register in 120 s"
        time.sleep(0.1)
    conn.close()
    return proc
