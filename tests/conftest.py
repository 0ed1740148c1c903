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


def run(**parts: Any) -> dict[str, Any]:
    from app.engine import tracer

    return tracer.run(scenario(**parts)).to_dict()


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
