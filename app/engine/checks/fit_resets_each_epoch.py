"""Claim `fit-resets-each-epoch`: "fit() resets the states of a stateful model at the end of each
epoch."
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.checks.common import Result, batches, finding, max_abs, seeded_rnn
from app.engine.checks.keras_only import error_text, states_of

CLAIM = "fit-resets-each-epoch"


def check_here() -> Result:
    import keras

    # the poem in 2 lanes of 5 characters: 2 batches per epoch, in order, for 2 epochs
    x = np.concatenate(batches({"preset": "poem"}, 2, 5))
    model, layer = seeded_rnn(2, 5, 4, stateful=True, features=17)
    model.compile(optimizer="adam", loss="mse")
    seen: dict[str, list[Any]] = {"end": [], "start": []}

    class Watch(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            seen["end"].append(states_of(layer)[0])

        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            if batch == 0:
                seen["start"].append(states_of(layer)[0])

    backend = keras.backend.backend()
    try:
        model.fit(x, np.zeros((4, 4), np.float32), batch_size=2, epochs=2, shuffle=False,
                  callbacks=[Watch()], verbose=0)  # fmt: skip
    except Exception as exc:  # PyTorch: a stateful LSTM does not train (keras#20875)
        error = error_text(exc)
        return {
            "verdict": "raises",  # Keras raised: the claim cannot be observed here
            **finding(CLAIM, "raises", backend=backend, error=error),
            "evidence": {"fit_error": error},
        }
    carried, ended = seen["start"][1], seen["end"][0]
    diff = max_abs(carried - ended)
    never = max_abs(ended) == 0  # the state never moved: nothing to keep or reset
    return {
        "verdict": "holds" if never or diff > 0 else "does_not_hold",
        **finding(CLAIM, "never_carried" if never else "finding", backend=backend),
        "evidence": {
            "max_abs_state_after_epoch1": max_abs(ended),
            "max_abs_initial_state_epoch2": max_abs(carried),
            "diff_to_state_after_epoch1": diff,
        },
    }
