"""The price of a scenario before it runs (app/budget.py): right about what the engine then
produces, and over budget refused with the budget named, before any TensorFlow work."""

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from app import budget
from app.errors import ScenarioError
from app.scenario import Scenario
from app.settings import Settings

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.json"))
DEFAULTS = Settings()
LIMITS = budget.Budget(
    trace_bytes=int(DEFAULTS.trace_budget_mb * 1e6),
    seconds=DEFAULTS.compute_budget_s,
    memory_bytes=int(DEFAULTS.trace_memory_mb * 1e6),
)
# the largest scenario the first validator accepted: >1 GB of JSON, >14 GB of memory
LARGEST: dict[str, Any] = {
    "model": {"layers": [{"units": 128}] * 4},
    "data": {"preset": "ramp", "n_sequences": 64, "length": 512},
    "batching": {"batch_size": 64, "timesteps": 64},
}

PRICED = [
    {},
    {"data": {"preset": "poem"}, "schedule": {"ops": [{"op": "fit", "epochs": 3}]}},
    {
        "model": {"layers": [{"kind": "GRU", "units": 6}, {"kind": "SimpleRNN", "units": 3}]},
        "data": {"preset": "sine", "n_sequences": 4, "length": 41},
        "batching": {"batch_size": 4, "timesteps": 5},
        "schedule": {"ops": [{"op": "train_on_batch", "epochs": 2}, {"op": "predict"}]},
    },
    {
        "data": {"preset": "ramp", "n_sequences": 9, "length": 10},
        "batching": {"batch_size": 2, "timesteps": 5, "layout": "consecutive"},
        "schedule": {"ops": [{"op": "predict_on_batch"}, {"op": "call", "epochs": 2}]},
    },
]


@pytest.mark.slow
@pytest.mark.parametrize("raw", PRICED)
def test_the_price_matches_what_the_engine_produces(engine: Any, raw: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(raw)
    price = budget.price(scenario)
    trace = engine.run(scenario).to_dict(arrays=True)
    size = len(orjson.dumps(trace, option=orjson.OPT_SERIALIZE_NUMPY))
    assert price.batches == len(trace["batches"])
    # an upper bound: the weights after the last training batch are never used by a batch
    assert 0 <= price.weights_versions - len(trace["weights"]) <= 1
    assert 0.6 < price.trace_bytes / size < 1.5, (price.trace_bytes, size)


@pytest.mark.parametrize("epochs", [1, 10])
def test_the_largest_accepted_scenario_is_refused_before_running(epochs: int) -> None:
    raw = {**LARGEST, "schedule": {"ops": [{"op": "fit", "epochs": epochs}]}}
    with pytest.raises(ScenarioError) as exc:
        budget.check(Scenario.model_validate(raw), LIMITS, DEFAULTS.max_batches)
    assert exc.value.code == "over_budget_trace"
    assert exc.value.detail["limit"] == "16.0 MB" and "batch_size" in exc.value.message


def test_too_many_batches_are_refused_before_the_first_one() -> None:
    raw = {
        "data": {"preset": "ramp", "n_sequences": 1, "length": 200},
        "batching": {"batch_size": 1, "timesteps": 5},
        "schedule": {"ops": [{"op": "call", "epochs": 50}] * 50},  # 40 x 2,500 batches
    }
    with pytest.raises(ScenarioError) as exc:
        budget.check(Scenario.model_validate(raw), LIMITS, DEFAULTS.max_batches)
    assert exc.value.code == "over_budget_batches"
    assert exc.value.detail == {"field": "schedule.ops", "batches": 100_000, "limit": 2000}


def test_compute_budget_names_its_seconds() -> None:
    raw = {"schedule": {"ops": [{"op": "fit", "epochs": 50}]}}
    tight = budget.Budget(trace_bytes=10**9, seconds=0.01, memory_bytes=10**9)
    with pytest.raises(ScenarioError) as exc:
        budget.check(Scenario.model_validate(raw), tight, 2000)
    assert exc.value.code == "over_budget_compute" and exc.value.detail["limit"] == "0.01"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_fits_the_default_budgets(path: Path) -> None:
    scenario = Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
    price = budget.check(scenario, LIMITS, DEFAULTS.max_batches)
    assert price.seconds < DEFAULTS.compute_budget_s


def test_jobs_are_priced_too() -> None:
    big = budget.generation_seconds(2000, 80, ["To be"] * 3, 300)
    default = budget.generation_seconds(323, 40, ["To be", "The "], 60)
    assert big > DEFAULTS.job_budget_s > default
    with pytest.raises(ScenarioError) as exc:
        budget.check_job(big, DEFAULTS.job_budget_s, "fewer epochs")
    assert exc.value.code == "over_budget_job"
    full = budget.experiment_seconds([(1, 1)] * 12, 2000, 25)
    # the experiment page's default request (app/api/experiments.py)
    page = budget.experiment_seconds([(1, 1), (2, 1), (2, 2), (1, 2), (2, 2), (5, 5)], 400, 3)
    assert full > DEFAULTS.job_budget_s > page
