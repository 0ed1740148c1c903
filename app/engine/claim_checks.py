"""One small Keras program per claim (app/claims.py); each returns its verdict and evidence.

Each check runs on the installed Keras, so the verdict is Keras's, not a blog post's. The
source of every check is shown next to its result (GET /api/claims).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from app.claims import BY_ID
from app.engine import tracer
from app.errors import KerasRejected
from app.scenario import Scenario

Result = dict[str, Any]
CHECKS: dict[str, Callable[[], Result]] = {}


def check(claim_id: str) -> Callable[[Callable[[], Result]], Callable[[], Result]]:
    def register(fn: Callable[[], Result]) -> Callable[[], Result]:
        CHECKS[claim_id] = fn
        return fn

    return register


def run(claim_id: str) -> Result:
    result = CHECKS[claim_id]()
    return {
        "id": claim_id,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        **result,
    }


def _model(
    batch: int | None,
    steps: int,
    features: int,
    units: int,
    stateful: bool,
    kind: str = "LSTM",
    **kw: Any,
) -> tuple[keras.Model, Any]:
    shape = {"batch_shape": (batch, steps, features)}
    inputs = keras.Input(**shape)
    layer = getattr(keras.layers, kind)(
        units,
        stateful=stateful,
        kernel_initializer=keras.initializers.GlorotUniform(seed=1),
        recurrent_initializer=keras.initializers.Orthogonal(seed=2),
        **kw,
    )
    out = layer(inputs)
    return keras.Model(inputs, out), layer


def _x(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def _trace(raw: dict[str, Any]) -> dict[str, Any]:
    return tracer.run(Scenario.model_validate(raw)).to_dict()


def _max(a: Any) -> float:
    return float(np.max(np.abs(np.asarray(a)))) if np.asarray(a).size else 0.0


def _finding(claim_id: str, variant: str = "finding", **params: Any) -> Result:
    """The check's finding in English (its template in app/claims.py filled with `params`),
    plus what a translation needs: the variant (finding_key) and the values (finding_params)."""
    return {
        "finding": BY_ID[claim_id].findings[variant].format(**params),
        "finding_key": variant,
        "finding_params": params,
    }


@check("stateless-reset-per-batch")
def _stateless_per_batch() -> Result:
    t = _trace(
        {
            "model": {"layers": [{"units": 4, "stateful": False}]},
            "data": {"preset": "ramp", "length": 40},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )
    starts = [
        _max(b["layers"][0]["initial"]["h"]) + _max(b["layers"][0]["initial"]["c"])
        for b in t["batches"]
    ]
    holds = max(starts) == 0.0
    return {
        "verdict": "holds" if holds else "does_not_hold",
        **_finding("stateless-reset-per-batch", batches=len(starts)),
        "evidence": {"batches": len(starts), "max_abs_initial_state": max(starts)},
    }


@check("stateless-reset-per-sample")
def _stateless_per_sample() -> Result:
    model, _ = _model(None, 5, 1, 4, stateful=False)
    x = _x(1000, 5, 1)
    batched = np.asarray(model.predict(x, batch_size=200, verbose=0))
    alone = np.concatenate([np.asarray(model(x[i : i + 1])) for i in range(0, 1000, 97)])
    diff = _max(batched[::97] - alone)
    holds = diff < 1e-5
    return {
        "verdict": "holds" if holds else "does_not_hold",
        **_finding("stateless-reset-per-sample"),
        "evidence": {
            "samples": 1000,
            "batch_size": 200,
            "batches": 5,
            "max_abs_diff_batched_vs_alone": diff,
        },
    }


@check("stateless-shared-within-batch")
def _stateless_shared() -> Result:
    model, _ = _model(None, 5, 1, 4, stateful=False)
    x = _x(8, 5, 1)
    out = np.asarray(model(x))
    perm = np.random.default_rng(1).permutation(8)
    out_perm = np.asarray(model(x[perm]))
    diff = _max(out[perm] - out_perm)
    shared = diff > 1e-5
    return {
        "verdict": "holds" if shared else "does_not_hold",
        **_finding("stateless-shared-within-batch"),
        "evidence": {"max_abs_diff_after_reordering": diff, "batch_size": 8},
    }


def _stateful_poem() -> dict[str, Any]:
    return _trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )


@check("stateful-row-to-row")
def _row_to_row() -> Result:
    t = _stateful_poem()
    b0, b1 = t["batches"]
    keras_after = np.asarray(b0["layers"][0]["keras_final"]["h"])
    initial = np.asarray(b1["layers"][0]["initial"]["h"])
    diff = _max(initial - keras_after)
    return {
        "verdict": "holds" if diff == 0 else "does_not_hold",
        **_finding("stateful-row-to-row"),
        "evidence": {
            "initial_h_batch1": initial.tolist(),
            "keras_state_after_batch0": keras_after.tolist(),
            "max_abs_diff": diff,
        },
    }


@check("stateful-last-to-first")
def _last_to_first() -> Result:
    t = _stateful_poem()
    b0, b1 = t["batches"]
    last_row = np.asarray(b0["layers"][0]["keras_final"]["h"][-1])
    first_initial = np.asarray(b1["layers"][0]["initial"]["h"][0])
    diff = _max(first_initial - last_row)
    return {
        "verdict": "holds" if diff < 1e-7 else "does_not_hold",
        **_finding("stateful-last-to-first"),
        "evidence": {
            "batch0_last_row_final_h": last_row.tolist(),
            "batch1_row0_initial_h": first_initial.tolist(),
            "max_abs_diff": diff,
        },
    }


@check("stateful-equals-long-sequence")
def _equals_long() -> Result:
    data = {"preset": "ramp", "n_sequences": 10, "length": 14}
    chunked = _trace(
        {
            "model": {"layers": [{"units": 8}]},
            "data": data,
            "batching": {"batch_size": 10, "timesteps": 7},
        }
    )
    long = _trace(
        {
            "model": {"layers": [{"units": 8, "stateful": False}]},
            "data": data,
            "batching": {"batch_size": 10, "timesteps": 14},
        }
    )
    h = np.concatenate([np.asarray(b["layers"][0]["h"]) for b in chunked["batches"]], axis=1)
    diff = _max(h - np.asarray(long["batches"][0]["layers"][0]["h"]))
    return {
        "verdict": "holds" if diff <= 1e-6 else "does_not_hold",
        **_finding("stateful-equals-long-sequence"),
        "evidence": {"max_abs_diff_all_steps": diff, "tolerance": 1e-6},
    }


@check("predict-resets")
def _predict_resets() -> Result:
    model, layer = _model(2, 5, 1, 4, stateful=True)
    model.compile(optimizer="adam", loss="mse")
    x = _x(2, 5, 1)
    model.predict(x, batch_size=2, verbose=0)
    after_predict = layer.states[0].numpy().copy()
    model.train_on_batch(x, np.zeros((2, 4), np.float32))
    after_train = layer.states[0].numpy().copy()
    kept = _max(after_predict) > 0 and _max(after_train) > 0
    return {
        "verdict": "does_not_hold" if kept else "holds",
        **_finding("predict-resets"),
        "evidence": {
            "max_abs_state_after_predict": _max(after_predict),
            "max_abs_state_after_train_on_batch": _max(after_train),
            "model_has_predict_classes": hasattr(model, "predict_classes"),
        },
    }


@check("reset-carries-not-zero")
def _reset_zeroes() -> Result:
    model, layer = _model(2, 5, 1, 4, stateful=True)
    model(_x(2, 5, 1))
    before = _max(layer.states[0].numpy()) + _max(layer.states[1].numpy())
    layer.reset_state()
    after = _max(layer.states[0].numpy()) + _max(layer.states[1].numpy())
    return {
        "verdict": "does_not_hold" if after == 0 and before > 0 else "holds",
        **_finding("reset-carries-not-zero"),
        "evidence": {
            "max_abs_state_before_reset": before,
            "max_abs_state_after_reset": after,
            "model_has_reset_states": hasattr(model, "reset_states"),
            "layer_has_reset_states": hasattr(layer, "reset_states"),
        },
    }


@check("fit-resets-each-epoch")
def _fit_epochs() -> Result:
    t = _trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
            "schedule": {"ops": [{"op": "fit", "epochs": 2}]},
        }
    )
    first_of_epoch1 = next(b for b in t["batches"] if b["epoch"] == 1)
    last_of_epoch0 = [b for b in t["batches"] if b["epoch"] == 0][-1]
    carried = np.asarray(first_of_epoch1["layers"][0]["initial"]["h"])
    diff = _max(carried - np.asarray(last_of_epoch0["layers"][0]["keras_final"]["h"]))
    return {
        "verdict": "does_not_hold" if diff == 0 and _max(carried) > 0 else "holds",
        **_finding("fit-resets-each-epoch"),
        "evidence": {
            "max_abs_initial_state_epoch2": _max(carried),
            "diff_to_state_after_epoch1": diff,
        },
    }


@check("fixed-batch-required")
def _fixed_batch() -> Result:
    base = {
        "model": {"layers": [{"units": 4}]},
        "data": {"preset": "ramp", "length": 18},
        "schedule": {"ops": [{"op": "predict"}]},
    }
    t = _trace({**base, "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"}})
    rows = sum(len(b["outputs"]) for b in t["batches"])
    try:
        _trace(
            {
                **base,
                "data": {"preset": "ramp", "length": 20},
                "batching": {"batch_size": 4, "timesteps": 2, "layout": "consecutive"},
            }
        )
        error = None
    except KerasRejected as exc:
        error = exc.message
    return {
        "verdict": "holds",
        **_finding("fixed-batch-required", rows=rows, error=error),
        "evidence": {
            "samples": 9,
            "batch_size": 2,
            "predict_rows": rows,
            "error_10_samples_batch_4": error,
        },
    }


@check("shuffle-breaks-continuity")
def _shuffle() -> Result:
    """Keras's own fit(shuffle=True), run eagerly so the batches it feeds can be recorded."""
    fed: list[np.ndarray] = []

    class Recording(keras.Model):  # type: ignore[misc]
        def train_step(self, data: Any) -> Any:
            fed.append(np.asarray(data[0])[:, 0, 0])
            return super().train_step(data)

    inputs = keras.Input(batch_shape=(4, 5, 1))
    layer = keras.layers.LSTM(4, stateful=True)
    model = Recording(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizer="adam", loss="mse", run_eagerly=True)
    # 4 lanes of one long sequence: sample k*4+i holds positions of lane i, chunk k.
    series = np.arange(80, dtype=np.float32).reshape(4, 4, 5).transpose(1, 0, 2).reshape(16, 5)
    x, y = series[..., None], np.zeros((16, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=True, verbose=0)
    firsts = np.stack(fed)  # (batches, rows): first position each row held
    continued = int(sum((firsts[k + 1] == firsts[k] + 5).sum() for k in range(len(fed) - 1)))
    total = int((len(fed) - 1) * 4)
    return {
        "verdict": "holds" if continued < total else "does_not_hold",
        **_finding("shuffle-breaks-continuity", continued=continued, total=total),
        "evidence": {
            "first_position_per_row_per_batch": firsts.astype(int).tolist(),
            "continued_handoffs": continued,
            "handoffs": total,
        },
    }


@check("lahead-equals-batch")
def _lahead() -> Result:
    found = {}
    for lahead, batch in ((1, 1), (1, 2), (2, 1), (2, 2)):
        t = _trace(
            {
                "model": {"layers": [{"units": 4}]},
                "data": {
                    "preset": "moving_average",
                    "tsteps": 2,
                    "lahead": lahead,
                    "input_len": 12,
                },
                "batching": {"batch_size": batch, "timesteps": lahead},
            }
        )
        kinds = {
            tr["reason"] or tr["kind"]
            for b in t["batches"][1:]
            for tr in b["layers"][0]["transfers"]
        }
        found[f"lahead={lahead}, batch_size={batch}"] = sorted(kinds)
    ok = found["lahead=1, batch_size=1"] == ["continues"] == found["lahead=2, batch_size=2"]
    return {
        "verdict": "holds" if ok else "does_not_hold",
        **_finding("lahead-equals-batch"),
        "evidence": found,
    }


@check("batch-times-steps-equals-length")
def _length() -> Result:
    t = _trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "ramp", "length": 40},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )
    n = len(t["batches"])
    return {
        "verdict": "does_not_hold",
        **_finding(
            "batch-times-steps-equals-length",
            batches=n,
            rows_times_steps=2 * 5,
            max_abs_diff=f"{t['verification']['max_abs_diff']:.1e}",
        ),
        "evidence": {"length": 40, "batch_size": 2, "timesteps": 5, "batches": n},
    }


