"""The server process: JSON log lines, and live sessions closed with 1001 on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests import serving


async def _held_open_until_shutdown(base: str, stop: Callable[[], None]) -> tuple[int | None, str]:
    async with connect(base.replace("http", "ws", 1) + "/ws/live") as ws:
        await ws.send(json.dumps({"type": "load", "scenario": {"data": {"preset": "poem"}}}))
        assert json.loads(await ws.recv())["type"] == "loaded"
        await asyncio.get_running_loop().run_in_executor(None, stop)
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 30)
        assert ws.close_code is not None, "the server did not close the session"
        return ws.close_code, ws.close_reason or ""


@pytest.mark.parametrize("workers", [1, 2])
def test_shutdown_closes_sessions_with_1001_and_logs_json(workers: int, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    proc, base = serving.start(
        log, "--log-level", "info", "--log-format", "json", "--workers", str(workers)
    )
    try:
        with urllib.request.urlopen(f"{base}/api/presets", timeout=10) as r:
            assert r.status == 200
        code, reason = serving.run_async(
            lambda: _held_open_until_shutdown(base, lambda: proc.send_signal(signal.SIGTERM))
        )
        # uvicorn re-raises the signal once its graceful shutdown is done
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            serving.stop(proc)
    assert code == 1001, (code, reason)
    assert "shutting down" in reason
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    # TensorFlow's C++ runtime writes its own lines to stderr at import (absl, not Python
    # logging): "WARNING: All log messages before absl..." and "I0000 ... port.cc ...".
    native = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} )")
    records = [json.loads(line) for line in lines if not native.match(line)]
    assert len(records) >= len(lines) - 4 * workers
    assert all({"ts", "level", "logger"} <= r.keys() for r in records)
    assert {"event": "request", "method": "GET", "path": "/api/presets", "status": 200}.items() <= (
        next(r for r in records if r.get("path") == "/api/presets").items()
    )
    closed = next(r for r in records if r.get("message") == "session closed")
    assert closed["closed_by"] == "shutdown"
