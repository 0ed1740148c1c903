// The state as a table, for screen readers and for reading exact values: h (and c) of every
// row at the current timestep, and on training batches the loss's gradients with respect to them. Built only while its <details> is open, at most 5 times a second.

import { t } from "./i18n.js";

const MIN_INTERVAL_MS = 200;

function cells(tag, texts, attrs = {}) {
  return texts.map((text) => Object.assign(document.createElement(tag), { textContent: text, ...attrs }));
}

export class StateTable {
  constructor(details) {
    this.details = details;
    this.box = details.querySelector(".values-wrap");
    this.last = 0;
    this.timer = null;
    details.addEventListener("toggle", () => { if (details.open && this.store) this.render(this.store); });
  }

  schedule(store) {
    this.store = store;
    if (!this.details.open) return;
    const wait = this.last + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.render(store);
    else if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.render(this.store); }, wait);
  }

  render(store) {
    this.last = performance.now();
    const frame = store.current();
    if (!store.summary || !frame) {
      this.box.replaceChildren(Object.assign(document.createElement("p"), { textContent: t("js.table.none") }));
      return;
    }
    const layer = store.summary.model.layers[store.layer];
    const L = frame.layers[store.layer];
    // h, c, then on training batches ∂L/∂h, ∂L/∂c (the gradients of the batch's loss)
    const columns = layer.state_names.filter((n) => L[n]).map((n) => ({ name: n, values: L[n], digits: (v) => v.toFixed(4) }));
    if (L.grad) for (const n of layer.state_names) columns.push({ name: `∂L/∂${n}`, values: L.grad[n], digits: (v) => v.toPrecision(3) });
    const names = columns.map((col) => col.name);
    const T = store.T;
    const k = Math.floor(store.position / T);
    const table = document.createElement("table");
    table.className = "values";
    table.createCaption().textContent = t("js.table.caption", { states: names.join(", "), batch: k, t: store.position - k * T, layer: store.layer });
    const head = table.createTHead().insertRow();
    head.append(...cells("th", [t("js.table.row")], { scope: "col" }));
    for (const n of names) head.append(...cells("th", Array.from({ length: layer.units }, (_, u) => `${n}[${u}]`), { scope: "col" }));
    const body = table.createTBody();
    L.h.forEach((_, r) => {
      const tr = body.insertRow();
      if (r === store.row) tr.className = "selected";
      tr.append(...cells("th", [String(r)], { scope: "row" }));
      for (const col of columns) tr.append(...cells("td", col.values[Math.min(r, col.values.length - 1)].map(col.digits)));
    });
    this.box.replaceChildren(table);
  }
}
