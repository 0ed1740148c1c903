"""The verifier's reference is Keras's own layer code, compiled once per kind for any size."""

from typing import Any

import numpy as np
import pytest

from tests.conftest import run
from tests.engine.test_keras_model import traces


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_twin_is_a_stock_keras_layer_on_the_given_weights(kind: str) -> None:
    """Same numbers as a Keras layer built the ordinary way, for several sizes, from the one
    compiled function of its kind."""

    from app.engine import keras_model, recompute

    rng = np.random.default_rng(0)
    function = recompute.layer_function(kind)
    for units, rows, steps, features in [(3, 2, 5, 1), (8, 4, 7, 3), (17, 6, 2, 5)]:
        x = rng.normal(size=(rows, steps, features)).astype(np.float32)
        layer = keras_model.LAYER_CLASSES[kind](units, return_sequences=True, return_state=True)
        layer.build((None, steps, features))
        weights = [rng.normal(0, 0.5, a.shape).astype(np.float32) for a in layer.get_weights()]
        layer.set_weights(weights)
        n = len(keras_model.STATE_NAMES[kind])
        states = [rng.normal(size=(rows, units)).astype(np.float32) for _ in range(n)]
        want = [np.asarray(a) for a in layer(x, initial_state=states)]
        out = function(x, x, *states, *weights)
        keras_part = [np.asarray(a) for a in out[len(out) - 1 - n :]]
        for a, b in zip(keras_part, want, strict=True):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
        assert recompute.layer_function(kind) is function
        ours = np.asarray(out[0])  # and our recurrence beside it agrees
        np.testing.assert_allclose(ours, want[0], rtol=0, atol=1e-5)


def test_a_new_structure_traces_only_keras_model_functions() -> None:
    """Recurrences and twin are compiled per kind at warm-up; a never-seen structure traces
    Keras's model (here: our batch loop over it), never them again."""
    model: dict[str, Any] = {
        "layers": [{"kind": "SimpleRNN", "units": 7}, {"kind": "GRU", "units": 11}],
        "head": False,
    }
    run(model=model, data={"preset": "sine", "length": 30}, ops=[{"op": "call"}])  # warm-up
    model["layers"][1]["units"] = 13
    with traces() as traced:
        trace = run(
            model=model,
            data={"preset": "sine", "length": 30},
            batching={"batch_size": 3, "timesteps": 6},
            ops=[{"op": "call"}],
        )
    assert trace["verification"]["passed"]
    assert "batches" in traced
    assert not [name for name in traced if "layer_and_twin" in name]
