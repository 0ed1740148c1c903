import numpy as np
import pytest

from app.engine import tracer
from app.engine.verify import verify
from app.errors import VerificationFailed
from tests.conftest import scenario


def test_a_disagreement_with_keras_is_an_error() -> None:
    t = tracer.run(scenario(data={"preset": "poem"}, batching={"batch_size": 2, "timesteps": 5}))
    assert verify(t.built, t.records, t.results, t.reference).max_abs_diff <= 1e-5
    t.results[1][0].h[0, 2, 0] += 1e-3  # one value off at one timestep
    with pytest.raises(VerificationFailed) as info:
        verify(t.built, t.records, t.results, t.reference)
    assert info.value.detail["batch"] == 1
    assert info.value.detail["max_abs_diff"] == pytest.approx(1e-3, rel=1e-2)


def test_final_state_compared_with_keras_variables() -> None:
    t = tracer.run(scenario(data={"preset": "poem"}, batching={"batch_size": 2, "timesteps": 5}))
    t.records[0].after[0][1] = t.records[0].after[0][1] + np.float32(1e-4)  # type: ignore[index]
    with pytest.raises(VerificationFailed, match="batch 0"):
        verify(t.built, t.records, t.results, t.reference)
