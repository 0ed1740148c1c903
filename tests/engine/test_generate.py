"""Char-level generation: a stateful model at batch size 1, trained on a text, then fed one
character at a time with its state carried, and reset between prompts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pytest

from app.engine import generate

TEXT = "the cat sat on the mat, then the cat ran off."
PROMPTS = ["the", "cz", "the"]  # "z" is not in the text: prompts add to the vocabulary
LENGTH, EPOCHS, UNITS = 6, 2, 4
VOCAB = sorted(set(TEXT) | set("".join(PROMPTS)))


@dataclass
class Generated:
    result: dict[str, Any]
    models: list[keras.Model]  # the training model, then the generating one
    fed: dict[str, Any]  # what fit() was given


@pytest.fixture(scope="module")
def generated() -> Generated:
    models: list[keras.Model] = []
    fed: dict[str, Any] = {}
    build, fit = generate._model, keras.Model.fit

    def spy_model(*args: Any) -> keras.Model:
        models.append(build(*args))
        return models[-1]

    def spy_fit(self: keras.Model, x: Any, y: Any, **kwargs: Any) -> Any:
        fed.update(x=x, y=y, **kwargs)
        return fit(self, x, y, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate, "_model", spy_model)
        mp.setattr(keras.Model, "fit", spy_fit)
        result = generate.run(TEXT, PROMPTS, LENGTH, EPOCHS, units=UNITS)
    return Generated(result, models, fed)


def test_training_feeds_the_text_in_chunks_that_follow_each_other_in_one_row(
    generated: Generated,
) -> None:
    fed = generated.fed
    n = (len(TEXT) - 1) // generate.STEPS  # whole chunks that still have a next character
    assert generated.result["chunks"] == n == 4
    assert fed["x"].shape == (n, generate.STEPS, len(VOCAB))
    assert fed["batch_size"] == 1 and fed["shuffle"] is False and fed["epochs"] == EPOCHS
    chars = "".join(VOCAB[i] for i in fed["x"].argmax(-1).ravel())
    targets = "".join(VOCAB[i] for i in fed["y"].ravel())
    assert chars == TEXT[: n * generate.STEPS]
    assert targets == TEXT[1 : n * generate.STEPS + 1]  # each character's next one


def test_the_generator_runs_the_trained_weights(generated: Generated) -> None:
    train, gen = generated.models
    assert gen.input_shape == (1, 1, len(VOCAB))  # one character per call
    for a, b in zip(train.get_weights(), gen.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    untrained = generate._model(generate.STEPS, len(VOCAB), UNITS)
    assert not np.array_equal(untrained.get_weights()[0], gen.get_weights()[0])


def test_training_resets_the_state_at_the_end_of_every_epoch(generated: Generated) -> None:
    train, _ = generated.models
    for state in train.get_layer("lstm").states:
        assert not np.asarray(state).any()


def test_generation_is_one_stateless_pass_over_prompt_and_output_from_zeros(
    generated: Generated,
) -> None:
    """Feeding one character per call with the state carried computes what Keras's layer
    computes on the whole string at once; every prompt starts from zeros again."""
    _, gen = generated.models
    kernel, recurrent, bias, head_kernel, head_bias = gen.get_weights()
    lstm = keras.layers.LSTM(UNITS, return_sequences=True)
    lstm.build((1, None, len(VOCAB)))
    lstm.set_weights([kernel, recurrent, bias])
    eye = np.eye(len(VOCAB), dtype=np.float32)
    outputs = generated.result["generated"]
    assert [o["prompt"] for o in outputs] == PROMPTS
    for out in outputs:
        prompt, text = out["prompt"], out["output"]
        assert len(text) == LENGTH and set(text) <= set(VOCAB)
        h = np.asarray(lstm(eye[[VOCAB.index(c) for c in prompt + text]][None]))[0]
        np.testing.assert_allclose(out["h_norms"], np.linalg.norm(h, axis=1), atol=1e-5)
        logits = h @ head_kernel + head_bias
        # greedy: each character is the most likely one after the characters before it
        picks = logits[len(prompt) - 1 : -1].argmax(-1)
        assert "".join(VOCAB[i] for i in picks) == text
    assert outputs[0] == outputs[2]


def test_the_result_reports_the_training(generated: Generated) -> None:
    result = generated.result
    assert (result["timesteps"], result["epochs"]) == (generate.STEPS, EPOCHS)
    assert math.isfinite(result["final_loss"]) and result["final_loss"] > 0
    assert isinstance(result["train_seconds"], float)


def test_cancelling_stops_training_at_the_next_batch() -> None:
    with pytest.raises(InterruptedError, match="generation cancelled"):
        generate.run(TEXT, ["the"], LENGTH, EPOCHS, units=UNITS, cancelled=lambda: True)


def test_the_bundled_text_is_as_long_as_the_api_budgets_for() -> None:
    from app.api.generate import HAMLET_CHARS

    assert len(generate.HAMLET) == HAMLET_CHARS
