"""The parts of a live connection (app/api/live_parts.py): its memory cap, rate bucket,
error frames and message text."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from app.api import live_parts
from app.live.protocol import COMMAND
from app.live.session import SessionError
from app.settings import Settings


def test_live_traces_hold_no_more_memory_than_the_setting() -> None:
    settings = Settings(sessions_memory_mb=1)
    held = live_parts._HELD[0]
    live_parts.reserve(600_000, settings)
    try:
        with pytest.raises(SessionError) as refused:
            live_parts.reserve(600_000, settings)  # 1.2 MB in all: over the cap
        assert refused.value.code == "server_busy" and refused.value.detail["limit"] == "1 MB"
        assert live_parts._HELD[0] == held + 600_000  # the refused one holds nothing
    finally:
        live_parts.release(600_000)
    assert live_parts._HELD[0] == held
    live_parts.release(10**12)  # releasing more than is held never goes below nothing
    assert live_parts._HELD[0] == 0


def test_the_bucket_refills_at_its_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(live_parts.time, "monotonic", lambda: now[0])
    bucket = live_parts.Bucket(rate=2)
    assert [bucket.take() for _ in range(4)] == [0.0] * 4  # a burst of twice the rate
    assert bucket.take() == pytest.approx(0.5)
    now[0] += 0.5  # one token back
    assert bucket.take() == 0.0 and bucket.take() > 0
    now[0] += 60  # never more than the burst
    assert [bucket.take() for _ in range(5)].count(0.0) == 4


def test_a_validation_frame_names_the_field_as_users_know_it() -> None:
    raw = '{"type": "load", "scenario": {"batching": {"batch_size": 0}}}'
    with pytest.raises(ValidationError) as bad:
        COMMAND.validate_json(raw)
    frame = live_parts.validation_frame(bad.value)
    assert frame.error == "invalid_message" and frame.type == "error"
    extra = frame.model_extra or {}
    assert extra["field"] == "batching.batch_size"  # not load.scenario.batching.batch_size
    assert frame.code == "greater_than_equal" and extra["ctx"] == {"ge": 1}
    assert frame.message.startswith("batching.batch_size: ")


def test_a_reply_for_the_compare_run_carries_its_slot() -> None:
    frame = live_parts.error_frame("session", "nothing loaded", code="no_scenario_loaded")
    assert "slot" not in orjson.loads(live_parts.dumps(frame))
    assert orjson.loads(live_parts.dumps(frame, "b"))["slot"] == "b"
