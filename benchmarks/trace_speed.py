"""Verified trace of the reference scenario, three ways, timed side by side in one run.

Reference: 2-layer stateful LSTM, 16 units, batch 4, 5 timesteps, 12 batches, inference.
- naive:  eager per-timestep Keras cell calls, checked per batch against the model's
          state variables after an eager model call (a hand-written verified tracer);
- engine: app.engine.tracer.run (runs Keras, recomputes every timestep, verifies);
- floor:  a pure-numpy recurrence on the same weights (no Keras, no verification).
Prints medians and, last, `RESULT engine_vs_floor=X naive_vs_engine=Y`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import tracer
from app.scenario import Scenario

REFERENCE = Scenario.model_validate(
    {
        "model": {"layers": [{"kind": "LSTM", "units": 16}, {"kind": "LSTM", "units": 16}]},
        "data": {"preset": "ramp", "length": 240},
        "batching": {"batch_size": 4, "timesteps": 5, "layout": "lanes"},
        "schedule": {"ops": [{"op": "call"}]},
    }
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def floor(xs: np.ndarray, weights: list[list[np.ndarray]]) -> list[np.ndarray]:
    states = [(np.zeros((xs.shape[1], w[1].shape[0]), np.float32),) * 2 for w in weights]
    out = []
    for x in xs:  # batches
        for li, (k, rk, b) in enumerate(weights):
            h, c = states[li]
            seq = []
            for t in range(x.shape[1]):
                z = x[:, t] @ k + h @ rk + b
                i, f, g, o = np.split(z, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                seq.append(h)
            states[li] = (h, c)
            x = np.stack(seq, axis=1)
        out.append(x)
    return out


def naive(xs: np.ndarray, model: object, layers: list[object]) -> list[np.ndarray]:
    """A hand-written verified tracer: eager cell steps, checked against the model per batch."""
    import tensorflow as tf

    for layer in layers:
        layer.reset_state()  # type: ignore[attr-defined]
    out = []
    for x in xs:
        before = [[v.numpy() for v in layer.states] for layer in layers]  # type: ignore[attr-defined]
        model(x, training=False)  # type: ignore[operator]  # Keras's own stateful run
        seq_in = tf.constant(x)
        for layer, states in zip(layers, before, strict=True):
            seq = []
            for t in range(x.shape[1]):
                h, states = layer.cell(seq_in[:, t], states)  # type: ignore[attr-defined]
                seq.append(h)
            seq_in = tf.stack(seq, axis=1)
            keras_h = layer.states[0].numpy()  # type: ignore[attr-defined]
            assert np.max(np.abs(keras_h - states[0].numpy())) < 1e-5
        out.append(seq_in.numpy())
    return out


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    trace = tracer.run(REFERENCE)  # warm-up: builds and compiles once
    assert len(trace.records) == 12
    weights = [[np.asarray(a) for a in w] for w in trace.weights[0][:2]]
    xs = np.stack([r.x for r in trace.records])
    model, layers = trace.built.model, trace.built.rnns
    # All three agree before anything is timed.
    ours = np.stack([res[1].h for res in trace.results])
    assert np.max(np.abs(np.stack(floor(xs, weights)) - ours)) < 1e-5
    assert np.max(np.abs(np.stack(naive(xs, model, layers)) - ours)) < 1e-5
    results = {}
    for _ in range(3):  # interleaved rounds: noise hits all three alike
        for name, fn, rep in (
            ("engine", lambda: tracer.run(REFERENCE), 15),
            ("floor", lambda: floor(xs, weights), 15),
            ("naive", lambda: naive(xs, model, layers), 3),
        ):
            results.setdefault(name, []).append(median_ms(fn, rep))
    med = {k: statistics.median(v) for k, v in results.items()}
    for k, v in med.items():
        print(f"{k:7} {v:9.2f} ms (median)")
    print(
        f"RESULT engine_vs_floor={med['engine'] / med['floor']:.2f} "
        f"naive_vs_engine={med['naive'] / med['engine']:.1f}"
    )


if __name__ == "__main__":
    main()
