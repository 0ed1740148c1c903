"""Claims users meet about Keras RNN state (shared/CLAIMS.md), each settled by a check that
runs on the installed Keras (app/engine/checks/<claim_id>.py). No TensorFlow here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    source: str
    # what the check found, by variant: English templates with {placeholders} filled from
    # the check's finding_params (app/engine/checks/<claim_id>.py), translated in content.json
    findings: dict[str, str] = field(default_factory=dict)
    # the explorer's URL parameters of a run that shows it (every claim opens one)
    explore: str = ""
    # a claim answering the same question the other way, and why both verdicts stand
    rival: str = ""
    reconcile: str = ""


CLAIMS = [
    Claim(
        "stateless-reset-per-batch",
        "With stateful=False, all states are reset together after each batch.",
        "question 001 (first answer), question 004",
        findings={
            "finding": (
                "Every one of the {batches} batches starts from zero h and c in every row: a "
                "stateless layer keeps nothing between batches. (More precisely, every "
                "sequence starts from zeros, which the next claims spell out.)"
            ),
        },
        explore="preset=ramp&len=40&bs=2&ts=5&layers=LSTM.4.n",
        rival="stateless-reset-per-sample",
        reconcile=(
            "Its rival holds too, and they do not contradict each other: a stateless layer "
            "starts every row of every batch from zeros, so it is one zero start per sample "
            "(the rival's words), made for a whole batch at once (these words)."
        ),
    ),
    Claim(
        "stateless-reset-per-sample",
        "With stateful=False, the state is reset after every sample: 1000 sequences in "
        "batches of 200 means 1000 resets.",
        "question 001 (second answer)",
        findings={
            "finding": (
                "Each of the 1000 sequences starts from a zero state: its output is the same "
                "whether it runs inside a batch of 200 or alone. So yes, one zero start per "
                "sample, 1000 in all; the 200 rows of a batch get theirs together, as they run "
                "side by side."
            ),
        },
        explore="preset=ramp&n=8&len=5&bs=4&ts=5&layers=LSTM.4.n",
        rival="stateless-reset-per-batch",
        reconcile=(
            "Its rival holds too, and they do not contradict each other: the zero starts of "
            "the 200 samples of a batch happen together, in parallel, so counting per batch "
            "(the rival) or per sample (this claim) describes the same run."
        ),
    ),
    Claim(
        "stateless-shared-within-batch",
        "With stateful=False, state is kept between the different samples of one batch.",
        "question 001 (third answer)",
        findings={
            "finding": (
                "Shuffling the samples inside a batch only shuffles the outputs: no sample's "
                "result depends on its neighbours, so no state passes between the samples of a "
                "batch (each row has its own state)."
            ),
        },
        explore="preset=ramp&n=8&len=5&bs=8&ts=5&layers=LSTM.4.n",
    ),
    Claim(
        "stateful-row-to-row",
        "With stateful=True, the final state of sample i in a batch is the initial state of "
        "sample i in the next batch.",
        "questions 000, 001, 004; Keras docs",
        findings={
            "finding": (
                "Row i of batch 1 starts exactly from the state Keras holds for row i after "
                "batch 0 (床前明月光 → 疑是地上霜, 举头望明月 → 低头思故乡)."
            ),
        },
        explore="preset=poem&bs=2&ts=5&layers=LSTM.4.s",
    ),
    Claim(
        "stateful-last-to-first",
        "With stateful=True, the state of the last sample of a batch passes to the first "
        "sample of the next batch.",
        "a common reading that question 001 warns about",
        findings={
            "finding": (
                "Row 0 of batch 1 does not start from the last row of batch 0: states move row "
                "i → row i, never from the end of one batch to the start of the next."
            ),
        },
        explore="preset=poem&bs=2&ts=5&layers=LSTM.4.s&pos=5",
    ),
    Claim(
        "stateful-equals-long-sequence",
        "Two batches of 10 sequences × 7 steps through a stateful layer equal 10 sequences "
        "of 14 steps.",
        "question 001 (first answer)",
        findings={
            "finding": (
                "2 batches × 10 sequences × 7 steps through a stateful LSTM give the same h at "
                "all 14 steps as 10 sequences × 14 steps in one stateless pass."
            ),
        },
        explore="preset=ramp&n=10&len=14&bs=10&ts=7&layers=LSTM.8.s&cmp=long",
    ),
    Claim(
        "predict-resets",
        "predict(), train_on_batch() (and predict_classes()) reset the states.",
        "question 002",
        findings={
            "finding": (
                "After predict() and after train_on_batch() the stateful layer still holds "
                "non-zero states: neither resets them. predict_classes() no longer exists in "
                "Keras 3."
            ),
            "train_raises": (
                "On {backend}, predict() leaves the stateful layer's non-zero state in place: it "
                "does not reset it. train_on_batch() on a stateful LSTM raises {error} (see "
                "stateful-fit-carries-state). predict_classes() no longer exists in Keras 3."
            ),
            "resets": (
                "On {backend}, the stateful layer's state is zero after predict() or "
                "train_on_batch(): one of them reset it."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=predict&calls=2",
    ),
    Claim(
        "reset-carries-not-zero",
        "reset_states() does not set the states to zero but carries the previous batch's "
        "final state.",
        "question 002",
        findings={
            "finding": (
                "layer.reset_state() (alias reset_states()) sets h and c to exactly zero. "
                "Keras 3 models have no reset_states(); call it on each stateful layer."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=fit&epochs=2&reset=epoch_end",
    ),
    Claim(
        "fit-resets-each-epoch",
        "fit() resets the states of a stateful model at the end of each epoch.",
        "common assumption; question 000's FAQ says to reset yourself",
        findings={
            "finding": (
                "The first batch of epoch 2 starts from the state left by the last batch of "
                "epoch 1: fit() does not reset. Reset yourself (a callback calling "
                "layer.reset_state() at on_epoch_end, or one fit(epochs=1) per epoch)."
            ),
            "never_carried": (
                "On {backend}, epoch 2 starts from zero, but only because fit() never keeps "
                "the state at all: it stays zero in every batch (see stateful-fit-carries-state)."
            ),
            "raises": (
                "On {backend}, fit() on a stateful LSTM raises {error} (see "
                "stateful-fit-carries-state), so there is no epoch 2 to look at."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=fit&epochs=2",
    ),
    Claim(
        "fixed-batch-required",
        "A stateful model needs every batch to hold the same number of samples; a partial "
        "last batch breaks it.",
        "questions 000, 002",
        findings={
            "finding": (
                "A partial last batch breaks a stateful model, though not always loudly: with "
                "9 samples in batches of 2, predict() raises nothing and returns {rows} rows "
                "(Keras broadcasts the lone sample into both state rows, so row 1 continues "
                "from a copy of another sample); with 10 samples in batches of 4 Keras fails: "
                "{error}. Declare the batch size with keras.Input(batch_shape=...) and make "
                "the data fill every batch."
            ),
            "raises": (
                "On {backend}, a partial last batch breaks a stateful model loudly: with 9 "
                "samples in batches of 2, predict() raises {partial_error}; with 10 samples in "
                "batches of 4: {error}. Declare the batch size with "
                "keras.Input(batch_shape=...) and make the data fill every batch."
            ),
        },
        explore="preset=ramp&len=18&bs=2&ts=2&layout=consecutive&op=predict",
    ),
    Claim(
        "shuffle-breaks-continuity",
        "shuffle=True in fit destroys the row-i continuation a stateful model relies on.",
        "question 000",
        findings={
            "finding": (
                "With shuffle=True, only {continued} of {total} row hand-offs in Keras's own "
                "fit() landed on the next part of the same lane: the state of one sequence "
                "goes on into another. Use shuffle=False with stateful layers."
            ),
            "none": (
                "With shuffle=True, none of the {total} row hand-offs in Keras's own fit() "
                "landed on the next part of the same lane: the state of one sequence goes on "
                "into another. Use shuffle=False with stateful layers."
            ),
        },
        explore="preset=ramp&n=4&len=20&bs=4&ts=5&shuffle=1",
    ),
    Claim(
        "lahead-equals-batch",
        "In the Keras stateful example, the carried state is only right when lahead == batch_size.",
        "question 000",
        findings={
            "finding": (
                "Row i of the next batch holds the window batch_size positions later; it "
                "continues the previous window only when that shift equals the window length "
                "lahead. lahead < batch_size skips positions (gap), lahead > batch_size "
                "repeats them (overlap). Even then each window is fed newest first, as the "
                "example builds it."
            ),
        },
        explore="preset=moving_average&tsteps=2&lahead=1&bs=2",
    ),
    Claim(
        "batch-times-steps-equals-length",
        "batch_size × timesteps must equal the data length.",
        "a discussion quoted in question 000",
        findings={
            "finding": (
                "A sequence of 40 steps runs in {batches} stateful batches of 2 rows × 5 steps "
                "({rows_times_steps} ≠ 40) and gives the same h as one stateless pass over "
                "each whole lane (max |Δ| = {max_abs_diff}). What must hold is that the "
                "samples fill whole batches and that row i of each batch continues row i of "
                "the previous one."
            ),
        },
        explore="preset=ramp&len=40&bs=2&ts=5",
    ),
    Claim(
        "wrong-shape-state-silent",
        "Putting a state of shape (2,) into an LSTM of 8 units raises no error.",
        "question 003 (the question itself)",
        findings={
            "finding": (
                "Assigning a (2,) value to a (10, 8) state variable fails at once. Replacing "
                "the list entry instead (layer.states[0] = Variable(...), as in the question) "
                "is silent at first, but the next call fails with a matrix-size error."
            ),
            "silent": (
                "On {backend}, assigning a (2,) value to a (10, 8) state variable fails at once, "
                "but replacing the list entry (layer.states[0] = Variable(...)) is silent, and "
                "the next call runs without an error."
            ),
        },
        explore="preset=poem&bs=2&ts=5&layers=LSTM.8.s&pos=4",
    ),
    Claim(
        "last-output-is-h",
        "With return_sequences=False, the output is the last timestep's output, equal to the "
        "final h.",
        "questions 003, 004",
        findings={
            "finding": (
                "With return_sequences=False, the layer's output is exactly the final h "
                "returned by return_state=True (c is returned separately)."
            ),
        },
        explore="preset=sine&len=40&bs=2&ts=5&layers=LSTM.4.s",
    ),
    Claim(
        "gru-one-state",
        "GRU and SimpleRNN have one state tensor, LSTM has two (h and c).",
        "question 003",
        findings={
            "finding": (
                "LSTM keeps h and c; GRU and SimpleRNN keep only h — both as returned states "
                "and as a stateful layer's state variables."
            ),
        },
        explore="preset=sine&len=40&bs=2&ts=5&layers=GRU.4.s&pos=2",
    ),
    Claim(
        "stateful-helps-when-lahead-small",
        "When lahead < tsteps only the stateful model converges; when lahead >= tsteps both do.",
        "question 000, Keras stateful example",
        findings={
            "finding": (
                "tsteps = 2, 320 training windows, 3 epochs at batch size 1. With lahead = 1 "
                "the target needs the previous input, which only the carried state can "
                "provide; with lahead = 2 both models see it in the window. Compare the RMSE "
                "(a short run: the full example trains longer)."
            ),
            "unclear": (
                "tsteps = 2, 320 training windows, 3 epochs at batch size 1. With lahead = 1 "
                "the target needs the previous input, which only the carried state can "
                "provide; with lahead = 2 both models see it in the window. Compare the RMSE "
                "(a short run: the full example trains longer). In this short run the pattern "
                "is not clear-cut."
            ),
            "not_carried": (
                "On {backend}, fit() does not keep the stateful layer's state (it stays zero; "
                "see stateful-fit-carries-state), so the stateful model learns as the stateless "
                "one does and cannot use the previous input. Compare the RMSE."
            ),
            "raises": (
                "On {backend}, fit() on a stateful LSTM raises {error} (see "
                "stateful-fit-carries-state): the example does not run."
            ),
        },
        explore="preset=moving_average&tsteps=2&lahead=1&bs=1&op=fit&epochs=3&reset=epoch_end",
    ),
    # -- settled on every installed Keras backend (portable checks, app/engine/backends.py) --
    Claim(
        "stateful-predict-carries-state",
        "A stateful layer carries its state from one predict() call to the next.",
        "Keras 3 on JAX, found by running it (RNN._create_state_variables, stateless_call)",
        findings={
            "carries": (
                "On {backend}, predict() twice on the same batch gives different outputs (max "
                "|Δ| {diff}) and the state after it is not zero: it carried over."
            ),
            "not_carried": (
                "On {backend}, predict() twice on the same batch gives the same outputs and the "
                "state stays zero: predict() runs the model without its state updates. Calling "
                "the model directly does carry it (max |Δ| {call_diff})."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=predict&calls=2",
    ),
    Claim(
        "partial-batch-filled-silently",
        "predict() on a stateful model fills a partial last batch silently and returns extra rows.",
        "Keras issue keras-team/keras#21183",
        findings={
            "filled": (
                "On {backend}, predict() on 5 samples at batch size 2 raises nothing and "
                "returns {rows} rows: the lone sample of the last batch was spread over both "
                "state rows."
            ),
            "raises": (
                "On {backend}, predict() on 5 samples at batch size 2 refuses the partial last "
                "batch: {error}"
            ),
        },
        explore="preset=ramp&len=18&bs=2&ts=2&layout=consecutive&op=predict",
    ),
    Claim(
        "saved-model-keeps-states",
        "model.save() and keras.models.load_model() keep a stateful layer's states.",
        "Keras 3 saving, found by running it",
        findings={
            "dropped": (
                "On {backend}, a stateful layer held a state of max |h| {before} when the "
                "model was saved; the loaded model's state is {after}: the weights are "
                "saved, the states are not. Save them yourself (layer.states) if you need them."
            ),
            "kept": (
                "On {backend}, the loaded model's state (max |h| {after}) is the saved one's."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=predict&calls=2",
    ),
    Claim(
        "stateful-fit-carries-state",
        "fit() trains a stateful LSTM, GRU or SimpleRNN and carries its state from one batch to "
        "the next.",
        "Keras issues keras-team/keras#20875 and #23462 (PyTorch); Keras 3 on JAX, found by "
        "running it",
        findings={
            "carries": (
                "On {backend}, fit() trained a stateful LSTM, GRU and SimpleRNN (weights moved "
                "by up to {moved}) and each layer's state after fit() is not zero (max |h| at "
                "least {state}): it carried from batch to batch."
            ),
            "not_carried": (
                "On {backend}, fit() trains the weights (moved by up to {moved}) but the state "
                "of a stateful {kinds} stays zero: fit() runs the model without its state "
                "updates, so no batch starts from the previous batch's state."
            ),
            "raises": (
                "On {backend}, fit() on a stateful {failed} raises {error}. Trains: {trained}. "
                "With use_cudnn=False on the layer, fit() runs."
            ),
            "raises_always": (
                "On {backend}, fit() on a stateful {failed} raises {error}. Trains: {trained}."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=fit&epochs=2",
    ),
    Claim(
        "reset-state-takes-values",
        "layer.reset_state(states=...) sets a stateful layer's states to the given values, as "
        "the RNN docstring says.",
        "Keras's RNN docstring; MIT 6.S191 lab (issue #174)",
        findings={
            "refused": (
                "On {backend}, reset_state(states=...) raises {error}. Assign the state "
                "variables instead (layer.states[i].assign(...)): the explorer's set_state does "
                "that. Model.reset_states() does not exist in Keras 3 either."
            ),
            "accepted": "On {backend}, reset_state(states=...) set the given values.",
        },
        explore="preset=poem&bs=2&ts=5&layers=LSTM.8.s",
    ),
    Claim(
        "batch-input-shape-accepted",
        "A recurrent layer takes batch_input_shape=(batch, timesteps, features) to fix its batch "
        "size, as in Keras 2.",
        "Keras 2 tutorials and the Keras stateful example; Keras 3, found by running it",
        findings={
            "refused": (
                "On {backend}, LSTM(..., batch_input_shape=...) raises {error}. Keras 3 fixes "
                "the batch size with keras.Input(batch_shape=(B, T, F))."
            ),
            "accepted": "On {backend}, LSTM(..., batch_input_shape=...) is accepted.",
        },
        explore="preset=poem&bs=2&ts=5&layers=LSTM.4.s",
    ),
    Claim(
        "fit-takes-batch-from-model",
        "fit() without batch_size= on a model built with keras.Input(batch_shape=(B, ...)) "
        "feeds batches of B.",
        "Keras issue keras-team/keras#20327",
        findings={
            "refused": (
                "On {backend}, fit() on {samples} samples without batch_size, on a stateful "
                "model with batch_shape (2, 3, 1), fails: {error}. fit()'s batch_size defaults "
                "to 32, not to the model's batch size (here all {samples} samples in one "
                "batch): pass batch_size=2."
            ),
            "ran": (
                "On {backend}, fit() on {samples} samples without batch_size ran on a model "
                "with batch_shape (2, 3, 1)."
            ),
        },
        explore="preset=poem&bs=2&ts=5&op=fit&epochs=2",
    ),
]
BY_ID = {c.id: c for c in CLAIMS}
