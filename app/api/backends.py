"""A scenario on every installed Keras backend: its exported Keras script (app/export.py) run
on JAX and PyTorch, each in its own process on a worker, and the states each kept after every
batch compared with TensorFlow's trace."""

from __future__ import annotations

import hashlib
from typing import Any

import anyio
import numpy as np
from fastapi import APIRouter, Request

from app import budget, export
from app.api.deps import JobsDep, TracesDep, owner, while_connected
from app.api.errors import LAB_ERRORS
from app.scenario import Scenario

router = APIRouter(prefix="/api/backends", tags=["backends"])
SAME = 1e-4  # backends' float32 kernels differ by ~1e-6; a kept state that differs more is not
START_S = 20.0  # a backend process: Python, Keras and the backend imported


def compare(trace: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """One backend's kept states vs TensorFlow's, batch by batch (stateful layers only)."""
    out = {k: run.get(k) for k in ("backend", "version", "verdict", "error")}
    if run["verdict"] == "not_installed":
        return out
    per_batch = []
    for batch, got in zip(trace["batches"], run.get("states") or [], strict=False):
        worst = 0.0
        for layer, states in zip(batch["layers"], got, strict=True):
            if layer["keras_final"] is None or states is None:
                continue
            want = list(layer["keras_final"].values())
            for g, w in zip(states, want, strict=True):
                worst = max(worst, float(np.max(np.abs(np.asarray(g) - np.asarray(w)))))
        per_batch.append(worst)
    differs = [k for k, d in enumerate(per_batch) if d > SAME]
    out |= {
        "batches": len(trace["batches"]),
        "ran_batches": len(per_batch),
        "per_batch": per_batch,
        "first_differs": differs[0] if differs else None,
        "max_abs_diff": max(per_batch, default=0.0),
        "compared": sum(layer["keras_final"] is not None for layer in trace["batches"][0]["layers"])
        if trace["batches"]
        else 0,
    }
    if run["verdict"] == "ran":
        out["verdict"] = "differs" if differs else "same"
    return out


@router.post("/compare", responses=LAB_ERRORS)
async def compare_backends(
    scenario: Scenario, request: Request, traces: TracesDep, jobs: JobsDep
) -> dict[str, Any]:
    """The scenario on TensorFlow (its verified trace) and on every other installed Keras
    backend (the same Keras program, exported, in its own process on a worker): per backend,
    whether it ran, and how far the states it kept after each batch are from TensorFlow's.
    Priced first (the trace's budget, then the job's)."""
    price = traces.price(scenario)
    seconds = 2 * (START_S + 5 * price.seconds)  # JAX and PyTorch, one process each
    budget.check_job(
        seconds, request.app.state.settings.job_budget_s, "fewer batches, epochs or units"
    )
    trace = await while_connected(request, traces.trace(scenario, owner(request)))
    script = await anyio.to_thread.run_sync(export.script, trace)
    key = "replay:" + hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
    runs = await while_connected(request, jobs.call("replay", script, key=key))
    tf = trace["verification"]
    return {
        "tensorflow": {
            "backend": "tensorflow",
            "version": tf["tensorflow_version"],
            "verdict": "same",
            "batches": len(trace["batches"]),
            "verified": tf["passed"],
        },
        **{b: compare(trace, r) for b, r in runs.items()},
    }