@check("wrong-shape-state-silent")
def _wrong_shape() -> Result:
    model, layer = _model(10, 96, 2, 8, stateful=True, return_sequences=True)
    x = _x(10, 96, 2)
    model(x)
    try:
        layer.states[0].assign(np.zeros((2,), np.float32))
        assign_error = None
    except ValueError as exc:
        assign_error = str(exc).split(". Target variable")[0]
    layer.states[0] = keras.Variable(np.zeros((2,), np.float32))  # the seed's way: rebinding
    try:
        model(x)
        call_error = None
    except Exception as exc:  # TF's shape error, reported as evidence
        call_error = " ".join(str(exc).replace("\x1b[1m", "").replace("\x1b[0m", "").split())[:300]
    return {
        "verdict": "does_not_hold" if assign_error and call_error else "holds",
        **_finding("wrong-shape-state-silent"),
        "evidence": {"assign_error": assign_error, "next_call_error": call_error},
    }


@check("last-output-is-h")
def _last_output() -> Result:
    inputs = keras.Input(shape=(6, 1))
    out, h, c = keras.layers.LSTM(4, return_state=True)(inputs)
    model = keras.Model(inputs, [out, h, c])
    x = _x(3, 6, 1)
    o, hh, _ = (np.asarray(a) for a in model(x))
    return {
        "verdict": "holds" if _max(o - hh) == 0 else "does_not_hold",
        **_finding("last-output-is-h"),
        "evidence": {"max_abs_output_minus_h": _max(o - hh)},
    }


