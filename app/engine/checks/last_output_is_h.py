"""Claim `last-output-is-h`: "With return_sequences=False, the output is the last timestep's
output, equal to the final h."
"""

from __future__ import annotations

import keras
import numpy as np

from app.engine.checks.common import Result, finding, max_abs, uniform

CLAIM = "last-output-is-h"


def check() -> Result:
    inputs = keras.Input(shape=(6, 1))
    out, h, c = keras.layers.LSTM(4, return_state=True)(inputs)
    model = keras.Model(inputs, [out, h, c])
    x = uniform(3, 6, 1)
    o, hh, _ = (np.asarray(a) for a in model(x))
    return {
        "verdict": "holds" if max_abs(o - hh) == 0 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_output_minus_h": max_abs(o - hh)},
    }
