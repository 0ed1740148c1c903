"""The session logic on real traces (the engine injected as `compute`)."""

import numpy as np
import pytest

from app.engine import tracer
from app.live.session import Session, SessionError
from app.scenario import ResetOp, Scenario
from app.schemas import plain

POEM = Scenario.model_validate(
    {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}
)


def _session() -> Session:
    s = Session(lambda sc: tracer.run(sc).document())
    s.load(POEM)
    return s


def test_step_walks_every_timestep_then_ends() -> None:
    s = _session()
    assert s.steps == 10
    frames = [s.advance() for _ in range(10)]
    assert [(f.batch, f.t) for f in frames if f] == [(b, t) for b in (0, 1) for t in range(5)]
    assert s.advance() is None
    assert frames[5] and frames[5].boundary and frames[5].layers[0].initial is not None


def test_frame_values_are_the_trace_values() -> None:
    s = _session()
    trace = s.trace
    assert trace is not None
    f = s.seek(7)
    assert f is not None
    np.testing.assert_array_equal(f.layers[0].h, trace.batches[1].layers[0].h[:, 2])
    assert f.layers[0].h.shape == (2, 8)


def test_step_batch_stops_at_batch_end() -> None:
    s = _session()
    s.advance()
    assert [f.t for f in s.to_batch_end()] == [1, 2, 3, 4]


def test_reset_now_applies_to_next_batch_and_keeps_the_past() -> None:
    s = _session()
    for _ in range(3):
        s.advance()
    old = s.trace
    summary = plain(s.intervene(ResetOp(op="reset_states")))
    assert summary["position"] == 2
    assert summary["batches"][1]["events"] == [
        {"layer": 0, "kind": "reset", "cause": "intervention"}
    ]
    assert [t["kind"] for t in summary["batches"][1]["transfers"][0]] == ["reset", "reset"]
    assert s.trace is not None and old is not None
    np.testing.assert_array_equal(s.trace.batches[0].layers[0].h, old.batches[0].layers[0].h)


def test_errors_before_load_and_past_the_end() -> None:
    s = Session(lambda sc: tracer.run(sc).document())
    with pytest.raises(SessionError, match="no scenario loaded"):
        s.advance()
    s = _session()
    with pytest.raises(SessionError, match="position must be < 10"):
        s.seek(10)
    s.seek(9)
    with pytest.raises(SessionError, match="no batch comes after the current one"):
        s.intervene(ResetOp(op="reset_states"))
