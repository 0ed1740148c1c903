"""An independent rebuild of traces with stock Keras. It imports nothing from the engine.

Each trace comes from the HTTP API, as any user gets it. Then plain Keras rebuilds it batch by
batch: stock layers and cells built here, the weights each batch names taken from the trace,
the state carried between batches by this module (never read back from the trace), resets and
settings decided from the scenario's schedule alone (the op's batch counter, epoch ends,
interventions, reset_states / set_state ops). Every number is compared: inputs and targets
(rebuilt from the tokens and the documented encoding), initial states, h and c at every
timestep (the stock layer's output sequence and the stock cell stepped by hand), gates (the
stock cell's weights and activations), final states, the layer's state variables, outputs and
losses; and every transfer is reclassified from the rows' provenance alone.

Criterion, as documented in docs/formats.md: |Δ| ≤ 1e-5 · max(1, |value|). The largest
differences seen (200 random scenarios, 2026-11-30) are printed by the module's teardown and
quoted in the issue note.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.settings import Settings

TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-4  # fit reports running means; one batch's loss is recovered from two
GATES = {"LSTM": ["i", "f", "g", "o"], "GRU": ["z", "r", "hh"], "SimpleRNN": []}
STATES = {"LSTM": ["h", "c"], "GRU": ["h"], "SimpleRNN": ["h"]}
WORST: dict[str, float] = {}  # quantity -> largest |Δ| seen in this run
SEEN = {"traces": 0, "batches": 0, "refused": 0}


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        worst = ", ".join(f"{k} {v:.2g}" for k, v in sorted(WORST.items()))
        reporter.write_line(f"\nindependent rebuild: {SEEN}; largest |Δ|: {worst}")


def close(name: str, got: Any, want: Any, tol: float = TOLERANCE) -> None:
    got64 = np.asarray(got, np.float64)
    want64 = np.asarray(want, np.float64)
    assert got64.shape == want64.shape, (name, got64.shape, want64.shape)
    d = np.abs(got64 - want64)
    if d.size:
        WORST[name] = max(WORST.get(name, 0.0), float(d.max()))
        bad = d > tol * np.maximum(1.0, np.abs(want64))
        assert not bad.any(), f"{name}: max |Δ| {d.max():.3g} at {np.argwhere(bad)[0]}"


# -- inputs and targets, from tokens and the documented encoding --------------------------------
def _value(data: dict[str, Any], seq: int, pos: int) -> float:
    """ramp: the number behind token t + 1000 * s is t / length + 0.5 * s / n_sequences."""
    enc = data["encoding"]
    t = int(data["sequences"][seq]["tokens"][pos]) - 1000 * seq
    return (t / enc["length"] + 0.5 * seq / enc["n_sequences"]) / enc["divisor"]


def _input(data: dict[str, Any], seq: int, pos: int) -> np.ndarray:
    if data["encoding"]["kind"] == "one_hot":
        vocab = data["vocab"][:-1]  # the last entry is the end-of-line class, never an input
        out = np.zeros(len(vocab))
        out[vocab.index(data["sequences"][seq]["tokens"][pos])] = 1.0
        return out
    return np.asarray([_value(data, seq, pos)])


def _target(data: dict[str, Any], seq: int, pos: int) -> float:
    tokens = data["sequences"][seq]["tokens"]
    if data["encoding"]["kind"] == "one_hot":
        end = data["encoding"]["end_class"]
        return float(data["vocab"].index(tokens[pos + 1])) if pos + 1 < len(tokens) else end
    ramp_t = int(tokens[pos]) - 1000 * seq + 1  # the next number of the count
    enc = data["encoding"]
    return (ramp_t / enc["length"] + 0.5 * seq / enc["n_sequences"]) / enc["divisor"]


# -- the schedule, from the scenario alone ------------------------------------------------------
def expected_events(trace: dict[str, Any]) -> list[list[dict[str, Any]]]:
    schedule = trace["scenario"]["schedule"]
    layers = trace["model"]["layers"]
    stateful = [i for i, layer in enumerate(layers) if layer["stateful"]]
    batches = trace["batches"]
    out: list[list[dict[str, Any]]] = [[] for _ in batches]
    pending: list[dict[str, Any]] = []

    def reset(which: list[int], cause: str) -> list[dict[str, Any]]:
        return [{"layer": i, "kind": "reset", "cause": cause} for i in which]

    def set_(action: dict[str, Any], cause: str) -> dict[str, Any]:
        values = np.asarray(action["values"], np.float32).tolist()
        return {
            "layer": action["layer"],
            "kind": "set",
            "cause": cause,
            "state": action["state"],
            "values": values,
        }

    every = schedule["reset_every"]
    for op_index, op in enumerate(schedule["ops"]):
        if op["op"] in ("reset_states", "set_state"):
            if op["op"] == "set_state":
                pending.append(set_(op, "set_state"))
            else:
                pending += reset(
                    list(range(len(layers))) if op["layer"] is None else [op["layer"]],
                    "reset_states",
                )
            continue
        mine = [b for b in batches if b["op_index"] == op_index]
        epochs = op.get("epochs", 1)
        assert sorted({b["epoch"] for b in mine}) == list(range(epochs if mine else 0))
        for j, b in enumerate(mine):
            events, pending = pending, []
            if schedule["reset"] == "every_n_batches" and j and j % every == 0:
                events += reset(stateful, "reset_every")
            for iv in schedule["interventions"]:
                if iv["before_batch"] == b["index"]:
                    action = iv["action"]
                    if action["op"] == "set_state":
                        events.append(set_(action, "intervention"))
                    else:
                        which = [action["layer"]] if action["layer"] is not None else None
                        events += reset(which or list(range(len(layers))), "intervention")
            out[b["index"]] = events
            last_of_epoch = j + 1 == len(mine) or mine[j + 1]["epoch"] != b["epoch"]
            if schedule["reset"] == "epoch_end" and last_of_epoch:
                pending += reset(stateful, "epoch_end")
    return out


def classify(
    prev: dict[str, Any] | None, cur: dict[str, Any], stateful: bool, last_event: str | None
) -> tuple[str, str | None]:
    """What the docs say a boundary is, from what the two rows hold."""
    if not stateful:
        return "reset", "stateless"
    if last_event == "set":
        return "set", None
    if last_event == "reset":
        return "reset", "reset_states"
    if prev is None:
        return "initial", None
    if prev["padding"] or cur["padding"]:
        return "mismatch", "padding"
    if prev["sequence"] != cur["sequence"]:
        return "mismatch", "other_sequence"
    skipped = min(cur["positions"]) - max(prev["positions"]) - 1
    if skipped == 0:
        return "continues", None
    if skipped > 0:
        return "mismatch", "gap"
    if min(cur["positions"]) <= min(prev["positions"]):
        return "mismatch", "restart"
    return "mismatch", "overlap"


# -- stock Keras --------------------------------------------------------------------------------
_STOCK: dict[tuple[str, int, int], Any] = {}


def stock(kind: str, units: int, features: int) -> tuple[Any, Any]:
    """A stock layer (whole sequences) and a stock cell (stepped by hand) of this shape."""
    key = (kind, units, features)
    if key not in _STOCK:
        layer = getattr(keras.layers, kind)(units, return_sequences=True, return_state=True)
        layer.build((None, None, features))
        cell = getattr(keras.layers, f"{kind}Cell")(units)
        cell.build((None, features))
        _STOCK[key] = (layer, cell)
    return _STOCK[key]


def gates(kind: str, cell: Any, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(rows, gates, units): the cell's own weights and activation functions."""
    if kind == "LSTM":
        z = keras.ops.split(
            keras.ops.matmul(x, cell.kernel)
            + keras.ops.matmul(h, cell.recurrent_kernel)
            + cell.bias,
            4,
            axis=1,
        )
        act, rec = cell.activation, cell.recurrent_activation
        parts = [rec(z[0]), rec(z[1]), act(z[2]), rec(z[3])]
    elif kind == "GRU":
        xz, xr, xh = keras.ops.split(keras.ops.matmul(x, cell.kernel) + cell.bias[0], 3, axis=1)
        inner = keras.ops.matmul(h, cell.recurrent_kernel) + cell.bias[1]
        rz, rr, rh = keras.ops.split(inner, 3, axis=1)
        z, r = cell.recurrent_activation(xz + rz), cell.recurrent_activation(xr + rr)
        parts = [z, r, cell.activation(xh + r * rh)]
    else:
        return np.zeros((x.shape[0], 0, h.shape[1]))
    return np.stack([np.asarray(p) for p in parts], axis=1)


