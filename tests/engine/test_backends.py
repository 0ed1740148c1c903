"""Keras's other backends: what is installed, portable checks in their own process, and
`lstm-state-lab claims --backend ... --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from app.claims import CLAIMS
from app.engine import backends, checks

PORTABLE = [c.id for c in CLAIMS if checks.is_portable(c.id)]


def _need_jax() -> None:
    if not backends.installed()["jax"]:
        if os.environ.get("CI") == "true":
            pytest.fail("JAX is required in CI (make test installs the backends extra)")
        pytest.skip("JAX is not installed (pip install -e '.[backends]')")


def test_portable_checks_are_keras_only() -> None:
    """A portable check imports neither TensorFlow nor the tracer (it must run on JAX)."""
    assert len(PORTABLE) == 7
    for claim_id in PORTABLE:
        text = checks.source_file(claim_id).read_text()
        assert "tensorflow" not in text and "checks.common" not in text, claim_id
    for claim_id in set(c.id for c in CLAIMS) - set(PORTABLE):
        assert "PORTABLE" not in checks.source_file(claim_id).read_text()


def test_a_missing_backend_is_said_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "installed", lambda: dict.fromkeys(backends.BACKENDS, False))
    got = backends.run_portable_many(PORTABLE[:2], "torch")
    assert [r["verdict"] for r in got] == ["not_installed"] * 2
    assert [r["id"] for r in got] == PORTABLE[:2]


def test_a_check_that_cannot_run_there_is_an_error_result() -> None:
    # a non-portable check asked of the portable runner: a result that says why, no exception
    got = backends.run_portable("stateful-row-to-row", "tensorflow")
    assert got["verdict"] == "error" and "not portable" in got["error"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "claims", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_cli_prints_every_claims_verdict_on_jax_as_json() -> None:
    _need_jax()
    done = _cli("--backend", "jax", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["id"]: r for r in json.loads(done.stdout)}
    assert set(results) == {c.id for c in CLAIMS}
    for claim_id in PORTABLE:
        r = results[claim_id]
        assert r["backend"] == "jax" and r["verdict"] in ("holds", "does_not_hold"), r
        assert r["finding"].startswith("On jax,") and r["evidence"]
    # JAX's own finding: predict() does not carry a stateful layer's state there
    assert results["stateful-predict-carries-state"]["verdict"] == "does_not_hold"
    # the tracer's checks are not run on JAX, and say so
    other = results["stateful-row-to-row"]
    assert other["verdict"] == "not_run" and "TensorFlow" in other["reason"]


def test_cli_refuses_an_unknown_claim() -> None:
    done = _cli("no-such-claim")
    assert done.returncode == 2 and "unknown claim" in done.stderr


def test_one_backend_process_settles_every_portable_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim worker's fill asks one claim at a time; the other portable claims are settled
    in the same process and kept for their turn (one backend import, not one per claim)."""
    calls: list[tuple[list[str], str]] = []

    def fake(ids: list[str], backend: str) -> list[dict[str, object]]:
        calls.append((ids, backend))
        return [{"id": i, "backend": backend, "verdict": "holds"} for i in ids]

    monkeypatch.setattr(backends, "run_portable_many", fake)
    monkeypatch.setattr(backends, "AHEAD", {})
    here = {"verdict": "holds", "finding": "x"}
    for claim_id in PORTABLE:
        sides = backends.side_by_side(claim_id, here)
        assert sides["jax"]["verdict"] == "holds"
    assert [b for _, b in calls] == list(backends.BACKENDS[1:])
    assert all(ids[0] == PORTABLE[0] and sorted(ids) == sorted(PORTABLE) for ids, _ in calls)
    backends.side_by_side(PORTABLE[1], here)  # each kept result is used once: asked again, rerun
    assert len(calls) == 2 * len(backends.BACKENDS[1:])


def test_replay_keeps_the_batches_that_ran_and_what_keras_raised() -> None:
    """The exported script on PyTorch: model calls run (and keep TensorFlow's states), then
    fit() on a stateful LSTM raises there (keras#20875); the batches before it are kept."""
    if not backends.installed()["torch"]:
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is required in CI (make test installs the backends extra)")
        pytest.skip("PyTorch is not installed (pip install -e '.[backends]')")
    from app import export
    from tests.conftest import run

    trace = run(
        data={"preset": "ramp", "length": 40},
        batching={"batch_size": 2, "timesteps": 5},
        model={"layers": [{"units": 4}]},
        ops=[{"op": "call"}, {"op": "fit", "epochs": 1}],
    )
    got = backends.replay(export.script(trace), "torch")
    assert got["verdict"] == "error" and "inplace operation" in got["error"], got
    assert len(got["states"]) == 4  # the 4 model calls, before fit's first batch
    kept = trace["batches"][3]["layers"][0]["keras_final"]["h"]
    assert np.allclose(got["states"][3][0][0], kept, atol=1e-5)


def test_another_backends_own_layers_are_checked_against_the_trace_and_numpy() -> None:
    """Verification on JAX: its stock layers on the trace's weights, inputs and states give the
    trace's h (TensorFlow's) and a NumPy recurrence's; a trace that showed other numbers would
    be caught (its h tampered with: the first difference grows, the second does not)."""
    _need_jax()
    from app.api.backends import layer_check_data
    from tests.conftest import run

    trace = run(
        data={"preset": "ramp", "length": 40},
        batching={"batch_size": 2, "timesteps": 5},
        model={"layers": [{"units": 4}, {"kind": "GRU", "units": 3, "stateful": False}]},
        ops=[{"op": "call"}, {"op": "fit", "epochs": 1}],
    )
    data = layer_check_data(trace)
    got = backends.layer_check(data, "jax")
    assert got["verdict"] == "ran" and got["backend"] == "jax" and got["batches"] == 8, got
    assert got["max_abs_diff_vs_trace"] <= 1e-5 and got["max_abs_diff_vs_numpy"] <= 1e-5
    data["batches"][2]["layers"][1]["h"][0][0][0] += 0.01
    tampered = backends.layer_check(data, "jax")
    assert tampered["max_abs_diff_vs_trace"] >= 0.009 > tampered["max_abs_diff_vs_numpy"]
