"""The PyTorch twin: a plain PyTorch script, run in a fresh process, reproduces every batch's h
and c of the trace within 1e-5, training included (Keras's weights converted, the hidden state
carried with .detach(), Keras's Adam written out)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from importlib import util
from pathlib import Path

import pytest

from app import export_torch
from app.engine import tracer
from app.scenario import Scenario
from app.schemas import TraceDoc

SCENARIOS = {
    # interventions on one row and on all rows, a reset op, a stateless GRU on top
    "call-set-state-reset": {
        "data": {"preset": "poem"},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": {"layers": [{"units": 4}, {"kind": "GRU", "units": 3, "stateful": False}]},
        "schedule": {
            "ops": [{"op": "call"}, {"op": "reset_states"}, {"op": "call"}],
            "interventions": [
                {
                    "before_batch": 1,
                    "action": {"op": "set_state", "state": "c", "values": [[0.5] * 4, [0.1] * 4]},
                },
                {
                    "before_batch": 1,
                    "action": {"op": "set_state", "state": "h", "row": 0, "values": [0.3] * 4},
                },
            ],
        },
    },
    # training: fit's partial last batch (TensorFlow spreads its lone sample over both state
    # rows), resets at each epoch's end, then predict and train_on_batch
    "fit-partial-predict-train": {
        "data": {"preset": "ramp", "length": 18},
        "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"},
        "model": {"layers": [{"units": 4}, {"kind": "GRU", "units": 3, "stateful": False}]},
        "schedule": {
            "ops": [{"op": "fit", "epochs": 2}, {"op": "predict"}, {"op": "train_on_batch"}],
            "reset": "epoch_end",
        },
    },
    # shuffled fit with a reset every 3 of the op's batches, a SimpleRNN, a reset of one layer
    "fit-shuffle-reset-every": {
        "data": {"preset": "ramp", "length": 40},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": {"layers": [{"units": 4}, {"kind": "SimpleRNN", "units": 3}]},
        "schedule": {
            "ops": [{"op": "fit", "epochs": 3, "shuffle": True}, {"op": "predict_on_batch"}],
            "reset": "every_n_batches",
            "reset_every": 3,
            "interventions": [{"before_batch": 5, "action": {"op": "reset_states", "layer": 1}}],
        },
    },
    # classification (cross-entropy from logits), a stateful GRU trained
    "poem-gru-fit": {
        "data": {"preset": "poem"},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": {"layers": [{"kind": "GRU", "units": 5}]},
        "schedule": {"ops": [{"op": "fit", "epochs": 3}]},
    },
}


def _need_torch() -> None:
    if util.find_spec("torch") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is required in CI (make test installs the backends extra)")
        pytest.skip("PyTorch is not installed (pip install -e '.[backends]')")


def _trace(name: str) -> TraceDoc:
    return tracer.run(Scenario.model_validate(SCENARIOS[name])).document()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_twin_reproduces_h_and_c_in_a_fresh_process(name: str, tmp_path: Path) -> None:
    _need_torch()
    trace = _trace(name)
    path, out = tmp_path / "twin.py", tmp_path / "out.json"
    path.write_text(export_torch.script(trace), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "KERAS_BACKEND": "none-needed"},  # the twin imports no Keras
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["batches"] == len(trace.batches) > 0
    assert got["max_abs_diff"]["h"] <= 1e-5 and got["max_abs_diff"]["c"] <= 1e-5, got
    if any(layer.kind == "LSTM" for layer in trace.model.layers):
        assert got["max_abs_diff"]["c"] > 0  # c was compared, not skipped


def test_the_twin_is_plain_pytorch() -> None:
    """No Keras or TensorFlow in the script: its imports are the standard library, numpy, torch;
    the state is carried with .detach() and Keras's weights are converted, not loaded."""
    text = export_torch.script(_trace("call-set-state-reset"))
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported == {"json", "sys", "numpy", "torch"}
    assert ".detach()" in text and "nn.LSTM" in text and "nn.GRU" in text
    assert '"recurrent_kernel": [' in text  # Keras's own arrays, readable, converted in the script