def rebuild(trace: dict[str, Any]) -> None:
    model, data = trace["model"], trace["data"]
    layers, batch_size = model["layers"], model["batch_size"]
    carry: list[list[np.ndarray] | None] = [
        [np.zeros((batch_size, layer["units"]), np.float32) for _ in STATES[layer["kind"]]]
        if layer["stateful"]
        else None
        for layer in layers
    ]
    events = expected_events(trace)
    prev_rows: list[dict[str, Any]] | None = None
    for b in trace["batches"]:
        SEEN["batches"] += 1
        # the schedule, as the scenario says it
        assert b["events"] == events[b["index"]], (b["index"], b["events"], events[b["index"]])
        for e in b["events"]:
            if carry[e["layer"]] is not None:
                kind = layers[e["layer"]]["kind"]
                states = carry[e["layer"]]
                assert states is not None
                if e["kind"] == "reset":
                    carry[e["layer"]] = [np.zeros_like(s) for s in states]
                else:
                    states[STATES[kind].index(e["state"])] = np.asarray(e["values"], np.float32)
        # what each row holds, and what Keras was fed
        samples = data["samples"]
        for r, row in enumerate(b["rows"]):
            if row["padding"]:
                assert row["sample"] is None and r > 0
                assert (row["sequence"], row["positions"]) == (
                    b["rows"][0]["sequence"],
                    b["rows"][0]["positions"],
                )
            else:
                s = samples[row["sample"]]
                assert (row["sequence"], row["positions"]) == (s["sequence"], s["positions"])
        fed = [row for row in b["rows"] if not row["padding"]]
        x = np.asarray(
            [[_input(data, row["sequence"], p) for p in row["positions"]] for row in fed],
            np.float32,
        )
        close("inputs", b["inputs"], x)
        last_seq = layers[-1]["return_sequences"]
        y = [
            [_target(data, row["sequence"], p) for p in row["positions"]]
            if last_seq
            else _target(data, row["sequence"], samples[row["sample"]]["target_position"])
            for row in fed
        ]
        close("targets", np.asarray(b["targets"]).reshape(np.asarray(y).shape), y)
        # every layer, stock Keras on the weights this batch names
        weights = trace["weights"][b["weights_version"]]["layers"]
        for i, (spec, shown) in enumerate(zip(layers, b["layers"], strict=True)):
            kind, units = spec["kind"], spec["units"]
            layer, cell = stock(kind, units, x.shape[2])
            arrays = [np.asarray(a, np.float32) for a in weights[i]["arrays"]]
            layer.set_weights(arrays)
            cell.set_weights(arrays)
            states = carry[i]
            if states is None:  # Keras starts a stateless layer from zeros
                states = [np.zeros((len(x), units), np.float32) for _ in STATES[kind]]
            elif len(x) < len(states[0]):
                # a partial batch (docs): row 0's input, run from each row's own carried state
                assert len(x) == 1
                x = np.repeat(x, len(states[0]), axis=0)
            for name, s in zip(STATES[kind], states, strict=True):
                close("initial", shown["initial"][name], s)
            seq, *finals = (np.asarray(a) for a in layer(x, initial_state=states))
            close("h", shown["h"], seq)
            step_states, hs, cs, gs = list(states), [], [], []
            for t in range(x.shape[1]):
                gs.append(gates(kind, cell, x[:, t], step_states[0]))
                _, new = cell(x[:, t], step_states)
                step_states = [np.asarray(v) for v in (new if isinstance(new, list) else [new])]
                hs.append(step_states[0])
                cs.append(step_states[-1])
            close("h", shown["h"], np.stack(hs, 1))
            if kind == "LSTM":
                close("c", shown["c"], np.stack(cs, 1))
            else:
                assert shown["c"] is None
            if GATES[kind]:
                g = np.stack(gs, 1)
                for j, name in enumerate(GATES[kind]):
                    close("gates", shown["gates"][name], g[:, :, j])
            for name, s in zip(STATES[kind], finals, strict=True):
                close("final", shown["final"][name], s)
                if spec["stateful"]:
                    close("state_variables", shown["keras_final"][name], s)
            if spec["stateful"]:
                carry[i] = [np.asarray(s, np.float32) for s in finals]
            else:
                assert shown["keras_final"] is None
            # transfers, from provenance alone
            for r, row in enumerate(b["rows"]):
                prev = prev_rows[r] if prev_rows is not None and r < len(prev_rows) else None
                kinds = [e["kind"] for e in b["events"] if e["layer"] == i]
                want = classify(prev, row, spec["stateful"], kinds[-1] if kinds else None)
                tr = shown["transfers"][r]
                assert (tr["kind"], tr["reason"]) == want, (b["index"], i, r, tr, want)
            x = seq
        out = x if last_seq else x[:, -1]
        if model["head"]:
            kernel, bias = (np.asarray(a, np.float64) for a in weights[-1]["arrays"])
            out = out @ kernel + bias
        if b["outputs"] is not None:
            close("outputs", b["outputs"], out)
        if b["loss"] is not None:
            rows = len(fed)
            target = np.asarray(y)
            if model["head"]["task"] == "classification":
                fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            else:  # one value per row (and timestep), as the model's 1-unit head gives it
                fn = keras.losses.MeanSquaredError()
                target = target.reshape((*np.shape(out[:rows])[:-1], -1))
            want = float(fn(target, out[:rows]))
            close("loss", b["loss"], want, LOSS_TOLERANCE)
        prev_rows = b["rows"]


