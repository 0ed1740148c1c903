// The scenario form: fill it from params, read params back, and the per-layer editor.

import { formatLayers, parseLayers } from "./scenario.js";
import { t } from "./i18n.js";

const attr = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const KINDS = ["LSTM", "GRU", "SimpleRNN"];

export class Controls {
  constructor(form, presets, onSubmit) {
    this.form = form;
    this.layersBox = form.querySelector("#layers");
    const select = form.querySelector("#preset");
    for (const p of presets) {
      const o = document.createElement("option");
      o.value = p.name;
      o.textContent = p.name;
      o.title = p.description;
      select.append(o);
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      onSubmit(this.read());
    });
    form.addEventListener("change", () => this.showRelevant());
    form.querySelector("#add-layer").addEventListener("click", () => {
      const layers = this.readLayers();
      if (layers.length < 4) this.fillLayers([...layers, { kind: "LSTM", units: 4, stateful: true }]);
    });
  }

  fill(p) {
    for (const el of this.form.elements) {
      if (!el.name || !(el.name in p)) continue;
      if (el.type === "checkbox") el.checked = p[el.name] === "1";
      else el.value = p[el.name];
    }
    this.fillLayers(parseLayers(p.layers));
    this.showRelevant();
  }

  fillLayers(layers) {
    this.layersBox.replaceChildren();
    layers.forEach((l, i) => {
      const row = document.createElement("div");
      row.className = "layer";
      row.innerHTML = `<span class="idx">${i}</span>
        <select aria-label="${attr(t("js.controls.kind", { i }))}">${KINDS.map((k) => `<option${k === l.kind ? " selected" : ""}>${k}</option>`).join("")}</select>
        <input type="number" min="1" max="128" value="${l.units}" aria-label="${attr(t("js.controls.units", { i }))}">
        <label class="check"><input type="checkbox"${l.stateful ? " checked" : ""}> stateful</label>
        <button type="button" class="remove" aria-label="${attr(t("js.controls.remove", { i }))}"${layers.length === 1 ? " disabled" : ""}>×</button>`;
      row.querySelector(".remove").addEventListener("click", () => {
        const all = this.readLayers();
        all.splice(i, 1);
        this.fillLayers(all);
      });
      this.layersBox.append(row);
    });
  }

  readLayers() {
    return [...this.layersBox.querySelectorAll(".layer")].map((row) => ({
      kind: row.querySelector("select").value,
      units: Number(row.querySelector("input[type=number]").value),
      stateful: row.querySelector("input[type=checkbox]").checked,
    }));
  }

  read() {
    const p = {};
    for (const el of this.form.elements) {
      if (!el.name) continue;
      p[el.name] = el.type === "checkbox" ? (el.checked ? "1" : "0") : el.value;
    }
    p.layers = formatLayers(this.readLayers());
    return p;
  }

  showRelevant() {
    const preset = this.form.elements.preset.value;
    const op = this.form.elements.op.value;
    const reset = this.form.elements.reset.value;
    for (const el of this.form.querySelectorAll("[data-for]")) el.hidden = !el.dataset.for.split(" ").includes(preset);
    for (const el of this.form.querySelectorAll("[data-op]")) el.hidden = !el.dataset.op.split(" ").includes(op);
    for (const el of this.form.querySelectorAll("[data-reset]")) el.hidden = el.dataset.reset !== reset;
    const ts = this.form.elements.ts;
    ts.disabled = preset === "moving_average";
    ts.title = ts.disabled ? "moving_average: timesteps = lahead" : "";
    if (ts.disabled) ts.value = this.form.elements.lahead.value;
  }
}
