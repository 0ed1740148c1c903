"""The price of a scenario, known before any TensorFlow work: batches, numbers, bytes, seconds.

Every request is priced from its scenario alone (the data layout is numpy, cheap) and checked
against budgets that are settings; over budget is a 422 that names the budget and what to
shrink. Within budget a trace stays under a memory bound: its numbers bound its arrays (4 bytes
each), its JSON (~12 bytes each) and the engine's working copies.

The seconds are an estimate from two costs measured on the 2-core development machine (a
per-batch overhead by operation and a cost per multiply-add); they price, they do not promise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from app import layout, presets
from app.errors import ScenarioError
from app.scenario import CallOp, FitOp, ModelSpec, PredictOp, Scenario

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}
SHOWN = {"LSTM": 1 + 1 + 4, "GRU": 1 + 3, "SimpleRNN": 1}  # h, c, gates per unit and timestep
JSON_BYTES_PER_NUMBER = 12  # "-0.12345679," (orjson writes float32 in its shortest form)
MEMORY_BYTES_PER_NUMBER = 16  # float32 arrays in records, results, the trace dict (x4)
# Seconds per batch by operation (Python and Keras overhead per batch) and per multiply-add.
BATCH_SECONDS = {
    "call": 0.0004,
    "predict_on_batch": 0.004,
    "train_on_batch": 0.008,
    "fit": 0.004,
    "predict": 0.003,
}
MAC_SECONDS = 1.5e-9
TRAINING_FACTOR = 3.0  # forward + backward + update
GRADIENT_FACTOR = 3.0  # training batches: d loss / d every state, forward and backward again
GRADIENT_BATCH_SECONDS = 0.006  # per training batch and layer: its backward pass, one call
RECOMPUTE_FACTOR = 2.0  # our per-timestep recurrence + Keras's own layer code to verify it


@dataclass(frozen=True)
class Price:
    batches: int
    rows: int  # state rows per batch
    timesteps: int
    layers: int
    units: int  # the widest layer
    epochs: int
    numbers: int  # numbers in the trace
    weights_versions: int
    trace_bytes: int  # its JSON
    frame_bytes: int  # one live frame's JSON
    memory_bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Budget:
    trace_bytes: int
    seconds: float
    memory_bytes: int


def _weights(kind: str, units: int, inputs: int) -> int:
    g = GATES[kind]
    bias = 2 * g * units if kind == "GRU" else g * units  # GRU(reset_after=True): two biases
    return g * units * (inputs + units) + bias


def price(scenario: Scenario) -> Price:
    ds = presets.build(scenario.data, scenario.seed)
    lay = layout.arrange(ds, scenario.batching)
    n = len(lay.samples)
    b, t = scenario.batching.batch_size, scenario.batching.timesteps
    spec = scenario.model
    features = spec.input_features or ds.n_features
    keep = scenario.batching.partial == "keep"

    def count(size: int) -> int:
        return math.ceil(n / size) if keep else n // size

    inputs, weights, shown, macs, finals, grads = _layers(spec, features)
    head_units = ds.n_classes if ds.task == "classification" else 1
    if spec.head:
        weights += (inputs + 1) * head_units
    out_width = head_units if spec.head else inputs
    out_steps = t if spec.returns_sequences(len(spec.layers) - 1) else 1

    batches, trained, epochs = 0, 0, 0
    numbers, seconds = 0, 0.0
    for op in scenario.schedule.ops:
        if isinstance(op, CallOp | FitOp):
            size = b if isinstance(op, CallOp) else (op.batch_size or b)
            runs = op.epochs * count(size)
            epochs += op.epochs
        elif isinstance(op, PredictOp):
            size, runs = op.batch_size or b, count(op.batch_size or b)
        else:
            continue
        rows = max(size, b)
        trains = isinstance(op, FitOp) or op.op == "train_on_batch"
        batches += runs
        trained += runs if trains else 0
        per_batch = rows * (t * (shown + features) + out_steps * (out_width + 1) + finals)
        per_batch += rows * (t + 1) * grads if trains else 0
        numbers += runs * per_batch
        factor = RECOMPUTE_FACTOR + (TRAINING_FACTOR + GRADIENT_FACTOR if trains else 1.0)
        step_macs = rows * t * macs * factor
        overhead = BATCH_SECONDS[op.op] + (
            GRADIENT_BATCH_SECONDS * len(spec.layers) if trains else 0
        )
        seconds += runs * (overhead + step_macs * MAC_SECONDS)
    versions = 1 + trained
    numbers += versions * weights
    frame = b * (shown + features + grads) + finals
    return Price(
        batches=batches,
        rows=b,
        timesteps=t,
        layers=len(spec.layers),
        units=max(layer.units for layer in spec.layers),
        epochs=epochs,
        numbers=numbers,
        weights_versions=versions,
        trace_bytes=numbers * JSON_BYTES_PER_NUMBER,
        frame_bytes=frame * JSON_BYTES_PER_NUMBER,
        memory_bytes=numbers * MEMORY_BYTES_PER_NUMBER,
        seconds=round(seconds, 3),
    )


def _layers(spec: ModelSpec, features: int) -> tuple[int, int, int, int, int, int]:
    """Summed over the layers: the last layer's width, weights, numbers shown per row and
    timestep, multiply-adds per row and step, state numbers per row (initial, final, Keras's
    final) and gradient numbers per row and step (d loss / d h and c, training only)."""
    inputs, weights, shown, macs, finals, grads = features, 0, 0, 0, 0, 0
    for layer in spec.layers:
        weights += _weights(layer.kind, layer.units, inputs)
        shown += SHOWN[layer.kind] * layer.units
        grads += STATES[layer.kind] * layer.units
        macs += GATES[layer.kind] * layer.units * (inputs + layer.units)
        finals += 3 * STATES[layer.kind] * layer.units
        inputs = layer.units
    return inputs, weights, shown, macs, finals, grads


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def check(scenario: Scenario, budget: Budget, max_batches: int) -> Price:
    """The scenario's price, or a ScenarioError (422) naming the budget and what to shrink."""
    p = price(scenario)
    shrink = "fewer epochs or samples, a larger batch_size, or fewer operations"
    if p.batches > max_batches:
        raise ScenarioError(
            f"the schedule runs {p.batches} batches: at most {max_batches} "
            f"(budget 'batches'); use {shrink}",
            code="over_budget_batches",
            field="schedule.ops",
            batches=p.batches,
            limit=max_batches,
        )
    if p.trace_bytes > budget.trace_bytes or p.memory_bytes > budget.memory_bytes:
        raise ScenarioError(
            f"this trace would hold {p.numbers} numbers ({_mb(p.trace_bytes)} of JSON): "
            f"at most {_mb(budget.trace_bytes)} (budget 'trace size'); shrink "
            "batching.batch_size, batching.timesteps, the units or layers, or the "
            "epochs/samples (every timestep of every row is kept)",
            code="over_budget_trace",
            field="scenario",
            numbers=p.numbers,
            size=_mb(p.trace_bytes),
            limit=_mb(budget.trace_bytes),
        )
    if p.seconds > budget.seconds:
        raise ScenarioError(
            f"this run would take about {p.seconds:.1f} s of this server's time: at most "
            f"{budget.seconds:g} s (budget 'compute'); use {shrink}, or fewer units or layers",
            code="over_budget_compute",
            field="scenario",
            seconds=f"{p.seconds:.1f}",
            limit=f"{budget.seconds:g}",
        )
    return p


