"""Keras's other backends: which are installed, and work run on one of them in its own process
(KERAS_BACKEND is read once, when Keras is imported): claim checks
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
import threading
import time
from importlib import metadata, util
from pathlib import Path
from typing import Any

from app.claims import CLAIMS

BACKENDS = ("tensorflow", "jax", "torch")
MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "jax": ("jax",),
    "torch": ("torch",),
}
TIMEOUT_S = 300
# Results settled ahead, by (backend, claim): one backend import serves every claim (a JAX
# import is ~7 s), each used once and only while fresh; _PENDING: those still being settled.
AHEAD: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
AHEAD_TTL_S = 600
_PENDING: dict[tuple[str, str], threading.Event] = {}
# per backend, each running process's claims not settled yet, in its order (the first is the
# one it is on)
_QUEUES: dict[str, list[list[str]]] = {}
_LOCK = threading.Lock()


def installed() -> dict[str, bool]:
    return {b: util.find_spec(MODULES[b]) is not None for b in BACKENDS}


def version(backend: str) -> str | None:
    for name in DISTRIBUTIONS[backend]:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _env(backend: str) -> dict[str, str]:
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _on(
    backend: str, argv: list[str], timeout: float, stdin: str | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[str] | None:
    """`python argv...` with KERAS_BACKEND=`backend` (read once, when Keras is imported);
    None if it ran past `timeout`."""
    try:
        return subprocess.run(
            [sys.executable, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(backend),
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
    """The check of `claim_id` on `backend`, in a fresh process."""
    return run_portable_many([claim_id], backend)[0]


def run_portable_many(claim_ids: list[str], backend: str) -> list[dict[str, Any]]:
    """Claim checks on `backend`, in one fresh process (one backend import for all). A backend
    that is not installed, or a check that fails, gives results that say so (never an
    exception)."""

    def failed(verdict: str, error: str | None = None) -> list[dict[str, Any]]:
        extra = {"error": error} if error else {}
        return [{"id": c, "backend": backend, "verdict": verdict, **extra} for c in claim_ids]

    if not claim_ids:
        return []
    if not installed().get(backend, False):
        return failed("not_installed")
    done = _on(backend, _command(claim_ids), TIMEOUT_S * len(claim_ids))
    if done is None:
        return failed("error", "timed out")
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            found[result["id"]] = result
    missing = {r["id"]: r for r in failed("error", _last_words(done))}
    return [found.get(c) or missing[c] for c in claim_ids]


def _command(claim_ids: list[str]) -> list[str]:
    return ["-m", "app.engine.portable", *claim_ids]


def _settle(backend: str, result: dict[str, Any], queue: list[str] | None = None) -> None:
    with _LOCK:  # off its process's list and kept in one step: never seen as neither
        if queue is not None and result["id"] in queue:
            queue.remove(result["id"])
        AHEAD[(backend, result["id"])] = (time.monotonic(), result)
        waiting = _PENDING.pop((backend, result["id"]), None)
    if waiting:
        waiting.set()


def _stream(claim_ids: list[str], backend: str) -> None:
    """One process settles `claim_ids` on `backend`, in that order; each result is kept in
    AHEAD as soon as it is printed, so the first is ready while the others still run."""
    queue = list(claim_ids)
    with _LOCK:
        for c in claim_ids:  # one already on its way elsewhere keeps the event its waiters hold
            _PENDING.setdefault((backend, c), threading.Event())
        _QUEUES.setdefault(backend, []).append(queue)
    err = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (read() closes it)
    proc = subprocess.Popen(
        [sys.executable, *_command(claim_ids)],
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
        env=_env(backend),
    )
    timer = threading.Timer(TIMEOUT_S * len(claim_ids), proc.kill)
    timer.daemon = True
    timer.start()

    def read() -> None:
        settled: set[str] = set()
        try:
            assert proc.stdout is not None
            with proc.stdout:
                for line in proc.stdout:
                    if line.startswith("{"):
                        result = json.loads(line)
                        settled.add(result["id"])
                        _settle(backend, result, queue)
            proc.wait()
        finally:
            timer.cancel()
            err.seek(0)
            said = (err.read().strip().splitlines() or ["no output"])[-1][:300]
            err.close()
            why = (
                f"timed out after {TIMEOUT_S * len(claim_ids)} s" if proc.returncode == -9 else said
            )
            with _LOCK:
                queues = _QUEUES.get(backend, [])
                if queue in queues:
                    queues.remove(queue)
            for c in claim_ids:
                if c not in settled:
                    _settle(backend, dict(id=c, backend=backend, verdict="error", error=why))

    threading.Thread(target=read, name=f"claims-{backend}", daemon=True).start()


def _ask(claim_id: str, backend: str, ahead: bool) -> dict[str, Any] | threading.Event:
    """`claim_id` on `backend`: a fresh result kept ahead, or the event set once it is settled,
    in a process started now unless one is already on it. With `ahead`, that process goes on
    to settle every other claim, kept for when they are asked (one backend import for all: the
    start-up fill, "Run all"), else it stops there (one claim run again). A claim that a
    process has further down its list gets a process of its own: it would wait behind every
    claim before it (~3 s each, at a low priority)."""
    key = (backend, claim_id)
    with _LOCK:
        waiting = _PENDING.get(key)
        at, result = (0.0, {}) if waiting else AHEAD.pop(key, (0.0, {}))
        on_it = any(q and q[0] == claim_id for q in _QUEUES.get(backend, []))
    if waiting is not None:
        if not on_it:
            _stream([claim_id], backend)  # its result settles the same wait, whoever is first
        return waiting
    if result and time.monotonic() - at < AHEAD_TTL_S:
        return result
    if not installed().get(backend, False):
        return {"id": claim_id, "backend": backend, "verdict": "not_installed"}
    with _LOCK:  # not those another process is already settling, or will
        busy = {c for q in _QUEUES.get(backend, []) for c in q}
        others = [c.id for c in CLAIMS if ahead and c.id not in busy]
    _stream([claim_id, *(c for c in others if c != claim_id)], backend)
    with _LOCK:
        waiting = _PENDING.get(key)
    if waiting is None:  # settled already, before this look
        waiting = threading.Event()
        waiting.set()
    return waiting


def _take(claim_id: str, backend: str, asked: dict[str, Any] | threading.Event) -> dict[str, Any]:
    if isinstance(asked, dict):
        return asked
    asked.wait(TIMEOUT_S + 10)
    with _LOCK:
        _, result = AHEAD.pop((backend, claim_id), (0.0, {}))
    return result or {**_timed_out(backend), "id": claim_id}


def side_by_side(
    claim_id: str, here: dict[str, Any], ahead: bool = True
) -> dict[str, dict[str, Any]]:
    """Every backend's verdict of a claim: `here` is TensorFlow's (this process); the other
    backends' processes run at the same time."""
    keep = ("verdict", "finding", "finding_key", "finding_params", "evidence", "error")
    out = {
        "tensorflow": {k: here[k] for k in keep if k in here} | {"version": version("tensorflow")}
    }
    asked = {backend: _ask(claim_id, backend, ahead) for backend in BACKENDS[1:]}
    for backend, on in asked.items():
        result = _take(claim_id, backend, on)
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
