import { drawCell } from "./diagram.js";
import { valueColour as colour } from "./svg.js";
import { t } from "./i18n.js";
import { boundarySentence } from "./vocab/transfers.js";

// The cell at the current timestep for the selected row: gate values per unit and the update
// written out with the real numbers of the first units.

const fmt = (v) => (v === null || v === undefined ? "–" : (v >= 0 ? " " : "") + v.toFixed(3));

// gate, lowest and highest value; the gate's name is js.cell.gate.<gate>
const GATES = {
  LSTM: [["i", 0, 1], ["f", 0, 1], ["g", -1, 1], ["o", 0, 1]],
  GRU: [["z", 0, 1], ["r", 0, 1], ["hh", -1, 1]],
  SimpleRNN: [],
};

export class CellView {
  constructor(root, where) {
    this.root = root;
    this.where = where;
  }

  render(store) {
    const s = store.summary;
    const f = store.current();
    this.root.replaceChildren();
    if (!s || !f) {
      this.where.textContent = "";
      this.root.textContent = t("js.cell.press_play");
      return;
    }
    const layer = s.model.layers[store.layer];
    const L = f.layers[store.layer];
    const row = Math.min(store.row, L.h.length - 1);
    this.where.textContent = t("js.cell.where", { kind: layer.kind, layer: store.layer, row, batch: f.batch, t: f.t });
    const prev = this.previous(store, f, row);
    const unit = Math.min(store.unit || 0, layer.units - 1);
    const table = document.createElement("table");
    table.className = "gates";
    const head = table.insertRow();
    head.insertCell().textContent = "";
    const units = Math.min(layer.units, 16);
    for (let u = 0; u < units; u++) {
      const th = document.createElement("th");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "unit-pick";
      b.textContent = u;
      b.title = t("js.cell.unit_title", { unit: u });
      b.setAttribute("aria-pressed", String(u === unit));
      b.addEventListener("click", () => { store.unit = u; this.render(store); });
      th.append(b);
      head.append(th);
    }
    const addRow = (name, title, values, lo, hi) => {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.textContent = name;
      th.title = title;
      tr.append(th);
      for (let u = 0; u < units; u++) {
        const td = tr.insertCell();
        td.textContent = values[u].toFixed(2);
        td.style.background = colour(values[u], lo, hi);
        td.title = t("js.cell.value_title", { name: title, unit: u, value: values[u] });
      }
    };
    for (const [g, lo, hi] of GATES[layer.kind]) addRow(g, t(`js.cell.gate.${g}`), L.gates[g][row], lo, hi);
    if (prev.h) addRow("h₋₁", t("js.cell.previous_h"), prev.h, -1, 1);
    addRow("h", t("js.cell.new_h"), L.h[row], -1, 1);
    if (L.c) {
      if (prev.c) addRow("c₋₁", t("js.cell.previous_c"), prev.c, -1, 1);
      addRow("c", t("js.cell.new_c"), L.c[row], -1, 1);
    }
    const pick = (a) => (a ? a[unit] : null);
    const diagram = drawCell(layer.kind,
      Object.fromEntries(Object.entries(L.gates || {}).map(([k, v]) => [k, v[row][unit]])),
      { h: pick(prev.h), c: pick(prev.c) }, { h: L.h[row][unit], c: L.c ? L.c[row][unit] : null }, unit);
    // the flow plays once per new timestep; not on a redraw of the same one, nor when playing fast
    diagram.classList.toggle("still", store.position === this.flowed || Boolean(store.fast));
    this.flowed = store.position;
    this.root.append(diagram);
    this.root.append(table);
    const eq = document.createElement("pre");
    eq.className = "equation";
    const u = unit;
    const unitHead = t("js.cell.equation_unit", { unit: u });
    if (layer.kind === "LSTM") {
      const { i, f: fg, g, o } = Object.fromEntries(Object.entries(L.gates).map(([k, v]) => [k, v[row][u]]));
      eq.textContent = `${unitHead}\n  c = f·c₋₁ + i·g\n    = ${fmt(fg)}·${fmt(prev.c?.[u])} + ${fmt(i)}·${fmt(g)} = ${fmt(L.c[row][u])}\n` +
        `  h = o·tanh(c)\n    = ${fmt(o)}·tanh(${fmt(L.c[row][u])}) = ${fmt(L.h[row][u])}`;
    } else if (layer.kind === "GRU") {
      const z = L.gates.z[row][u];
      const hh = L.gates.hh[row][u];
      eq.textContent = `${unitHead}\n  h = z·h₋₁ + (1−z)·h̃\n    = ${fmt(z)}·${fmt(prev.h?.[u])} + ${fmt(1 - z)}·${fmt(hh)} = ${fmt(L.h[row][u])}`;
    } else {
      eq.textContent = `${unitHead}\n  h = tanh(x·W + h₋₁·U + b) = ${fmt(L.h[row][u])}`;
    }
    this.root.append(eq);
    if (f.t === 0) {
      const note = document.createElement("p");
      note.className = "boundary-note";
      const tr = s.batches[f.batch].transfers[store.layer][row];
      note.textContent = boundarySentence(tr, row);
      this.root.append(note);
    }
  }

  previous(store, f, row) {
    const L = f.layers[store.layer];
    if (f.t === 0) return { h: L.initial.h[Math.min(row, L.initial.h.length - 1)], c: L.initial.c ? L.initial.c[Math.min(row, L.initial.c.length - 1)] : null };
    const p = store.frames.get(f.position - 1);
    if (!p) return { h: null, c: null };
    const P = p.layers[store.layer];
    return { h: P.h[row], c: P.c ? P.c[row] : null };
  }
}
