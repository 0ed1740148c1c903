"""Limits on a real server over real sockets: sessions opened and closed thousands of times
leak nothing, and a client that stops reading is dropped fast and cheaply (the measuring code
is benchmarks/limits.py; here its figures are held to issue 5's bounds)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.limits import MB, cycles, metrics, never_reads
from tests import serving


def test_2000_open_close_cycles_leak_nothing(tmp_path: Path) -> None:
    proc, base = serving.start(tmp_path / "server.log")
    ws_url = base.replace("http", "ws", 1) + "/ws/live"
    try:
        serving.run_async(lambda: cycles(ws_url, 300))  # warm: allocator pools, compiled functions
        time.sleep(0.5)
        before = metrics(base)
        t0 = time.monotonic()
        serving.run_async(lambda: cycles(ws_url, 2000))
        took = time.monotonic() - t0
        time.sleep(0.5)
        after = metrics(base)
    finally:
        serving.stop(proc)
    growth = (after["lsl_resident_memory_bytes"] - before["lsl_resident_memory_bytes"]) / MB
    print(f"2000 cycles in {took:.1f} s; RSS growth {growth:.1f} MB")
    assert after["lsl_sessions_active"] == 0
    assert after["lsl_asyncio_tasks"] <= before["lsl_asyncio_tasks"], "tasks left running"
    assert growth <= 50, f"RSS grew {growth:.1f} MB over 2000 sessions"  # bench: 5000


def test_client_that_never_reads_is_closed_after_the_send_timeout(tmp_path: Path) -> None:
    # a 3 s send timeout (default 10 s): the same path, sooner
    proc, base = serving.start(tmp_path / "server.log", env={"LSL_SEND_TIMEOUT_S": "3"})
    try:
        took, rss0, peak = serving.run_async(
            lambda: never_reads(base.replace("http", "ws", 1) + "/ws/live", base)
        )
        m = metrics(base)
    finally:
        serving.stop(proc)
    cost = (peak - rss0) / MB
    print(f"closed after {took:.1f} s; RSS cost {cost:.1f} MB")
    assert took <= 20
    assert cost <= 5
    assert m['lsl_sessions_dropped_total{kind="slow_client"}'] == 1
