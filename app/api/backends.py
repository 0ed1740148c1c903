"""A scenario on every installed Keras backend: its exported Keras script (app/export.py) run
on JAX and PyTorch, each in its own process on a worker, and the states each kept after every
batch compared with TensorFlow's trace."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import anyio
import numpy as np
from fastapi import APIRouter, Request

from app import budget, export
from app.api.deps import JobsDep, TracesDep, owner, while_connected
from app.api.errors import LAB_ERRORS
from app.scenario import Scenario
from app.schemas import TraceDoc

router = APIRouter(prefix="/api/backends", tags=["backends"])
SAME = 1e-4  # backends' float32 kernels differ by ~1e-6; a kept state that differs more is not
START_S = 20.0  # a backend process: Python, Keras and the backend imported
CHECKED_BATCHES = 32  # a backend's own layers are checked on the first batches of the run
KEPT = 64  # results kept by scenario: a class asking for the lesson's run computes it once
_KEPT: OrderedDict[str, dict[str, Any]] = OrderedDict()


def layer_check_data(trace: TraceDoc) -> dict[str, Any]:
    """What app/engine/layer_check.py needs, as plain lists (it goes to another process): per
    batch, the inputs and per layer its weights, initial states and the h shown (full batches
    only: a lone row's broadcast is TensorFlow's)."""
    names = [layer.state_names for layer in trace.model.layers]
    batches: list[dict[str, Any]] = []
    for b in trace.batches:
        if len(batches) == CHECKED_BATCHES:
            break
        if len(b.inputs) != len(b.layers[0].h):
            continue
        weights = trace.weights[b.weights_version].layers
        batches.append(
            {
                "x": b.inputs.tolist(),
                "layers": [
                    {
                        "initial": [layer.initial[n].tolist() for n in names[i]],
                        "weights": [a.tolist() for a in weights[i].arrays],
                        "h": layer.h.tolist(),
                    }
                    for i, layer in enumerate(b.layers)
                ],
            }
        )
    return {
        "kinds": [layer.kind for layer in trace.model.layers],
        "units": [layer.units for layer in trace.model.layers],
        "batches": batches,
    }


def compare(trace: TraceDoc, run: dict[str, Any]) -> dict[str, Any]:
    """One backend's kept states vs TensorFlow's, batch by batch (stateful layers only)."""
    out = {k: run.get(k) for k in ("backend", "version", "verdict", "error", "layer_check")}
    if run["verdict"] == "not_installed":
        return out
    per_batch = []
    for batch, got in zip(trace.batches, run.get("states") or [], strict=False):
        worst = 0.0
        for layer, states in zip(batch.layers, got, strict=True):
            if layer.keras_final is None or states is None:
                continue
            want = list(layer.keras_final.values())
            for g, w in zip(states, want, strict=True):
                worst = max(worst, float(np.max(np.abs(np.asarray(g) - w))))
        per_batch.append(worst)
    differs = [k for k, d in enumerate(per_batch) if d > SAME]
    first = trace.batches[0].layers if trace.batches else []
    out |= {
        "batches": len(trace.batches),
        "ran_batches": len(per_batch),
        "per_batch": per_batch,
        "first_differs": differs[0] if differs else None,
        "max_abs_diff": max(per_batch, default=0.0),
        "compared": sum(layer.keras_final is not None for layer in first),
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
    whether it ran, and how far the states it kept after each batch are from TensorFlow's; and
    `layer_check`: that backend's own layers on the trace's weights and states, their h vs
    TensorFlow's and vs a NumPy recurrence. Priced first (the trace's budget, then the job's)."""
    key = "replay:" + hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
    if key in _KEPT:
        _KEPT.move_to_end(key)
        return _KEPT[key]
    price = traces.price(scenario)
    seconds = 2 * (2 * START_S + 5 * price.seconds)  # JAX and PyTorch, two processes each
    budget.check_job(
        seconds, request.app.state.settings.job_budget_s, "fewer batches, epochs or units"
    )
    trace = await while_connected(request, traces.trace(scenario, owner(request)))
    script = await anyio.to_thread.run_sync(export.script, trace)
    layers = await anyio.to_thread.run_sync(layer_check_data, trace)
    runs = await while_connected(
        request, jobs.call("replay", script, layers, key=key, owner=owner(request))
    )
    tf = trace.verification
    result = {
        "tensorflow": {
            "backend": "tensorflow",
            "version": tf.tensorflow_version,
            "verdict": "same",
            "batches": len(trace.batches),
            "verified": tf.passed,
        },
        **{b: compare(trace, r) for b, r in runs.items()},
    }
    _KEPT[key] = result
    while len(_KEPT) > KEPT:
        _KEPT.popitem(last=False)
    return result
