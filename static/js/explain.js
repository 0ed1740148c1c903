// Plain-language summary of what happened at the batch boundaries of one layer, counted from
// the run's transfers, with what to change when the state went to the wrong place.

import { t } from "./i18n.js";
import { tn } from "./plural.js";
import { MISMATCH_REASONS, key } from "./vocab/transfers.js";

// what to change for each kind of mismatch: js.explain.fix.<reason>

/** Which advice: another sequence with shuffle already off and the lanes layout already on
 * (seed 000's 1000 whole sequences at batch 200) is no layout mistake — the row's sequence ended
 * and the row took up a new one, so nothing should be carried at all. */
function fixFor(reason, scenario) {
  if (reason !== "other_sequence" || !scenario) return reason;
  const b = scenario.batching;
  const shuffled = b.shuffle || scenario.schedule.ops.some((op) => op.shuffle);
  return !shuffled && b.layout === "lanes" ? "other_sequence_new" : reason;
}

export function explain(summary, layer) {
  const counts = {};
  let boundaries = 0;
  summary.batches.forEach((b, k) => {
    for (const tr of b.transfers[layer]) {
      // batch 0 has no boundary before it: only a set_state there is worth a sentence
      if (k === 0 && tr.kind !== "set") continue;
      counts[key(tr)] = (counts[key(tr)] || 0) + 1;
      if (k > 0) boundaries += 1;
    }
  });
  const L = summary.model.layers[layer];
  const out = [];
  const n = (key) => counts[key] || 0;
  if (!boundaries) {
    out.push(tn("js.explain.one_batch", summary.batches[0].rows.length));
    return out;
  }
  const total = boundaries;
  out.push(t(L.stateful ? "js.explain.layer_stateful" : "js.explain.layer_stateless", {
    layer, kind: L.kind, handoffs: tn("js.count.handoff", boundaries), boundaries: tn("js.count.boundary", summary.batches.length - 1),
  }));
  if (n("continues")) out.push(t(L.kind === "LSTM" ? "js.explain.continue_hc" : "js.explain.continue_h", { n: n("continues"), total }));
  for (const reason of MISMATCH_REASONS) {
    if (n(`mismatch:${reason}`)) out.push(t(`js.explain.fix.${fixFor(reason, summary.scenario)}`, { n: n(`mismatch:${reason}`), total }));
  }
  if (n("reset:stateless")) out.push(t("js.explain.stateless", { n: n("reset:stateless"), total }));
  if (n("reset:reset_states")) out.push(tn("js.explain.reset", n("reset:reset_states")));
  if (n("set")) out.push(tn("js.explain.set", n("set")));
  return out;
}
