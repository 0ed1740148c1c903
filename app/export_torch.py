"""The PyTorch twin of a trace: a plain PyTorch script (nn.LSTM / nn.GRU / nn.RNN with Keras's
weights converted, the hidden state carried between batches with .detach()) that reproduces the
trace's h and c. Reads the trace's document (app/schemas.py); no TensorFlow, no PyTorch here."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from app.export import ENV, Trace, head, interventions, model_layers, op_events, weights_text
from app.scenario import ResetOp, SetStateOp

TRAINING = ("fit", "train_on_batch")


def _lists(a: Any) -> Any:
    return np.asarray(a).tolist()


def _steps(trace: Trace) -> list[dict[str, Any]]:
    """The schedule in order: state changes of reset/set ops, and every batch fed."""
    steps: list[dict[str, Any]] = []
    for i, op in enumerate(trace.scenario.schedule.ops):
        if isinstance(op, ResetOp | SetStateOp):
            steps.append({"events": op_events(trace, op)})
            continue
        mine = [b for b in trace.batches if b.op_index == i]
        for k, b in enumerate(mine):
            steps.append(
                {
                    "op": i,
                    "train": op.op in TRAINING,
                    "x": _lists(b.inputs),
                    "y": _lists(b.targets),
                    "last_of_epoch": k + 1 == len(mine) or mine[k + 1].epoch != b.epoch,
                }
            )
    return steps


def twin_data(trace: Trace) -> dict[str, Any]:
    m = trace.model
    return {
        "batch_size": m.batch_size,
        "input_features": m.input_features,
        "layers": model_layers(trace),
        "head": head(trace),
        "steps": _steps(trace),
        "reset": trace.scenario.schedule.reset,
        "reset_every": trace.scenario.schedule.reset_every,
        "interventions": interventions(trace),
        "expected": [  # Keras's h and c of every layer, row and timestep
            [
                {"h": _lists(layer.h), "c": None if layer.c is None else _lists(layer.c)}
                for layer in b.layers
            ]
            for b in trace.batches
        ],
    }


def script(trace: Trace) -> str:
    """The PyTorch script (templates/export/torch_twin.py.j2) that reproduces the trace."""
    return ENV.get_template("torch_twin.py.j2").render(
        data=repr(json.dumps(twin_data(trace), separators=(",", ":"))),
        weights=weights_text(trace),
    )
