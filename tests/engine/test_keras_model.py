"""Models are cached by structure: a new seed, new data or another number of batches reuse the
Keras model and everything compiled for it, and still give what a fresh model gives."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import run, scenario

ROOT = Path(__file__).resolve().parents[2]
TWO_LAYERS = {"layers": [{"kind": "LSTM", "units": 5}, {"kind": "GRU", "units": 3}]}


@contextmanager
def traces() -> Iterator[list[str]]:
    """Names of the tf.function graphs traced inside the block (Keras's or ours)."""
    from tensorflow.python.framework import func_graph

    names: list[str] = []
    original = func_graph.func_graph_from_py_func

    def counting(name: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(str(name))
        return original(name, *args, **kwargs)

    func_graph.func_graph_from_py_func = counting
    try:
        yield names
    finally:
        func_graph.func_graph_from_py_func = original


def _parts(seed: int, length: int = 40, preset: str = "ramp") -> dict[str, Any]:
    return {
        "model": TWO_LAYERS,
        "data": {"preset": preset, "length": length},
        "batching": {"batch_size": 2, "timesteps": 5},
        "ops": [{"op": "train_on_batch"}, {"op": "call"}, {"op": "predict_on_batch"}],
        "seed": seed,
    }


def test_seed_data_or_batch_count_change_rebuilds_and_retraces_nothing() -> None:
    from app.engine import tracer

    first = tracer.run(scenario(**_parts(seed=1)))
    built = first.built
    model = built.model
    functions = (built.loop, model.train_function, model.predict_function)
    for parts in (
        _parts(seed=2),  # the seed only
        _parts(seed=2, preset="sine"),  # other data, same shapes
        _parts(seed=3, length=60),  # more batches
    ):
        with traces() as traced:
            trace = tracer.run(scenario(**parts))
        assert traced == []
        assert trace.built is built and trace.built.model is model
        assert (built.loop, model.train_function, model.predict_function) == functions
        assert trace.verification.max_abs_diff <= 1e-5


def test_fit_and_predict_on_a_new_seed_trace_only_keras_data_pipelines() -> None:
    """Keras's fit/predict build a tf.data pipeline on every call (warm runs too); nothing else."""
    ops = [{"op": "fit", "epochs": 2}, {"op": "predict"}]
    run(**{**_parts(seed=4), "ops": ops})
    with traces() as traced:
        run(**{**_parts(seed=5), "ops": ops})
    assert traced and all(name.startswith("Dataset_") for name in traced)


def test_first_train_step_is_traced_once() -> None:
    """The optimizer is built before Keras's first train_function trace: built inside it, its
    variables make tf.function trace the whole train step a second time."""
    with traces() as traced:
        run(**{**_parts(seed=1), "model": {"layers": [{"units": 9}]}})
    assert traced.count("one_step_on_data") == 1


@pytest.mark.parametrize(
    "model",
    [
        TWO_LAYERS,
        {"layers": [{"kind": "SimpleRNN", "units": 4, "stateful": False}], "head": False},
        {"layers": [{"kind": "GRU", "units": 2}, {"kind": "LSTM", "units": 6}]},
    ],
)
def test_reseeded_weights_are_those_of_a_fresh_build(model: dict[str, Any]) -> None:
    from app.engine import keras_model
    from app.scenario import ModelSpec

    spec = ModelSpec.model_validate(model)
    args = (spec, 2, 5, 3, 4, "regression")
    cached = keras_model.get(*args, seed=10)
    cached.changed = True  # as if trained: restore must set every weight
    for seed in (11, 12, 10, 2**31 - 1):
        assert keras_model.get(*args, seed=seed) is cached
        fresh = keras_model._build(*args, seed=seed)
        for ours, theirs in zip(cached.layers, fresh.layers, strict=True):
            for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
                np.testing.assert_array_equal(a, b)


def test_another_seed_on_a_trained_model_gives_a_fresh_models_trace() -> None:
    from app.engine import keras_model

    ops = [{"op": "fit", "epochs": 2, "shuffle": True}, {"op": "call"}]
    keras_model._cache.clear()
    fresh = run(**{**_parts(seed=7), "ops": ops})
    run(**{**_parts(seed=8), "ops": ops})  # trains the cached model with another seed
    reused = run(**{**_parts(seed=7), "ops": ops})
    assert fresh["weights"][0] != run(**{**_parts(seed=8), "ops": ops})["weights"][0]
    assert fresh == reused


@pytest.mark.slow
def test_same_scenario_same_trace_in_a_fresh_process() -> None:
    """Same scenario + seed -> the same trace in any process, whatever this one ran before."""
    from app.scenario import Scenario

    raw = {
        "model": TWO_LAYERS,
        "data": {"preset": "poem"},
        "batching": {"batch_size": 2, "timesteps": 5},
        "schedule": {
            "ops": [{"op": "train_on_batch"}, {"op": "call"}, {"op": "fit", "shuffle": True}]
        },
        "seed": 21,
    }
    from app.engine import tracer

    tracer.run(Scenario.model_validate({**raw, "seed": 20}))  # this structure, another seed
    code = (
        "import json, sys\n"
        "from app.engine import tracer\n"
        "from app.scenario import Scenario\n"
        "print(json.dumps(tracer.run(Scenario.model_validate_json(sys.argv[1])).to_dict()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(raw)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    here = json.loads(json.dumps(tracer.run(Scenario.model_validate(raw)).to_dict()))
    assert json.loads(done.stdout) == here
