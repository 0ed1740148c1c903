"""The server process: JSON log lines, live sessions closed with 1001 on shutdown, slow
clients dropped at the request deadline, the open-file limit raised."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import signal
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as connect_sync

from app.server import MAX_OPEN_FILES
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


DEADLINE = 2.0  # LSL_HEADER_TIMEOUT_S of the server below
SLOW = {
    "silent": b"",
    "unfinished head": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    "missing body": b"POST /api/traces HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """A server (pid, base URL) with a 2 s request deadline, started with the soft open-file
    limit at 1,024 (as on most hosts) for it to raise."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LSL_HEADER_TIMEOUT_S", str(DEADLINE))
        env.setenv("LSL_WARM_UP", "false")
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, soft), hard))  # inherited
        try:
            proc, base = serving.start(tmp_path_factory.mktemp("guarded") / "server.log")
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        yield proc.pid, base
    finally:
        serving.stop(proc)


def test_open_file_limit_is_raised_at_start(guarded: tuple[int, str]) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")
    limits = Path(f"/proc/{guarded[0]}/limits").read_text()
    soft = int(re.search(r"^Max open files\s+(\d+)", limits, re.M)[1])  # type: ignore[index]
    expected = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    assert soft == expected


def _closed_after(s: socket.socket, t0: float, within: float) -> tuple[bytes, float]:
    """What the server sent before closing `s`, and when (s after t0)."""
    s.settimeout(max(0.1, t0 + within - time.monotonic()))
    got = b""
    while chunk := s.recv(4096):  # a timeout here: the server kept the connection open
        got += chunk
    return got, time.monotonic() - t0


def test_slow_clients_are_dropped_while_others_are_served(guarded: tuple[int, str]) -> None:
    _, base = guarded
    port = int(base.rsplit(":", 1)[1])
    with contextlib.ExitStack() as stack:
        ws = stack.enter_context(connect_sync(base.replace("http", "ws", 1) + "/ws/live"))
        t0 = time.monotonic()
        slow = {}
        for i in range(60):
            kind = list(SLOW)[i % len(SLOW)]
            s = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
            s.sendall(SLOW[kind])
            slow[s] = kind
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
            assert r.status == 200  # others are served meanwhile
        for s, kind in slow.items():
            got, took = _closed_after(s, t0, DEADLINE + 3)
            assert DEADLINE * 0.8 < took < DEADLINE + 3, kind
            assert got.startswith(b"HTTP/1.1 408") == (kind != "silent"), (kind, got)
        # the WebSocket, opened before them all, outlived the deadline of its upgrade request
        ws.send(json.dumps({"type": "step"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "error"  # nothing loaded yet
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
            assert 'lsl_errors_total{kind="request_timeout"} 60' in r.read().decode()


def test_sigterm_while_tensorflow_is_busy_stops_the_server(tmp_path: Path) -> None:
    """A trace computing in the TF thread, an experiment training in the worker: SIGTERM still
    stops everything within seconds (the request is cancelled, the workers killed)."""
    import threading

    env = {"LSL_INTERACTIVE_BUDGET_S": "1000"}  # the expensive trace in this process's thread
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    try:
        proc, base = serving.start(tmp_path / "server.log")
    finally:
        mp.undo()
    busy = {
        "model": {"layers": [{"units": 32}, {"kind": "GRU", "units": 32}]},
        "data": {"preset": "sine", "n_sequences": 16, "length": 160},
        "batching": {"batch_size": 16, "timesteps": 16},
        "schedule": {"ops": [{"op": "fit", "epochs": 6}]},
    }

    def post(path: str, body: bytes) -> None:
        req = urllib.request.Request(
            base + path, data=body, headers={"content-type": "application/json"}
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(req, timeout=60).read()

    threading.Thread(
        target=post, args=("/api/traces", json.dumps(busy).encode()), daemon=True
    ).start()
    threading.Thread(target=post, args=("/api/experiments", b"{}"), daemon=True).start()
    time.sleep(3.0)  # both are computing now (the experiment in the jobs worker)
    children = [
        int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    ]
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    took = time.monotonic() - t0
    assert took < 15, took
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    # the jobs worker (and multiprocessing's resource tracker): none outlives the server
    assert len(children) >= 1 and not any(_alive(c) for c in children)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_metrics_add_up_every_server_process(tmp_path: Path) -> None:
    """`serve --workers 2`: whichever process answers /metrics counts the traces of both
    (hand-written per-process counters once reported about half)."""
    proc, base = serving.start(tmp_path / "server.log", "--workers", "2")
    try:
        body = json.dumps({"data": {"preset": "poem"}}).encode()
        pids = set()
        for _ in range(10):
            req = urllib.request.Request(
                f"{base}/api/traces",
                data=body,
                headers={"Content-Type": "application/json", "Connection": "close"},
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                assert r.status == 200
        from concurrent.futures import ThreadPoolExecutor

        def scrape(_: int) -> str:
            with urllib.request.urlopen(f"{base}/metrics", timeout=30) as r:
                return str(r.read().decode())

        # scrapes at once, in rounds, until both processes have answered one (whichever
        # process computed the traces, each must report all of them)
        deadline = time.monotonic() + 90  # the second process may still be warming up
        with ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                for text in pool.map(scrape, range(8)):
                    assert re.search(r"^lsl_traces_total 10\.0$", text, re.M), text[:2000]
                    assert re.search(r"^lsl_queue_workers 1\.0$", text, re.M)
                    # a process's own gauges appear once it answered a scrape (label: pid)
                    pids |= set(re.findall(r'lsl_resident_memory_bytes\{pid="(\d+)"\}', text))
                if len(pids) == 2:
                    break
                time.sleep(0.5)
        assert len(pids) == 2  # both answered, and both counted all 10 traces
    finally:
        serving.stop(proc)
