// The batch lanes picture: batches as columns, sample rows as lanes, and at each boundary
// what happened to each row's state. Kinds are told apart by shape and text, not only colour.

import { el } from "./svg.js";
import { t } from "./i18n.js";
import { tn } from "./plural.js";
import { carried, label as labelOf, title } from "./vocab/transfers.js";

const CELL_H = 34;
const GAP_X = 66; // the narrowest gap between batches; wider when its labels need it
const PAD = 28;
const LEFT = 40; // room for the row labels
const MIN_SCALE = 0.55; // smaller than this, 10 px labels become unreadable: scroll instead
// A batch of 200 rows (seed 000's) would be a 7,000 px picture: past MAX_ROWS_DRAWN rows, the
// first HEAD_ROWS, the last TAIL_ROWS and the selected row are drawn, the rest summarised.
const MAX_ROWS_DRAWN = 24;
const HEAD_ROWS = 8;
const TAIL_ROWS = 2;
const GAP_H = 26;
const CELL_W = 420;
const CELL_WIDE = 640;
const MIN_SQUEEZE = 0.6;

/** The lanes to draw, top to bottom: {row, y} or {gap: [first, last], y} (rows not drawn). */
export function lanesToDraw(rows, selected) {
  let drawn = [...Array(rows).keys()];
  if (rows > MAX_ROWS_DRAWN) {
    const keep = new Set([...drawn.slice(0, HEAD_ROWS), ...drawn.slice(rows - TAIL_ROWS), selected]);
    drawn = [...keep].filter((r) => r >= 0 && r < rows).sort((a, b) => a - b);
  }
  const out = [];
  let y = PAD;
  drawn.forEach((row, i) => {
    if (i > 0 && row > drawn[i - 1] + 1) {
      out.push({ gap: [drawn[i - 1] + 1, row - 1], y });
      y += GAP_H;
    }
    out.push({ row, y });
    y += CELL_H;
  });
  return { lanes: out, bottom: y };
}

function tokensOf(summary, row) {
  if (row.sequence === null) return [];
  const tokens = summary.data.sequences[row.sequence].tokens;
  return row.positions.map((p) => tokens[p] ?? "?");
}

/** About how wide a 10 px label is: CJK characters are square, Latin ones about 0.62 em. */
function labelWidth(text) {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 10.5 : 6.4;
  return w;
}

export class LanesView {
  constructor(root, onSelect) {
    this.root = root;
    this.onSelect = onSelect;
    addEventListener("resize", () => this.fit());
  }

  /** A picture a little wider than its box (a phone) is scaled to fit, so batch 1 and the
   * hand-off into it are on screen; a much wider one scrolls rather than shrink unreadably. */
  fit() {
    if (!this.svg) return;
    const ratio = this.root.clientWidth / Number(this.svg.getAttribute("width"));
    this.svg.classList.toggle("fit", ratio < 1 && ratio >= MIN_SCALE);
  }

