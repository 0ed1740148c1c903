"""Process-wide TensorFlow settings, applied before TensorFlow is imported."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def available_cpus(cpu_max: Path = CPU_MAX) -> int:
    """CPUs this process may really use: its affinity, capped by a cgroup v2 CPU quota
    (a container limited to 2 CPUs on a 64-core host must not start 64 TF threads)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


def configure() -> None:
    # Quiet C++ logging; oneDNN stays on (it is what users' Keras runs with by default).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    threads = str(available_cpus())
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)


def configure_graphs(tf: Any) -> None:
    """After TensorFlow is imported: no Grappler rewriting of the graphs Keras compiles.

    Each new model structure traces its own graphs; Grappler's passes cost 25-35% of a cold
    trace and nothing measurable on a warm run of these small models (benchmarks/cold_trace.py,
    `--grappler` compares). The ops and their arithmetic stay Keras's: tests/engine/
    test_independent.py compares the traces with stock Keras, Grappler on, at 1e-5.
    """
    if os.environ.get("LSL_GRAPPLER", "0") != "1":
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
