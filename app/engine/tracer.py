"""Scenario in, verified trace out: the engine's one entry point."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from app import layout, presets, schemas
from app.engine import document, gradients, keras_model, recompute
from app.engine.gradients import BatchGrad
from app.engine.recompute import Checks, LayerResult
from app.engine.records import BatchRecord
from app.engine.runner import Runner
from app.engine.verify import Verification, verify
from app.scenario import Scenario
from app.transfers import RowOrigin, Transfer, classify


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

    def document(self) -> schemas.TraceDoc:
        """The trace as the typed document of app/schemas.py."""
        return document.build(self)

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """The trace as JSON-able data; `arrays=True` keeps numpy float32 arrays instead of
        lists (for orjson, which writes them fast and in float32's shortest form)."""
        return schemas.plain(self.document(), arrays)  # type: ignore[no-any-return]


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
