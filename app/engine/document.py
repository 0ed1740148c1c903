"""A run's trace as the typed document the page, the API and the exports read (app/schemas.py).

Built with `model_construct`: every value comes from the engine's own arrays and dataclasses,
so validating it again would only cost time (tests validate real traces against the models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from app import schemas as doc
from app.engine import keras_model
from app.engine.gradients import BatchGrad
from app.engine.recompute import LayerResult
from app.engine.records import BatchRecord
from app.engine.records import Event as RecordEvent
from app.transfers import RowOrigin, Transfer

if TYPE_CHECKING:
    from app.engine.tracer import Trace

FORMAT: Final = "lstm-state-lab/trace@1"


def build(t: Trace) -> doc.TraceDoc:
    spec = t.scenario.model
    names = [keras_model.STATE_NAMES[ls.kind] for ls in spec.layers]
    gates = [keras_model.GATE_NAMES[ls.kind] for ls in spec.layers]
    return doc.TraceDoc.model_construct(
        format=FORMAT,
        scenario=t.scenario,
        model=_model(t, names, gates),
        data=_data(t),
        weights=_weights(t),
        batches=[
            _batch(t, k, rec, names, gates)
            for k, rec in enumerate(t.records)  # one per batch Keras ran
        ],
        verification=t.verification.document(),
        notes=[n["message"] for n in t.notes],
        # the same notes by code and values, for pages in other languages (js.note.<code>)
        note_codes=[
            doc.NoteCode.model_construct(code=n["code"], params=n["params"]) for n in t.notes
        ],
    )


def _model(t: Trace, names: list[tuple[str, ...]], gates: list[tuple[str, ...]]) -> doc.ModelInfo:
    built, spec = t.built, t.scenario.model
    layers = [
        doc.LayerInfo.model_construct(
            index=i,
            name=f"rnn{i}",
            kind=ls.kind,
            units=ls.units,
            stateful=ls.stateful,
            return_sequences=spec.returns_sequences(i),
            state_names=list(names[i]),
            gate_names=list(gates[i]),
        )
        for i, ls in enumerate(spec.layers)
    ]
    head = (
        doc.HeadInfo.model_construct(units=built.head_units, task=t.dataset.task)
        if spec.head
        else None
    )
    return doc.ModelInfo.model_construct(
        batch_size=built.batch_size,
        timesteps=built.timesteps,
        input_features=built.features,
        layers=layers,
        head=head,
    )


def _data(t: Trace) -> doc.DataInfo:
    ds = t.dataset
    return doc.DataInfo.model_construct(
        preset=ds.preset,
        task=ds.task,
        vocab=ds.vocab,
        sequences=[
            doc.SequenceInfo.model_construct(name=s.name, tokens=s.tokens) for s in ds.sequences
        ],
        samples=[
            doc.SampleInfo.model_construct(
                sequence=s.sequence,
                positions=list(s.positions),
                target_position=s.target_position,
                newest_first=s.newest_first,
            )
            for s in t.layout.samples
        ],
        dropped_positions=t.layout.dropped_positions,
        encoding=ds.encoding,
    )


def _weights(t: Trace) -> list[doc.WeightsVersion]:
    spec = t.scenario.model
    layer_names = [f"rnn{i}" for i in range(len(spec.layers))] + (["head"] if spec.head else [])
    return [
        doc.WeightsVersion.model_construct(
            version=v,
            layers=[
                doc.LayerWeights.model_construct(name=n, arrays=list(arrays))
                for n, arrays in zip(layer_names, w, strict=True)
            ],
        )
        for v, w in enumerate(t.weights)
    ]


def _batch(
    t: Trace,
    k: int,
    rec: BatchRecord,
    names: list[tuple[str, ...]],
    gates: list[tuple[str, ...]],
) -> doc.Batch:
    grad = t.grads[k]
    return doc.Batch.model_construct(
        index=k,
        op_index=rec.op_index,
        op=rec.op,
        epoch=rec.epoch,
        batch=rec.batch,
        weights_version=rec.weights_version,
        events=[event(e) for e in rec.events],
        rows=[_row(r, o, rec) for r, o in enumerate(t.origins[k])],
        inputs=rec.x,
        targets=t.targets[rec.samples],
        layers=[
            _layer(lr, t.transfers[k][i], rec.after[i], grad, i, names[i], gates[i])
            for i, lr in enumerate(t.results[k])
        ],
        outputs=rec.outputs,
        loss=rec.loss,
        grad_loss=None if grad is None else grad.loss,
        max_abs_diff=t.verification.per_batch[k],
    )


def _row(r: int, o: RowOrigin, rec: BatchRecord) -> doc.Row:
    return doc.Row.model_construct(
        row=r,
        sample=rec.samples[r] if r < len(rec.samples) else None,
        sequence=o.sequence,
        positions=list(o.positions),
        padding=o.padding,
        newest_first=o.newest_first,
    )


def event(e: RecordEvent) -> doc.Event:
    """A reset or state setting; `state`, `values` and `row` are given for a setting only
    (and `row` only when one row was set), so a reset's JSON holds just its three keys."""
    if e.kind != "set":
        return doc.Event.model_construct(layer=e.layer, kind=e.kind, cause=e.cause)
    if e.row is None:
        return doc.Event.model_construct(
            layer=e.layer, kind=e.kind, cause=e.cause, state=e.state, values=e.values
        )
    return doc.Event.model_construct(
        layer=e.layer, kind=e.kind, cause=e.cause, state=e.state, values=e.values, row=e.row
    )


def _layer(
    lr: LayerResult,
    transfers: list[Transfer],
    keras_final: list[np.ndarray] | None,
    grad: BatchGrad | None,
    i: int,
    names: tuple[str, ...],
    gates: tuple[str, ...],
) -> doc.LayerBatch:
    g = None if grad is None else grad.layers[i]
    return doc.LayerBatch.model_construct(
        initial=_states(names, lr.initial),
        transfers=[
            doc.TransferInfo.model_construct(row=r, kind=tr.kind, reason=tr.reason, gap=tr.gap)
            for r, tr in enumerate(transfers)
        ],
        h=lr.h,
        c=lr.c,
        gates=None if lr.gates is None else {n: lr.gates[:, :, j] for j, n in enumerate(gates)},
        final=_states(names, lr.final),
        keras_final=None if keras_final is None else _states(names, keras_final),
        grad=None if g is None else _states(names, g.states),
        grad_initial=None if g is None or g.initial is None else _states(names, g.initial),
    )


def _states(names: tuple[str, ...], arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    return dict(zip(names, arrays, strict=False))
