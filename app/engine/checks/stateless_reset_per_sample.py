"""Claim `stateless-reset-per-sample`: "With stateful=False, the state is reset after every sample:
1000 sequences in batches of 200 means 1000 resets."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import Result, finding, max_abs, numpy, seeded_rnn, uniform

CLAIM = "stateless-reset-per-sample"


def check_here() -> Result:
    model, _ = seeded_rnn(None, 5, 4, stateful=False)
    x = uniform(1000, 5, 1)
    batched = numpy(model.predict(x, batch_size=200, verbose=0))
    alone = np.concatenate([numpy(model(x[i : i + 1])) for i in range(0, 1000, 97)])
    diff = max_abs(batched[::97] - alone)
    return {
        "verdict": "holds" if diff < 1e-5 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "samples": 1000,
            "batch_size": 200,
            "batches": 5,
            "max_abs_diff_batched_vs_alone": diff,
        },
    }
