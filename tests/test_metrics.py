"""Prometheus metrics of one process (app/metrics.py): counters, job durations and live
sessions recorded by its functions show in the exposition text with their values, beside the
job queue's figures. Adding up several processes is tests/test_server.py's."""

from __future__ import annotations

import re
import time

import pytest
from prometheus_client import REGISTRY

from app import metrics

PROCESS = {"tasks": 7.0, "rss": 123456.0}


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _rendered(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition text."""
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    series = re.escape(f"{name}{{{inner}}}" if labels else name)
    found = re.search(rf"^{series} (\S+)$", text, re.M)
    assert found, f"{name} {labels} not in the metrics"
    return float(found.group(1))


def _render(queue: dict[str, float] | None = None) -> str:
    return metrics.render(PROCESS, queue or {}).decode()


def test_a_counter_without_labels_counts_what_inc_adds() -> None:
    before = _value("lsl_traces_total")
    metrics.inc("lsl_traces_total")
    metrics.inc("lsl_traces_total", by=3)
    assert _value("lsl_traces_total") == before + 4
    assert _rendered(_render(), "lsl_traces_total") == before + 4


def test_a_labelled_counter_counts_each_label_apart() -> None:
    busy = _value("lsl_sessions_rejected_total", kind="busy")
    origin = _value("lsl_sessions_rejected_total", kind="origin")
    metrics.inc("lsl_sessions_rejected_total", "busy")
    metrics.inc("lsl_sessions_rejected_total", "busy")
    metrics.inc("lsl_sessions_rejected_total", "origin")
    text = _render()
    assert _rendered(text, "lsl_sessions_rejected_total", kind="busy") == busy + 2
    assert _rendered(text, "lsl_sessions_rejected_total", kind="origin") == origin + 1


def test_an_unknown_counter_is_refused() -> None:
    with pytest.raises(KeyError):
        metrics.inc("lsl_nothing_total")


def test_every_counter_is_described_in_the_exposition() -> None:
    text = _render()
    for name, (help_text, _) in metrics._COUNTERS.items():
        assert f"# HELP {name} {help_text}" in text
        assert f"# TYPE {name} counter" in text


def test_job_durations_add_to_the_count_and_sum_of_their_final_status() -> None:
    count = _value("lsl_job_seconds_count", status="failed")
    total = _value("lsl_job_seconds_sum", status="failed")
    metrics.observe("lsl_job_seconds", 1.5, "failed")
    metrics.observe("lsl_job_seconds", 0.25, "failed")
    text = _render()
    assert _rendered(text, "lsl_job_seconds_count", status="failed") == count + 2
    assert _rendered(text, "lsl_job_seconds_sum", status="failed") == pytest.approx(total + 1.75)


def test_sessions_opened_and_closed_move_the_gauge_and_the_own_count() -> None:
    gauge, own = _value("lsl_sessions_active"), metrics.sessions_active
    opened = _value("lsl_sessions_total")
    metrics.session_opened()
    try:
        metrics.session_opened()
        assert metrics.sessions_active == own + 2
        assert _rendered(_render(), "lsl_sessions_active") == gauge + 2
        metrics.session_closed()
    finally:
        metrics.session_closed()
    assert metrics.sessions_active == own
    assert _rendered(_render(), "lsl_sessions_active") == gauge
    # app/api/live.py counts lsl_sessions_total itself: counting here too would count twice
    assert _value("lsl_sessions_total") == opened


def test_a_session_event_marks_the_process_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "last_active", 0.0)
    before = time.monotonic()
    metrics.session_opened()
    metrics.session_closed()
    assert metrics.last_active >= before


def test_idle_for_counts_from_the_last_use_and_is_zero_while_a_session_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "sessions_active", 0)
    monkeypatch.setattr(metrics, "last_active", time.monotonic() - 600)
    assert metrics.idle_for() >= 600
    metrics.touch()
    assert metrics.idle_for() < 600
    monkeypatch.setattr(metrics, "last_active", time.monotonic() - 600)
    monkeypatch.setattr(metrics, "sessions_active", 1)
    assert metrics.idle_for() == 0.0


def test_render_sets_the_process_gauges_from_what_it_is_given() -> None:
    text = metrics.render({"tasks": 11.0, "rss": 2048.0}, {}).decode()
    assert _rendered(text, "lsl_asyncio_tasks") == 11.0
    assert _rendered(text, "lsl_resident_memory_bytes") == 2048.0
    text = metrics.render({"tasks": 3.0, "rss": 4096.0}, {}).decode()
    assert _rendered(text, "lsl_asyncio_tasks") == 3.0
    assert len(metrics._process_gauges()) == 2  # made once, not once a scrape


def test_render_appends_the_job_queue_figures_as_gauges() -> None:
    queue = {"depth": 4, "running": 1, "workers": 2, "oldest_age_s": 12.5}
    text = _render(queue)
    assert _rendered(text, "lsl_queue_depth") == 4.0
    assert _rendered(text, "lsl_queue_running") == 1.0
    assert _rendered(text, "lsl_queue_workers") == 2.0
    assert _rendered(text, "lsl_queue_oldest_age_seconds") == 12.5
    assert "# TYPE lsl_queue_depth gauge" in text
    assert text.endswith("\n")


def test_queue_figures_missing_from_the_stats_read_zero() -> None:
    text = _render({"depth": 2})
    assert _rendered(text, "lsl_queue_depth") == 2.0
    for name in ("lsl_queue_running", "lsl_queue_workers", "lsl_queue_oldest_age_seconds"):
        assert _rendered(text, name) == 0.0


def test_a_process_exit_marks_it_dead_only_in_multi_process_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead: list[int] = []
    monkeypatch.setattr(metrics.multiprocess, "mark_process_dead", dead.append)
    metrics.process_exited(1234)
    assert dead == []
    monkeypatch.setattr(metrics, "MULTIPROCESS", True)
    metrics.process_exited(1234)
    assert dead == [1234]