@check("gru-one-state")
def _one_state() -> Result:
    counts = {}
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        inputs = keras.Input(shape=(3, 1))
        outs = getattr(keras.layers, kind)(2, return_state=True)(inputs)
        _, layer = _model(1, 3, 1, 2, stateful=True, kind=kind)
        counts[kind] = {"returned_states": len(outs) - 1, "state_variables": len(layer.states)}
    ok = counts["LSTM"]["state_variables"] == 2 and counts["GRU"]["state_variables"] == 1
    return {
        "verdict": "holds"
        if ok and counts["SimpleRNN"]["state_variables"] == 1
        else "does_not_hold",
        **_finding("gru-one-state"),
        "evidence": counts,
    }


@check("stateful-helps-when-lahead-small")
def _helps() -> Result:
    """A reduced run of the Keras stateful example: LSTM(20) + Dense(1), adam, mse."""
    from app.presets import build
    from app.scenario import DataSpec

    rmse = {}
    for lahead in (1, 2):
        ds = build(DataSpec(preset="moving_average", tsteps=2, lahead=lahead, input_len=400), 0)
        assert ds.windows is not None
        seq = ds.sequences[0]
        x = np.stack([seq.inputs[list(w.positions)] for w in ds.windows])
        y = np.asarray([seq.targets[w.target_position] for w in ds.windows])[:, None]
        split = 320
        for stateful in (True, False):
            keras.utils.set_random_seed(0)
            inputs = keras.Input(batch_shape=(1, lahead, 1))
            out = keras.layers.Dense(1)(keras.layers.LSTM(20, stateful=stateful)(inputs))
            model = keras.Model(inputs, out)
            model.compile(optimizer="adam", loss="mse")
            for _ in range(3):  # the example: one epoch at a time, reset in between
                model.fit(x[:split], y[:split], batch_size=1, epochs=1, shuffle=False, verbose=0)
                for layer in model.layers:
                    if getattr(layer, "stateful", False):
                        layer.reset_state()
            pred = np.asarray(model.predict(x[split:], batch_size=1, verbose=0))
            rmse[f"lahead={lahead} {'stateful' if stateful else 'stateless'}"] = float(
                np.sqrt(np.mean((pred - y[split:]) ** 2))
            )
    small = rmse["lahead=1 stateful"] < 0.8 * rmse["lahead=1 stateless"]
    both = max(rmse["lahead=2 stateful"], rmse["lahead=2 stateless"]) < rmse["lahead=1 stateless"]
    verdict = "holds" if small and both else "depends"
    return {
        "verdict": verdict,
        **_finding(
            "stateful-helps-when-lahead-small",
            "finding" if verdict == "holds" else "unclear",
        ),
        "evidence": rmse,
    }
