"""Run a scenario's schedule through Keras's own API and record every batch.

The runner only drives Keras and reads what Keras holds (state variables, weights, outputs,
losses) before and after each batch; the per-timestep values are recomputed afterwards
(`recompute.py`) and checked against these records (`verify.py`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine import states
from app.engine.keras_model import Built
from app.engine.recorder import Recorder
from app.engine.records import BatchRecord, Event, States, keras_error, rows_out
from app.errors import KerasRejected, ScenarioError
from app.layout import Sample, chunk, shuffled
from app.scenario import (
    MAX_BATCHES_RUN,
    CallOp,
    FitOp,
    PredictOp,
    ResetOp,
    Scenario,
    SetStateOp,
)
from app.schemas import Cause


class Runner:
    def __init__(
        self, built: Built, scenario: Scenario, samples: list[Sample], x: np.ndarray, y: np.ndarray
    ) -> None:
        self.built = built
        self.scenario = scenario
        self.samples = samples
        self.x = x
        self.y = y
        self.records: list[BatchRecord] = []
        self.weights: list[list[list[np.ndarray]]] = []
        self._dirty = True
        self._pending: list[Event] = []
        self._count = 0  # batches run by the current op, across its epochs (the reset schedule)
        self.notes: list[dict[str, Any]] = []  # {"code", "message", "params"}: see tracer.note
        self._interventions: dict[int, list[ResetOp | SetStateOp]] = {}
        for iv in scenario.schedule.interventions:
            self._interventions.setdefault(iv.before_batch, []).append(iv.action)
        self._op_index = 0
        order = list(range(len(samples)))
        b = scenario.batching
        self.order = shuffled(order, b.shuffle_seed) if b.shuffle else order

    # -- what Keras holds ------------------------------------------------------------------
    def version(self) -> int:
        if self._dirty:
            layers = self.built.layers
            self.weights.append([[np.array(w) for w in layer.get_weights()] for layer in layers])
            self._dirty = False
        return len(self.weights) - 1

    def states(self) -> list[States | None]:
        return [
            [v.numpy().copy() for v in layer.states] if layer.stateful else None
            for layer in self.built.rnns
        ]

    def _intervene(self, index: int) -> None:
        """Apply the interventions recorded for the batch about to run."""
        for action in self._interventions.get(index, []):
            try:
                self._apply(action, "intervention")
            except (ScenarioError, Warning):
                raise
            except Exception as exc:  # Keras refused (a state of the wrong shape)
                raise keras_error(self._op_index, action.op, exc) from exc

    def _apply(self, action: ResetOp | SetStateOp, cause: Cause | None = None) -> None:
        if isinstance(action, ResetOp):
            n = len(self.built.rnns)
            layers = list(range(n)) if action.layer is None else [action.layer]
            self._reset(layers, cause or "reset_states")
        else:
            self._set_state(self._op_index, action, cause or "set_state")

    def _record(
        self, op_index: int, op: str, epoch: int, batch: int, rows: list[int], x: np.ndarray
    ) -> BatchRecord:
        self._before_batch()
        self._intervene(len(self.records))
        rec = BatchRecord(
            op_index, op, epoch, batch, rows, x, self.version(), self.states(), events=self._pending
        )
        self._pending = []
        self.records.append(rec)
        self._check_count()
        return rec

    def _check_count(self) -> None:
        if len(self.records) > MAX_BATCHES_RUN:
            raise ScenarioError(
                f"the schedule runs more than {MAX_BATCHES_RUN} batches",
                code="too_many_batches",
                field="schedule.ops",
                limit=MAX_BATCHES_RUN,
            )

    def _reset(self, layers: list[int], cause: Cause) -> None:
        for i in layers:
            self.built.rnns[i].reset_state()
            self._pending.append(Event(i, "reset", cause))

    # The reset shorthand, defined once for every path (call, *_on_batch, fit with or without
    # shuffle, predict): a counter of the op's batches across all its epochs, as one Keras
    # callback with its own counter keeps it.
    #   every_n_batches: reset every stateful layer before the op's batch N, 2N, 3N, ... (counted
    #     from 0 across epochs; never before the op's first batch, never after its last);
    #   epoch_end: reset every stateful layer after the last batch of each of the op's epochs.
    def _stateful(self) -> list[int]:
        return [i for i, st in enumerate(self.built.stateful) if st]

    def _before_batch(self) -> None:
        s = self.scenario.schedule
        if s.reset == "every_n_batches" and self._count and self._count % s.reset_every == 0:
            self._reset(self._stateful(), "reset_every")

    def _after_batch(self, last_of_epoch: bool) -> None:
        self._count += 1
        if self.scenario.schedule.reset == "epoch_end" and last_of_epoch:
            self._reset(self._stateful(), "epoch_end")

    # -- the schedule ------------------------------------------------------------------------
    def _feeds_other_sizes(self) -> bool:
        """Will Keras's compiled train/predict functions see a batch of another size?"""
        b, n, keep = self.built.batch_size, len(self.order), self.scenario.batching.partial
        for op in self.scenario.schedule.ops:
            if isinstance(op, CallOp) and op.op != "call":
                size = b
            elif isinstance(op, FitOp | PredictOp):
                size = op.batch_size or b
            else:
                continue
            if size != b or (keep == "keep" and n % size):
                return True
        return False

    def run(self) -> list[BatchRecord]:
        # What Keras does with a batch of another size depends on which shapes its compiled
        # functions have traced before (a first trace is static and checked, a retrace is
        # relaxed and broadcasts). Such runs start from fresh functions, as in a new process.
        other_sizes = self._feeds_other_sizes()
        if other_sizes or self.built.shapes_seen_other:
            self.built.fresh_functions()
        self.built.shapes_seen_other = other_sizes
        # Version 0 = the initial weights, recorded even when no batch runs (a schedule of
        # reset_states/set_state ops only): the exported script rebuilds the model from them
        # (found by the HTTP fuzzer: POST /api/export/py gave a 500, IndexError).
        self.version()
        for i, op in enumerate(self.scenario.schedule.ops):
            self._op_index, self._count = i, 0
            try:
                if isinstance(op, CallOp):
                    self._per_batch(i, op)
                elif isinstance(op, FitOp):
                    self._fit(i, op)
                elif isinstance(op, PredictOp):
                    self._predict(i, op)
                else:
                    self._apply(op)
            except (ScenarioError, KerasRejected, Warning):
                raise
            except Exception as exc:  # Keras/TF refused: report its own words
                raise keras_error(i, op.op, exc) from exc
        return self.records

    def _batches(self, batch_size: int, order: list[int] | None = None) -> list[list[int]]:
        batches = chunk(
            self.order if order is None else order, batch_size, self.scenario.batching.partial
        )
        if not batches:
            raise ScenarioError(
                f"{len(self.order)} samples do not fill one batch of {batch_size} "
                "(batching.partial = drop)",
                code="batch_not_filled",
                field="batching.batch_size",
                samples=len(self.order),
                batch_size=batch_size,
            )
        return batches

    def _set_state(self, op_index: int, op: SetStateOp, cause: Cause) -> None:
        values = states.assign(self.built.rnns[op.layer], op_index, op)
        self._pending.append(Event(op.layer, "set", cause, op.state, values, op.row))

    def _per_batch(self, op_index: int, op: CallOp) -> None:
        batches = self._batches(self.built.batch_size)
        full = all(len(rows) == self.built.batch_size for rows in batches)
        if op.op == "call" and full:
            self._call_compiled(op_index, op, batches)
            return
        model = self.built.model
        if op.op == "train_on_batch":
            self.built.prepare_training()
        for epoch in range(op.epochs):
            for j, rows in enumerate(batches):
                x = self.x[rows]
                rec = self._record(op_index, op.op, epoch, j, rows, x)
                if op.op == "train_on_batch":
                    logs = model.train_on_batch(x, self.y[rows], return_dict=True)
                    rec.loss = float(logs["loss"])
                    self._dirty = self.built.changed = True
                elif op.op == "predict_on_batch":
                    rec.outputs = np.asarray(model.predict_on_batch(x))
                else:
                    rec.outputs = np.asarray(model(x, training=False))
                rec.after = self.states()
                self._after_batch(j == len(batches) - 1)

    def _call_compiled(self, op_index: int, op: CallOp, batches: list[list[int]]) -> None:
        """Same calls as the per-batch loop, compiled: one call per run of batches between resets.

        Resets between segments are Keras's own `layer.reset_state()`, as a callback would do.
        """
        built = self.built
        s = self.scenario.schedule
        plan = [(e, j, rows) for e in range(op.epochs) for j, rows in enumerate(batches)]
        first = len(self.records)
        # the same points as _before_batch / _after_batch (the op's counter starts at 0 here)
        every = {k for k in range(1, len(plan)) if k % s.reset_every == 0}
        ends = {k for k in range(1, len(plan)) if plan[k][1] == 0}
        shorthand = {"every_n_batches": every, "epoch_end": ends}.get(s.reset, set())
        cuts = sorted(
            shorthand | {g - first for g in self._interventions if 0 < g - first < len(plan)}
        )
        version = self.version()
        for start, stop in zip([0, *cuts], [*cuts, len(plan)], strict=True):
            if start in shorthand:
                cause: Cause = "reset_every" if s.reset == "every_n_batches" else "epoch_end"
                self._reset(self._stateful(), cause)
            self._intervene(first + start)
            xs = np.stack([self.x[rows] for _, _, rows in plan[start:stop]])
            before = self.states()
            after, outs = (np.asarray(a) for a in built.loop(xs))
            for k, (epoch, j, rows) in enumerate(plan[start:stop]):
                state_after = states.unpack(built.rnns, after[k])
                self.records.append(
                    BatchRecord(
                        op_index,
                        op.op,
                        epoch,
                        j,
                        rows,
                        xs[k],
                        version,
                        before,
                        state_after,
                        outs[k],
                        events=self._pending,
                    )
                )
                self._pending, before = [], state_after
            self._check_count()
        self._count = len(plan)
        if s.reset == "epoch_end":
            self._reset(self._stateful(), "epoch_end")

    def _fit(self, op_index: int, op: FitOp) -> None:
        bs = op.batch_size or self.built.batch_size
        self.built.prepare_training()
        runs = (
            [
                (e, shuffled(self.order, self.scenario.seed * 7919 + op_index * 101 + e))
                for e in range(op.epochs)
            ]
            if op.shuffle
            else [(0, self.order)]
        )
        for first_epoch, order in runs:
            batches = self._batches(bs, order)
            rows = [r for batch in batches for r in batch]
            recorder = Recorder(self, op_index, "fit", batches, first_epoch)
            # Our own per-epoch permutation stands in for fit(shuffle=True): Keras's shuffle
            # order is not observable, ours is recorded; both reorder samples every epoch.
            self.built.model.fit(
                self.x[rows],
                self.y[rows],
                batch_size=bs,
                epochs=1 if op.shuffle else op.epochs,
                shuffle=False,
                verbose=0,
                callbacks=[recorder],
            )

    def _predict(self, op_index: int, op: PredictOp) -> None:
        bs = op.batch_size or self.built.batch_size
        batches = self._batches(bs)
        rows = [r for batch in batches for r in batch]
        recorder = Recorder(self, op_index, "predict", batches, 0)
        out = np.asarray(
            self.built.model.predict(self.x[rows], batch_size=bs, verbose=0, callbacks=[recorder])
        )
        # Split predict()'s rows back into batches: a batch has as many rows as its states.
        start = 0
        for rec in recorder.records:
            n = rows_out(rec)
            rec.outputs = out[start : start + n]
            start += n
        if start != len(out):
            self.notes.append(
                {
                    "code": "predict_rows",
                    "message": f"predict returned {len(out)} rows for {len(rows)} samples",
                    "params": {"returned": len(out), "samples": len(rows)},
                }
            )
