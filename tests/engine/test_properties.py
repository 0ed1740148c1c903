"""Random small scenarios: every one runs on Keras and verifies within 1e-5 (or Keras refuses)."""

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.errors import KerasRejected, ScenarioError
from app.schemas import TraceDoc
from tests.conftest import run

layer = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        "units": st.integers(1, 5),
        "stateful": st.booleans(),
    }
)
op = st.one_of(
    st.fixed_dictionaries({"op": st.sampled_from(["call", "predict_on_batch", "train_on_batch"])}),
    st.fixed_dictionaries({"op": st.just("fit"), "shuffle": st.booleans()}),
    st.fixed_dictionaries({"op": st.just("predict")}),
    st.fixed_dictionaries({"op": st.just("reset_states")}),
)


@settings(
    max_examples=15,  # fewer than before: test_independent.py rebuilds random traces in depth
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures reproduce
    # No `explain` phase: its line tracing makes TF graph tracing minutes slow.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(
    layers=st.lists(layer, min_size=1, max_size=2),
    batch=st.integers(1, 3),
    steps=st.integers(1, 4),
    length=st.integers(8, 20),
    layout=st.sampled_from(["lanes", "consecutive"]),
    shuffle=st.booleans(),
    ops=st.lists(op, min_size=1, max_size=3),
    seed=st.integers(0, 3),
)
def test_random_scenarios_verify(
    layers: list[dict[str, Any]],
    batch: int,
    steps: int,
    length: int,
    layout: str,
    shuffle: bool,
    ops: list[dict[str, Any]],
    seed: int,
) -> None:
    try:
        trace = run(
            data={"preset": "sine", "length": length},
            batching={
                "batch_size": batch,
                "timesteps": steps,
                "layout": layout,
                "shuffle": shuffle,
            },
            model={"layers": layers},
            ops=ops,
            seed=seed,
        )
    except ScenarioError as exc:
        # Data too short for one window: the error names the field to change.
        assert exc.detail["field"].startswith(("batching", "data"))
        return
    except KerasRejected as exc:
        # Keras refuses only partial batches of a stateful model; the message is its own.
        assert any(x["stateful"] for x in layers)
        assert "batch size" in exc.message or "Incompatible shapes" in exc.message
        return
    TraceDoc.model_validate(trace)
    assert trace["verification"]["max_abs_diff"] <= 1e-5
