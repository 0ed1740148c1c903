"""Two server processes behind a local nginx: identical traces from either, live sessions work.

Needs nginx (Debian's, installed by .ci/run). Without it the test is skipped locally with that
reason, and fails in CI.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests import proxy, serving

if proxy.NGINX is None and os.environ.get("CI") != "true":
    pytest.skip("nginx is not installed here (.ci/run installs it)", allow_module_level=True)

SCENARIO = {
    "data": {"preset": "poem"},
    "batching": {"batch_size": 2, "timesteps": 5},
    "schedule": {"ops": [{"op": "fit", "epochs": 2, "shuffle": True}]},
}


def _post(url: str) -> bytes:
    req = urllib.request.Request(
        url, data=json.dumps(SCENARIO).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return bytes(r.read())


def test_two_replicas_behind_nginx(tmp_path: Path) -> None:
    assert proxy.NGINX, "nginx is required in CI"
    a, base_a = serving.start(tmp_path / "a.log")
    b, base_b = serving.start(tmp_path / "b.log")
    nginx, front = proxy.start(tmp_path, [base_a, base_b])
    try:
        # the same scenario gives byte-identical traces from either replica, and via nginx
        direct = {_post(f"{base}/api/traces") for base in (base_a, base_b)}
        proxied = {_post(f"{front}/api/traces") for _ in range(4)}  # round robin: both
        assert len(direct) == 1 and proxied == direct
        # live sessions keep working through the proxy, each on its own process, with the
        # Origin a browser sends for a page served on the proxy's port
        url = front.replace("http://", "ws://") + "/ws/live"
        origin = {"origin": front}
        with (
            connect(url, additional_headers=origin) as one,
            connect(url, additional_headers=origin) as two,
        ):
            for ws in (one, two):
                ws.send(json.dumps({"type": "load", "scenario": SCENARIO}))
                assert json.loads(ws.recv())["type"] == "loaded"
            for ws in (one, two):
                ws.send(json.dumps({"type": "step", "count": 6}))
                frames = [json.loads(ws.recv()) for _ in range(6)]
                assert [f["position"] for f in frames] == list(range(6))
    finally:
        proxy.stop(nginx)
        serving.stop(a)
        serving.stop(b)
