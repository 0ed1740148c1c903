// The cell drawn as what it is, with the live values of one unit at the current timestep:
// LSTM (forget, input, candidate, output gates and the carry line), GRU (update, reset,
// candidate), SimpleRNN (one tanh). Boxes are filled by value and also print it. Each new
// step animates its flow — input, gates, then what they make — unless motion is reduced.

import { el, valueColour } from "./svg.js";
import { t } from "./i18n.js";

const fill = (v, lo, hi) => valueColour(v, lo, hi, 0.85);

const f3 = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));

function box(svg, x, y, label, value, lo, hi, title) {
  const g = el("g", { class: "gate-box flow-in" });
  g.append(el("title", {}, t("js.diagram.value_title", { name: title, value })));
  g.append(el("rect", { x: x - 32, y: y - 19, width: 64, height: 38, rx: 6, fill: fill(value, lo, hi) }));
  g.append(el("text", { x, y: y - 3, "text-anchor": "middle", class: "gate-name" }, label));
  g.append(el("text", { x, y: y + 12, "text-anchor": "middle", class: "gate-val" }, f3(value)));
  svg.append(g);
}

function node(svg, x, y, sym) {
  svg.append(el("circle", { cx: x, cy: y, r: 11, class: "op" }));
  svg.append(el("text", { x, y: y + 5, "text-anchor": "middle", class: "op-sym" }, sym));
}

/** A wire; `phase` orders the flow animation (0: the input, 1: into the gates, 2, 3: after). */
function wire(svg, d, phase = 2) {
  svg.append(el("path", { d, class: `wire flow p${phase}`, pathLength: 1 }));
}

function value(svg, x, y, text, anchor = "start") {
  svg.append(el("text", { x, y, class: "wire-val", "text-anchor": anchor }, text));
}

export function drawCell(kind, gates, prev, now, u) {
  const svg = el("svg", { viewBox: "0 0 560 235", class: "diagram", role: "img",
    "aria-label": t("js.diagram.aria", { kind, unit: u }) });
  const inputs = (xs) => {
    wire(svg, `M20 215 H${Math.max(...xs)}`, 0);
    for (const x of xs) wire(svg, `M${x} 215 V189`, 1);
  };
  if (kind === "LSTM") {
    const [i, f, g, o] = ["i", "f", "g", "o"].map((k) => gates[k]);
    wire(svg, "M20 40 H540");                         // the carry line: c
    wire(svg, "M130 151 V51");                        // f -> ×
    wire(svg, "M220 151 V105 H254 M310 151 V105 H276 M265 94 V51"); // i·g -> +
    wire(svg, "M450 40 V85 M450 109 V124", 3);        // c -> tanh -> ×
    wire(svg, "M400 151 V135 H439 M461 135 H540", 3); // o -> × -> h
    inputs([130, 220, 310, 400]);
    node(svg, 130, 40, "×");
    node(svg, 265, 40, "+");
    node(svg, 265, 105, "×");
    node(svg, 450, 135, "×");
    svg.append(el("rect", { x: 422, y: 85, width: 56, height: 24, rx: 5, class: "tanh" }));
    svg.append(el("text", { x: 450, y: 102, "text-anchor": "middle", class: "op-sym" }, "tanh"));
    box(svg, 130, 170, "f  σ", f, 0, 1, t("js.diagram.forget"));
    box(svg, 220, 170, "i  σ", i, 0, 1, t("js.diagram.input"));
    box(svg, 310, 170, "g  tanh", g, -1, 1, t("js.diagram.candidate"));
    box(svg, 400, 170, "o  σ", o, 0, 1, t("js.diagram.output"));
    value(svg, 22, 30, `c₋₁ = ${f3(prev.c)}`);
    value(svg, 552, 30, `c = ${f3(now.c)}`, "end");
    value(svg, 470, 156, `h = ${f3(now.h)}`);
    value(svg, 22, 231, `[h₋₁ = ${f3(prev.h)}, x]`);
  } else if (kind === "GRU") {
    const [z, r, hh] = ["z", "r", "hh"].map((k) => gates[k]);
    wire(svg, "M20 40 H540");                         // h₋₁ ... h
    wire(svg, "M150 151 V51");                        // z -> ×
    wire(svg, "M182 170 H230 V105 H319");             // z -> (1−z) ×
    wire(svg, "M330 151 V116 M330 94 V51");           // h̃ -> × -> +
    wire(svg, "M270 170 H298");                       // r -> h̃
    inputs([150, 240, 330]);
    node(svg, 150, 40, "×");
    node(svg, 330, 40, "+");
    node(svg, 330, 105, "×");
    box(svg, 150, 170, "z  σ", z, 0, 1, t("js.diagram.update"));
    box(svg, 240, 170, "r  σ", r, 0, 1, t("js.diagram.reset"));
    box(svg, 330, 170, "h̃  tanh", hh, -1, 1, t("js.diagram.candidate"));
    value(svg, 22, 30, `h₋₁ = ${f3(prev.h)}`);
    value(svg, 552, 30, `h = ${f3(now.h)}`, "end");
    value(svg, 160, 80, "z·h₋₁");
    value(svg, 236, 98, "1−z");
    value(svg, 340, 80, "+ (1−z)·h̃");
    value(svg, 22, 231, `[h₋₁, x]`);
  } else {
    wire(svg, "M20 40 H260 V95", 1);
    wire(svg, "M260 125 V189", 1);
    wire(svg, "M290 110 H540", 3);
    inputs([260]);
    svg.append(el("rect", { x: 230, y: 95, width: 60, height: 30, rx: 6, fill: fill(now.h, -1, 1), class: "tanh" }));
    svg.append(el("text", { x: 260, y: 115, "text-anchor": "middle", class: "op-sym" }, "tanh"));
    value(svg, 22, 30, `h₋₁ = ${f3(prev.h)}`);
    value(svg, 552, 102, `h = ${f3(now.h)}`, "end");
    value(svg, 22, 231, "x");
  }
  return svg;
}
