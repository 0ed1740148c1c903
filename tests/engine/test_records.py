"""What a run records of a batch: its events, the rows Keras ran, and Keras's errors in its own
words."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from app.engine.records import BatchRecord, Event, keras_error, rows_out
from app.errors import KerasRejected


def _record(samples: list[int], after: list[list[np.ndarray] | None] | None = None) -> BatchRecord:
    x = np.zeros((len(samples), 3, 1), np.float32)
    return BatchRecord(0, "call", 0, 0, samples, x, 0, [None], after=after or [])


def test_an_event_without_a_row_touches_every_row_of_its_layer_only() -> None:
    reset = Event(1, "reset", "reset_states")
    assert reset.touches(1, 0) and reset.touches(1, 3)
    assert not reset.touches(0, 0)


def test_an_event_of_one_row_touches_that_row_only() -> None:
    one = Event(0, "set", "set_state", "c", np.ones((2, 4), np.float32), row=1)
    assert one.touches(0, 1)
    assert not one.touches(0, 0) and not one.touches(1, 1)


def test_the_last_event_touching_a_row_decides_its_boundary() -> None:
    """A reset of the whole layer, then a setting of row 1: row 1 is set, row 0 only reset,
    and a layer no event touched has none."""
    rec = _record([0, 1])
    rec.events = [
        Event(0, "reset", "intervention"),
        Event(0, "set", "intervention", "h", np.ones((2, 3), np.float32), row=1),
    ]
    assert rec.last_event(0, 0) == "reset"
    assert rec.last_event(0, 1) == "set"
    assert rec.last_event(1, 0) is None
    rec.events.append(Event(0, "reset", "reset_every"))  # a later reset wins again
    assert rec.last_event(0, 1) == "reset"


def test_a_record_without_events_has_no_last_event() -> None:
    assert _record([0, 1]).last_event(0, 0) is None


def test_rows_out_are_the_samples_fed_when_no_layer_is_stateful() -> None:
    assert rows_out(_record([4, 5, 6], after=[None, None])) == 3


def test_rows_out_count_a_stateful_layers_full_batch_behind_a_partial_one() -> None:
    """One sample fed to a stateful layer of 4 rows: Keras ran 4 rows."""
    states = [np.zeros((4, 2), np.float32), np.zeros((4, 2), np.float32)]
    assert rows_out(_record([7], after=[None, states])) == 4
    assert rows_out(_record([7, 8], after=[[np.zeros((1, 2), np.float32)]])) == 2


def test_keras_error_keeps_the_words_and_says_where() -> None:
    err = keras_error(3, "fit", ValueError("\x1b[1mInput 0 is incompatible\x1b[0m  "))
    assert isinstance(err, KerasRejected)
    assert err.message == "Input 0 is incompatible"
    assert err.to_dict() == {
        "error": "keras_rejected",
        "code": "keras_rejected",
        "message": "Input 0 is incompatible",
        "op_index": 3,
        "op": "fit",
        "exception": "ValueError",
    }


def test_a_tensorflow_graph_error_keeps_its_head_its_cause_and_its_node() -> None:
    """A real graph error from TensorFlow: its Python back-trace and op name are dropped."""

    @tf.function(
        input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.float32)]
    )
    def add(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        return a + b

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        add(tf.ones(2), tf.ones(3))
    assert "Detected at node" in str(info.value.message)  # the shape this function expects
    err = keras_error(0, "call", info.value)
    assert err.message.startswith("Graph execution error:")
    assert "Incompatible shapes: [2] vs. [3]" in err.message
    assert err.message.endswith("(TensorFlow node add)")
    assert "File " not in err.message and "[Op:" not in err.message and "\n" not in err.message
    assert err.detail["exception"] == "InvalidArgumentError"


def test_a_graph_error_cut_short_is_still_keras_words_not_an_index_error() -> None:
    error = keras_error(1, "call", ValueError("Shapes differ\n\nDetected at node"))
    assert error.message.startswith("Shapes differ") and "(TensorFlow node ?)" in error.message
