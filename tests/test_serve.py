"""`lstm-state-lab serve` (what `make run` starts) answers over real HTTP."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_starts_warm_and_traces(workers: int) -> None:
    port = _free_port()
    script = Path(sys.executable).parent / "lstm-state-lab"
    proc = subprocess.Popen(
        [
            str(script),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # poll readiness: TF import + warm-up take a few seconds
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                    if json.load(r)["ready"]:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server never became ready"
            assert proc.poll() is None, "server exited"
            time.sleep(0.2)
        body = json.dumps({"data": {"preset": "poem"}}).encode()
        req = urllib.request.Request(
            f"{base}/api/traces", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            trace = json.load(r)
        assert trace["verification"]["passed"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
