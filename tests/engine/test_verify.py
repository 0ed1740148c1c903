"""The verifier: every quantity a trace shows is compared with Keras's own code."""

import numpy as np
import pytest

from app.engine import tracer
from app.engine.verify import TOLERANCE, verify
from app.errors import VerificationFailed
from tests.conftest import scenario

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}


def _verify(t: tracer.Trace) -> object:
    return verify(t.built, t.records, t.results, t.checks, t.weights, t.grads)


def test_a_disagreement_with_keras_is_an_error() -> None:
    t = tracer.run(scenario(**POEM))
    assert _verify(t).max_abs_diff <= 1e-5  # type: ignore[attr-defined]
    t.results[1][0].h[0, 2, 0] += 1e-3  # one value off at one timestep
    with pytest.raises(VerificationFailed) as info:
        _verify(t)
    assert info.value.detail["batch"] == 1
    assert info.value.detail["max_abs_diff"] == pytest.approx(1e-3, rel=1e-2)


@pytest.mark.parametrize("what", ["c", "gates"])
def test_every_timestep_of_c_and_the_gates_is_checked(what: str) -> None:
    """An intermediate c or one gate off by 1e-4 at one timestep (not the last) fails."""
    t = tracer.run(scenario(**POEM))
    getattr(t.results[1][0], what)[1, 2, 0] += 1e-4
    with pytest.raises(VerificationFailed) as info:
        _verify(t)
    assert info.value.detail["batch"] == 1
    assert info.value.detail["quantity"] in {what, "gates_rebuild", "h_cell"}


def test_final_state_compared_with_keras_variables() -> None:
    t = tracer.run(scenario(**POEM))
    t.records[0].after[0][1] = t.records[0].after[0][1] + np.float32(1e-4)  # type: ignore[index]
    with pytest.raises(VerificationFailed, match="batch 0") as info:
        _verify(t)
    assert info.value.detail["quantity"] == "state_variables"


def test_model_outputs_compared_with_the_head_on_the_shown_h() -> None:
    t = tracer.run(scenario(**POEM))
    assert t.records[0].outputs is not None
    t.records[0].outputs = t.records[0].outputs.copy()
    t.records[0].outputs[0, 0] += 1e-3
    with pytest.raises(VerificationFailed) as info:
        _verify(t)
    assert info.value.detail["quantity"] == "outputs"


def test_verification_says_what_it_covered() -> None:
    v = tracer.run(scenario(**POEM)).verification.document().model_dump()
    q = v["quantities"]
    assert set(q) == {
        "h",
        "h_cell",
        "c",
        "gates",
        "gates_rebuild",
        "final",
        "state_variables",
        "outputs",
    }
    rows, steps, units, batches = 2, 5, 8, 2
    assert q["c"]["values"] == batches * rows * steps * units
    assert q["gates"]["values"] == 4 * q["c"]["values"]
    assert all(0 <= item["max_abs_diff"] <= TOLERANCE for item in q.values())
    assert v["passed"] and v["criterion"].startswith("|Δ| ≤ tolerance · max(1,")


def test_large_states_are_judged_relative_to_their_magnitude() -> None:
    """c set to 1000: float32 keeps ~7 significant digits, so |Δ| above 1e-5 is honest there,
    while the same |Δ| on a value near 1 is an error."""
    big = [[1000.0] * 4, [-1000.0] * 4]
    t = tracer.run(
        scenario(
            **POEM,
            model={"layers": [{"units": 4}]},
            ops=[{"op": "set_state", "state": "c", "values": big}, {"op": "call"}],
        )
    )
    v = t.verification
    assert v.max_scaled_diff <= TOLERANCE
    assert np.abs(t.results[0][0].c).max() > 500
    t.results[0][0].h[0, 1, 0] += 5 * TOLERANCE  # |h| <= 1: the absolute bound applies
    with pytest.raises(VerificationFailed):
        _verify(t)
