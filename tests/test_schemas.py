import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from pydantic import ValidationError

from app.schemas import LayerBatch, TraceDoc, plain, schemas
from tests.conftest import scenario

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_hold_the_generated_schemas() -> None:
    """docs/*.schema.json are generated from the models: regenerate with `make docs`."""
    for name, schema in schemas().items():
        on_disk = json.loads((DOCS / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert on_disk == schema, f"docs/{name}.schema.json is stale: run make docs"


def _document(engine: Any) -> TraceDoc:
    # a reset (an event without its optional keys), a setting, a training batch with gradients
    return engine.run(
        scenario(
            data={"preset": "poem"},
            batching={"batch_size": 2, "timesteps": 5},
            model={"layers": [{"kind": "LSTM", "units": 3, "stateful": True}]},
            ops=[
                {"op": "train_on_batch"},
                {"op": "reset_states"},
                {"op": "set_state", "state": "c", "values": [[0.5, 0.5, 0.5], [0.1, 0.2, 0.3]]},
                {"op": "call"},
            ],
        )
    ).document()


def test_plain_is_pydantics_own_json_form(engine: Any) -> None:
    """schemas.plain is a fast path: it gives what pydantic's serialiser gives."""
    doc = _document(engine)
    fast = plain(doc)
    slow = json.loads(doc.model_dump_json(exclude_unset=True))
    assert fast["scenario"] == doc.scenario.model_dump(mode="json")
    del fast["scenario"], slow["scenario"]
    assert fast == slow
    events = [e for b in fast["batches"] for e in b["events"]]
    assert {"layer": 0, "kind": "reset", "cause": "reset_states"} in events
    assert any(e["kind"] == "set" and len(e["values"]) == 2 for e in events)


def test_the_json_form_reads_back_into_the_same_document(engine: Any) -> None:
    doc = _document(engine)
    data = orjson.dumps(plain(doc, arrays=True), option=orjson.OPT_SERIALIZE_NUMPY)
    back = TraceDoc.model_validate_json(data)
    h = back.batches[0].layers[0].h
    assert isinstance(h, np.ndarray) and h.dtype == np.float32 and h.ndim == 3
    np.testing.assert_array_equal(h, doc.batches[0].layers[0].h)
    assert plain(back) == plain(doc)


def test_arrays_of_the_wrong_depth_are_refused() -> None:
    with pytest.raises(ValidationError):
        LayerBatch.model_validate(
            {
                "initial": {},
                "transfers": [],
                "h": [[1.0, 2.0]],  # (rows, units) where (rows, timesteps, units) is due
                "c": None,
                "gates": None,
                "final": {},
                "keras_final": None,
                "grad": None,
                "grad_initial": None,
            }
        )