  render(store) {
    const s = store.summary;
    this.root.replaceChildren();
    if (!s) return;
    const T = s.model.timesteps;
    const isText = s.data.task === "classification";
    const longest = Math.max(1, ...s.data.sequences.flatMap((q) => q.tokens.map((tok) => tok.length)));
    const tokenW = isText ? 18 : longest * 8 + 8;
    // Long rows (20 six-digit numbers) widen the box up to CELL_WIDE, then squeeze their text
    // to fit (never below MIN_SQUEEZE of its width): the current timestep never leaves its box.
    const natural = T * tokenW + 16;
    this.cellW = Math.max(70, Math.min(natural, Math.max(CELL_W, Math.min(CELL_WIDE, natural * MIN_SQUEEZE))));
    const rows = store.rows();
    // French and Japanese labels are longer than English ones: the gap follows the longest
    let widest = 0;
    s.batches.forEach((b, k) => b.rows.forEach((row, r) => {
      const text = labelOf(b.transfers[store.layer][r], k, row.newest_first);
      if (text) widest = Math.max(widest, labelWidth(text));
    }));
    // a summarised batch's boundary also says how many rows: "✓ ×190"
    this.gapX = Math.max(GAP_X, Math.ceil(widest) + 12 + (rows > MAX_ROWS_DRAWN ? 34 : 0));
    const GAP = this.gapX;
    const width = LEFT + 10 + s.batches.length * (this.cellW + GAP);
    const { lanes, bottom } = lanesToDraw(rows, store.row);
    const height = bottom + 18;
    const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": t("js.lanes.aria", { batches: tn("js.count.batch", s.batches.length), rows: tn("js.count.row", rows) }) });
    this.svg = svg;
    this.drawnK = undefined; // a new picture: the next update redraws every column
    this.cells = [];
    this.tokens = [];
    // several ops (predict called twice, call then fit…): each column names its call, #1, #2…
    const ops = new Set(s.batches.map((b) => b.op_index)).size;
    s.batches.forEach((b, k) => {
      const x = LEFT + k * (this.cellW + GAP) + GAP;
      const op = ops > 1 ? `${b.op} #${b.op_index + 1}` : b.op;
      const mid = x + this.cellW / 2;
      if (op === "call") svg.append(el("text", { x: mid, y: 16, class: "col-head", "text-anchor": "middle" }, t("js.lanes.head", { batch: b.batch })));
      else { // two short lines, in the page's words: the call, then its epoch and batch
        svg.append(el("text", { x: mid, y: 10, class: "col-head col-op", "text-anchor": "middle" }, op));
        const epochs = b.op === "fit" || b.op === "train_on_batch"; // predict has no epochs
        svg.append(el("text", { x: mid, y: 22, class: "col-head", "text-anchor": "middle" }, t(epochs ? "js.lanes.head_epoch" : "js.lanes.head", { epoch: b.epoch, batch: b.batch })));
      }
      const transfers = b.transfers[store.layer];
      // The boundary: a barrier when every row was reset by reset_states().
      const resets = transfers.filter((tr) => tr.kind === "reset" && tr.reason === "reset_states").length;
      if (resets && k > 0) {
        const bx = x - GAP / 2;
        svg.append(el("line", { x1: bx, x2: bx, y1: 22, y2: height - 4, class: "barrier", "data-into": k, "data-boundary": k }));
        svg.append(el("text", { x: bx, y: height - 1, class: "barrier-label", "text-anchor": "middle", "data-boundary": k }, t("js.lanes.reset")));
      }
      this.cells[k] = [];
      this.tokens[k] = [];
      for (const lane of lanes) {
        if (lane.gap) {
          this.drawGap(svg, lane, x, k, transfers, b.rows);
          continue;
        }
        const r = lane.row;
        const row = b.rows[r];
        if (!row) continue; // a shorter batch (predict's last one)
        const y = lane.y;
        if (k === 0) svg.append(el("text", { x: 2, y: y + 17, class: "row-label" }, t("js.lanes.row", { row: r })));
        const g = el("g", { class: `cell${row.padding ? " padding" : ""}`, "data-batch": k, "data-row": r, tabindex: "-1" });
        g.append(el("rect", { x, y, width: this.cellW, height: CELL_H - 8, rx: 5 }));
        const text = el("text", { x: x + 8, y: y + 17, class: isText ? "tok text" : "tok" });
        const toks = tokensOf(s, row);
        this.tokens[k][r] = toks.map((tok, i) => {
          const span = el("tspan", { class: "t", "data-t": i }, isText ? tok : `${tok}${i < toks.length - 1 ? " " : ""}`);
          text.append(span);
          return span;
        });
        if (toks.reduce((w, tok) => w + (isText ? tokenW : tok.length * 8 + 8), 0) > this.cellW - 16) {
          text.setAttribute("textLength", this.cellW - 16);
          text.setAttribute("lengthAdjust", "spacingAndGlyphs");
        }
        if (row.padding) {
          text.append(el("tspan", { class: "pad-note" }, ` ${t("js.lanes.copy")}`));
          g.append(el("title", {}, t("js.lanes.padding_title")));
        }
        g.append(text);
        g.addEventListener("click", () => this.onSelect(r));
        svg.append(g);
        this.cells[k][r] = g;
        this.drawTransfer(svg, transfers[r], x, y, k, row.newest_first);
      }
    });
    this.root.append(svg);
    this.fit();
  }

  /** Rows not drawn: how many, and what happened to their states at this boundary. */
  drawGap(svg, lane, x, k, transfers, rows) {
    const [first, last] = lane.gap;
    const hidden = rows.slice(first, last + 1);
    if (!hidden.length) return;
    const y = lane.y + GAP_H / 2 + 4;
    if (k === 0) svg.append(el("text", { x: 2, y, class: "row-label" }, "⋮"));
    const note = el("text", { x: x + 8, y, class: "gap-rows" }, t("js.lanes.hidden_rows", { n: hidden.length, first, last }));
    note.append(el("title", {}, t("js.lanes.hidden_rows_tip")));
    svg.append(note);
    if (k === 0) return;
    const counts = new Map();
    hidden.forEach((row, i) => {
      const text = labelOf(transfers[first + i], k, row.newest_first) ?? "0 →";
      counts.set(text, (counts.get(text) || 0) + 1);
    });
    const summary = [...counts].map(([text, n]) => `${text} ×${n}`).join(" ");
    svg.append(el("text", { x: x - this.gapX / 2, y, class: "gap-rows arrow-label", "text-anchor": "middle", "data-boundary": k }, summary));
  }

