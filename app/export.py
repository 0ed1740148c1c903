"""Exports of a trace: a runnable Keras 3 script and notebook that reproduce its numbers, and
the trace itself as CSV and NPZ. Reads the trace's document (app/schemas.py); no TensorFlow."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import jinja2
import numpy as np

from app.paths import TEMPLATES
from app.scenario import Op, ResetOp, SetStateOp
from app.schemas import TraceDoc

Trace = TraceDoc

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES / "export"),
    autoescape=False,  # Python source, not HTML
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
GATES = {
    "LSTM": "gates i, f, c, o",
    "GRU": "gates z, r, h",
    "SimpleRNN": "",
}
BIAS_NOTES = {
    "LSTM": ": gates i, f, c, o (f starts at 1: unit_forget_bias)",
    "GRU": ": row 0 with the inputs, row 1 with the previous h (reset_after=True)",
    "SimpleRNN": "",
    "Dense": "",
}
_CELL = "# %% "  # cells of the script: the notebook is cut along them


def _lists(a: Any) -> Any:
    return np.asarray(a).tolist()


def _ops(trace: Trace) -> list[dict[str, Any]]:
    """The schedule as the Keras calls to make, with the batches each one fed."""
    ops: list[dict[str, Any]] = []
    for i, op in enumerate(trace.scenario.schedule.ops):
        if isinstance(op, ResetOp | SetStateOp):
            ops.append({"kind": op.op, "events": op_events(trace, op)})
            continue
        mine = [b for b in trace.batches if b.op_index == i]
        if op.op in ("fit", "predict"):
            size = getattr(op, "batch_size", None) or trace.model.batch_size
            # one fit call for all epochs, or one per epoch where the trace reshuffled them
            split = op.op == "predict" or bool(getattr(op, "shuffle", False))
            groups = [[b for b in mine if b.epoch == e] for e in sorted({b.epoch for b in mine})]
            parts = groups if split else [groups[0]] if groups else []
            runs = [
                {
                    "x": [r for b in part for r in _lists(b.inputs)],
                    "y": [r for b in part for r in _lists(b.targets)],
                    "epochs": 1 if split else len(groups),
                    "steps": len(part),
                }
                for part in parts
            ]
            ops.append({"kind": op.op, "batch_size": size, "runs": runs})
        else:
            ops.append(
                {
                    "kind": op.op,
                    "runs": [
                        {
                            "x": _lists(b.inputs),
                            "y": _lists(b.targets),
                            "last_of_epoch": k + 1 == len(mine) or mine[k + 1].epoch != b.epoch,
                        }
                        for k, b in enumerate(mine)
                    ],
                }
            )
    return ops


def op_events(trace: Trace, op: Op) -> list[dict[str, Any]]:
    """A reset_states or set_state op of the schedule as the state changes it makes."""
    if isinstance(op, SetStateOp):
        return [_set_event(op)]
    assert isinstance(op, ResetOp)
    layers = trace.model.layers
    chosen = range(len(layers)) if op.layer is None else [op.layer]
    return [{"kind": "reset", "layer": n} for n in chosen if layers[n].stateful]


def _set_event(action: SetStateOp) -> dict[str, Any]:
    return {
        "kind": "set",
        "layer": action.layer,
        "state": 0 if action.state == "h" else 1,
        "row": action.row,
        "values": action.values,
    }


def interventions(trace: Trace) -> dict[str, list[dict[str, Any]]]:
    """The scenario's interventions, by the index of the batch they come before."""
    out: dict[str, list[dict[str, Any]]] = {}
    n_layers = len(trace.model.layers)
    for iv in trace.scenario.schedule.interventions:
        action = iv.action
        if isinstance(action, SetStateOp):
            events = [_set_event(action)]
        else:
            layers = range(n_layers) if action.layer is None else [action.layer]
            events = [{"kind": "reset", "layer": n} for n in layers]
        out.setdefault(str(iv.before_batch), []).extend(events)
    return out


def model_layers(trace: Trace) -> list[dict[str, Any]]:
    return [
        {
            "kind": layer.kind,
            "units": layer.units,
            "stateful": layer.stateful,
            "return_sequences": layer.return_sequences,
        }
        for layer in trace.model.layers
    ]


def head(trace: Trace) -> dict[str, Any] | None:
    h = trace.model.head
    return None if h is None else {"units": h.units, "task": h.task}


