// Compare: the same data and weights (same seed) run a second time with one setting flipped,
// side by side, with the difference of the selected row's h over time.

import { Store } from "./store.js";
import { LanesView } from "./lanes.js";
import { DIVERGING } from "./heatmap.js";
import { t } from "./i18n.js";

// what B changes; its label is js.compare.variant.<name>
export const VARIANTS = {
  stateful: { apply: (s) => { s.model.layers.forEach((l) => { l.stateful = !l.stateful; }); } },
  shuffle: { apply: (s) => { s.batching.shuffle = !s.batching.shuffle; } },
  layout: { apply: (s) => { s.batching.layout = s.batching.layout === "lanes" ? "consecutive" : "lanes"; } },
  long: { apply: (s) => { s.batching.timesteps *= 2; s.model.layers.forEach((l) => { l.stateful = false; }); } },
};

export class Compare {
  /** `send` writes to the page's one socket: every command of B carries slot "b". */
  constructor(section, onError, send) {
    this.section = section;
    this.onError = onError;
    this.send = (m) => send({ ...m, slot: "b" });
    this.store = new Store();
    this.lanes = new LanesView(section.querySelector(".cmp-lanes"), () => {});
    this.diff = section.querySelector(".cmp-diff");
    this.title = section.querySelector(".cmp-title");
    this.badge = section.querySelector(".cmp-badge");
    this.variant = null;
  }

  start(variant, scenario) {
    if (variant && !(variant in VARIANTS)) { // a link's bad ?cmp= is reported, never a crash
      this.onError({ text: t("js.main.bad_param", { name: "cmp", value: variant }) }, "");
      variant = "";
    }
    this.variant = variant;
    this.section.hidden = !variant;
    document.body.classList.toggle("comparing", Boolean(variant)); // run A's lanes say they are A
    if (!variant) return;
    const b = structuredClone(scenario);
    VARIANTS[variant].apply(b);
    // (other rows, other samples: only when B batches the data differently)
    const title = ["stateful", "long"].includes(variant) ? "js.compare.title" : "js.compare.title_rows";
    this.title.textContent = t(title, { variant: t(`js.compare.variant.${variant}`) });
    this.store.clear();
    this.store.summary = null;
    this.pending = null;
    this.send({ type: "load", scenario: b });
  }

  /** Keep B's cursor on A's: step forward (so every frame arrives) or seek back. */
  follow(position) {
    if (!this.variant) return;
    this.pending = position;
    if (!this.store.summary) return;
    const target = Math.min(position, this.store.steps - 1);
    if (target > this.sent) this.send({ type: "step", count: target - this.sent });
    else if (target < this.sent) this.send({ type: "seek", position: target });
    this.sent = target;
  }

  onMessage(m) {
    if (m.type === "loaded") {
      this.store.load(m);
      this.sent = m.position;
      this.lanes.render(this.store);
      this.badge.textContent = t("js.compare.badge", { diff: m.verification.max_abs_diff.toExponential(1) });
      if (this.pending !== null) this.follow(this.pending);
    } else if (m.type === "frame") {
      this.store.add(m);
      this.draw();
    } else if (m.type === "paused") {
      this.store.position = m.position;
      this.draw();
    } else if (m.type === "error") {
      this.onError(m, "B");
    }
  }

  select(layer, row, a) {
    this.store.layer = layer;
    this.store.row = row;
    this.lanes.render(this.store);
    this.draw(a);
  }

  draw(a = this.a) {
    if (a) this.a = a;
    if (!this.store.summary || !this.a || !this.a.summary) return;
    this.lanes.update(this.store);
    const A = this.a;
    const xs = [];
    const units = A.summary.model.layers[A.layer].units;
    const z = Array.from({ length: units }, () => []);
    let worst = 0;
    for (let p = 0; p <= Math.min(A.position, this.store.position); p++) {
      const fa = A.frames.get(p);
      const fb = this.store.frames.get(p);
      if (!fa || !fb) continue;
      const ha = fa.layers[A.layer].h[Math.min(A.row, fa.layers[A.layer].h.length - 1)];
      const hb = fb.layers[A.layer].h[Math.min(A.row, fb.layers[A.layer].h.length - 1)];
      xs.push(p);
      for (let u = 0; u < units; u++) {
        const d = ha[u] - hb[u];
        z[u].push(d);
        worst = Math.max(worst, Math.abs(d));
      }
    }
    if (!window.Plotly) return;
    window.Plotly.react(this.diff, [{ type: "heatmap", z, x: xs, colorscale: DIVERGING, zmin: -Math.max(worst, 0.05), zmax: Math.max(worst, 0.05), hovertemplate: `${t("js.compare.hover", { t: "%{x}", unit: "%{y}", value: "%{z:.4f}" })}<extra></extra>` }], {
      title: { text: t("js.compare.plot_title", { row: A.row, worst: worst.toFixed(4) }), font: { size: 13 } },
      margin: { l: 44, r: 10, t: 30, b: 34 }, height: 200,
      xaxis: { range: [-0.5, Math.max(A.steps, 1) - 0.5], title: { text: t("js.compare.x_title") } },
      yaxis: { autorange: "reversed", title: { text: t("js.compare.y_title") } },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#f4f4f4",
    }, { displayModeBar: false, responsive: true });
  }
}
