"""Claim `batch-times-steps-equals-length`: "batch_size × timesteps must equal the data length." """

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, batches, finding, max_abs, seeded_rnn
from app.engine.checks.keras_only import numpy

CLAIM = "batch-times-steps-equals-length"


def check_here() -> Result:
    # a 40-step ramp in 2 lanes of 20 steps, 5 steps per batch (2 × 5 = 10, not 40)
    runs = batches({"preset": "ramp", "length": 40}, 2, 5)
    stateful, _ = seeded_rnn(2, 5, 4, stateful=True, return_sequences=True)
    h = np.concatenate([numpy(stateful(x)) for x in runs], axis=1)
    whole, _ = seeded_rnn(2, 20, 4, stateful=False, return_sequences=True)
    diff = max_abs(h - numpy(whole(np.concatenate(runs, axis=1))))  # each lane in one pass
    return {
        "verdict": "does_not_hold" if diff <= 1e-6 else "depends",
        **finding(
            CLAIM,
            batches=len(runs),
            rows_times_steps=2 * 5,
            max_abs_diff=f"{diff:.1e}",
        ),
        "evidence": {
            "length": 40,
            "batch_size": 2,
            "timesteps": 5,
            "batches": len(runs),
            "max_abs_diff_to_one_pass": diff,
        },
    }
