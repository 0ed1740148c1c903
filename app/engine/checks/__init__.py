"""One small Keras program per claim (app/claims.py), one module per claim.

The module of claim `some-claim` is `some_claim.py`: it names its claim (`CLAIM`) and defines
`check()`, which runs on the installed Keras and returns the verdict and its evidence, so the
verdict is Keras's, not a blog post's. A portable check (`PORTABLE = True`, keras and numpy
only) defines `check_here()` instead: it runs on TensorFlow here and on every other installed
backend in its own process (app/engine/backends.py), and the verdicts are shown side by side.
The claims page shows each module's file as it is
(`source_file`, read without importing TensorFlow).
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


def is_portable(claim_id: str) -> bool:
    """Keras only, so it runs on any backend: read from its file (no import, no TensorFlow)."""
    return "\nPORTABLE = True\n" in source_file(claim_id).read_text()


def run(claim_id: str) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    module = importlib.import_module(f"{__name__}.{module_name(claim_id)}")
    assert claim_id == module.CLAIM, (module.__name__, module.CLAIM)
    if getattr(module, "PORTABLE", False):  # keras only: settled on every installed backend
        from app.engine import backends

        result = module.check_here()
        result["backends"] = backends.side_by_side(claim_id, result)
    else:
        result = module.check()
    return {
        "id": claim_id,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        **result,
    }
