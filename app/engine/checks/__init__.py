"""One small Keras program per claim (content/claims/*.yaml), one module per claim.

The module of claim `some-claim` is `some_claim.py`: it names its claim (`CLAIM`) and defines
`check_here()`, which runs on the Keras backend of this process and returns the verdict and its
evidence, so the verdict is Keras's, not a blog post's. Checks use keras and numpy only
(keras_only.py, common.py: no TensorFlow, no tracer), so each also runs under
KERAS_BACKEND=jax or torch in its own process (app/engine/backends.py) and the verdicts are
shown side by side. The claims page shows each module's file as it is (`source_file`, read
without importing TensorFlow).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def module_name(claim_id: str) -> str:
    return claim_id.replace("-", "_")


def source_file(claim_id: str) -> Path:
    return HERE / f"{module_name(claim_id)}.py"


def run(claim_id: str, ahead: bool = True) -> dict[str, Any]:
    """The claim on TensorFlow (this process), with every installed backend's verdict; `ahead`:
    each backend's process goes on to settle the other claims (backends.side_by_side)."""
    import keras
    import tensorflow as tf

    from app.engine import backends

    module = importlib.import_module(f"{__name__}.{module_name(claim_id)}")
    assert claim_id == module.CLAIM, (module.__name__, module.CLAIM)
    result = module.check_here()
    result["backends"] = backends.side_by_side(claim_id, result, ahead)
    return {
        "id": claim_id,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        **result,
    }
