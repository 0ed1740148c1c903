"""The heavy work a worker process runs (app/workers.py), each under one name.

Every task takes its arguments as plain data (what crosses a process boundary) plus `emit`
(progress events) and `cancelled` (asked between batches), and returns plain data (a trace:
its document, app/schemas.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.schemas import TraceDoc

Emit = Callable[[dict[str, Any]], None]
Cancelled = Callable[[], bool]


def trace(scenario: dict[str, Any], *, emit: Emit, cancelled: Cancelled) -> TraceDoc:
    """A verified trace, as the typed document the web process reads (it pickles: models of
    plain values and numpy arrays)."""
    from app.engine import tracer
    from app.scenario import Scenario

    return tracer.run(Scenario.model_validate(scenario)).document()


def experiment(request: dict[str, Any], *, emit: Emit, cancelled: Cancelled) -> list[Any]:
    """The Keras stateful example for each (tsteps, lahead, batch_size) of the request."""
    from app.engine import experiment as exp

    configs = request["configs"]
    results = []
    for i, c in enumerate(configs):

        def tagged(event: dict[str, Any], i: int = i) -> None:
            emit({"config": i, "configs": len(configs), **event})

        results.append(
            exp.run(
                c["tsteps"],
                c["lahead"],
                c["batch_size"],
                request["input_len"],
                request["epochs"],
                request["seed"],
                tagged,
                cancelled,
            )
        )
    return results


def generate(request: dict[str, Any], *, emit: Emit, cancelled: Cancelled) -> dict[str, Any]:
    from app.engine import generate as gen

    return gen.run(
        request.get("text") or gen.HAMLET,
        request["prompts"],
        request["length"],
        request["epochs"],
        cancelled=cancelled,
    )


def cost(*, emit: Emit, cancelled: Cancelled) -> dict[str, Any]:
    from app.engine import cost as cost_module

    return cost_module.measure()


def claim(claim_id: str, ahead: bool = True, *, emit: Emit, cancelled: Cancelled) -> dict[str, Any]:
    from app.engine import checks

    return checks.run(claim_id, ahead)


def replay(
    script: str, layers: dict[str, Any], *, emit: Emit, cancelled: Cancelled
) -> dict[str, Any]:
    """A trace's exported Keras script on every other installed backend, and that backend's
    own layers checked on the trace's weights and states, one process each."""
    from app.engine import backends

    def stop_if_cancelled() -> None:
        # between the backend processes: one that runs is let finish (seconds), no more start
        if cancelled():
            raise InterruptedError("cancelled")

    out: dict[str, Any] = {}
    for b in backends.BACKENDS[1:]:
        stop_if_cancelled()
        run = backends.replay(script, b)
        stop_if_cancelled()
        out[b] = {**run, "layer_check": backends.layer_check(layers, b)}
    return out


def pid(*, emit: Emit, cancelled: Cancelled) -> int:
    """The worker's process id (tests: heavy work never runs in the web process)."""
    import os

    return os.getpid()


def sleep(seconds: float, *, emit: Emit, cancelled: Cancelled) -> float:
    """Sleeps in steps of 10 ms, stopping when cancelled (tests: queue order, cancel, death)."""
    import time

    start = time.monotonic()
    emit({"started": True})
    while time.monotonic() - start < seconds:
        if cancelled():
            raise InterruptedError("cancelled")
        time.sleep(0.01)
    return seconds


WARM_UP = [
    {},  # the explorer's default: LSTM, model call
    {"model": {"layers": [{"kind": "GRU", "units": 4}]}},
    {"model": {"layers": [{"kind": "SimpleRNN", "units": 4}]}},
    {"schedule": {"ops": [{"op": "fit", "epochs": 1}]}},
    {
        "schedule": {
            "ops": [{"op": "train_on_batch"}, {"op": "predict"}, {"op": "predict_on_batch"}]
        }
    },
]


def warm_up() -> None:
    """Import TensorFlow and run every layer kind and operation once before the first user:
    the first GRU or SimpleRNN used to cost a student 3-6 s."""
    from app.engine import tracer
    from app.scenario import Scenario

    for raw in WARM_UP:
        tracer.run(Scenario.model_validate(raw))


TASKS: dict[str, Callable[..., Any]] = {
    "trace": trace,
    "experiment": experiment,
    "generate": generate,
    "cost": cost,
    "claim": claim,
    "replay": replay,
    "pid": pid,
    "sleep": sleep,
}
