"""The tasks a worker runs by name: plain data in, plain data out, progress and cancel passed on."""

from __future__ import annotations

import inspect
import os
import pickle
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from app.engine import tasks
from app.scenario import CallOp, Kind, Scenario
from app.schemas import TraceDoc, plain

TRACE = {
    "data": {"preset": "ramp", "length": 20},
    "batching": {"batch_size": 2, "timesteps": 5},
    "model": {"layers": [{"kind": "LSTM", "units": 3}]},
    "schedule": {"ops": [{"op": "train_on_batch"}]},
}


def _never() -> bool:
    return False


def test_every_task_is_found_by_its_name_and_takes_emit_and_cancelled_by_keyword() -> None:
    # app/workers.py calls TASKS[name](*args, emit=..., cancelled=...)
    assert set(tasks.TASKS) == {
        "trace",
        "experiment",
        "generate",
        "cost",
        "claim",
        "replay",
        "pid",
        "sleep",
    }
    for name, task in tasks.TASKS.items():
        assert task is getattr(tasks, name)
        params = inspect.signature(task).parameters
        for keyword in ("emit", "cancelled"):
            assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (name, keyword)


def test_the_trace_task_turns_a_plain_scenario_into_a_document_that_pickles() -> None:
    events: list[dict[str, Any]] = []
    doc = tasks.trace(TRACE, emit=events.append, cancelled=_never)
    assert isinstance(doc, TraceDoc)
    # 20 values in 2 lanes of 10: two windows of 5 per lane
    assert [b.op for b in doc.batches] == ["train_on_batch"] * 2
    assert doc.verification.passed
    # it crosses the process boundary as a pickle
    assert plain(pickle.loads(pickle.dumps(doc))) == plain(doc)


@pytest.mark.parametrize(
    "raw",
    [
        {"batching": {"batch_size": 0}},
        {"model": {"layers": [{"kind": "LSTM", "units": 3, "extra": 1}]}},
    ],
    ids=["out-of-range", "unknown-field"],
)
def test_the_trace_task_refuses_an_invalid_scenario(raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        tasks.trace(raw, emit=lambda e: None, cancelled=_never)


def test_the_experiment_task_runs_each_config_in_order_and_tags_its_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.engine import experiment

    signature = inspect.signature(experiment.run)

    def fake_run(*args: Any) -> dict[str, Any]:
        # bound to the real signature: arguments passed in the wrong order are caught
        bound = signature.bind(*args).arguments
        bound["emit"]({"phase": "stateful", "batch": 1})
        return {k: v for k, v in bound.items() if k not in ("emit", "cancelled")} | {
            "cancelled": bound["cancelled"]()
        }

    monkeypatch.setattr(experiment, "run", fake_run)
    request = {
        "configs": [
            {"tsteps": 2, "lahead": 1, "batch_size": 4},
            {"tsteps": 5, "lahead": 3, "batch_size": 1},
        ],
        "input_len": 60,
        "epochs": 2,
        "seed": 9,
    }
    events: list[dict[str, Any]] = []
    results = tasks.experiment(request, emit=events.append, cancelled=lambda: True)
    common = {"input_len": 60, "epochs": 2, "seed": 9, "cancelled": True}
    assert results == [
        {"tsteps": 2, "lahead": 1, "batch_size": 4, **common},
        {"tsteps": 5, "lahead": 3, "batch_size": 1, **common},
    ]
    assert events == [
        {"config": 0, "configs": 2, "phase": "stateful", "batch": 1},
        {"config": 1, "configs": 2, "phase": "stateful", "batch": 1},
    ]


@pytest.mark.parametrize("text", [None, "", "a short text of our own"])
def test_the_generate_task_trains_on_the_given_text_or_else_hamlet(
    text: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.engine import generate

    signature = inspect.signature(generate.run)

    def fake_run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind(*args, **kwargs).arguments
        return {**bound, "cancelled": bound["cancelled"]()}

    monkeypatch.setattr(generate, "run", fake_run)
    request = {"text": text, "prompts": ["To be"], "length": 7, "epochs": 3}
    out = tasks.generate(request, emit=lambda e: None, cancelled=lambda: True)
    assert out == {
        "text": text or generate.HAMLET,
        "prompts": ["To be"],
        "length": 7,
        "epochs": 3,
        "cancelled": True,
    }


def test_the_pid_task_names_the_process_it_runs_in() -> None:
    assert tasks.pid(emit=lambda e: None, cancelled=_never) == os.getpid()


def test_the_sleep_task_reports_its_start_and_returns_its_duration() -> None:
    events: list[dict[str, Any]] = []
    assert tasks.sleep(0.0, emit=events.append, cancelled=_never) == 0.0
    assert events == [{"started": True}]


def test_the_sleep_task_stops_when_cancelled() -> None:
    events: list[dict[str, Any]] = []
    # asked before its first 10 ms step: a cancelled 30 s sleep ends at once
    with pytest.raises(InterruptedError, match="cancelled"):
        tasks.sleep(30.0, emit=events.append, cancelled=lambda: True)
    assert events == [{"started": True}]


def test_warm_up_runs_every_layer_kind_and_every_operation_that_feeds_batches() -> None:
    scenarios = [Scenario.model_validate(raw) for raw in tasks.WARM_UP]
    kinds = {layer.kind for s in scenarios for layer in s.model.layers}
    ops = {op.op for s in scenarios for op in s.schedule.ops}
    assert kinds == set(get_args(Kind))
    assert ops == {*get_args(CallOp.model_fields["op"].annotation), "fit", "predict"}


def test_replay_runs_each_backend_and_starts_no_process_once_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.engine import backends

    ran: list[str] = []
    monkeypatch.setattr(backends, "BACKENDS", ("tensorflow", "jax", "torch"))
    monkeypatch.setattr(backends, "replay", lambda script, b: ran.append(f"replay {b}") or {"b": b})
    monkeypatch.setattr(
        backends, "layer_check", lambda layers, b: ran.append(f"check {b}") or {"ok": b}
    )
    out = tasks.replay("script", {}, emit=lambda _: None, cancelled=lambda: False)
    assert out == {
        "jax": {"b": "jax", "layer_check": {"ok": "jax"}},
        "torch": {"b": "torch", "layer_check": {"ok": "torch"}},
    }
    assert ran == ["replay jax", "check jax", "replay torch", "check torch"]
    ran.clear()
    with pytest.raises(InterruptedError):  # the client left while JAX's replay ran
        tasks.replay("script", {}, emit=lambda _: None, cancelled=lambda: bool(ran))
    assert ran == ["replay jax"]
