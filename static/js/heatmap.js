// h and c of one row and layer as heatmaps over time, across batches: resets and
// mismatches show as breaks at the boundary lines.

import { t } from "./i18n.js";
import { boundaryWord } from "./vocab/transfers.js";

const RESET = "#b2182b";
// white at zero, so a zero state looks empty (not grey like "disabled")
export const DIVERGING = [[0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"], [1, "#b2182b"]];
const BOUNDARY = "#888";

const MIN_INTERVAL_MS = 100; // a full heatmap redraw costs ~12 ms at 64 units: ≤ 10 per second

export class HeatmapView {
  constructor(root) {
    this.root = root;
    this.last = 0;
    this.timer = null;
  }

  /** Redraw now if the last redraw is old enough, else once when it is (trailing). */
  schedule(store) {
    const wait = this.last + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.render(store);
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.render(store); }, wait);
  }

  render(store) {
    this.last = performance.now();
    if (!window.Plotly || !store.summary) return;
    const s = store.summary;
    const layer = s.model.layers[store.layer];
    const hasC = layer.state_names.includes("c");
    // a strip of d loss / d h under the states once the run trains (fit, train_on_batch)
    const hasG = s.batches.some((b) => b.grad_loss !== null && b.grad_loss !== undefined);
    const T = s.model.timesteps;
    const xs = [];
    const zh = Array.from({ length: layer.units }, () => []);
    const zc = Array.from({ length: layer.units }, () => []);
    const zg = Array.from({ length: layer.units }, () => []);
    const cut = new Map(); // batch -> |d loss / d initial h| of this row: what Keras drops
    for (let p = 0; p <= store.position; p++) {
      const f = store.frames.get(p);
      if (!f) continue;
      const L = f.layers[store.layer];
      const row = Math.min(store.row, L.h.length - 1);
      xs.push(p);
      for (let u = 0; u < layer.units; u++) {
        zh[u].push(L.h[row][u]);
        if (hasC) zc[u].push(L.c[row][u]);
        if (hasG) zg[u].push(L.grad ? L.grad.h[row][u] : null);
      }
      if (L.grad_initial) cut.set(f.batch, Math.hypot(...L.grad_initial.h[Math.min(row, L.grad_initial.h.length - 1)]));
    }
    // Colours scaled to what is on screen, however small (the Keras example's values are
    // ~±0.001): the bar shows the scale. The floor only avoids a zero range at the start.
    let top = 1e-6;
    for (const rows of [zh, zc]) for (const r of rows) for (const v of r) top = Math.max(top, Math.abs(v));
    let gtop = 1e-9; // gradients have their own scale (often 100× smaller than states)
    for (const r of zg) for (const v of r) if (v !== null) gtop = Math.max(gtop, Math.abs(v));
    // one band per strip, top to bottom: h, (c), (d loss / d h)
    const bands = 1 + hasC + hasG;
    const band = (i) => [1 - (i + 1) / bands + (i + 1 < bands ? 0.06 : 0), 1 - i / bands];
    const bar = (i) => ({ len: 0.9 / bands, y: 1 - (i + 0.5) / bands, thickness: 10 });
    const common = { type: "heatmap", colorscale: DIVERGING, zmin: -top, zmax: top, x: xs, hovertemplate: `${t("js.heatmap.hover", { t: "%{x}", unit: "%{y}", value: "%{z:.4f}" })}<extra></extra>` };
    const data = [{ ...common, z: zh, yaxis: "y", name: "h", colorbar: bar(0) }];
    if (hasC) data.push({ ...common, z: zc, yaxis: "y2", name: "c", showscale: false });
    if (hasG) {
      data.push({ ...common, z: zg, zmin: -gtop, zmax: gtop, yaxis: "y3", name: "dL/dh", colorbar: bar(bands - 1), hoverongaps: false, hovertemplate: `${t("js.heatmap.grad_hover", { t: "%{x}", unit: "%{y}", value: "%{z:.3g}" })}<extra></extra>` });
    }
    const caption = document.getElementById("grad-caption");
    if (caption) {
      caption.hidden = !hasG;
      caption.textContent = hasG ? t("js.heatmap.grad_caption") : "";
    }
    const shapes = [];
    const annotations = [];
    for (let k = 1; k < s.batches.length; k++) {
      const x = k * T - 0.5;
      const tr = s.batches[k].transfers[store.layer][Math.min(store.row, s.batches[k].transfers[store.layer].length - 1)];
      const reset = tr.kind === "reset";
      shapes.push({ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: { color: reset ? RESET : BOUNDARY, width: reset ? 3 : 1, dash: tr.kind === "continues" ? "dot" : reset ? "solid" : "dash" } });
      if (tr.kind !== "continues" && k * T <= store.position + 1) {
        annotations.push({ x, yref: "paper", y: 1.02, text: boundaryWord(tr), textangle: -30, showarrow: false, font: { size: 11, color: reset ? RESET : "#444" } });
      }
      if (hasG && cut.has(k) && (tr.kind === "continues" || tr.kind === "mismatch")) {
        // the gradient stops here: its size at batch k's initial state, never sent to batch k-1
        annotations.push({ x, xanchor: "left", yref: "y3 domain", y: 1, yanchor: "bottom", text: t("js.heatmap.grad_cut", { norm: cut.get(k).toPrecision(2) }), hovertext: t("js.heatmap.grad_cut_hover", { norm: cut.get(k).toPrecision(3) }), showarrow: false, font: { size: 11, color: RESET }, name: "grad-cut" });
      }
    }
    const big = document.body.classList.contains("present"); // presenter mode: read from afar
    const dtick = layer.units > (big ? 4 : 16) ? undefined : 1;
    const layout = {
      font: { size: big ? 18 : 12 },
      margin: big ? { l: 70, r: 10, t: 30, b: 60 } : { l: 44, r: 10, t: 22, b: 40 },
      // presenter mode: larger on a narrow screen; beside the cell inspector on a projector
      height: (70 + 130 * bands) * (big ? (innerWidth >= 1100 ? 0.8 : 1.4) : 1),
      xaxis: { anchor: hasG ? "y3" : hasC ? "y2" : "y", title: { text: t("js.heatmap.x_title") }, range: [-0.5, Math.max(store.steps, 1) - 0.5], zeroline: false },
      yaxis: { title: { text: t("js.heatmap.h_title") }, domain: band(0), range: [layer.units - 0.5, -0.5], zeroline: false, dtick },
      ...(hasC && { yaxis2: { title: { text: t("js.heatmap.c_title") }, domain: band(1), range: [layer.units - 0.5, -0.5], zeroline: false, dtick } }),
      ...(hasG && { yaxis3: { title: { text: t("js.heatmap.grad_title") }, domain: band(bands - 1), range: [layer.units - 0.5, -0.5], zeroline: false, dtick } }),
      shapes, annotations,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#f4f4f4",
    };
    window.Plotly.react(this.root, data, layout, { displayModeBar: false, responsive: true, staticPlot: false });
  }
}
