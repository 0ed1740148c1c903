"""Exports of a trace: a runnable Keras 3 script and notebook that reproduce its numbers, and
the trace itself as CSV and NPZ. Works on the trace dict (lists or arrays); no TensorFlow."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

Trace = dict[str, Any]

_HEADER = '''"""Reproduces an LSTM State Lab trace with plain Keras 3: same model, same weights,
the same batches fed through the same Keras calls, then compares every batch's states with
the trace.

Keras 2 spellings, for readers of older posts: a fixed batch size was
`LSTM(..., batch_input_shape=(B, T, F))` (Keras 3: `keras.Input(batch_shape=(B, T, F))`), and
`model.reset_states()` reset every layer (Keras 3: `layer.reset_state()` on each RNN layer).
Run: python THIS_FILE.py [results.json]
"""
'''

_SETUP = """import json
import sys

import keras
import numpy as np

DATA = json.loads({data!r})
B, T, F = DATA["batch_shape"]

inputs = keras.Input(batch_shape=(B, T, F))  # Keras 2: batch_input_shape=(B, T, F)
x = inputs
for i, spec in enumerate(DATA["layers"]):
    cls = getattr(keras.layers, spec["kind"])
    x = cls(spec["units"], stateful=spec["stateful"],
            return_sequences=spec["return_sequences"], name=f"rnn{{i}}")(x)
if DATA["head"]:
    x = keras.layers.Dense(DATA["head"]["units"], name="head")(x)
model = keras.Model(inputs, x)
if DATA["head"]:
    loss = ("mse" if DATA["head"]["task"] == "regression"
            else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=loss)
model.set_weights([np.asarray(w, dtype="float32") for w in DATA["weights"]])
rnns = [model.get_layer(f"rnn{{i}}") for i in range(len(DATA["layers"]))]
"""

_RUN = '''def states():
    return [[v.numpy().tolist() for v in layer.states] if layer.stateful else None
            for layer in rnns]


def intervene(index):
    """The resets and state settings the run applied by hand just before this batch."""
    for event in DATA["interventions"].get(str(index), []):
        apply(event)


def apply(event):
    layer = rnns[event["layer"]]
    if event["kind"] == "reset":
        layer.reset_state()  # Keras 2: model.reset_states() / layer.reset_states()
    else:
        layer.states[event["state"]].assign(np.asarray(event["values"], dtype="float32"))


class ResetSchedule(keras.callbacks.Callback):
    """The reset shorthand, one counter of the op's batches across all its epochs:
    every_n_batches resets before the op's batch N, 2N, ... (never before its first batch);
    epoch_end resets after the last batch of each of its epochs."""

    def __init__(self, rule, every):
        super().__init__()
        self.rule, self.every, self.count = rule, every, 0

    def reset(self):
        for layer in rnns:
            if layer.stateful:
                layer.reset_state()

    def before_batch(self):
        if self.rule == "every_n_batches" and self.count and self.count % self.every == 0:
            self.reset()

    def after_batch(self, last_of_epoch):
        self.count += 1
        if self.rule == "epoch_end" and last_of_epoch:
            self.reset()


class Record(keras.callbacks.Callback):
    """Around every batch of fit()/predict(): the schedule, the interventions, the states."""

    def __init__(self, schedule, steps):
        super().__init__()
        self.schedule, self.steps = schedule, steps

    def on_train_batch_begin(self, batch, logs=None):
        self.schedule.before_batch()
        intervene(len(results))

    def on_train_batch_end(self, batch, logs=None):
        results.append(states())
        self.schedule.after_batch(batch == self.steps - 1)

    on_predict_batch_begin = on_train_batch_begin
    on_predict_batch_end = on_train_batch_end


results = []
for op in DATA["ops"]:
    if op["kind"] in ("reset_states", "set_state"):
        for event in op["events"]:
            apply(event)
        continue
    schedule = ResetSchedule(DATA["reset"], DATA["reset_every"])  # one counter per op
    for run in op["runs"]:
        x = np.asarray(run["x"], dtype="float32")
        y = np.asarray(run["y"])
        if op["kind"] == "fit":
            model.fit(x, y, batch_size=op["batch_size"], epochs=run["epochs"], shuffle=False,
                      verbose=0, callbacks=[Record(schedule, run["steps"])])
        elif op["kind"] == "predict":
            model.predict(x, batch_size=op["batch_size"], verbose=0,
                          callbacks=[Record(schedule, run["steps"])])
        else:  # one batch
            schedule.before_batch()
            intervene(len(results))
            if op["kind"] == "train_on_batch":
                model.train_on_batch(x, y)
            elif op["kind"] == "predict_on_batch":
                model.predict_on_batch(x)
            else:
                model(x, training=False)
            results.append(states())
            schedule.after_batch(run["last_of_epoch"])
'''

_CHECK = """worst = 0.0
for got, want in zip(results, DATA["expected"], strict=True):
    for g, w in zip(got, want, strict=True):
        if w is not None:
            worst = max(worst, float(np.max(np.abs(np.asarray(g) - np.asarray(w)))))
