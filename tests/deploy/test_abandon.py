"""Work nobody waits for is never done: HTTP clients that leave while their trace is queued
cancel it (a real server, real sockets closed mid-request)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.limits import metrics
from tests import serving

# ~1.5 s in the TF thread on a quiet 2-core machine (1.3 s with 2 epochs: the clients below,
# leaving one after another, once took longer than that and the third was computed); the three
# clients now queue and leave together, within ~0.5 s of its start
BUSY = {
    "model": {"layers": [{"units": 24}, {"kind": "GRU", "units": 24}]},
    "data": {"preset": "sine", "n_sequences": 8, "length": 120},
    "batching": {"batch_size": 8, "timesteps": 12},
    "schedule": {"ops": [{"op": "fit", "epochs": 3}]},
}


def _post_and_leave(base: str, scenario: dict[str, object]) -> None:
    url = urlparse(base)
    body = json.dumps(scenario).encode()
    with socket.create_connection((url.hostname, url.port)) as s:
        s.sendall(
            b"POST /api/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.3)  # queued by now; then the student closes the tab


def test_traces_of_clients_that_left_are_never_computed(tmp_path: Path) -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("LSL_TRACE_LANES", "1")  # one lane: the queue is easy to see
    mp.setenv("LSL_INTERACTIVE_BUDGET_S", "1000")
    try:
        proc, base = serving.start(tmp_path / "server.log")
    finally:
        mp.undo()
    try:
        before = metrics(base)
        done: list[int] = []

        def busy() -> None:
            req = urllib.request.Request(
                base + "/api/traces",
                data=json.dumps(BUSY).encode(),
                headers={"content-type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=120) as r:
                done.append(r.status)

        t = threading.Thread(target=busy)
        t.start()
        time.sleep(0.2)  # the busy trace has arrived: the TF thread is on it
        leavers = [
            threading.Thread(
                target=_post_and_leave,
                args=(base, {"seed": 100 + seed, "data": {"preset": "poem"}}),
            )
            for seed in (1, 2, 3)
        ]
        for leaver in leavers:
            leaver.start()
        for leaver in leavers:
            leaver.join()
        t.join()
        time.sleep(1.0)
        after = metrics(base)
    finally:
        serving.stop(proc)
    assert done == [200]
    key = 'lsl_traces_cancelled_total{kind="queued"}'
    assert after.get(key, 0) - before.get(key, 0) == 3
    assert after["lsl_traces_total"] - before["lsl_traces_total"] == 1  # only the busy one
    assert after["lsl_requests_abandoned_total"] - before["lsl_requests_abandoned_total"] == 3
