"""`python -m app.engine.portable <claim-id>...`: claim checks on the Keras backend named by
KERAS_BACKEND, each printed as one JSON line as soon as it is settled (app/engine/backends.py
runs it)."""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

from app.engine.checks import module_name


def run_here(claim_id: str) -> dict[str, Any]:
    import keras

    module = importlib.import_module(f"app.engine.checks.{module_name(claim_id)}")
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
    for i, claim_id in enumerate(argv):  # one line each, as soon as it is settled
        try:
            result = run_here(claim_id)
        except Exception as exc:  # one check that fails does not lose the others
            from app.engine.checks.keras_only import error_text

            result = dict(id=claim_id, verdict="error", error=error_text(exc))
        print(json.dumps(result, default=float), flush=True)
        if i == 0 and len(argv) > 1 and hasattr(os, "nice"):
            os.nice(10)  # the one asked for is out; the rest are settled ahead, behind others
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
