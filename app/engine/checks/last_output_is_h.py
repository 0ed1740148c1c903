"""Claim `last-output-is-h`: "With return_sequences=False, the output is the last timestep's
output, equal to the final h."
"""

from __future__ import annotations

import keras

from app.engine.checks.keras_only import Result, finding, max_abs, numpy, uniform

CLAIM = "last-output-is-h"


def check_here() -> Result:
    inputs = keras.Input(shape=(6, 1))
    out, h, c = keras.layers.LSTM(4, return_state=True)(inputs)
    model = keras.Model(inputs, [out, h, c])
    o, hh, _ = (numpy(a) for a in model(uniform(3, 6, 1)))
    return {
        "verdict": "holds" if max_abs(o - hh) == 0 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_output_minus_h": max_abs(o - hh)},
    }
