"""Server log lines (app/logs.py): one JSON object a line with the record's fields, uvicorn's
access lines as request fields, and the dictConfig that routes uvicorn's loggers and ours."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.logs import JsonFormatter, config

ROOT = Path(__file__).resolve().parents[1]


def _record(
    name: str, msg: str, args: Any = (), level: int = logging.INFO, **extra: Any
) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    for key, value in extra.items():  # what `extra=` does in Logger.makeRecord
        setattr(record, key, value)
    return record


def _line(record: logging.LogRecord) -> dict[str, Any]:
    text = JsonFormatter().format(record)
    assert "\n" not in text  # one record, one line
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_a_record_is_one_json_object_with_time_level_logger_and_message() -> None:
    record = _record("app.workers", "worker %s started", ("jobs",), logging.WARNING)
    record.created = 1_700_000_000.1234
    assert _line(record) == {
        "ts": "2023-11-14T22:13:20.123+00:00",
        "level": "warning",
        "logger": "app.workers",
        "message": "worker jobs started",
    }


def test_extra_fields_become_fields_of_the_line() -> None:
    line = _line(_record("app.workers", "worker started", worker="big", pid=4321))
    assert line["worker"] == "big" and line["pid"] == 4321
    # none of LogRecord's own attributes leak into the line
    assert not {"args", "msg", "levelno", "pathname", "lineno", "thread"} & set(line)


def test_values_json_cannot_hold_are_written_as_text_and_unicode_as_is() -> None:
    record = _record("app", "état %s", ("réglé",), where=Path("/tmp/x"), ids={1})
    text = JsonFormatter().format(record)
    assert "état réglé" in text  # not \u00e9 escapes
    parsed = json.loads(text)
    assert parsed["where"] == "/tmp/x" and parsed["ids"] == "{1}"


def test_uvicorns_access_line_is_a_request_event_with_its_parts() -> None:
    record = _record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/presets", "1.1", 200),
    )
    line = _line(record)
    assert line["event"] == "request" and "message" not in line
    assert (line["client"], line["method"], line["path"], line["status"]) == (
        "127.0.0.1:5000",
        "GET",
        "/api/presets",
        200,
    )


def test_an_exception_is_kept_in_the_same_line() -> None:
    try:
        raise ValueError("bad input")
    except ValueError:
        record = _record("app", "task failed")
        record.exc_info = sys.exc_info()
    line = _line(record)
    assert line["message"] == "task failed"
    assert "Traceback" in line["exception"] and "ValueError: bad input" in line["exception"]


def test_config_routes_uvicorn_and_app_loggers_to_one_handler_at_the_level() -> None:
    built = config("json", "debug")
    assert built["formatters"]["main"] == {"()": "app.logs.JsonFormatter"}
    assert built["handlers"]["main"]["stream"] == "ext://sys.stderr"
    assert set(built["loggers"]) == {"uvicorn", "uvicorn.access", "app"}
    for logger in built["loggers"].values():
        assert logger == {"handlers": ["main"], "level": "DEBUG", "propagate": False}
    assert built["disable_existing_loggers"] is False  # loggers made at import keep working
    text = config("text", "info")["formatters"]["main"]
    assert "%(levelname)" in text["format"] and "%(message)s" in text["format"]


def test_the_json_config_applied_writes_json_lines_to_stderr_above_the_level() -> None:
    # its own interpreter: dictConfig replaces handlers process-wide (pytest's too)
    code = (
        "import logging, logging.config\n"
        "from app.logs import config\n"
        "logging.config.dictConfig(config('json', 'warning'))\n"
        "log = logging.getLogger('app.test')\n"
        "log.info('not shown')\n"
        "log.warning('shown', extra={'job': 'abc'})\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["message"] == "shown" and line["job"] == "abc" and line["logger"] == "app.test"