  drawTransfer(svg, tr, x, y, k, newestFirst = false) {
    if (!tr) return;
    const yMid = y + (CELL_H - 8) / 2;
    const x0 = x - this.gapX + 4;
    const x1 = x - 3;
    const text = labelOf(tr, k, newestFirst);
    // above the arrow's head (and the "0 →" of a zero start), so the two never overlap
    const ly = yMid - 8;
    // every mark of the boundary into batch k says so: a lesson's question hides them
    const label = (cls) => text && svg.append(el("text", { x: (x0 + x1) / 2, y: ly, class: `arrow-label ${cls}`, "text-anchor": "middle", "data-boundary": k }, text));
    if (carried(tr)) {
      if (k === 0) return;
      const line = el("line", { x1: x0, y1: yMid, x2: x1, y2: yMid, class: `arrow ${tr.kind} ${tr.reason || ""}`, "marker-end": `url(#head-${tr.kind})`, "data-into": k, "data-boundary": k });
      line.append(el("title", {}, title(tr)));
      svg.append(line);
      label(tr.kind);
    } else if (tr.kind === "set") {
      svg.append(el("path", { d: `M${x1 - 12} ${yMid} l6 -6 l6 6 l-6 6 z`, class: "set-mark", "data-boundary": k }));
      label("set");
    } else {
      // zeros: initial, stateless, or after reset_states()
      svg.append(el("text", { x: x1 - 4, y: yMid + 4, class: `zero ${tr.reason || tr.kind}`, "text-anchor": "end", "data-boundary": k }, "0 →"));
      label(tr.reason || "initial");
    }
  }

  /** Make the hand-off visible at the moment it happens: the arrows into batch k flash. */
  pulse(k) {
    for (const n of this.svg.querySelectorAll(`[data-into="${k}"]`)) {
      n.classList.remove("pulse");
      void n.getBBox();  // restart the animation
      n.classList.add("pulse");
    }
  }

  /** Highlight the current timestep: it travels along the lane, then jumps (or not). */
  update(store) {
    if (!this.svg) return;
    if (!this.svg.querySelector("defs")) {
      const defs = el("defs");
      for (const kind of ["continues", "mismatch"]) {
        // a fixed size (not scaled by the line's width): presenter mode's thicker arrows
        // would otherwise grow heads that cover their labels
        const m = el("marker", { id: `head-${kind}`, markerUnits: "userSpaceOnUse", markerWidth: 12, markerHeight: 12, refX: 11, refY: 6, orient: "auto" });
        m.append(el("path", { d: "M0,0 L12,6 L0,12 z", class: `arrowhead ${kind}` }));
        defs.append(m);
      }
      this.svg.prepend(defs);
    }
    const T = store.summary.model.timesteps;
    const k = store.position < 0 ? -1 : Math.floor(store.position / T);
    const tNow = store.position - k * T;
    // Only the columns that can change are touched (the old and the new current batch),
    // unless the selected row changed: 32 rows x 16 batches stays cheap per frame.
    const full = this.drawnRow !== store.row || this.drawnK === undefined || Math.abs(k - this.drawnK) > 1;
    const cols = full ? this.cells.map((_, kk) => kk) : [...new Set([this.drawnK, k])].filter((kk) => kk >= 0);
    for (const kk of cols) {
      (this.cells[kk] || []).forEach((g, r) => {
        g.classList.toggle("done", kk < k);
        g.classList.toggle("now", kk === k);
        g.classList.toggle("selected", r === store.row);
      });
      // forEach, not for…of: a summarised batch's arrays have holes (rows not drawn)
      (this.tokens[kk] || []).forEach((spans) => spans.forEach((span) => span.classList.remove("now", "done")));
    }
    // (not when playing fast: a running animation repaints the whole picture every frame)
    if (k > 0 && k !== this.drawnK && this.drawnK !== undefined && !store.fast) this.pulse(k);
    this.drawnK = k;
    this.drawnRow = store.row;
    if (k >= 0) {
      this.tokens[k].forEach((spans) => spans.forEach((span, tt) => {
        if (tt === tNow) span.classList.add("now");
        else if (tt < tNow) span.classList.add("done");
      }));
      const cell = this.cells[k][0];
      if (cell && typeof cell.scrollIntoView === "function") {
        const box = this.root.getBoundingClientRect();
        const rect = cell.getBoundingClientRect();
        if (rect.right > box.right || rect.left < box.left) this.root.scrollLeft += rect.left - box.left - 60;
      }
    }
  }
}
