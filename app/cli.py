"""Command line: `lstm-state-lab trace SCENARIO.json`, `presets`, `schema`, `serve`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """field, message, type (pydantic's error type or our code) and ctx (its values) each."""
    from app.errors import validation_items

    return validation_items(exc.errors(include_url=False))


def _trace(args: argparse.Namespace) -> int:
    from app.errors import LabError
    from app.scenario import Scenario

    try:
        raw = json.loads(Path(args.scenario).read_text(encoding="utf-8"))
        scenario = Scenario.model_validate(raw)
    except (OSError, json.JSONDecodeError) as exc:
        print(json.dumps({"error": "unreadable_scenario", "message": str(exc)}), file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(
            json.dumps(
                {"error": "invalid_scenario", "errors": _validation_errors(exc)},
                ensure_ascii=False,
                indent=2,
            ),
            file=sys.stderr,
        )
        return 2
    from app.engine import tracer

    try:
        trace = tracer.run(scenario).to_dict()
    except LabError as exc:
        print(json.dumps(exc.to_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        return 3
    text = json.dumps(trace, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        v = trace["verification"]
        print(
            f"{len(trace['batches'])} batches, verified against Keras {v['keras_version']}: "
            f"max |Δ| = {v['max_abs_diff']:.2g} -> {args.output}"
        )
    else:
        print(text)
    return 0


def _presets(_: argparse.Namespace) -> int:
    from app.presets import PRESETS

    for name, text in PRESETS.items():
        print(f"{name:16} {text}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from app.schemas import schemas

    print(json.dumps(schemas()[args.which], indent=2, ensure_ascii=False))
    return 0


def _metrics_dir() -> None:
    """Every server process writes its metrics here and /metrics adds them all up
    (prometheus-client's multiprocess mode); set before anything imports the metrics."""
    import tempfile

    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:  # the operator's: values of a previous run must not be added to this one's
        Path(path).mkdir(parents=True, exist_ok=True)
        for old in Path(path).glob("*.db"):
            old.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lsl-metrics-")


def _serve(args: argparse.Namespace) -> int:
    _metrics_dir()
    from app.server import run
    from app.settings import get_settings

    settings = get_settings()
    host = settings.host if args.host is None else args.host
    port = settings.port if args.port is None else args.port
    # Each worker process builds its app from the environment (sessions stay per process).
    os.environ["LSL_HOST"], os.environ["LSL_PORT"] = host, str(port)
    run(
        host,
        port,
        args.workers,
        args.log_level,
        args.log_format or settings.log_format,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from app.queue_worker import main as work
    from app.settings import get_settings

    return work(get_settings(), burst=args.burst)


def _claims(args: argparse.Namespace) -> int:
    """Each claim's verdict and evidence on one backend, each check in a fresh process on it."""
    from app.claims import BY_ID, CLAIMS
    from app.engine import backends

    ids = args.ids or [c.id for c in CLAIMS]
    unknown = [i for i in ids if i not in BY_ID]
    if unknown:
        print(f"unknown claim(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    results = backends.run_portable_many(ids, args.backend)
    if args.json:
        print(json.dumps(results, indent=1, default=float))
    else:
        for r in results:
            print(f"{r['id']}: {r['verdict']}" + (f" — {r['finding']}" if r.get("finding") else ""))
    return 1 if any(r["verdict"] == "error" for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lstm-state-lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("trace", help="run a scenario file and print its verified trace as JSON")
    p.add_argument("scenario", help="path of a scenario JSON file")
    p.add_argument("-o", "--output", help="write the trace to this file instead of stdout")
    p.set_defaults(func=_trace)
    p = sub.add_parser("presets", help="list the data presets")
    p.set_defaults(func=_presets)
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario, the trace, the live commands or the live "
        "replies",
    )
    p.add_argument("which", choices=["scenario", "trace", "live", "live_replies"])
    p.set_defaults(func=_schema)
    p = sub.add_parser("claims", help="settle the claims on Keras, on one backend")
    p.add_argument("ids", nargs="*", help="claim ids (default: all)")
    p.add_argument("--backend", choices=["tensorflow", "jax", "torch"], default="tensorflow")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=_claims)
    p = sub.add_parser("serve", help="run the web server")
    # no defaults here: an absent flag keeps LSL_HOST / LSL_PORT (else the settings' defaults)
    p.add_argument("--host", default=None, help="default: LSL_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: LSL_PORT or 8000")
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--log-format",
        choices=["json", "text"],
        default=None,
        help="json: one object a line, for log collectors (default: LSL_LOG_FORMAT or json)",
    )
    p.set_defaults(func=_serve)
    p = sub.add_parser(
        "worker", help="run queued jobs from Redis (LSL_REDIS_URL), TensorFlow kept warm"
    )
    p.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    p.set_defaults(func=_worker)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
