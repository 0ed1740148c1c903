// Plain-language summary of what happened at the batch boundaries of one layer, counted from
// the run's transfers, with what to change when the state went to the wrong place.

const FIX = {
  other_sequence: "a row's state went on into a different sequence. Shuffling (or a layout that does not keep row i on one sequence) does this: turn shuffle off and use the lanes layout.",
  gap: "the next window in the row starts later than where the previous one ended, so positions in between were skipped (the consecutive layout with batch size > 1 does this; lanes does not).",
  overlap: "the next window in the row repeats positions the state has already seen.",
  padding: "Keras filled a row of a partial last batch from another row: its state is meaningless.",
};

export function explain(summary, layer) {
  const counts = {};
  let boundaries = 0;
  summary.batches.forEach((b, k) => {
    for (const t of b.transfers[layer]) {
      if (k === 0 && t.kind === "initial") continue;
      const key = t.kind === "mismatch" || t.kind === "reset" ? `${t.kind}:${t.reason}` : t.kind;
      counts[key] = (counts[key] || 0) + 1;
      if (k > 0) boundaries += 1;
    }
  });
  const L = summary.model.layers[layer];
  const out = [];
  const n = (key) => counts[key] || 0;
  if (!boundaries) {
    out.push(`One batch only: there is no batch boundary to cross. Each of the ${summary.batches[0].rows.length} rows is its own sequence, starting from zeros.`);
    return out;
  }
  out.push(`Layer ${layer} (${L.kind}${L.stateful ? ", stateful" : ", stateless"}): ${boundaries} row hand-offs at ${summary.batches.length - 1} batch ${summary.batches.length === 2 ? "boundary" : "boundaries"}.`);
  if (n("continues")) out.push(`✓ ${n("continues")} of ${boundaries} continue: row i's final h${L.kind === "LSTM" ? ", c" : ""} became row i's initial state in the next batch, and the row holds the next part of the same sequence.`);
  for (const reason of ["other_sequence", "gap", "overlap", "padding"]) {
    if (n(`mismatch:${reason}`)) out.push(`✗ ${n(`mismatch:${reason}`)} of ${boundaries}: ${FIX[reason]}`);
  }
  if (n("reset:stateless")) out.push(`∅ ${n("reset:stateless")} of ${boundaries} start from zeros because the layer is stateless: every batch is a fresh start, even where a row continues a sequence.`);
  if (n("reset:reset_states")) out.push(`↺ ${n("reset:reset_states")} hand-offs were cut by reset_states(): the state became zeros (it does not carry anything over).`);
  if (n("set")) out.push(`◆ ${n("set")} rows started from a value given with set_state.`);
  return out;
}
