"""Errors the engine reports to users: every one carries a structured, JSON-able payload."""

from __future__ import annotations

from typing import Any


class LabError(Exception):
    """Base class: `kind` names the error, `detail` is what a client shows."""

    kind = "lab_error"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": self.message, **self.detail}


class ScenarioError(LabError):
    """The scenario is valid field by field but cannot be laid out (e.g. too few samples)."""

    kind = "invalid_scenario"


class KerasRejected(LabError):
    """Keras itself refused an operation; `message` is Keras's own text."""

    kind = "keras_rejected"


class VerificationFailed(LabError):
    """The recomputed trace disagrees with Keras beyond the tolerance: never shown as valid."""

    kind = "verification_failed"
