"""Keras's other backends: which are installed, and a portable claim check run on one of them
in its own process (KERAS_BACKEND is read once, when Keras is imported).

Nothing here imports TensorFlow, JAX or PyTorch: `installed()` only looks for them, and a check
runs in a fresh `python -m app.engine.portable <claim>` with that backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata, util
from typing import Any

BACKENDS = ("tensorflow", "jax", "torch")
MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "jax": ("jax",),
    "torch": ("torch",),
}
TIMEOUT_S = 300


def installed() -> dict[str, bool]:
    return {b: util.find_spec(MODULES[b]) is not None for b in BACKENDS}


def version(backend: str) -> str | None:
    for name in DISTRIBUTIONS[backend]:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def run_portable(claim_id: str, backend: str) -> dict[str, Any]:
    """The portable check of `claim_id` on `backend`, in a fresh process."""
    return run_portable_many([claim_id], backend)[0]


def run_portable_many(claim_ids: list[str], backend: str) -> list[dict[str, Any]]:
    """Portable checks on `backend`, in one fresh process (one backend import for all). A
    backend that is not installed, or a check that fails, gives results that say so (never an
    exception)."""

    def failed(verdict: str, error: str | None = None) -> list[dict[str, Any]]:
        extra = {"error": error} if error else {}
        return [{"id": c, "backend": backend, "verdict": verdict, **extra} for c in claim_ids]

    if not installed().get(backend, False):
        return failed("not_installed")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.engine.portable", *claim_ids],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S * len(claim_ids),
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return failed("error", "timed out")
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            found[result["id"]] = result
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
    return [found.get(c) or failed("error", tail)[0] for c in claim_ids]


def side_by_side(claim_id: str, here: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every backend's verdict of a portable claim: `here` is TensorFlow's (this process)."""
    keep = ("verdict", "finding", "finding_key", "finding_params", "evidence", "error")
    out = {
        "tensorflow": {k: here[k] for k in keep if k in here} | {"version": version("tensorflow")}
    }
    for backend in BACKENDS[1:]:
        result = run_portable(claim_id, backend)
        out[backend] = {k: result[k] for k in keep if k in result} | {"version": version(backend)}
    return out
