"""`lstm-state-lab serve` (what `make run` starts) answers over real HTTP."""

import json
import urllib.request
from pathlib import Path

import pytest

from tests import serving


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_starts_warm_and_traces(workers: int, tmp_path: Path) -> None:
    proc, base = serving.start(tmp_path / "server.log", "--workers", str(workers))
    try:
        body = json.dumps({"data": {"preset": "poem"}}).encode()
        req = urllib.request.Request(
            f"{base}/api/traces", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            trace = json.load(r)
        assert trace["verification"]["passed"]
    finally:
        serving.stop(proc)