print(f"{len(results)} batches; max |state - trace| = {worst:.3g}")
if len(sys.argv) > 1:
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump({"batches": len(results), "max_abs_diff": worst, "states": results}, f)
"""


def _lists(a: Any) -> Any:
    return np.asarray(a).tolist()


def _ops(trace: Trace) -> list[dict[str, Any]]:
    """The schedule as the Keras calls to make, with the batches each one fed."""
    scenario = trace["scenario"]
    batches = trace["batches"]
    ops = []
    for i, op in enumerate(scenario["schedule"]["ops"]):
        kind = op["op"]
        if kind == "reset_states":
            layers = range(len(trace["model"]["layers"])) if op["layer"] is None else [op["layer"]]
            ops.append(
                {
                    "kind": kind,
                    "events": [
                        {"kind": "reset", "layer": n}
                        for n in layers
                        if trace["model"]["layers"][n]["stateful"]
                    ],
                }
            )
            continue
        if kind == "set_state":
            ops.append({"kind": kind, "events": [_set_event(op)]})
            continue
        mine = [b for b in batches if b["op_index"] == i]
        if kind in ("fit", "predict"):
            size = op.get("batch_size") or trace["model"]["batch_size"]
            # one fit call for all epochs, or one per epoch where the trace reshuffled them
            split = kind == "predict" or bool(op.get("shuffle"))
            groups = [
                [b for b in mine if b["epoch"] == e] for e in sorted({b["epoch"] for b in mine})
            ]
            parts = groups if split else [groups[0]] if groups else []
            runs = [
                {
                    "x": [r for b in part for r in _lists(b["inputs"])],
                    "y": [r for b in part for r in _lists(b["targets"])],
                    "epochs": 1 if split else len(groups),
                    "steps": len(part),
                }
                for part in parts
            ]
            ops.append({"kind": kind, "batch_size": size, "runs": runs})
        else:
            ops.append(
                {
                    "kind": kind,
                    "runs": [
                        {
                            "x": _lists(b["inputs"]),
                            "y": _lists(b["targets"]),
                            "last_of_epoch": k + 1 == len(mine)
                            or mine[k + 1]["epoch"] != b["epoch"],
                        }
                        for k, b in enumerate(mine)
                    ],
                }
            )
    return ops


def _set_event(action: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "set",
        "layer": action["layer"],
        "state": 0 if action["state"] == "h" else 1,
        "values": action["values"],
    }


def _interventions(trace: Trace) -> dict[str, list[dict[str, Any]]]:
    """The scenario's interventions, by the index of the batch they come before."""
    out: dict[str, list[dict[str, Any]]] = {}
    n_layers = len(trace["model"]["layers"])
    for iv in trace["scenario"]["schedule"]["interventions"]:
        action = iv["action"]
        if action["op"] == "set_state":
            events = [_set_event(action)]
        else:
            layers = range(n_layers) if action["layer"] is None else [action["layer"]]
            events = [{"kind": "reset", "layer": n} for n in layers]
        out.setdefault(str(iv["before_batch"]), []).extend(events)
    return out


