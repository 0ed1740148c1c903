"""The worker's child process (app/worker_child.py), spoken to over its pipe as
app/workers.py does: what it answers to a run, a cancel, an unknown task and a refusal."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import pytest

from app import worker_child

DEADLINE_S = 120  # a spawned child imports TensorFlow first


@pytest.fixture(scope="module")
def child() -> Iterator[Connection]:
    ctx = multiprocessing.get_context("spawn")
    parent, end = ctx.Pipe()
    ready, ready_end = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=worker_child.main, args=(end, 0, 1, False, ready_end), daemon=True)
    proc.start()
    end.close()
    ready_end.close()
    try:
        assert ready.poll(DEADLINE_S) and ready.recv() is True
        yield parent
    finally:
        parent.close()  # the child's reader sees the parent gone and exits
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def _answers(conn: Connection, call_id: int) -> list[tuple[str, Any]]:
    """Every message for `call_id` up to its end (done, error or cancelled)."""
    out: list[tuple[str, Any]] = []
    while True:
        assert conn.poll(DEADLINE_S), out
        kind, got_id, payload = conn.recv()
        assert got_id == call_id
        out.append((kind, payload))
        if kind != "event":
            return out


def test_a_task_sends_its_events_then_its_result(child: Connection) -> None:
    child.send(("run", 1, "sleep", (0.0,)))
    assert _answers(child, 1) == [("event", {"started": True}), ("done", 0.0)]


def test_a_call_cancelled_before_it_runs_never_starts(child: Connection) -> None:
    child.send(("cancel", 2))
    child.send(("run", 2, "sleep", (0.0,)))
    assert _answers(child, 2) == [("cancelled", None)]


def test_a_running_task_is_told_to_stop(child: Connection) -> None:
    child.send(("run", 3, "sleep", (600.0,)))
    assert child.poll(DEADLINE_S) and child.recv() == ("event", 3, {"started": True})
    child.send(("cancel", 3))
    assert _answers(child, 3) == [("cancelled", None)]


def test_a_lab_error_keeps_its_class_code_and_values(child: Connection) -> None:
    """A scenario that cannot be laid out: ScenarioError, with the field it names."""
    scenario = {"data": {"preset": "ramp", "length": 3}, "batching": {"timesteps": 10}}
    child.send(("run", 4, "trace", (scenario,)))
    [(kind, (name, message, code, detail))] = _answers(child, 4)
    assert (kind, name) == ("error", "ScenarioError")
    assert message and code and detail["field"] == "batching.timesteps"


def test_any_other_failure_is_its_class_and_message(child: Connection) -> None:
    child.send(("run", 5, "no_such_task", ()))
    [(kind, (name, message, code, detail))] = _answers(child, 5)
    assert (kind, name, code, detail) == ("error", "KeyError", "", {})
    assert "no_such_task" in message
