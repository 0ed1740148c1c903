"""Claim `gru-one-state`: "GRU and SimpleRNN have one state tensor, LSTM has two (h and c)." """

from __future__ import annotations

import keras

from app.engine.checks.common import Result, finding, small_model

CLAIM = "gru-one-state"


def check() -> Result:
    counts = {}
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        inputs = keras.Input(shape=(3, 1))
        outs = getattr(keras.layers, kind)(2, return_state=True)(inputs)
        _, layer = small_model(1, 3, 1, 2, stateful=True, kind=kind)
        counts[kind] = {"returned_states": len(outs) - 1, "state_variables": len(layer.states)}
    ok = counts["LSTM"]["state_variables"] == 2 and counts["GRU"]["state_variables"] == 1
    return {
        "verdict": "holds"
        if ok and counts["SimpleRNN"]["state_variables"] == 1
        else "does_not_hold",
        **finding(CLAIM),
        "evidence": counts,
    }
