"""Setting Keras's state variables as a user does, and reading the compiled loop's states
(app/engine/states.py), on real Keras layers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pytest

from app.engine import states
from app.errors import ScenarioError
from app.scenario import SetStateOp

ROWS, UNITS = 3, 4


def _layer(kind: str = "LSTM", stateful: bool = True) -> Any:
    layer = getattr(keras.layers, kind)(UNITS, stateful=stateful)
    layer.build((ROWS, 5, 2))
    if stateful:  # states that are not zero, so a kept row is told from a reset one
        for v in layer.states:
            v.assign(np.arange(ROWS * UNITS, dtype=np.float32).reshape(ROWS, UNITS) + 1)
    return layer


def _op(state: str, values: Any, row: int | None = None) -> SetStateOp:
    return SetStateOp(op="set_state", layer=0, state=state, values=values, row=row)


def test_a_whole_state_is_assigned_and_what_keras_holds_is_returned() -> None:
    layer = _layer()
    new = np.full((ROWS, UNITS), 0.5, np.float32).tolist()
    held = states.assign(layer, 2, _op("c", new))
    np.testing.assert_array_equal(layer.states[1].numpy(), new)
    np.testing.assert_array_equal(held, new)
    held[0, 0] = 9  # a copy: the record never changes with the variable
    assert layer.states[1].numpy()[0, 0] == 0.5
    assert layer.states[0].numpy()[0, 0] == 1  # h untouched


def test_one_row_is_replaced_and_the_other_rows_kept() -> None:
    layer = _layer("GRU")
    before = layer.states[0].numpy().copy()
    held = states.assign(layer, 0, _op("h", [7.0] * UNITS, row=1))
    np.testing.assert_array_equal(held[1], [7.0] * UNITS)
    np.testing.assert_array_equal(held[[0, 2]], before[[0, 2]])


@pytest.mark.parametrize(
    ("row", "values", "got"),
    [(ROWS, [1.0] * UNITS, [UNITS]), (0, [1.0] * (UNITS + 1), [UNITS + 1])],
    ids=["row past the batch", "too many numbers"],
)
def test_a_row_that_does_not_fit_names_the_bounds(
    row: int, values: list[float], got: list[int]
) -> None:
    layer = _layer()
    before = layer.states[0].numpy().copy()
    with pytest.raises(ScenarioError) as refused:
        states.assign(layer, 3, _op("h", values, row=row))
    assert refused.value.code == "set_state_row"
    assert refused.value.detail == {
        "field": "schedule.ops[3].values",
        "op_index": 3,
        "row": row,
        "last": ROWS - 1,
        "units": UNITS,
        "got": got,
    }
    np.testing.assert_array_equal(layer.states[0].numpy(), before)  # nothing assigned


def test_a_stateless_layer_has_no_state_to_set() -> None:
    with pytest.raises(ScenarioError) as refused:
        states.assign(_layer(stateful=False), 1, _op("h", [[0.0] * UNITS] * ROWS))
    assert refused.value.code == "set_state_stateless" and refused.value.detail["layer"] == 0


def test_a_whole_state_of_the_wrong_shape_is_left_to_keras_to_refuse() -> None:
    """Keras's own words reach the user (app/engine/records.py keras_error), not ours."""
    with pytest.raises(Exception) as refused:
        states.assign(_layer(), 0, _op("h", [[0.0] * UNITS] * (ROWS + 1)))
    assert not isinstance(refused.value, ScenarioError)


def test_the_compiled_loops_states_split_back_per_layer_and_state() -> None:
    def rnn(stateful: bool, n_states: int, units: int) -> Any:
        return SimpleNamespace(
            stateful=stateful, states=[None] * n_states, cell=SimpleNamespace(units=units)
        )

    # an LSTM of 3 (h, c), a stateless GRU (nothing in the row), a GRU of 2 (h)
    rnns = [rnn(True, 2, 3), rnn(False, 1, 5), rnn(True, 1, 2)]
    row = np.arange(2 * 8, dtype=np.float32).reshape(2, 8)
    lstm, stateless, gru = states.unpack(rnns, row)
    assert stateless is None and lstm is not None and gru is not None
    np.testing.assert_array_equal(lstm[0], row[:, 0:3])
    np.testing.assert_array_equal(lstm[1], row[:, 3:6])
    np.testing.assert_array_equal(gru[0], row[:, 6:8])
    assert len(gru) == 1
