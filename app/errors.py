"""Errors the engine reports to users: every one carries a structured, JSON-able payload.

Every error a user sees has a stable `code` and its values as fields: the page translates it
with the catalog key `error.<code>` (app/i18n/<lang>/errors.json) filled with those values;
`message` stays English for the CLI and API clients.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any


class LabError(Exception):
    """Base class: `kind` names the error, `code` the exact problem (default: the kind),
    `detail` the values a client shows (and fills the translated message with)."""

    kind = "lab_error"

    def __init__(self, message: str, *, code: str | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.kind
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "code": self.code, "message": self.message, **self.detail}


class ScenarioError(LabError):
    """The scenario is valid field by field but cannot be laid out (e.g. too few samples)."""

    kind = "invalid_scenario"


class KerasRejected(LabError):
    """Keras itself refused an operation; `message` is Keras's own text."""

    kind = "keras_rejected"


class VerificationFailed(LabError):
    """The recomputed trace disagrees with Keras beyond the tolerance: never shown as valid."""

    kind = "verification_failed"


# -- pydantic validation errors ------------------------------------------------------------------
# One shape wherever a ValidationError reaches a user (HTTP 422, the live error frame, the CLI):
# {"field", "message" (pydantic's English), "type" (pydantic's error type or our custom code:
# the catalog key is error.<type>), "ctx" (the values the message names, JSON-safe)}.


def json_safe(value: Any) -> Any:
    """`value` with everything JSON cannot hold as text (exceptions, NaN, sets...)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):  # orjson (the live frames) holds 64-bit integers only
        return value if -(2**63) <= value < 2**64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


def dotted(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def validation_items(
    errors: Iterable[Mapping[str, Any]], field: Callable[[tuple[Any, ...]], str] = dotted
) -> list[dict[str, Any]]:
    """pydantic's `errors()` as the items users get; `field` turns a `loc` into a name."""
    return [
        {
            "field": field(e["loc"]),
            "message": e["msg"],
            "type": e["type"],
            "ctx": json_safe(e.get("ctx") or {}),
        }
        for e in errors
    ]


def headline(items: list[dict[str, Any]], default: str) -> dict[str, Any]:
    """The first problem's code, values and field, for the top level of an error payload (what
    the page translates as the error's one line); `default` is the code when there is none."""
    if not items:
        return {"code": default, "ctx": {}, "field": ""}
    first = items[0]
    return {"code": first["type"], "ctx": first["ctx"], "field": first["field"]}


class JobFailed(LabError):
    """Work on the job queue failed or was cancelled; `code` names why (worker_stopped,
    job_timeout, job_lost, cancelled, or the task's own error code)."""

    kind = "job_failed"
