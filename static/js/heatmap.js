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
    const T = s.model.timesteps;
    const xs = [];
    const zh = Array.from({ length: layer.units }, () => []);
    const zc = Array.from({ length: layer.units }, () => []);
    for (let p = 0; p <= store.position; p++) {
      const f = store.frames.get(p);
      if (!f) continue;
      const L = f.layers[store.layer];
      const row = Math.min(store.row, L.h.length - 1);
      xs.push(p);
      for (let u = 0; u < layer.units; u++) {
        zh[u].push(L.h[row][u]);
        if (hasC) zc[u].push(L.c[row][u]);
      }
    }
    // Colours scaled to what is on screen, however small (the Keras example's values are
    // ~±0.001): the bar shows the scale. The floor only avoids a zero range at the start.
    let top = 1e-6;
    for (const rows of [zh, zc]) for (const r of rows) for (const v of r) top = Math.max(top, Math.abs(v));
    const common = { type: "heatmap", colorscale: DIVERGING, zmin: -top, zmax: top, x: xs, hovertemplate: `${t("js.heatmap.hover", { t: "%{x}", unit: "%{y}", value: "%{z:.4f}" })}<extra></extra>` };
    const data = [{ ...common, z: zh, yaxis: "y", name: "h", colorbar: { len: hasC ? 0.45 : 0.9, y: hasC ? 0.77 : 0.5, thickness: 10 } }];
    if (hasC) data.push({ ...common, z: zc, yaxis: "y2", name: "c", showscale: false });
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
    }
    const big = document.body.classList.contains("present"); // presenter mode: read from afar
    const layout = {
      font: { size: big ? 18 : 12 },
      margin: big ? { l: 70, r: 10, t: 30, b: 60 } : { l: 44, r: 10, t: 22, b: 40 },
      // presenter mode: larger on a narrow screen; beside the cell inspector on a projector
      height: (hasC ? 330 : 200) * (big ? (innerWidth >= 1100 ? 0.8 : 1.4) : 1),
      xaxis: { anchor: hasC ? "y2" : "y", title: { text: t("js.heatmap.x_title") }, range: [-0.5, Math.max(store.steps, 1) - 0.5], zeroline: false },
      yaxis: { title: { text: t("js.heatmap.h_title") }, domain: hasC ? [0.55, 1] : [0, 1], range: [layer.units - 0.5, -0.5], zeroline: false, dtick: layer.units > (big ? 4 : 16) ? undefined : 1 },
      yaxis2: { title: { text: t("js.heatmap.c_title") }, domain: [0, 0.45], range: [layer.units - 0.5, -0.5], zeroline: false, dtick: layer.units > (big ? 4 : 16) ? undefined : 1 },
      shapes, annotations,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#f4f4f4",
    };
    window.Plotly.react(this.root, data, layout, { displayModeBar: false, responsive: true, staticPlot: false });
  }
}
