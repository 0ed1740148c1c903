"""`python -m app.engine.portable <claim-id>...`: portable claim checks on the Keras backend
named by KERAS_BACKEND, each printed as one JSON line (app/engine/backends.py runs it)."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from app.engine.checks import module_name


def run_here(claim_id: str) -> dict[str, Any]:
    import keras

    module = importlib.import_module(f"app.engine.checks.{module_name(claim_id)}")
    if not getattr(module, "PORTABLE", False):
        raise SystemExit(f"{claim_id}: its check uses the TensorFlow tracer (not portable)")
    return {
        "id": claim_id,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        **module.check_here(),
    }


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m app.engine.portable <claim-id>...", file=sys.stderr)
        return 2
    for claim_id in argv:  # one line each, as soon as it is settled
        print(json.dumps(run_here(claim_id), default=float), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
