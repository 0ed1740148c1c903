// The set_state control: give a stateful layer's h or c new values before the next batch, for
// every row or one row — zeros, ones, random or typed numbers. Typed values go to Keras as
// given, so a value of the wrong shape gets Keras's own refusal (explained: see `hint`).

import { t } from "./i18n.js";

const $ = (root, name) => root.querySelector(`[name="${name}"]`);
const option = (value, text) => Object.assign(document.createElement("option"), { value, textContent: text });

/** The shape of a nested list of numbers: [2] for [0, 0], [2, 8] for two rows of 8. */
export function shapeOf(v) {
  const out = [];
  while (Array.isArray(v)) { out.push(v.length); v = v[0]; }
  return out;
}

/** Numbers typed as "0.5, -1 2" or as JSON ("[[0, 1], [2, 3]]"); null when not numbers. */
export function parseValues(text) {
  const s = text.trim();
  if (!s) return null;
  if (s.startsWith("[")) {
    try {
      const v = JSON.parse(s);
      const flat = [v].flat(Infinity);
      return flat.length && flat.every((x) => typeof x === "number" && Number.isFinite(x)) ? v : null;
    } catch { return null; }
  }
  const v = s.split(/[\s,;]+/).filter(Boolean).map(Number);
  return v.length && v.every(Number.isFinite) ? v : null;
}

const fill = (how, n) => Array.from({ length: n }, () => (how === "ones" ? 1 : how === "random" ? Math.round((Math.random() * 2 - 1) * 1000) / 1000 : 0));

export class SetStateControl {
  /** `send(command)` writes to the page's socket; `report({ text })` shows a message. */
  constructor(root, send, report) {
    this.root = root;
    this.send = send;
    this.report = report;
    this.sent = null; // the shape of the last values sent: explains Keras's refusal
    $(root, "fill").addEventListener("change", () => this.showTyped());
    $(root, "layer").addEventListener("change", () => this.fillStates());
    root.querySelector("form").addEventListener("submit", (e) => { e.preventDefault(); this.apply(); });
    root.addEventListener("toggle", () => { if (root.open) this.keepOnScreen(); });
    this.showTyped();
  }

  /** A new run: its stateful layers, their states, its rows. */
  setModel(model) {
    this.model = model;
    const layers = $(this.root, "layer");
    layers.replaceChildren(...model.layers.flatMap((l, i) => (l.stateful ? [option(i, `${i}: ${l.kind}(${l.units})`)] : [])));
    this.root.hidden = !layers.options.length;
    $(this.root, "row").replaceChildren(option("", t("js.setstate.all_rows")), ...Array.from({ length: model.batch_size }, (_, r) => option(r, t("js.setstate.row", { row: r }))));
    this.fillStates();
  }

  fillStates() {
    const l = this.model?.layers[Number($(this.root, "layer").value)];
    $(this.root, "state").replaceChildren(...(l?.kind === "LSTM" ? ["h", "c"] : ["h"]).map((s) => option(s, s)));
  }

  showTyped() {
    $(this.root, "typed").hidden = $(this.root, "fill").value !== "typed";
    if (this.root.open) this.keepOnScreen();
  }

  /** The form opens under its button; near the right edge (a wide toolbar) it shifts left so
   * Apply stays on screen instead of widening the page. */
  keepOnScreen() {
    const form = this.root.querySelector("form");
    form.style.left = "0px";
    const r = form.getBoundingClientRect();
    const over = r.right - (document.documentElement.clientWidth - 8);
    if (over > 0) form.style.left = `${-Math.min(over, Math.max(0, r.left - 8))}px`;
  }

  apply() {
    const layer = Number($(this.root, "layer").value);
    const units = this.model.layers[layer].units;
    const rowText = $(this.root, "row").value;
    const row = rowText === "" ? null : Number(rowText);
    const how = $(this.root, "fill").value;
    let values;
    if (how === "typed") {
      values = parseValues($(this.root, "typed").value);
      if (values === null) {
        this.report({ text: t("js.setstate.bad_numbers", { text: $(this.root, "typed").value }) });
        return;
      }
    } else {
      values = row === null ? Array.from({ length: this.model.batch_size }, () => fill(how, units)) : fill(how, units);
    }
    const state = $(this.root, "state").value;
    this.sent = { layer, state, got: shapeOf(values), want: row === null ? [this.model.batch_size, units] : [units] };
    this.send({ type: "set_state", layer, state, values, ...(row === null ? {} : { row }) });
    this.root.open = false; // what Keras did (or its refusal) shows where the form was
  }

  /** Keras refused the values: say which shape it wanted, next to its own words. */
  hint(m) {
    if (m.error !== "keras_rejected" || m.op !== "set_state" || !this.sent) return "";
    const s = this.sent;
    return t("js.setstate.shape_hint", { state: s.state, layer: s.layer, want: `(${s.want.join(", ")})`, got: `(${s.got.join(", ")}${s.got.length === 1 ? "," : ""})` });
  }
}
