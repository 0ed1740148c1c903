"""Claim `stateful-equals-long-sequence`: "Two batches of 10 sequences × 7 steps through a stateful
layer equal 10 sequences of 14 steps."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import Result, finding, max_abs, numpy, seeded_rnn, uniform

CLAIM = "stateful-equals-long-sequence"


def check_here() -> Result:
    x = uniform(10, 14, 1)
    chunked, _ = seeded_rnn(10, 7, 8, stateful=True, return_sequences=True)
    h = np.concatenate([numpy(chunked(x[:, :7])), numpy(chunked(x[:, 7:]))], axis=1)
    long, _ = seeded_rnn(10, 14, 8, stateful=False, return_sequences=True)
    diff = max_abs(h - numpy(long(x)))  # same seeded weights, one 14-step pass
    return {
        "verdict": "holds" if diff <= 1e-6 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_diff_all_steps": diff, "tolerance": 1e-6},
    }
