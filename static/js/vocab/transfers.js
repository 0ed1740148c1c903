// The vocabulary of batch-boundary transfers, in one place for every view (lanes, heatmap,
// explanation, cell inspector, experiment). The kinds and reasons are app/transfers.py's
// (tests/test_transfers.py keeps the two lists equal); their words live in the catalogs.

import { t } from "../i18n.js";

export const KINDS = ["initial", "continues", "mismatch", "reset", "set"];
/** Why a state went to the wrong place (kind "mismatch"), in the order they are explained. */
export const MISMATCH_REASONS = ["other_sequence", "gap", "overlap", "restart", "padding"];
/** Why a state is zeros (kind "reset"). */
export const RESET_REASONS = ["stateless", "reset_states"];
export const REASONS = [...MISMATCH_REASONS, ...RESET_REASONS];

/** A state carried from the previous batch (rightly or not): drawn as an arrow. */
export const carried = (tr) => tr.kind === "continues" || tr.kind === "mismatch";

/** One name per case: "continues", "mismatch:gap", "reset:stateless", "initial", "set". */
export const key = (tr) => (tr.kind === "mismatch" || tr.kind === "reset" ? `${tr.kind}:${tr.reason}` : tr.kind);

/** The case a sentence or a CSS class names: a mismatch by its reason, a reset by its cause. */
export const which = (tr) => (tr.kind === "mismatch" ? tr.reason : tr.kind === "reset" ? (tr.reason === "stateless" ? "stateless" : "reset_states") : tr.kind);

/** The short word of a mismatch's reason ("other seq", "gap", …). */
export const reasonLabel = (reason) => t(`js.reason.short.${reason}`);

/** The label a transfer gets on the boundary before batch k (null: none). */
export function label(tr, k, newestFirst = false) {
  if (!tr) return null;
  if (carried(tr)) {
    if (k === 0) return null;
    if (tr.kind === "continues") return newestFirst ? t("js.lanes.newest_first") : "✓";
    const gap = tr.reason === "gap" ? ` +${tr.gap}` : tr.reason === "overlap" ? ` ${tr.gap}` : "";
    return t("js.lanes.mismatch_label", { reason: reasonLabel(tr.reason), gap });
  }
  if (tr.kind === "set") return t("js.lanes.set");
  if (tr.reason === "reset_states") return null; // labelled once, on its barrier
  return t(tr.reason === "stateless" ? "js.lanes.stateless" : "js.lanes.start");
}

/** The tooltip of an arrow: why the state went where it went. */
export const title = (tr) => (tr.kind === "continues" ? t("js.lanes.continues_title") : t("js.lanes.mismatch_title", { why: t(`js.lanes.why.${tr.reason}`) }));

/** The heatmap's word above a boundary that is not a plain continuation. */
export const boundaryWord = (tr) => (tr.kind === "mismatch" ? reasonLabel(tr.reason) : tr.kind === "reset" ? "0" : t(tr.kind === "set" ? "js.lanes.set" : "js.lanes.start"));

/** The sentence of the cell inspector at a batch's first timestep. */
export const boundarySentence = (tr, row) => t(`js.cell.boundary.${which(tr)}`, { row });
