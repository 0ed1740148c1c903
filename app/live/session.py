"""One live session: a scenario, its verified trace and a cursor over its timesteps.

Pure logic, no I/O and no TensorFlow: the trace comes from an injected `compute` function.
'Reset now' and 'set state now' become interventions before the next batch; the trace is
recomputed (deterministic, so everything before the cursor is unchanged) and stepping goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.live.protocol import BatchSummary, End, Frame, FrameLayer, Loaded, Paused
from app.scenario import Intervention, ResetOp, Scenario, SetStateOp
from app.schemas import Batch, TraceDoc


def _at(array: np.ndarray, step: int) -> np.ndarray:
    # contiguous: orjson serialises only C-contiguous arrays
    return np.ascontiguousarray(array[:, step])


def _summary(b: Batch) -> BatchSummary:
    return BatchSummary.model_construct(
        index=b.index,
        op_index=b.op_index,
        op=b.op,
        epoch=b.epoch,
        batch=b.batch,
        events=b.events,
        rows=b.rows,
        loss=b.loss,
        grad_loss=b.grad_loss,
        max_abs_diff=b.max_abs_diff,
        weights_version=b.weights_version,
        transfers=[layer.transfers for layer in b.layers],
    )


class SessionError(Exception):
    """A command that does not fit the session's state: `code` names it (catalog key
    error.<code>), `detail` holds its values."""

    def __init__(self, message: str, *, code: str = "session", **detail: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.detail = message, code, detail


class Session:
    """`compute` returns the scenario's trace document (the engine's Trace.document())."""

    def __init__(self, compute: Callable[[Scenario], TraceDoc] | None = None) -> None:
        self.compute = compute
        self.scenario: Scenario | None = None
        self.trace: TraceDoc | None = None
        self.position = -1  # last global timestep sent; -1 = nothing yet

    # -- structure --------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        t = self._trace()
        return len(t.batches) * t.model.timesteps

    def _trace(self) -> TraceDoc:
        if self.trace is None:
            raise SessionError(
                "no scenario loaded: send {'type': 'load', 'scenario': ...}",
                code="no_scenario_loaded",
            )
        return self.trace

    def load(self, scenario: Scenario) -> Loaded:
        assert self.compute is not None
        return self.loaded(scenario, self.compute(scenario))  # may raise: nothing changes

    def loaded(self, scenario: Scenario, trace: TraceDoc) -> Loaded:
        """Show `trace` (computed elsewhere, e.g. by the trace queue) from its start."""
        self.scenario, self.trace, self.position = scenario, trace, -1
        return self.summary()

    def summary(self) -> Loaded:
        """Everything but the per-timestep values: what the lanes picture needs."""
        t = self._trace()
        return Loaded.model_construct(
            type="loaded",
            scenario=t.scenario,
            model=t.model,
            data=t.data,
            batches=[_summary(b) for b in t.batches],
            verification=t.verification,
            notes=t.notes,
            note_codes=t.note_codes,
            position=self.position,
            steps=self.steps,
        )

    def end(self) -> End:
        return End.model_construct(type="end", position=self.position)

    def paused(self) -> Paused:
        return Paused.model_construct(type="paused", position=self.position)

    # -- frames -----------------------------------------------------------------------------
    def frame(self, position: int) -> Frame:
        t = self._trace()
        k, step = divmod(position, t.model.timesteps)
        batch = t.batches[k]
        layers = []
        for layer in batch.layers:  # numpy arrays (rows, T, ...): one timestep's slice
            gates, grad = layer.gates, layer.grad
            layers.append(
                FrameLayer.model_construct(
                    h=_at(layer.h, step),
                    c=None if layer.c is None else _at(layer.c, step),
                    gates=None if gates is None else {g: _at(v, step) for g, v in gates.items()},
                    initial=layer.initial if step == 0 else None,
                    # training batches: d loss / d state now, and at the boundary what Keras
                    # does not pass back to the previous batch
                    grad=None if grad is None else {n: _at(v, step) for n, v in grad.items()},
                    grad_initial=layer.grad_initial if step == 0 else None,
                )
            )
        return Frame.model_construct(
            type="frame",
            position=position,
            batch=k,
            t=step,
            inputs=_at(batch.inputs, step),
            boundary=step == 0,
            layers=layers,
            max_abs_diff=batch.max_abs_diff,
        )

    def advance(self) -> Frame | None:
        if self.position + 1 >= self.steps:
            return None
        self.position += 1
        return self.frame(self.position)

    def to_batch_end(self) -> list[Frame]:
        per = self._trace().model.timesteps
        frames = []
        while True:
            f = self.advance()
            if f is None:
                break
            frames.append(f)
            if (self.position + 1) % per == 0:
                break
        return frames

    def seek(self, position: int) -> Frame | None:
        if position >= self.steps:
            raise SessionError(
                f"position must be < {self.steps} (timesteps in this run)",
                code="position_out_of_range",
                field="position",
                steps=self.steps,
            )
        self.position = position
        return None if position < 0 else self.frame(position)

    # -- interventions ----------------------------------------------------------------------
    def next_batch(self) -> int:
        per = self._trace().model.timesteps
        return (self.position + 1 + per - 1) // per  # the first batch not started yet

    def intervene(self, action: ResetOp | SetStateOp) -> Loaded:
        assert self.compute is not None
        scenario = self.intervention(action)
        return self.intervened(scenario, self.compute(scenario))

    def intervened(self, scenario: Scenario, trace: TraceDoc) -> Loaded:
        """The run with the intervention, at the same position (everything before it is
        unchanged: the trace is deterministic)."""
        position = self.position
        self.loaded(scenario, trace)
        self.position = position
        return self.summary()

    def intervention(self, action: ResetOp | SetStateOp) -> Scenario:
        """The scenario with `action` recorded before the next batch."""
        if self.scenario is None:
            raise SessionError("no scenario loaded", code="no_scenario_loaded")
        before = self.next_batch()
        if before >= len(self._trace().batches):
            raise SessionError(
                "no batch comes after the current one: reset_states() / set_state now would "
                "apply to the next batch, and there is none",
                code="no_next_batch",
            )
        schedule = self.scenario.schedule.model_copy(
            update={
                "interventions": [
                    *self.scenario.schedule.interventions,
                    Intervention(before_batch=before, action=action),
                ]
            }
        )
        return Scenario.model_validate(
            self.scenario.model_copy(update={"schedule": schedule}).model_dump()
        )
