"""`python -m app.engine.layer_check` (JSON on stdin, KERAS_BACKEND chosen by the caller):
verification on another Keras backend. Each batch's layers run there, stock and stateless, on
the trace's weights, inputs and initial states; their h is compared with the trace's (Keras on
TensorFlow) and with a NumPy recurrence written from the cells' formulas. Keras and numpy only,
so it runs on JAX and PyTorch (app/engine/backends.py starts it)."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def recurrence(kind: str, x: np.ndarray, states: list[np.ndarray], w: list[np.ndarray]) -> Any:
    """h at every timestep, (rows, T, units), in float64: Keras 3's LSTMCell, GRUCell
    (reset_after=True) and SimpleRNNCell with their default activations."""
    kernel, recurrent, bias = (np.asarray(a, np.float64) for a in w)
    h = np.asarray(states[0], np.float64)
    c = np.asarray(states[1], np.float64) if kind == "LSTM" else None
    out = []
    for t in range(x.shape[1]):
        xt = np.asarray(x[:, t], np.float64)
        if kind == "LSTM":
            i, f, g, o = np.split(xt @ kernel + h @ recurrent + bias, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        elif kind == "GRU":
            xz, xr, xh = np.split(xt @ kernel + bias[0], 3, axis=1)
            rz, rr, rh = np.split(h @ recurrent + bias[1], 3, axis=1)
            z, r = _sigmoid(xz + rz), _sigmoid(xr + rr)
            h = z * h + (1.0 - z) * np.tanh(xh + r * rh)
        else:
            h = np.tanh(xt @ kernel + h @ recurrent + bias)
        out.append(h)
    return np.stack(out, axis=1)


def check(data: dict[str, Any]) -> dict[str, Any]:
    import keras

    kinds = data["kinds"]
    layers = [
        getattr(keras.layers, k)(u, return_sequences=True)
        for k, u in zip(kinds, data["units"], strict=True)
    ]
    vs_trace = vs_numpy = 0.0
    for batch in data["batches"]:
        for i, (layer, given) in enumerate(zip(layers, batch["layers"], strict=True)):
            x = np.asarray(batch["x"] if i == 0 else batch["layers"][i - 1]["h"], np.float32)
            init = [np.asarray(s, np.float32) for s in given["initial"]]
            weights = [np.asarray(a, np.float32) for a in given["weights"]]
            if not layer.built:
                layer.build(x.shape)
            layer.set_weights(weights)
            h = np.asarray(keras.ops.convert_to_numpy(layer(x, initial_state=init)))
            vs_trace = max(vs_trace, float(np.max(np.abs(h - np.asarray(given["h"])))))
            ours = recurrence(kinds[i], x, init, weights)
            vs_numpy = max(vs_numpy, float(np.max(np.abs(h - ours))))
    return {
        "backend": keras.backend.backend(),
        "batches": len(data["batches"]),
        "max_abs_diff_vs_trace": vs_trace,
        "max_abs_diff_vs_numpy": vs_numpy,
    }


def main() -> int:
    print(json.dumps(check(json.load(sys.stdin))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
