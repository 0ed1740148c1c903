from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.scenario import Scenario


def scenario(**parts: Any) -> Scenario:
    """A scenario from partial dicts: scenario(data={...}, batching={...}, ops=[...])."""
    raw: dict[str, Any] = {k: v for k, v in parts.items() if k not in ("ops", "reset", "every")}
    if "ops" in parts or "reset" in parts:
        raw["schedule"] = {
            "ops": parts.get("ops", [{"op": "call"}]),
            "reset": parts.get("reset", "never"),
            "reset_every": parts.get("every", 1),
        }
    return Scenario.model_validate(raw)


def document(**parts: Any) -> Any:
    """The scenario's trace document (app/schemas.py's TraceDoc)."""
    from app.engine import tracer

    return tracer.run(scenario(**parts)).document()


def run(**parts: Any) -> dict[str, Any]:
    """The scenario's trace in its JSON form (docs/trace.schema.json)."""
    from app.schemas import plain

    return plain(document(**parts))  # type: ignore[no-any-return]


def initial(batch: dict[str, Any], layer: int = 0, name: str = "h") -> np.ndarray:
    return np.asarray(batch["layers"][layer]["initial"][name])


def final(batch: dict[str, Any], layer: int = 0, name: str = "h") -> np.ndarray:
    return np.asarray(batch["layers"][layer]["final"][name])


def kinds(batch: dict[str, Any], layer: int = 0) -> list[tuple[str, str | None]]:
    return [(t["kind"], t["reason"]) for t in batch["layers"][layer]["transfers"]]


@pytest.fixture(scope="session")
def engine() -> Any:
    from app.engine import tracer

    return tracer


# `make test-fast` runs neither (pytest -m "not browser and not slow"): the loop for editing.
# Slow: each starts servers or processes, fuzzes, or runs many Keras models (> ~2 s a test).
SLOW = {
    "tests/api/test_claims.py",
    "tests/api/test_experiments.py",
    "tests/api/test_fuzz_http.py",
    "tests/api/test_fuzz_live.py",
    "tests/api/test_generate.py",
    "tests/deploy/test_abandon.py",
    "tests/deploy/test_isolation.py",
    "tests/deploy/test_limits.py",
    "tests/engine/test_backends.py",
    "tests/engine/test_checks.py",
    "tests/engine/test_experiment.py",
    "tests/engine/test_independent.py",
    "tests/engine/test_keras_model.py",
    "tests/engine/test_properties.py",
    "tests/test_cli.py",
    "tests/test_export.py",
    "tests/test_export_torch.py",
    "tests/test_queue_worker.py",
    "tests/test_http_timeouts.py",
    "tests/test_redis_queue.py",
    "tests/test_serve.py",
    "tests/test_server.py",
    "tests/test_worker_child.py",
    "tests/test_workers.py",
}


# Serial: each asserts a duration or races a deadline of the server's; `make test` runs them
# alone, after the rest has run two files at a time (pytest-xdist).
SERIAL = {
    "tests/browser/test_connection.py",
    "tests/deploy/test_abandon.py",
    "tests/deploy/test_limits.py",
    "tests/test_http_timeouts.py",
    "tests/test_redis_queue.py",
    "tests/test_server.py",
    "tests/test_workers.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        if path.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)
        if path in SLOW or path.startswith("tests/browser/"):
            item.add_marker(pytest.mark.slow)
        if path in SERIAL:
            item.add_marker(pytest.mark.serial)
