"""Claim `shuffle-breaks-continuity`: "shuffle=True in fit destroys the row-i continuation a
stateful model relies on."

Keras's own fit(shuffle=True), run eagerly so the batches it feeds can be recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.checks.keras_only import Result, finding

CLAIM = "shuffle-breaks-continuity"


def check_here() -> Result:
    import keras

    fed: list[np.ndarray] = []

    class Recording(keras.Model):  # type: ignore[misc]
        def train_step(self, *args: Any) -> Any:  # JAX passes (state, data), others (data)
            fed.append(np.asarray(keras.ops.convert_to_numpy(args[-1][0]))[:, 0, 0])
            return super().train_step(*args)

    inputs = keras.Input(batch_shape=(4, 5, 1))
    # SimpleRNN: PyTorch's backend cannot train a stateful LSTM (keras#20875), and the order of
    # the rows fit() feeds does not depend on the layer
    layer = keras.layers.SimpleRNN(4, stateful=True)
    model = Recording(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizer="adam", loss="mse", run_eagerly=True)
    # 4 lanes of one long sequence: sample k*4+i holds positions of lane i, chunk k.
    series = np.arange(80, dtype=np.float32).reshape(4, 4, 5).transpose(1, 0, 2).reshape(16, 5)
    x, y = series[..., None], np.zeros((16, 1), np.float32)
    keras.utils.set_random_seed(0)  # the same shuffle at every run (on one backend)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=True, verbose=0)
    firsts = np.stack(fed)  # (batches, rows): first position each row held
    continued = int(sum((firsts[k + 1] == firsts[k] + 5).sum() for k in range(len(fed) - 1)))
    total = int((len(fed) - 1) * 4)
    return {
        "verdict": "holds" if continued < total else "does_not_hold",
        **finding(CLAIM, "finding" if continued else "none", continued=continued, total=total),
        "evidence": {
            "first_position_per_row_per_batch": firsts.astype(int).tolist(),
            "continued_handoffs": continued,
            "handoffs": total,
        },
    }
