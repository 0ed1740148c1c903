import pytest
from pydantic import ValidationError

from app.scenario import Scenario
from tests.conftest import scenario


def _error(raw: dict) -> list[dict]:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(raw)
    return info.value.errors()


def test_defaults_are_valid() -> None:
    s = Scenario()
    assert s.model.layers[0].kind == "LSTM"
    assert s.model.returns_sequences(0) is False


@pytest.mark.parametrize(
    ("raw", "loc", "needle"),
    [
        ({"model": {"layers": [{"units": 0}]}}, ("model", "layers", 0, "units"), "greater"),
        ({"model": {"layers": [{"units": 129}]}}, ("model", "layers", 0, "units"), "128"),
        ({"model": {"layers": [{}] * 5}}, ("model", "layers"), "at most 4"),
        ({"model": {"layers": [{"kind": "RNN"}]}}, ("model", "layers", 0, "kind"), "LSTM"),
        ({"batching": {"batch_size": 257}}, ("batching", "batch_size"), "256"),
        ({"batching": {"timesteps": 0}}, ("batching", "timesteps"), "greater"),
        ({"data": {"preset": "text"}}, ("data",), "data.text is required"),
        ({"data": {"preset": "values", "values": [[1]]}}, ("data",), "2..2000"),
        ({"data": {"preset": "text", "text": "x" * 2001}}, ("data", "text"), "2000"),
        ({"bogus": 1}, ("bogus",), "Extra inputs"),
    ],
)
def test_bounds_name_the_field(raw: dict, loc: tuple, needle: str) -> None:
    errors = _error(raw)
    assert errors[0]["loc"] == loc
    assert needle in errors[0]["msg"]


def test_middle_layer_must_return_sequences() -> None:
    errors = _error({"model": {"layers": [{"return_sequences": False}, {}]}})
    assert "layers[0].return_sequences must be true" in errors[0]["msg"]


def test_c_state_only_for_lstm() -> None:
    errors = _error(
        {
            "model": {"layers": [{"kind": "GRU"}]},
            "schedule": {"ops": [{"op": "set_state", "state": "c", "values": [1]}]},
        }
    )
    assert "only in LSTM" in errors[0]["msg"]


def test_layer_index_bound_by_layer_count() -> None:
    errors = _error({"schedule": {"ops": [{"op": "reset_states", "layer": 2}]}})
    assert "must be < 1" in errors[0]["msg"]


def test_training_needs_head() -> None:
    errors = _error({"model": {"head": False}, "schedule": {"ops": [{"op": "fit"}]}})
    assert "model.head must be true" in errors[0]["msg"]


def test_moving_average_timesteps_is_lahead() -> None:
    errors = _error(
        {"data": {"preset": "moving_average", "lahead": 3}, "batching": {"timesteps": 2}}
    )
    assert "must equal data.lahead" in errors[0]["msg"]


def test_helper_builds_schedule() -> None:
    s = scenario(ops=[{"op": "fit", "epochs": 2}], reset="epoch_end")
    assert s.schedule.reset == "epoch_end"
    assert s.schedule.ops[0].op == "fit"
