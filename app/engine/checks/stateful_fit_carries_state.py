"""Claim `stateful-fit-carries-state`: "fit() trains a stateful LSTM, GRU or SimpleRNN and
carries its state from one batch to the next."
"""

from __future__ import annotations

from typing import Any

from app.engine.checks.keras_only import (
    Result,
    error_text,
    finding,
    max_abs,
    numpy,
    seeded_rnn,
    short,
    uniform,
)

CLAIM = "stateful-fit-carries-state"
KINDS = ("LSTM", "GRU", "SimpleRNN")


def _fit(kind: str, **options: Any) -> dict[str, Any]:
    """One epoch of two batches on a stateful layer: how far its weights moved, its state."""
    import keras

    x, y = uniform(4, 3, 1), uniform(4, 4, seed=1)
    model, layer = seeded_rnn(2, 3, 4, stateful=True, kind=kind)
    if options:  # the same layer with `options` (a workaround), seeded alike
        inputs = keras.Input(batch_shape=(2, 3, 1))
        layer = getattr(keras.layers, kind)(4, stateful=True, **options)
        model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer="sgd", loss="mse")
    before = numpy(layer.cell.kernel).copy()
    try:
        model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    except Exception as exc:  # what the backend says is the finding
        return {"error": error_text(exc).split(" [", 1)[0].rstrip(": ")}
    return {
        "weights_moved": max_abs(numpy(layer.cell.kernel) - before),
        "max_abs_state": max_abs(numpy(layer.states[0])),
    }


def check_here() -> Result:
    import keras

    backend = keras.backend.backend()
    runs = {kind: _fit(kind) for kind in KINDS}
    failed = [k for k in KINDS if "error" in runs[k]]
    evidence: dict[str, Any] = {"fit": runs}
    if failed:
        trained = [k for k in KINDS if k not in failed]
        # the workaround keras#20875 names (SimpleRNN has no such option)
        evidence["use_cudnn_false"] = {
            k: _fit(k, use_cudnn=False) for k in failed if k != "SimpleRNN"
        }
        works = all("error" not in r for r in evidence["use_cudnn_false"].values())
        return {
            "verdict": "does_not_hold",
            **finding(
                CLAIM,
                "raises" if works else "raises_always",
                backend=backend,
                failed=", ".join(failed),
                trained=", ".join(trained) or "—",
                error=runs[failed[0]]["error"],
            ),
            "evidence": evidence,
        }
    moved = max(r["weights_moved"] for r in runs.values())
    state = min(r["max_abs_state"] for r in runs.values())
    zero = [k for k in KINDS if runs[k]["max_abs_state"] == 0]
    return {
        "verdict": "holds" if not zero and moved > 0 else "does_not_hold",
        **finding(
            CLAIM,
            "not_carried" if zero else "carries",
            backend=backend,
            moved=short(moved),
            state=short(state),
            kinds=", ".join(zero),
        ),
        "evidence": evidence,
    }
