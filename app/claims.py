"""Claims users meet about Keras RNN state (shared/CLAIMS.md), each settled by a check that
runs on the installed Keras (app/engine/claim_checks.py). No TensorFlow here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    source: str


CLAIMS = [
    Claim(
        "stateless-reset-per-batch",
        "With stateful=False, all states are reset together after each batch.",
        "seed 001 (first answer), seed 004",
    ),
    Claim(
        "stateless-reset-per-sample",
        "With stateful=False, the state is reset after every sample: 1000 sequences in "
        "batches of 200 means 1000 resets.",
        "seed 001 (second answer)",
    ),
    Claim(
        "stateless-shared-within-batch",
        "With stateful=False, state is kept between the different samples of one batch.",
        "seed 001 (third answer)",
    ),
    Claim(
        "stateful-row-to-row",
        "With stateful=True, the final state of sample i in a batch is the initial state of "
        "sample i in the next batch.",
        "seeds 000, 001, 004; Keras docs",
    ),
    Claim(
        "stateful-last-to-first",
        "With stateful=True, the state of the last sample of a batch passes to the first "
        "sample of the next batch.",
        "a common reading that seed 001 warns about",
    ),
    Claim(
        "stateful-equals-long-sequence",
        "Two batches of 10 sequences × 7 steps through a stateful layer equal 10 sequences "
        "of 14 steps.",
        "seed 001 (first answer)",
    ),
    Claim(
        "predict-resets",
        "predict(), train_on_batch() (and predict_classes()) reset the states.",
        "seed 002",
    ),
    Claim(
        "reset-carries-not-zero",
        "reset_states() does not set the states to zero but carries the previous batch's "
        "final state.",
        "seed 002",
    ),
    Claim(
        "fit-resets-each-epoch",
        "fit() resets the states of a stateful model at the end of each epoch.",
        "common assumption; seed 000's FAQ says to reset yourself",
    ),
    Claim(
        "fixed-batch-required",
        "A stateful model needs every batch to hold the same number of samples; a partial "
        "last batch breaks it.",
        "seeds 000, 002",
    ),
    Claim(
        "shuffle-breaks-continuity",
        "shuffle=True in fit destroys the row-i continuation a stateful model relies on.",
        "seed 000",
    ),
    Claim(
        "lahead-equals-batch",
        "In the Keras stateful example, the carried state is only right when lahead == batch_size.",
        "seed 000",
    ),
    Claim(
        "batch-times-steps-equals-length",
        "batch_size × timesteps must equal the data length.",
        "a discussion quoted in seed 000",
    ),
    Claim(
        "wrong-shape-state-silent",
        "Putting a state of shape (2,) into an LSTM of 8 units raises no error.",
        "seed 003 (question)",
    ),
    Claim(
        "last-output-is-h",
        "With return_sequences=False, the output is the last timestep's output, equal to the "
        "final h.",
        "seeds 003, 004",
    ),
    Claim(
        "gru-one-state",
        "GRU and SimpleRNN have one state tensor, LSTM has two (h and c).",
        "seed 003",
    ),
    Claim(
        "stateful-helps-when-lahead-small",
        "When lahead < tsteps only the stateful model converges; when lahead >= tsteps both do.",
        "seed 000, Keras stateful example",
    ),
]
BY_ID = {c.id: c for c in CLAIMS}
