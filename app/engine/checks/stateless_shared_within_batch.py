"""Claim `stateless-shared-within-batch`: "With stateful=False, state is kept between the different
samples of one batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, small_model, uniform

CLAIM = "stateless-shared-within-batch"


def check() -> Result:
    model, _ = small_model(None, 5, 1, 4, stateful=False)
    x = uniform(8, 5, 1)
    out = np.asarray(model(x))
    perm = np.random.default_rng(1).permutation(8)
    out_perm = np.asarray(model(x[perm]))
    diff = max_abs(out[perm] - out_perm)
    shared = diff > 1e-5
    return {
        "verdict": "holds" if shared else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_diff_after_reordering": diff, "batch_size": 8},
    }
