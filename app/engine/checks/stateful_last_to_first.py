"""Claim `stateful-last-to-first`: "With stateful=True, the state of the last sample of a batch
passes to the first sample of the next batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, poem_handoff
from app.engine.checks.keras_only import twin

CLAIM = "stateful-last-to-first"


def check_here() -> Result:
    layer, second, after_first, out = poem_handoff()
    # what row 0 would output had it started from the last row's state
    from_last = twin(layer, second, [np.roll(s, 1, axis=0) for s in after_first])
    diff = max_abs(out[0] - from_last[0])
    same_row = max_abs(out - twin(layer, second, after_first))
    return {
        "verdict": "holds" if diff <= 1e-6 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "max_abs_diff_row0_vs_started_from_last_row": diff,
            "max_abs_diff_vs_started_from_same_row": same_row,
        },
    }
