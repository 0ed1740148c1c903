// The scenario form: fill it from params, read params back, and the per-layer editor.

import { formatLayers, parseLayers } from "./scenario.js";
import { t } from "./i18n.js";

const attr = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const KINDS = ["LSTM", "GRU", "SimpleRNN"];

// A scenario field the server names (batching.batch_size, data.text…) -> the form's input.
const FIELDS = {
  "data.preset": "preset", "data.n_sequences": "n", "data.length": "len", "data.text": "text",
  "data.values": "values", "data.tsteps": "tsteps", "data.lahead": "lahead",
  "batching.batch_size": "bs", "batching.timesteps": "ts", "batching.layout": "layout",
  "batching.shuffle_seed": "sseed", "batching.partial": "partial", "schedule.reset_every": "every",
  "schedule.reset": "reset", seed: "seed",
};

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

  /** The input a server field names (the longest known prefix), or null. */
  inputFor(field) {
    const f = String(field || "");
    const layer = /^model\.layers\.(\d+)/.exec(f);
    if (layer) return this.layersBox.querySelectorAll(".layer")[Number(layer[1])]?.querySelector("input[type=number]") ?? null;
    if (/^schedule\.ops\.\d+\.epochs/.test(f)) return this.form.elements.epochs;
    if (/^schedule\.ops/.test(f)) return this.form.elements.op;
    const key = Object.keys(FIELDS).filter((k) => f === k || f.startsWith(`${k}.`) || f.startsWith(`${k}[`)).sort((a, b) => b.length - a.length)[0];
    return key ? this.form.elements[FIELDS[key]] ?? null : null;
  }

  /** The words of the input's label, as the page shows them (not the field's path). */
  labelFor(field) {
    const label = this.inputFor(field)?.closest("label, fieldset");
    if (!label) return "";
    if (label.tagName === "FIELDSET") return label.querySelector("legend")?.textContent.trim() ?? "";
    return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(" ").trim();
  }

  /** Point at the field a message is about (open the form); `null` clears every mark. */
  markInvalid(field) {
    for (const el of this.form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const input = field ? this.inputFor(field) : null;
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    this.form.closest("details")?.setAttribute("open", "");
  }

  showRelevant() {
    const preset = this.form.elements.preset.value;
    const op = this.form.elements.op.value;
    const reset = this.form.elements.reset.value;
    for (const el of this.form.querySelectorAll("[data-for]")) el.hidden = !el.dataset.for.split(" ").includes(preset);
    for (const el of this.form.querySelectorAll("[data-op]")) el.hidden = !el.dataset.op.split(" ").includes(op);
    for (const el of this.form.querySelectorAll("[data-reset]")) el.hidden = el.dataset.reset !== reset;
    for (const el of this.form.querySelectorAll("[data-shuffle]")) el.hidden = !this.form.elements.shuffle.checked;
    const ts = this.form.elements.ts;
    ts.disabled = preset === "moving_average";
    ts.title = ts.disabled ? "moving_average: timesteps = lahead" : "";
    if (ts.disabled) ts.value = this.form.elements.lahead.value;
  }
}
