"""Keras's other backends: what is installed, portable checks in their own process, and
`lstm-state-lab claims --backend ... --json`."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.claims import BY_ID, CLAIMS
from app.engine import backends, checks
from tests.engine.test_checks import ELSEWHERE

IDS = [c.id for c in CLAIMS]


def _need_jax() -> None:
    if not backends.installed()["jax"]:
        if os.environ.get("CI") == "true":
            pytest.fail("JAX is required in CI (make test installs the backends extra)")
        pytest.skip("JAX is not installed (pip install -e '.[backends]')")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_checks_are_keras_only() -> None:
    """No check imports TensorFlow or the explorer's engine: each must run on JAX and PyTorch."""
    for path in [checks.source_file(c) for c in IDS] + list(checks.HERE.glob("[ck]*_*.py")):
        for name in _imports(path):
            assert not name.startswith(("tensorflow", "app.engine.")) or name.startswith(
                "app.engine.checks"
            ), (path.name, name)


def test_a_missing_backend_is_said_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "installed", lambda: dict.fromkeys(backends.BACKENDS, False))
    got = backends.run_portable_many(IDS[:2], "torch")
    assert [r["verdict"] for r in got] == ["not_installed"] * 2
    assert [r["id"] for r in got] == IDS[:2]
    assert backends.side_by_side(IDS[0], {"verdict": "holds"})["jax"]["verdict"] == "not_installed"


def test_a_check_that_fails_is_an_error_result_and_the_others_still_run() -> None:
    got = backends.run_portable_many(["no-such-claim", "gru-one-state"], "tensorflow")
    assert got[0]["verdict"] == "error" and "no_such_claim" in got[0]["error"], got[0]
    assert got[1]["verdict"] == "holds", got[1]


def test_a_process_that_dies_gives_each_claim_its_own_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = "import sys; sys.exit('no module named app.engine.checks')"
    monkeypatch.setattr(backends, "_command", lambda ids: ["-c", script, *ids])
    got = backends.run_portable_many(["gru-one-state", "last-output-is-h"], "tensorflow")
    assert [r["id"] for r in got] == ["gru-one-state", "last-output-is-h"]
    assert all(r["verdict"] == "error" and "no module" in r["error"] for r in got), got


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "claims", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_cli_prints_claims_verdicts_on_jax_as_json() -> None:
    """(Every claim's verdict on JAX is checked in tests/engine/test_checks.py.)"""
    _need_jax()
    asked = ["stateful-predict-carries-state", "stateful-row-to-row", "fit-resets-each-epoch"]
    done = _cli(*asked, "--backend", "jax", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["id"]: r for r in json.loads(done.stdout)}
    assert list(results) == asked
    for claim_id, r in results.items():
        assert (
            r["backend"] == "jax" and (r["verdict"], r["finding_key"]) == ELSEWHERE["jax"][claim_id]
        ), r
        assert r["evidence"] and r["finding"] == BY_ID[claim_id].findings[r["finding_key"]].format(
            **r["finding_params"]
        )
    # JAX's own finding: predict() does not carry a stateful layer's state there
    assert results["stateful-predict-carries-state"]["finding"].startswith("On jax,")


def test_cli_refuses_an_unknown_claim() -> None:
    done = _cli("no-such-claim")
    assert done.returncode == 2 and "unknown claim" in done.stderr


def _stand_in(monkeypatch: pytest.MonkeyPatch, first_s: float, then_s: float) -> list[list[str]]:
    """A stand-in for `python -m app.engine.portable` (each claim "holds", its finding its id,
    the first after `first_s`, each other after `then_s`) on every backend, with empty
    results and waits; returns the claim lists of the processes started."""
    started: list[list[str]] = []
    script = (
        "import json, sys, time\n"
        "for i, c in enumerate(sys.argv[1:]):\n"
        f"    time.sleep({first_s} if i == 0 else {then_s})\n"
        "    print(json.dumps({'id': c, 'verdict': 'holds', 'finding': c}), flush=True)\n"
    )

    def command(ids: list[str]) -> list[str]:
        started.append(ids)
        return ["-c", script, *ids]

    monkeypatch.setattr(backends, "_command", command)
    monkeypatch.setattr(backends, "installed", lambda: dict.fromkeys(backends.BACKENDS, True))
    monkeypatch.setattr(backends, "AHEAD", {})
    monkeypatch.setattr(backends, "_PENDING", {})
    monkeypatch.setattr(backends, "_QUEUES", {})
    return started


