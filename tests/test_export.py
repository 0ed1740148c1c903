"""Exports: the script reproduces the trace's numbers with plain Keras in a fresh process."""

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from app import export
from app.schemas import TraceDoc, plain
from tests.conftest import document

SCENARIOS = {
    "call-reset-interventions": {
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
                {  # one row: the script reads the state, replaces the row, assigns
                    "before_batch": 1,
                    "action": {"op": "set_state", "state": "h", "row": 0, "values": [0.3] * 4},
                },
            ],
        },
    },
    "fit-predict-partial": {
        "data": {"preset": "ramp", "length": 18},
        "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"},
        "model": {"layers": [{"units": 4}]},
        "schedule": {
            "ops": [{"op": "fit", "epochs": 2}, {"op": "predict"}, {"op": "train_on_batch"}],
            "reset": "epoch_end",
        },
    },
    # the script's own reset callback must count like the trace: across the op's epochs, also
    # when fit reshuffles every epoch (one fit call per epoch), and restart with the next op
    "fit-shuffle-reset-every": {
        "data": {"preset": "ramp", "length": 40},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": {"layers": [{"units": 4}, {"kind": "SimpleRNN", "units": 3}]},
        "schedule": {
            "ops": [
                {"op": "fit", "epochs": 3, "shuffle": True},
                {"op": "predict_on_batch", "epochs": 2},
            ],
            "reset": "every_n_batches",
            "reset_every": 3,
            "interventions": [
                {"before_batch": 5, "action": {"op": "reset_states", "layer": 1}},
            ],
        },
    },
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_exported_script_reproduces_the_trace(name: str, tmp_path: Path) -> None:
    parts = SCENARIOS[name]
    doc = (
        document(
            data=parts["data"],
            batching=parts["batching"],
            model=parts["model"],
            ops=parts["schedule"]["ops"],
            reset=parts["schedule"].get("reset", "never"),
        )
        if "interventions" not in parts["schedule"]
        else _with_interventions(parts)
    )
    path = tmp_path / "repro.py"
    path.write_text(export.script(doc), encoding="utf-8")
    trace = plain(doc)
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["batches"] == len(trace["batches"])
    assert got["max_abs_diff"] <= 1e-5
    # and the states it printed are the trace's, compared here too
    for batch, states in zip(trace["batches"], got["states"], strict=True):
        kf = batch["layers"][0]["keras_final"]
        np.testing.assert_allclose(states[0][0], kf["h"], atol=1e-5)


def _with_interventions(parts: dict) -> TraceDoc:
    from app.engine import tracer
    from app.scenario import Scenario

    return tracer.run(Scenario.model_validate(parts)).document()


def test_notebook_is_valid_and_holds_the_program() -> None:
    trace = document(data={"preset": "poem"}, batching={"batch_size": 2, "timesteps": 5})
    nb = nbformat.reads(export.notebook(trace), as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # the script's program, cell by cell (cut at its "# %%" lines), minus the command line
    script = export.script(trace).replace("if len(sys.argv) > 1:", "if False:")
    for cell in (c.source for c in nb.cells if c.cell_type == "code"):
        assert cell.strip() in script
    assert "keras.Input(batch_shape=(B, T, F))" in code and "WEIGHTS = {" in code
    compile(code, "notebook", "exec")
    titles = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert titles[1:] == [
        "## The model and its weights",
        "## The same Keras calls, batch after batch",
        "## Every batch's states compared with the trace",
    ]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_script_weights_are_readable_named_and_exact(kind: str) -> None:
    doc = document(
        model={"layers": [{"kind": kind, "units": 3}, {"kind": kind, "units": 2}]},
        data={"preset": "ramp", "length": 10},
        batching={"batch_size": 2, "timesteps": 5},
    )
    text = export.script(doc)
    trace = plain(doc)
    tree = ast.parse(text)
    node = next(
        n for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "WEIGHTS"
    )
    weights = ast.literal_eval(node.value)
    assert list(weights) == ["rnn0", "rnn1", "head"]
    for layer in trace["weights"][0]["layers"]:
        mine = weights[layer["name"]]
        names = (
            ["kernel", "bias"]
            if layer["name"] == "head"
            else ["kernel", "recurrent_kernel", "bias"]
        )
        assert list(mine) == names
        for name, want in zip(names, layer["arrays"], strict=True):
            got = np.asarray(mine[name], np.float32)
            assert np.array_equal(got, np.asarray(want, np.float32)), (layer["name"], name)
            assert f"# {name} {got.shape}" in text  # named, with its shape
    block = text.splitlines()[node.lineno - 1 : node.end_lineno]
    assert max(map(len, block)) < 200  # one row of a matrix a line (units 3: 12 numbers)


def test_csv_and_npz_hold_every_value() -> None:
    doc = document(
        data={"preset": "poem"},
        batching={"batch_size": 2, "timesteps": 5},
        model={"layers": [{"units": 3}]},
    )
    trace = plain(doc)
    lines = export.trace_csv(doc).splitlines()
    assert lines[0].startswith("batch,op,epoch,layer,row")
    assert len(lines) == 1 + 2 * 2 * 5 * 3  # batches x rows x timesteps x units
    first = lines[1].split(",")
    assert float(first[9]) == pytest.approx(trace["batches"][0]["layers"][0]["h"][0][0][0])
    npz = np.load(io.BytesIO(export.trace_npz(doc)))
    np.testing.assert_allclose(npz["b1_l0_h"], trace["batches"][1]["layers"][0]["h"])
    assert {"b1_l0_gate_f", "b1_l0_initial_c", "b1_l0_keras_final_h"} <= set(npz.files)
