"""The errors users see (app/errors.py): each class's kind and code, its fields in the payload,
and the helpers that make pydantic's errors and arbitrary values JSON-safe. The catalogs and
the HTTP side are tests/test_i18n_errors.py's."""

from __future__ import annotations

import json
import math

import pytest

from app.errors import (
    JobFailed,
    KerasRejected,
    LabError,
    ScenarioError,
    VerificationFailed,
    dotted,
    headline,
    json_safe,
    validation_items,
)


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (LabError, "lab_error"),
        (ScenarioError, "invalid_scenario"),
        (KerasRejected, "keras_rejected"),
        (VerificationFailed, "verification_failed"),
        (JobFailed, "job_failed"),
    ],
)
def test_each_error_names_its_kind_and_defaults_its_code_to_it(
    cls: type[LabError], kind: str
) -> None:
    err = cls("went wrong")
    assert isinstance(err, LabError) and isinstance(err, Exception)
    assert err.kind == kind and err.code == kind
    assert err.message == str(err) == "went wrong"
    assert err.detail == {}
    assert err.to_dict() == {"error": kind, "code": kind, "message": "went wrong"}


def test_a_code_and_values_ride_in_the_payload_beside_the_kind() -> None:
    err = JobFailed("12 jobs are already waiting", code="queue_full", limit=12)
    assert err.code == "queue_full" and err.detail == {"limit": 12}
    assert err.to_dict() == {
        "error": "job_failed",
        "code": "queue_full",
        "message": "12 jobs are already waiting",
        "limit": 12,
    }


def test_an_error_can_be_raised_and_caught_as_a_lab_error() -> None:
    with pytest.raises(LabError) as caught:
        raise KerasRejected("State must match", code="state_shape", expected=[2, 4])
    assert caught.value.to_dict()["expected"] == [2, 4]
    assert caught.value.to_dict()["error"] == "keras_rejected"


def test_json_safe_keeps_what_json_holds_as_it_is() -> None:
    value = {"a": [1, 2.5, None, True, "x"], "b": {"c": False}}
    assert json_safe(value) == value
    assert json_safe(True) is True  # a bool is not turned into an int


def test_json_safe_keeps_only_64_bit_integers_as_numbers() -> None:
    # orjson (the live frames) refuses integers outside [-2**63, 2**64)
    assert json_safe(-(2**63)) == -(2**63)
    assert json_safe(2**64 - 1) == 2**64 - 1
    assert json_safe(2**64) == str(2**64)
    assert json_safe(-(2**63) - 1) == str(-(2**63) - 1)


def test_json_safe_turns_infinities_keys_and_unknown_values_into_text() -> None:
    out = json_safe({1: math.inf, "s": {3}, "n": [-math.inf, (object,)]})
    assert out == {"1": "inf", "s": "{3}", "n": ["-inf", [str(object)]]}
    json.dumps(out, allow_nan=False)


def test_dotted_joins_a_location_into_one_field_name() -> None:
    assert dotted(("model", "layers", 0, "units")) == "model.layers.0.units"
    assert dotted(()) == ""


def test_validation_items_take_pydantics_shape_and_a_custom_field_namer() -> None:
    errors = [
        {
            "loc": ("body", "batching", "timesteps"),
            "msg": "Input should be less than or equal to 500",
            "type": "less_than_equal",
            "ctx": {"le": 500},
        },
        {"loc": ("x",), "msg": "Field required", "type": "missing"},  # no ctx at all
    ]
    items = validation_items(errors, field=lambda loc: dotted(loc[1:]))
    assert items == [
        {
            "field": "batching.timesteps",
            "message": "Input should be less than or equal to 500",
            "type": "less_than_equal",
            "ctx": {"le": 500},
        },
        {"field": "", "message": "Field required", "type": "missing", "ctx": {}},
    ]


def test_headline_is_the_first_problem_or_the_default_code() -> None:
    items = [
        {"field": "a.b", "message": "m", "type": "too_long", "ctx": {"max_length": 3}},
        {"field": "c", "message": "n", "type": "missing", "ctx": {}},
    ]
    assert headline(items, "invalid_request") == {
        "code": "too_long",
        "ctx": {"max_length": 3},
        "field": "a.b",
    }
    assert headline([], "invalid_request") == {"code": "invalid_request", "ctx": {}, "field": ""}