def test_one_backend_process_settles_every_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """The claims page asks one claim at a time: its result comes as soon as it is settled,
    the process goes on with every other claim, and their results wait for their turn (one
    backend import, not one per claim). A claim still being settled is waited for, not
    started again."""
    started = _stand_in(monkeypatch, first_s=0, then_s=0.05)
    here = {"verdict": "holds", "finding": "x"}
    for claim_id in IDS:
        sides = backends.side_by_side(claim_id, here)
        assert sides["jax"]["verdict"] == "holds" and sides["jax"]["finding"] == claim_id
    assert len(started) == 2 and all(
        ids[0] == IDS[0] and sorted(ids) == sorted(IDS) for ids in started
    )
    # one claim run again: only it, in a process of its own per backend
    backends.side_by_side(IDS[0], here, ahead=False)
    assert started[2:] == [[IDS[0]], [IDS[0]]]
    backends.side_by_side(IDS[1], here)  # each kept result is used once: asked again, rerun
    assert len(started) == 6 and started[-1][0] == IDS[1] and len(started[-1]) == len(IDS)
    deadline = time.monotonic() + 60  # the stand-in's last results land here, not in the real AHEAD
    while backends._PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not backends._PENDING


def test_a_claim_on_its_way_is_not_asked_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim a process is on is waited for (no second process); one further down a
    process's list gets a process of its own (else it waits behind every claim before it),
    whose result settles the same wait: nobody's wait is orphaned."""
    started = _stand_in(monkeypatch, first_s=0.5, then_s=0.1)
    try:
        first = backends._ask(IDS[0], "jax", ahead=True)  # one process for every claim
        assert len(started) == 1 and started[0][0] == IDS[0] and len(started[0]) == len(IDS)
        same = backends._ask(IDS[0], "jax", ahead=True)  # that process is on it: the same wait
        assert len(started) == 1 and same is first
        last = backends._ask(IDS[-1], "jax", ahead=True)  # 23 claims away: its own process
        assert started[-1] == [IDS[-1]] and last is backends._PENDING[("jax", IDS[-1])]
        assert backends._take(IDS[0], "jax", first)["verdict"] == "holds"
        assert backends._take(IDS[-1], "jax", last)["verdict"] == "holds"
        again = backends._ask(IDS[0], "jax", ahead=False)  # used: a new process, for it alone
        assert started[-1] == [IDS[0]]
        assert backends._take(IDS[0], "jax", again)["verdict"] == "holds"
    finally:  # every stand-in process done before the module's dicts are put back
        deadline = time.monotonic() + 60
        while any(backends._QUEUES.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert not backends._PENDING and not any(backends._QUEUES.values())


def test_replay_keeps_the_batches_that_ran_and_what_keras_raised() -> None:
    """The exported script on PyTorch: model calls run (and keep TensorFlow's states), then
    fit() on a stateful LSTM raises there (keras#20875); the batches before it are kept."""
    if not backends.installed()["torch"]:
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is required in CI (make test installs the backends extra)")
        pytest.skip("PyTorch is not installed (pip install -e '.[backends]')")
    from app import export
    from app.schemas import plain
    from tests.conftest import document

    doc = document(
        data={"preset": "ramp", "length": 40},
        batching={"batch_size": 2, "timesteps": 5},
        model={"layers": [{"units": 4}]},
        ops=[{"op": "call"}, {"op": "fit", "epochs": 1}],
    )
    got = backends.replay(export.script(doc), "torch")
    trace = plain(doc)
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
    from app.engine import tracer
    from tests.conftest import scenario

    trace = tracer.run(
        scenario(
            data={"preset": "ramp", "length": 40},
            batching={"batch_size": 2, "timesteps": 5},
            model={"layers": [{"units": 4}, {"kind": "GRU", "units": 3, "stateful": False}]},
            ops=[{"op": "call"}, {"op": "fit", "epochs": 1}],
        )
    ).document()
    data = layer_check_data(trace)
    got = backends.layer_check(data, "jax")
    assert got["verdict"] == "ran" and got["backend"] == "jax" and got["batches"] == 8, got
    assert got["max_abs_diff_vs_trace"] <= 1e-5 and got["max_abs_diff_vs_numpy"] <= 1e-5
    data["batches"][2]["layers"][1]["h"][0][0][0] += 0.01
    tampered = backends.layer_check(data, "jax")
    assert tampered["max_abs_diff_vs_trace"] >= 0.009 > tampered["max_abs_diff_vs_numpy"]
