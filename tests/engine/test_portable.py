"""`python -m app.engine.portable`: claim checks settled on this process's Keras backend, one
JSON line each as soon as it is settled (app/engine/backends.py reads them)."""

from __future__ import annotations

import json
import os
import sys
import types
from typing import Any

import keras
import numpy as np
import pytest

from app.engine import portable


def _fake_check(monkeypatch: pytest.MonkeyPatch, claim_id: str, check: Any) -> None:
    """A check module for `claim_id` whose check_here is `check`."""
    name = "app.engine.checks." + claim_id.replace("-", "_")
    module = types.ModuleType(name)
    module.check_here = check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def no_nice(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """os.nice recorded, never applied: the test process keeps its priority."""
    calls: list[int] = []
    monkeypatch.setattr(os, "nice", lambda inc: calls.append(inc) or 0)
    return calls


def test_a_real_claim_is_settled_on_this_processes_backend() -> None:
    got = portable.run_here("gru-one-state")
    assert got["id"] == "gru-one-state"
    assert got["backend"] == keras.backend.backend() == "tensorflow"
    assert got["keras_version"] == keras.__version__
    assert got["verdict"] == "holds"  # Keras's LSTM has h and c, GRU and SimpleRNN only h
    assert got["evidence"]["LSTM"] == {"returned_states": 2, "state_variables": 2}


def test_each_claim_is_one_json_line_in_the_order_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_nice: list[int]
) -> None:
    """NumPy numbers in the evidence are written as plain JSON numbers."""
    _fake_check(monkeypatch, "fake-one", lambda: {"verdict": "holds", "x": np.float32(0.5)})
    _fake_check(monkeypatch, "fake-two", lambda: {"verdict": "depends"})
    assert portable.main(["fake-two", "fake-one"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [(r["id"], r["verdict"]) for r in lines] == [
        ("fake-two", "depends"),
        ("fake-one", "holds"),
    ]
    assert lines[1]["x"] == 0.5
    assert all(
        r["backend"] == "tensorflow" and r["keras_version"] == keras.__version__ for r in lines
    )


def test_a_check_that_fails_is_an_error_line_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_nice: list[int]
) -> None:
    def broken() -> dict[str, Any]:
        raise ValueError("\x1b[1mno state\x1b[0m")

    _fake_check(monkeypatch, "fake-broken", broken)
    _fake_check(monkeypatch, "fake-fine", lambda: {"verdict": "holds"})
    assert portable.main(["fake-broken", "no-such-claim", "fake-fine"]) == 0
    broken_line, missing, fine = _lines(capsys.readouterr().out)
    assert broken_line == {"id": "fake-broken", "verdict": "error", "error": "ValueError: no state"}
    assert missing["verdict"] == "error" and missing["error"].startswith("ModuleNotFoundError")
    assert "no_such_claim" in missing["error"]
    assert fine["id"] == "fake-fine" and fine["verdict"] == "holds"


def test_the_first_claim_is_out_before_the_process_lowers_its_priority(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one asked for is printed at full priority; the rest are settled ahead, behind
    other work."""
    printed: list[str] = []

    def nice(increment: int) -> int:
        printed.append(capsys.readouterr().out)
        assert increment == 10
        return 0

    monkeypatch.setattr(os, "nice", nice)
    for claim_id in ("fake-a", "fake-b", "fake-c"):
        _fake_check(monkeypatch, claim_id, lambda: {"verdict": "holds"})
    portable.main(["fake-a", "fake-b", "fake-c"])
    assert len(printed) == 1
    assert [r["id"] for r in _lines(printed[0])] == ["fake-a"]
    assert [r["id"] for r in _lines(capsys.readouterr().out)] == ["fake-b", "fake-c"]
    portable.main(["fake-a"])  # alone: nothing is settled ahead, the priority stays
    assert len(printed) == 1


def test_without_claims_it_says_how_to_use_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert portable.main([]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("usage: python -m app.engine.portable")


def test_a_claim_asked_again_later_does_not_lower_the_priority_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_nice: list[int]
) -> None:
    for claim_id in ("fake-a", "fake-b"):
        _fake_check(monkeypatch, claim_id, lambda: {"verdict": "holds"})
    portable.main(["fake-a", "fake-b", "fake-a"])
    assert no_nice == [10]
    assert [r["id"] for r in _lines(capsys.readouterr().out)] == ["fake-a", "fake-b", "fake-a"]
