import os
from pathlib import Path

from app.engine.tfenv import available_cpus


def test_cpu_quota_caps_the_thread_count(tmp_path: Path) -> None:
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("150000 100000\n")
    assert available_cpus(cpu_max) == min(2, len(os.sched_getaffinity(0)))
    cpu_max.write_text("max 100000\n")
    assert available_cpus(cpu_max) == len(os.sched_getaffinity(0))
    assert available_cpus(tmp_path / "missing") == len(os.sched_getaffinity(0))


def test_tensorflow_got_the_thread_count() -> None:
    import tensorflow as tf

    import app.engine  # noqa: F401  (configures TF before importing it)

    assert int(os.environ["TF_NUM_INTRAOP_THREADS"]) == available_cpus()
    assert tf.config.threading.get_intra_op_parallelism_threads() in (0, available_cpus())


def test_keras_graphs_are_not_rewritten_by_grappler() -> None:
    # Grappler's passes cost 25-45% of a new model structure's first trace
    # (benchmarks/cold_trace.py --grappler both); the app turns them off when it builds models.
    import tensorflow as tf

    from app.engine import keras_model  # noqa: F401  (applies the setting on import)

    assert tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer") is True
