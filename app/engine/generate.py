"""Char-level generation with a stateful model at batch size 1: train on a small text, then
generate character by character, the state carried from one character to the next and reset
between prompts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

# Public domain (Shakespeare, Hamlet III.1).
HAMLET = (
    "To be, or not to be, that is the question: "
    "Whether 'tis nobler in the mind to suffer "
    "The slings and arrows of outrageous fortune, "
    "Or to take arms against a sea of troubles "
    "And by opposing end them. To die: to sleep; "
    "No more; and by a sleep to say we end "
    "The heart-ache and the thousand natural shocks "
    "That flesh is heir to."
)
STEPS = 10


def _model(batch_steps: int, vocab: int, units: int) -> keras.Model:
    inputs = keras.Input(batch_shape=(1, batch_steps, vocab))
    lstm = keras.layers.LSTM(
        units,
        stateful=True,
        return_sequences=True,
        name="lstm",
        kernel_initializer=keras.initializers.GlorotUniform(seed=0),
        recurrent_initializer=keras.initializers.Orthogonal(seed=1),
    )
    head = keras.layers.Dense(
        vocab, name="head", kernel_initializer=keras.initializers.GlorotUniform(seed=2)
    )
    model = keras.Model(inputs, head(lstm(inputs)))
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


class _ResetEachEpoch(keras.callbacks.Callback):  # type: ignore[misc]
    def __init__(self, cancelled: Callable[[], bool]) -> None:
        super().__init__()
        self.cancelled = cancelled

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.model.get_layer("lstm").reset_state()

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.cancelled():  # nobody waits for this text any more
            raise InterruptedError("generation cancelled")


def run(
    text: str,
    prompts: list[str],
    length: int,
    epochs: int,
    units: int = 64,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    vocab = sorted(set(text) | {c for p in prompts for c in p})
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.asarray([index[c] for c in text])
    n = (len(ids) - 1) // STEPS
    eye = np.eye(len(vocab), dtype=np.float32)
    # batch size 1, chunks in order: chunk k+1 continues chunk k in the same (only) row
    x = eye[ids[: n * STEPS]].reshape(n, STEPS, len(vocab))
    y = ids[1 : n * STEPS + 1].reshape(n, STEPS)
    train = _model(STEPS, len(vocab), units)
    start = time.perf_counter()
    history = train.fit(
        x,
        y,
        batch_size=1,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[_ResetEachEpoch(cancelled)],
    )
    seconds = time.perf_counter() - start
    gen = _model(1, len(vocab), units)  # same layers, one character per call
    gen.set_weights(train.get_weights())
    lstm = gen.get_layer("lstm")
    outputs = []
    for prompt in prompts:
        lstm.reset_state()  # a new prompt starts from zeros
        norms = []
        logits = None
        for c in prompt:
            logits = np.asarray(gen(eye[[index[c]]][None], training=False))[0, -1]
            norms.append(float(np.linalg.norm(lstm.states[0].numpy())))
        out = []
        for _ in range(length):
            assert logits is not None
            nxt = int(np.argmax(logits))  # greedy: deterministic
            out.append(vocab[nxt])
            logits = np.asarray(gen(eye[[nxt]][None], training=False))[0, -1]
            norms.append(float(np.linalg.norm(lstm.states[0].numpy())))
        outputs.append({"prompt": prompt, "output": "".join(out), "h_norms": norms})
    return {
        "train_seconds": seconds,
        "final_loss": float(history.history["loss"][-1]),
        "chunks": n,
        "timesteps": STEPS,
        "epochs": epochs,
        "generated": outputs,
    }
