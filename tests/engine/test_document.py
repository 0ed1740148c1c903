"""A run becomes its trace document: every part built through the models of app/schemas.py."""

import numpy as np

from app.engine import document, tracer
from app.engine.records import Event
from app.schemas import TraceDoc, plain
from tests.conftest import scenario


def test_an_event_sets_only_its_own_fields() -> None:
    """A reset holds layer, kind and cause; a setting its state and values, and its row only
    when one row was set (the JSON form has no null placeholders)."""
    reset = document.event(Event(0, "reset", "reset_states"))
    assert plain(reset) == {"layer": 0, "kind": "reset", "cause": "reset_states"}
    values = np.ones((2, 3), np.float32)
    whole = document.event(Event(1, "set", "intervention", "c", values))
    assert set(plain(whole)) == {"layer", "kind", "cause", "state", "values"}
    one = document.event(Event(1, "set", "set_state", "h", values, row=1))
    assert plain(one)["row"] == 1


def test_the_document_holds_the_run_part_by_part() -> None:
    t = tracer.run(
        scenario(
            data={"preset": "ramp", "length": 40},
            batching={"batch_size": 2, "timesteps": 5},
            model={"layers": [{"kind": "LSTM", "units": 3}, {"kind": "GRU", "units": 2}]},
            ops=[{"op": "call"}, {"op": "train_on_batch"}],
        )
    )
    doc = t.document()
    assert isinstance(doc, TraceDoc) and len(doc.batches) == len(t.records) == 8
    for k, batch in enumerate(doc.batches):
        assert batch.index == k and len(batch.rows) == 2
        for info, layer in zip(doc.model.layers, batch.layers, strict=True):
            assert [tr.row for tr in layer.transfers] == [0, 1]
            assert set(layer.initial) == set(layer.final) == set(info.state_names)
            assert layer.gates is not None and list(layer.gates) == info.gate_names
            assert layer.h.shape == (2, 5, info.units)
        training = batch.op == "train_on_batch"
        assert (batch.grad_loss is not None) == training == (batch.layers[0].grad is not None)
    # the arrays are the engine's own, not copies: the document costs no memory of its own
    assert doc.batches[0].layers[0].h is t.results[0][0].h
    # and it is exactly what the documented models accept
    assert TraceDoc.model_validate_json(doc.model_dump_json()).model_dump(mode="json") == (
        doc.model_dump(mode="json")
    )
