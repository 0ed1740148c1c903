"""Scenario in, verified trace out: the engine's one entry point."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app import layout, presets
from app.engine import gradients, keras_model, recompute
from app.engine.gradients import BatchGrad
from app.engine.recompute import Checks, LayerResult
from app.engine.records import BatchRecord
from app.engine.runner import Runner
from app.engine.verify import Verification, verify
from app.scenario import Scenario
from app.transfers import RowOrigin, Transfer, classify

FORMAT = "lstm-state-lab/trace@1"


@dataclass
class Trace:
    scenario: Scenario
    dataset: presets.Dataset
    layout: layout.Layout
    built: keras_model.Built
    records: list[BatchRecord]
    results: list[list[LayerResult]]
    weights: list[list[list[np.ndarray]]]
    verification: Verification
    origins: list[list[RowOrigin]]
    transfers: list[list[list[Transfer]]]  # batch -> layer -> row
    notes: list[dict[str, Any]]  # {"code", "message" (English), "params"}: translated by code
    targets: np.ndarray  # per sample, as given to Keras's loss
    checks: Checks  # the other side of every comparison `verification` made
    grads: list[BatchGrad | None]  # training batches: d loss / d every state

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """The trace as JSON-able data; `arrays=True` keeps numpy float32 arrays instead of
        lists (for orjson, which writes them fast and in float32's shortest form)."""
        return _to_dict(self, np.ascontiguousarray if arrays else (lambda a: a.tolist()))


def _arrays(
    ds: presets.Dataset, samples: list[layout.Sample], last_returns_sequences: bool
) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([ds.sequences[s.sequence].inputs[list(s.positions)] for s in samples])
    targets = [ds.sequences[s.sequence].targets for s in samples]
    if last_returns_sequences:
        y = np.stack([t[list(s.positions)] for t, s in zip(targets, samples, strict=True)])
    else:
        y = np.asarray([t[s.target_position] for t, s in zip(targets, samples, strict=True)])
    if ds.task == "regression":
        y = y[..., None]
    return x.astype(np.float32), y.astype(np.int32 if ds.task == "classification" else np.float32)


@functools.cache
def warm_up() -> None:
    """Once per process, before the first trace: compile and run the shape-generic functions
    of every layer kind (recurrences and the verifying twin), so that no scenario pays for
    them. What is left per model structure is Keras's own model and its compiled functions."""
    recompute.warm_up()
    gradients.warm_up()


def run(scenario: Scenario) -> Trace:
    warm_up()
    ds = presets.build(scenario.data, scenario.seed)
    lay = layout.arrange(ds, scenario.batching)
    features = scenario.model.input_features or ds.n_features
    if features != ds.n_features:
        from app.errors import ScenarioError

        raise ScenarioError(
            f"model.input_features={features} but preset '{ds.preset}' gives {ds.n_features} "
            "features per timestep",
            code="input_features_mismatch",
            field="model.input_features",
            features=features,
            preset=ds.preset,
            preset_features=ds.n_features,
        )
    spec = scenario.model
    x, y = _arrays(ds, lay.samples, spec.returns_sequences(len(spec.layers) - 1))
    built = keras_model.get(
        spec,
        scenario.batching.batch_size,
        scenario.batching.timesteps,
        features,
        ds.n_classes,
        ds.task,
        scenario.seed,
    )
    runner = Runner(built, scenario, lay.samples, x, y)
    records = runner.run()
    results, checks = recompute.recompute(built, records, runner.weights)
    grads = gradients.gradients(built, records, results, runner.weights, y)
    verification = verify(built, records, results, checks, runner.weights, grads)
    origins = [_origins(rec, res, lay.samples) for rec, res in zip(records, results, strict=True)]
    transfers = _transfers(built.stateful, records, origins)
    notes = runner.notes + _notes(records, origins, lay.samples)
    return Trace(
        scenario,
        ds,
        lay,
        built,
        records,
        results,
        runner.weights,
        verification,
        origins,
        transfers,
        notes,
        y,
        checks,
        grads,
    )


def _origins(
    rec: BatchRecord, res: list[LayerResult], samples: list[layout.Sample]
) -> list[RowOrigin]:
    rows = max(lr.h.shape[0] for lr in res)
    out = []
    for r in range(rows):
        if r < len(rec.samples):
            s = samples[rec.samples[r]]
            out.append(RowOrigin(s.sequence, s.positions))
        else:  # Keras broadcast row 0's input into this row
            s = samples[rec.samples[0]]
            out.append(RowOrigin(s.sequence, s.positions, padding=True))
    return out


def _transfers(
    stateful: list[bool], records: list[BatchRecord], origins: list[list[RowOrigin]]
) -> list[list[list[Transfer]]]:
    out = []
    for k, rec in enumerate(records):
        prev = origins[k - 1] if k else None
        per_layer = []
        for i, st in enumerate(stateful):
            per_layer.append(
                [
                    classify(
                        prev[r] if prev and r < len(prev) else None,
                        cur,
                        stateful=st,
                        event=rec.last_event(i, r),
                    )
                    for r, cur in enumerate(origins[k])
                ]
            )
        out.append(per_layer)
    return out


def _notes(
    records: list[BatchRecord], origins: list[list[RowOrigin]], samples: list[layout.Sample]
) -> list[dict[str, Any]]:
    notes = []
    for rec, org in zip(records, origins, strict=True):
        if len(org) > len(rec.samples):
            params = {
                "op_index": rec.op_index,
                "op": rec.op,
                "epoch": rec.epoch,
                "batch": rec.batch,
                "samples": len(rec.samples),
                "rows": len(org),
            }
            message = (
                f"op {rec.op_index} ({rec.op}), epoch {rec.epoch}, batch {rec.batch}: "
                f"held {len(rec.samples)} sample(s) for {len(org)} state rows: "
                "Keras broadcast the input to every row (rows after the first are "
                "padding copies) and went on without an error"
            )
            notes.append({"code": "broadcast", "message": message, "params": params})
    if any(s.newest_first for s in samples):
        message = (
            "each window is fed newest first (timestep 0 holds the latest value), "
            "as the Keras stateful example builds it"
        )
        notes.append({"code": "newest_first", "message": message, "params": {}})
    return notes


# -- JSON ---------------------------------------------------------------------------------------
Conv = Callable[[np.ndarray], Any]


def _state_dict(names: tuple[str, ...], arrays: list[np.ndarray], conv: Conv) -> dict[str, Any]:
    return {n: conv(a) for n, a in zip(names, arrays, strict=False)}


def _grad_dict(
    names: tuple[str, ...], grad: BatchGrad | None, layer: int, conv: Conv
) -> dict[str, Any]:
    if grad is None:
        return {"grad": None, "grad_initial": None}
    g = grad.layers[layer]
    return {
        "grad": _state_dict(names, g.states, conv),
        "grad_initial": None if g.initial is None else _state_dict(names, g.initial, conv),
    }


def _to_dict(t: Trace, conv: Conv) -> dict[str, Any]:
    built, spec = t.built, t.scenario.model
    names = [keras_model.STATE_NAMES[ls.kind] for ls in spec.layers]
    gates = [keras_model.GATE_NAMES[ls.kind] for ls in spec.layers]
    batches = []
    for k, rec in enumerate(t.records):
        layers = []
        for i, lr in enumerate(t.results[k]):
            layer: dict[str, Any] = {
                "initial": _state_dict(names[i], lr.initial, conv),
                "transfers": [tr.to_dict(r) for r, tr in enumerate(t.transfers[k][i])],
                "h": conv(lr.h),
                "c": None if lr.c is None else conv(lr.c),
                "gates": None
                if lr.gates is None
                else {g: conv(lr.gates[:, :, j]) for j, g in enumerate(gates[i])},
                "final": _state_dict(names[i], lr.final, conv),
                "keras_final": None
                if rec.after[i] is None
                else _state_dict(names[i], rec.after[i], conv),  # type: ignore[arg-type]
                **_grad_dict(names[i], t.grads[k], i, conv),
            }
            layers.append(layer)
        batches.append(
            {
                "index": k,
                "op_index": rec.op_index,
                "op": rec.op,
                "epoch": rec.epoch,
                "batch": rec.batch,
                "weights_version": rec.weights_version,
                "events": [e.to_dict() for e in rec.events],
                "rows": [
                    {
                        "row": r,
                        "sample": rec.samples[r] if r < len(rec.samples) else None,
                        "sequence": o.sequence,
                        "positions": list(o.positions),
                        "padding": o.padding,
                        "newest_first": o.newest_first,
                    }
                    for r, o in enumerate(t.origins[k])
                ],
                "inputs": conv(rec.x),
                "targets": conv(t.targets[rec.samples]),
                "layers": layers,
                "outputs": None if rec.outputs is None else conv(rec.outputs),
                "loss": rec.loss,
                "grad_loss": None if t.grads[k] is None else t.grads[k].loss,  # type: ignore[union-attr]
                "max_abs_diff": t.verification.per_batch[k],
            }
        )
    layer_names = [f"rnn{i}" for i in range(len(spec.layers))] + (["head"] if spec.head else [])
    return {
        "format": FORMAT,
        "scenario": t.scenario.model_dump(mode="json"),
        "model": {
            "batch_size": built.batch_size,
            "timesteps": built.timesteps,
            "input_features": built.features,
            "layers": [
                {
                    "index": i,
                    "name": f"rnn{i}",
                    "kind": ls.kind,
                    "units": ls.units,
                    "stateful": ls.stateful,
                    "return_sequences": spec.returns_sequences(i),
                    "state_names": list(names[i]),
                    "gate_names": list(gates[i]),
                }
                for i, ls in enumerate(spec.layers)
            ],
            "head": {"units": built.head_units, "task": t.dataset.task} if spec.head else None,
        },
        "data": {
            "preset": t.dataset.preset,
            "task": t.dataset.task,
            "vocab": t.dataset.vocab,
            "sequences": [{"name": s.name, "tokens": s.tokens} for s in t.dataset.sequences],
            "samples": [
                {
                    "sequence": s.sequence,
                    "positions": list(s.positions),
                    "target_position": s.target_position,
                    "newest_first": s.newest_first,
                }
                for s in t.layout.samples
            ],
            "dropped_positions": t.layout.dropped_positions,
            "encoding": t.dataset.encoding,
        },
        "weights": [
            {
                "version": v,
                "layers": [
                    {"name": n, "arrays": [conv(a) for a in arrays]}
                    for n, arrays in zip(layer_names, w, strict=True)
                ],
            }
            for v, w in enumerate(t.weights)
        ],
        "batches": batches,
        "verification": t.verification.to_dict(),
        "notes": [n["message"] for n in t.notes],
        # the same notes by code and values, for pages in other languages (js.note.<code>)
        "note_codes": [{"code": n["code"], "params": n["params"]} for n in t.notes],
    }