# -- random scenarios ----------------------------------------------------------------------------
layer_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        "units": st.integers(1, 4),
        "stateful": st.booleans(),
    }
)
op_st = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["call", "predict_on_batch", "train_on_batch"]),
            "epochs": st.integers(1, 3),
        }
    ),
    st.fixed_dictionaries(
        {"op": st.just("fit"), "epochs": st.integers(1, 3), "shuffle": st.booleans()}
    ),
    st.fixed_dictionaries({"op": st.just("predict"), "batch_size": st.none() | st.integers(1, 3)}),
    st.fixed_dictionaries({"op": st.just("reset_states"), "layer": st.none() | st.integers(0, 2)}),
    st.fixed_dictionaries(
        {
            "op": st.just("set_state"),
            "state": st.sampled_from(["h", "c"]),
            "scale": st.sampled_from([0.5, 3.0, 1000.0]),
        }
    ),
)


def _scenario(draw: Any) -> dict[str, Any]:
    layers = draw(st.lists(layer_st, min_size=1, max_size=3))
    batch = draw(st.integers(1, 3))
    poem = draw(st.booleans())
    data = (
        {"preset": "poem"}
        if poem
        else {
            "preset": "ramp",
            "n_sequences": draw(st.integers(1, 3)),
            "length": draw(st.integers(6, 20)),
        }
    )
    ops = []
    for op in draw(st.lists(op_st, min_size=1, max_size=4)):
        if op["op"] == "reset_states" and op["layer"] is not None:
            op["layer"] = min(op["layer"], len(layers) - 1)
        if op["op"] == "set_state":
            layer = draw(st.integers(0, len(layers) - 1))
            kind = layers[layer]["kind"]
            state = op["state"] if kind == "LSTM" else "h"
            rng = np.random.default_rng(draw(st.integers(0, 99)))
            values = rng.uniform(-1, 1, (batch, layers[layer]["units"])) * op["scale"]
            op = {
                "op": "set_state",
                "layer": layer,
                "state": state,
                "values": np.round(values, 3).tolist(),
            }
        ops.append(op)
    stateful = [i for i, layer in enumerate(layers) if layer["stateful"]]
    interventions = []
    if draw(st.booleans()):
        action: dict[str, Any] = {
            "op": "reset_states",
            "layer": draw(st.none() | st.sampled_from(list(range(len(layers))))),
        }
        if stateful and draw(st.booleans()):
            i = draw(st.sampled_from(stateful))
            action = {
                "op": "set_state",
                "layer": i,
                "state": "h",
                "values": [[0.25 * (r + 1)] * layers[i]["units"] for r in range(batch)],
            }
        interventions.append({"before_batch": draw(st.integers(0, 6)), "action": action})
    return {
        "seed": draw(st.integers(0, 5)),
        "model": {"layers": layers},
        "data": data,
        "batching": {
            "batch_size": batch,
            "timesteps": draw(st.integers(1, 4)),
            "layout": draw(st.sampled_from(["lanes", "consecutive"])),
            "shuffle": draw(st.booleans()),
            "partial": draw(st.sampled_from(["keep", "drop"])),
        },
        "schedule": {
            "ops": ops,
            "reset": draw(st.sampled_from(["never", "epoch_end", "every_n_batches"])),
            "reset_every": draw(st.integers(1, 4)),
            "interventions": interventions,
        },
    }


EXAMPLES = int(os.environ.get("LSL_INDEPENDENT_EXAMPLES", "15"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # the same examples in CI (failures reproduce); LSL_INDEPENDENT_EXAMPLES=300 for a deep run
    derandomize=EXAMPLES <= 15,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(data=st.data())
def test_traces_rebuilt_with_stock_keras(client: TestClient, data: st.DataObject) -> None:
    scenario = _scenario(data.draw)
    r = client.post("/api/traces", json=scenario)
    if r.status_code != 200:
        body = r.json()
        # Keras's own refusal (a partial batch of 2 into 3 state rows, a predict batch size a
        # stateful layer cannot take) or a layout that fills no batch: a clear error, not a trace
        assert (r.status_code, body["error"]) in {
            (400, "keras_rejected"),
            (422, "invalid_scenario"),
        }, body
        SEEN["refused"] += 1
        assume(False)
    trace = r.json()
    assert trace["verification"]["passed"]
    SEEN["traces"] += 1
    rebuild(trace)
