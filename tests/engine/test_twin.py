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
        out = [np.asarray(a) for a in function(x, *states, *weights)]
        k = recompute._OURS[kind]
        keras_part = out[k : k + 1 + n]  # the layer's sequence and final states
        for a, b in zip(keras_part, want, strict=True):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
        # the cell stepped by hand, one cell.call per timestep, is the layer's own recurrence
        stepped = out[k + 1 + n : k + 1 + 2 * n]
        np.testing.assert_allclose(stepped[0], want[0], rtol=0, atol=1e-6)
        for s, final in enumerate(want[1:]):
            np.testing.assert_allclose(stepped[s][:, -1], final, rtol=0, atol=1e-6)
        if kind == "LSTM":  # every timestep's c, stepping a stock LSTMCell the ordinary way
            cell = keras_model.LAYER_CLASSES[kind](units).cell
            cell.build((rows, features))
            cell.set_weights(weights)
            h, c = states
            for t in range(steps):
                _, (h, c) = cell(x[:, t], [h, c])
                np.testing.assert_allclose(stepped[1][:, t], c, rtol=0, atol=1e-6)
        assert recompute.layer_function(kind) is function
        ours = out[0]  # and our recurrence beside it agrees
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