def script_data(trace: Trace) -> dict[str, Any]:
    m = trace["model"]
    v0 = trace["weights"][0]["layers"]
    return {
        "batch_shape": [m["batch_size"], m["timesteps"], m["input_features"]],
        "layers": [
            {k: layer[k] for k in ("kind", "units", "stateful", "return_sequences")}
            for layer in m["layers"]
        ],
        "head": m["head"],
        "weights": [_lists(a) for layer in v0 for a in layer["arrays"]],
        "ops": _ops(trace),
        "reset": trace["scenario"]["schedule"]["reset"],
        "reset_every": trace["scenario"]["schedule"]["reset_every"],
        "interventions": _interventions(trace),
        "expected": [
            [
                None
                if layer["keras_final"] is None
                else [_lists(layer["keras_final"][n]) for n in info["state_names"]]
                for layer, info in zip(b["layers"], m["layers"], strict=True)
            ]
            for b in trace["batches"]
        ],
    }


def script(trace: Trace) -> str:
    data = json.dumps(script_data(trace), separators=(",", ":"))
    return _HEADER + "\n" + _SETUP.format(data=data) + "\n\n" + _RUN + "\n" + _CHECK


def notebook(trace: Trace) -> str:
    import nbformat

    data = json.dumps(script_data(trace), separators=(",", ":"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# LSTM State Lab — reproduce a trace with plain Keras 3\n\n"
            "The model, its weights and the exact batches of the trace; the same Keras calls; "
            "then a comparison of every batch's states with the trace.\n\n"
            "Keras 2 spellings: `batch_input_shape=(B, T, F)` → `keras.Input(batch_shape=...)`;"
            " `model.reset_states()` → `layer.reset_state()` on each RNN layer."
        ),
        nbformat.v4.new_code_cell(_SETUP.format(data=data)),
        nbformat.v4.new_code_cell(_RUN),
        nbformat.v4.new_code_cell(_CHECK.replace("if len(sys.argv) > 1:", "if False:")),
    ]
    return str(nbformat.writes(nb))


def trace_csv(trace: Trace) -> str:
    """Long format: one line per batch, layer, row, timestep and unit."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "batch",
            "op",
            "epoch",
            "layer",
            "row",
            "sequence",
            "t",
            "position",
            "unit",
            "h",
            "c",
            "transfer",
            "reason",
        ]
    )
    for b in trace["batches"]:
        for li, layer in enumerate(b["layers"]):
            h = np.asarray(layer["h"])
            c = None if layer["c"] is None else np.asarray(layer["c"])
            for r in range(h.shape[0]):
                row = b["rows"][r]
                tr = layer["transfers"][r]
                for t in range(h.shape[1]):
                    for u in range(h.shape[2]):
                        w.writerow(
                            [
                                b["index"],
                                b["op"],
                                b["epoch"],
                                li,
                                r,
                                row["sequence"],
                                t,
                                row["positions"][t],
                                u,
                                f"{h[r, t, u]:.9g}",
                                "" if c is None else f"{c[r, t, u]:.9g}",
                                tr["kind"] if t == 0 else "",
                                (tr["reason"] or "") if t == 0 else "",
                            ]
                        )
    return out.getvalue()


def trace_npz(trace: Trace) -> bytes:
    """Arrays named b{batch}_l{layer}_{h|c|gate_NAME|initial_NAME|keras_final_NAME}."""
    arrays: dict[str, np.ndarray] = {}
    for b in trace["batches"]:
        arrays[f"b{b['index']}_inputs"] = np.asarray(b["inputs"], dtype=np.float32)
        for li, layer in enumerate(b["layers"]):
            key = f"b{b['index']}_l{li}"
            arrays[f"{key}_h"] = np.asarray(layer["h"], dtype=np.float32)
            if layer["c"] is not None:
                arrays[f"{key}_c"] = np.asarray(layer["c"], dtype=np.float32)
            for g, v in (layer["gates"] or {}).items():
                arrays[f"{key}_gate_{g}"] = np.asarray(v, dtype=np.float32)
            for n, v in layer["initial"].items():
                arrays[f"{key}_initial_{n}"] = np.asarray(v, dtype=np.float32)
            for n, v in (layer["keras_final"] or {}).items():
                arrays[f"{key}_keras_final_{n}"] = np.asarray(v, dtype=np.float32)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()
