"""Claim `stateless-reset-per-batch`: "With stateful=False, all states are reset together after
each batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, batches, finding, max_abs, seeded_rnn
from app.engine.checks.keras_only import numpy, twin

CLAIM = "stateless-reset-per-batch"


def check_here() -> Result:
    # a 40-step ramp in 2 lanes, 5 steps per batch, through a stateless LSTM one batch after
    # another: each batch's output is compared with a copy of the layer started from zeros
    runs = batches({"preset": "ramp", "length": 40}, 2, 5)
    model, layer = seeded_rnn(2, 5, 4, stateful=False, return_sequences=True)
    zeros = [np.zeros((2, 4), np.float32)] * 2
    diffs = [max_abs(numpy(model(x)) - twin(layer, x, zeros)) for x in runs]
    return {
        "verdict": "holds" if max(diffs) <= 1e-6 else "does_not_hold",
        **finding(CLAIM, batches=len(runs)),
        "evidence": {"batches": len(runs), "max_abs_diff_to_a_zero_start_per_batch": diffs},
    }
