"""Claim `stateless-shared-within-batch`: "With stateful=False, state is kept between the different
samples of one batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import Result, finding, max_abs, numpy, seeded_rnn, uniform

CLAIM = "stateless-shared-within-batch"


def check_here() -> Result:
    model, _ = seeded_rnn(None, 5, 4, stateful=False)
    x = uniform(8, 5, 1)
    out = numpy(model(x))
    perm = np.random.default_rng(1).permutation(8)
    out_perm = numpy(model(x[perm]))
    diff = max_abs(out[perm] - out_perm)
    return {
        "verdict": "holds" if diff > 1e-5 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_diff_after_reordering": diff, "batch_size": 8},
    }
