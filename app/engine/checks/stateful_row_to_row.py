"""Claim `stateful-row-to-row`: "With stateful=True, the final state of sample i in a batch is the
initial state of sample i in the next batch."
"""

from __future__ import annotations

from app.engine.checks.common import Result, finding, max_abs, poem_handoff
from app.engine.checks.keras_only import twin

CLAIM = "stateful-row-to-row"


def check_here() -> Result:
    layer, second, after_first, out = poem_handoff()
    # batch 1's outputs are those of a fresh copy started, row by row, from those states
    diff = max_abs(out - twin(layer, second, after_first))
    return {
        "verdict": "holds" if diff <= 1e-6 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "state_h_after_batch0": after_first[0].tolist(),
            "max_abs_diff_batch1_vs_started_from_row_i": diff,
        },
    }
