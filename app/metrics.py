"""Process metrics in the Prometheus text format (hand-written: a handful of counters)."""

from __future__ import annotations

from collections import Counter

sessions_active = 0
counters: Counter[tuple[str, str]] = Counter()  # (name, label value) -> count
HELP = {
    "lsl_sessions_total": "Live sessions opened.",
    "lsl_sessions_rejected_total": "Live sessions refused (busy, per_ip or origin).",
    "lsl_sessions_dropped_total": "Live sessions closed by the server (clients not reading).",
    "lsl_frames_total": "Frames sent to live sessions.",
    "lsl_commands_total": "Live session commands, by type.",
    "lsl_errors_total": "Error frames and responses, by kind.",
    "lsl_traces_total": "Traces computed (HTTP and live).",
    "lsl_trace_cache_total": "Traces answered without computing: hit (kept) or shared.",
    "lsl_traces_cancelled_total": "Traces nobody waited for: queued (never run) or started.",
    "lsl_requests_abandoned_total": "HTTP requests whose client left while their work ran.",
}


durations: dict[tuple[str, str], list[float]] = {}  # (name, label) -> [sum, count]
DURATION_HELP = {"lsl_job_seconds": "Experiment job run time, by final status."}


def observe(name: str, seconds: float, label: str = "") -> None:
    total = durations.setdefault((name, label), [0.0, 0])
    total[0] += seconds
    total[1] += 1


def inc(name: str, label: str = "", by: int = 1) -> None:
    counters[(name, label)] += by


def render(extra_gauges: dict[str, float]) -> str:
    lines = [
        "# HELP lsl_sessions_active Live sessions open now.",
        "# TYPE lsl_sessions_active gauge",
        f"lsl_sessions_active {sessions_active}",
    ]
    for name, value in extra_gauges.items():
        lines += [f"# TYPE {name} gauge", f"{name} {value}"]
    for name, help_text in HELP.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
        series = [(label, n) for (metric, label), n in counters.items() if metric == name]
        if not series:
            lines.append(f"{name} 0")
        for label, n in sorted(series):
            key = "type" if name == "lsl_commands_total" else "kind"
            lines.append(f'{name}{{{key}="{label}"}} {n}' if label else f"{name} {n}")
    for name, help_text in DURATION_HELP.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} summary"]
        for (metric, label), (total, count) in sorted(durations.items()):
            if metric == name:
                lines += [
                    f'{name}_sum{{status="{label}"}} {total:.3f}',
                    f'{name}_count{{status="{label}"}} {int(count)}',
                ]
    return "\n".join(lines) + "\n"
