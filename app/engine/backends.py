"""Keras's other backends: which are installed, and work run on one of them in its own process
(KERAS_BACKEND is read once, when Keras is imported): portable claim checks
(`python -m app.engine.portable`), a trace's exported Keras script (replay) and that backend's
own layers checked on the trace's numbers (`python -m app.engine.layer_check`).

Nothing here imports TensorFlow, JAX or PyTorch: `installed()` only looks for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata, util
from pathlib import Path
from typing import Any

from app.claims import CLAIMS
from app.engine.checks import is_portable

BACKENDS = ("tensorflow", "jax", "torch")
MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "jax": ("jax",),
    "torch": ("torch",),
}
TIMEOUT_S = 300
# Results settled ahead, by (backend, claim): one backend import serves every portable claim
# (a JAX import is ~7 s), each used once and only while fresh.
AHEAD: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
AHEAD_TTL_S = 600


def installed() -> dict[str, bool]:
    return {b: util.find_spec(MODULES[b]) is not None for b in BACKENDS}


def version(backend: str) -> str | None:
    for name in DISTRIBUTIONS[backend]:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _on(
    backend: str, argv: list[str], timeout: float, stdin: str | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[str] | None:
    """`python argv...` with KERAS_BACKEND=`backend` (read once, when Keras is imported);
    None if it ran past `timeout`."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        return subprocess.run(
            [sys.executable, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        return None


def _timed_out(backend: str) -> dict[str, Any]:
    # a result's own words, not an error code: built by name, not as a literal
    return dict(backend=backend, verdict="error", error=f"timed out after {TIMEOUT_S} s")


def _last_words(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stderr.strip().splitlines() or ["no output"])[-1][:300]


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

    if not claim_ids:
        return []
    if not installed().get(backend, False):
        return failed("not_installed")
    tracer = [c for c in claim_ids if not is_portable(c)]
    if tracer:  # said before any process starts
        found = {
            r["id"]: r
            for r in run_portable_many([c for c in claim_ids if c not in tracer], backend)
        }
        why = "its check uses the TensorFlow tracer (not portable)"
        return [
            found.get(c) or {**failed("error")[0], "id": c, "error": f"{c}: {why}"}
            for c in claim_ids
        ]
    done = _on(backend, ["-m", "app.engine.portable", *claim_ids], TIMEOUT_S * len(claim_ids))
    if done is None:
        return failed("error", "timed out")
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            found[result["id"]] = result
    return [found.get(c) or failed("error", _last_words(done))[0] for c in claim_ids]


def _portable_ids() -> list[str]:
    return [c.id for c in CLAIMS if is_portable(c.id)]


def _other(claim_id: str, backend: str) -> dict[str, Any]:
    """`claim_id` on `backend`: settled ahead with every other portable claim in one process."""
    at, result = AHEAD.pop((backend, claim_id), (0.0, {}))
    if result and time.monotonic() - at < AHEAD_TTL_S:
        return result
    ids = [claim_id, *(c for c in _portable_ids() if c != claim_id)]
    now = time.monotonic()
    first, *rest = run_portable_many(ids, backend)
    AHEAD.update({(backend, r["id"]): (now, r) for r in rest})
    return first


def side_by_side(claim_id: str, here: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every backend's verdict of a portable claim: `here` is TensorFlow's (this process)."""
    keep = ("verdict", "finding", "finding_key", "finding_params", "evidence", "error")
    out = {
        "tensorflow": {k: here[k] for k in keep if k in here} | {"version": version("tensorflow")}
    }
    for backend in BACKENDS[1:]:
        result = _other(claim_id, backend)
        out[backend] = {k: result[k] for k in keep if k in result} | {"version": version(backend)}
    return out


def replay(script: str, backend: str) -> dict[str, Any]:
    """The exported Keras script of a trace (app/export.py) run on `backend` in a fresh
    process: the states it kept after each batch, or how far it got and what Keras raised."""
    if not installed().get(backend, False):
        return {"backend": backend, "verdict": "not_installed", "version": None}
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "replay.py", Path(tmp) / "out.json"
        path.write_text(script, encoding="utf-8")
        done = _on(backend, [str(path), str(out)], TIMEOUT_S, cwd=tmp)
        if done is None:
            return {**_timed_out(backend), "states": []}
        if not out.exists():  # it did not get as far as writing what it ran
            return {
                "backend": backend,
                "verdict": "error",
                "error": _last_words(done),
                "states": [],
            }
        got = json.loads(out.read_text(encoding="utf-8"))
    return {
        "backend": backend,
        "version": version(backend),
        "verdict": "error" if got["error"] else "ran",
        "error": got["error"] and got["error"][:300],
        "states": got["states"],
    }


def layer_check(data: dict[str, Any], backend: str) -> dict[str, Any]:
    """`backend`'s own layers on the trace's weights, inputs and states, in a fresh process
    (app/engine/layer_check.py): their h vs the trace's and vs a NumPy recurrence."""
    if not installed().get(backend, False):
        return {"backend": backend, "verdict": "not_installed"}
    done = _on(backend, ["-m", "app.engine.layer_check"], TIMEOUT_S, stdin=json.dumps(data))
    if done is None:
        return _timed_out(backend)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"backend": backend, "verdict": "error", "error": _last_words(done)}
    return {"verdict": "ran", **json.loads(lines[-1])}