# -- background jobs (they run in a worker process, but still one at a time) -------------------
JOB_BATCH_SECONDS = 0.007  # one fit batch of the small models jobs train, measured
JOB_CALL_SECONDS = 0.008  # one eager model call while generating


def generation_seconds(text_chars: int, epochs: int, prompts: list[str], length: int) -> float:
    chunks = max(1, (text_chars - 1) // 10)
    calls = sum(len(p) + length for p in prompts)
    return epochs * chunks * JOB_BATCH_SECONDS + calls * JOB_CALL_SECONDS


def experiment_seconds(configs: list[tuple[int, int]], input_len: int, epochs: int) -> float:
    """`configs`: (lahead, batch_size) of each configuration; two models are trained each."""
    batches = sum(2 * epochs * (input_len // b + 1) + 2 * (input_len // b + 1) for _, b in configs)
    return batches * JOB_BATCH_SECONDS


def check_job(seconds: float, budget_s: float, shrink: str) -> None:
    if seconds > budget_s:
        raise ScenarioError(
            f"this job would take about {seconds:.0f} s of this server's time: at most "
            f"{budget_s:g} s (budget 'job'); use {shrink}",
            code="over_budget_job",
            field="body",
            seconds=f"{seconds:.0f}",
            limit=f"{budget_s:g}",
            shrink=shrink,
        )
