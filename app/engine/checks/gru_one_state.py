"""Claim `gru-one-state`: "GRU and SimpleRNN have one state tensor, LSTM has two (h and c)." """

from __future__ import annotations

import keras

from app.engine.checks.keras_only import Result, finding, seeded_rnn

CLAIM = "gru-one-state"


def check_here() -> Result:
    counts = {}
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        inputs = keras.Input(shape=(3, 1))
        outs = getattr(keras.layers, kind)(2, return_state=True)(inputs)
        _, layer = seeded_rnn(1, 3, 2, stateful=True, kind=kind)
        counts[kind] = {"returned_states": len(outs) - 1, "state_variables": len(layer.states)}
    expected = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}
    ok = all(
        counts[k]["state_variables"] == n == counts[k]["returned_states"]
        for k, n in expected.items()
    )
    return {
        "verdict": "holds" if ok else "does_not_hold",
        **finding(CLAIM),
        "evidence": counts,
    }