def script_data(trace: Trace) -> dict[str, Any]:
    m = trace.model
    v0 = trace.weights[0].layers
    return {
        "batch_shape": [m.batch_size, m.timesteps, m.input_features],
        "layers": model_layers(trace),
        "head": head(trace),
        "weights": [_lists(a) for layer in v0 for a in layer.arrays],
        "ops": _ops(trace),
        "reset": trace.scenario.schedule.reset,
        "reset_every": trace.scenario.schedule.reset_every,
        "interventions": interventions(trace),
        "expected": [
            [
                None
                if layer.keras_final is None
                else [_lists(layer.keras_final[n]) for n in info.state_names]
                for layer, info in zip(b.layers, m.layers, strict=True)
            ]
            for b in trace.batches
        ],
    }


def _number(v: float) -> str:
    """The shortest decimal that reads back as the same float32."""
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def _literal(a: np.ndarray) -> str:
    """A nested list, one row per line: readable, and exact once cast to float32."""
    if a.ndim == 1:
        return "[" + ", ".join(_number(v) for v in a) + "]"
    return "[\n" + "".join(f"    {_literal(row)},\n" for row in a) + "]"


def weights_text(trace: Trace) -> list[dict[str, Any]]:
    """The first weights of the trace, per layer, with Keras's names and shapes."""
    layers = trace.model.layers
    out = []
    for layer in trace.weights[0].layers:
        arrays = [np.asarray(a, np.float32) for a in layer.arrays]
        if layer.name == "head":
            names = ["kernel", "bias"]
            gates = ""
        else:
            names = ["kernel", "recurrent_kernel", "bias"]
            gates = GATES[layers[int(layer.name[3:])].kind]
        kind = "Dense" if layer.name == "head" else layers[int(layer.name[3:])].kind
        notes = {
            "kernel": f": inputs -> {gates or 'units'}",
            "recurrent_kernel": f": previous h -> {gates or 'units'}",
            "bias": BIAS_NOTES[kind],
        }
        out.append(
            {
                "name": layer.name,
                "arrays": [
                    {
                        "name": n,
                        "shape": tuple(a.shape),
                        "note": notes[n],
                        "text": _literal(a),
                    }
                    for n, a in zip(names, arrays, strict=True)
                ],
            }
        )
    return out


def script(trace: Trace) -> str:
    """The Keras script (templates/export/script.py.j2) that reproduces the trace."""
    data = script_data(trace)
    del data["weights"]  # written out per layer instead
    return ENV.get_template("script.py.j2").render(
        data=repr(json.dumps(data, separators=(",", ":"))), weights=weights_text(trace)
    )


def notebook(trace: Trace) -> str:
    """The same program as a notebook: the script's docstring, then one cell per `# %%`."""
    import nbformat

    text = script(trace)
    doc, _, code = text.partition('"""\n\n')
    cells = [nbformat.v4.new_markdown_cell(doc.strip('"\n'))]
    for part in code.split(_CELL)[1:]:
        title, _, body = part.partition("\n")
        body = body.replace("if len(sys.argv) > 1:", "if False:")  # no command line here
        cells += [nbformat.v4.new_markdown_cell(f"## {title}"), nbformat.v4.new_code_cell(body)]
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
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
    for b in trace.batches:
        for li, layer in enumerate(b.layers):
            h, c = layer.h, layer.c
            for r in range(h.shape[0]):
                row = b.rows[r]
                tr = layer.transfers[r]
                for t in range(h.shape[1]):
                    for u in range(h.shape[2]):
                        w.writerow(
                            [
                                b.index,
                                b.op,
                                b.epoch,
                                li,
                                r,
                                row.sequence,
                                t,
                                row.positions[t],
                                u,
                                f"{h[r, t, u]:.9g}",
                                "" if c is None else f"{c[r, t, u]:.9g}",
                                tr.kind if t == 0 else "",
                                (tr.reason or "") if t == 0 else "",
                            ]
                        )
    return out.getvalue()


def trace_npz(trace: Trace) -> bytes:
    """Arrays named b{batch}_l{layer}_{h|c|gate_NAME|initial_NAME|keras_final_NAME}."""
    arrays: dict[str, np.ndarray] = {}
    for b in trace.batches:
        arrays[f"b{b.index}_inputs"] = np.asarray(b.inputs, dtype=np.float32)
        for li, layer in enumerate(b.layers):
            key = f"b{b.index}_l{li}"
            arrays[f"{key}_h"] = np.asarray(layer.h, dtype=np.float32)
            if layer.c is not None:
                arrays[f"{key}_c"] = np.asarray(layer.c, dtype=np.float32)
            for g, v in (layer.gates or {}).items():
                arrays[f"{key}_gate_{g}"] = np.asarray(v, dtype=np.float32)
            for n, v in layer.initial.items():
                arrays[f"{key}_initial_{n}"] = np.asarray(v, dtype=np.float32)
            for n, v in (layer.keras_final or {}).items():
                arrays[f"{key}_keras_final_{n}"] = np.asarray(v, dtype=np.float32)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()
