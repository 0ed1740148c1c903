// The controller: URL <-> controls <-> live session <-> views.

import { Controls } from "./controls.js";
import { badLayers, formatLayers, paramsFromUrl, parseLayers, scenarioFromParams, urlFromParams, withKept } from "./scenario.js";
import { LiveSocket } from "./socket.js";
import { Store } from "./store.js";
import { LanesView } from "./lanes.js";
import { HeatmapView } from "./heatmap.js";
import { StateTable } from "./table.js";
import { Tour } from "./tour.js";
import { CellView } from "./cell.js";
import { Compare } from "./compare.js";
import { explain } from "./explain.js";
import { LessonView } from "./lesson.js";
import { DEFAULTS } from "./scenario.js";
import { t } from "./i18n.js";
import { tn } from "./plural.js";
import { setUpClassroom } from "./classroom.js";
import { setUpExports } from "./exports.js";
import { renderMessage } from "./message.js";
import { SetStateControl } from "./setstate.js";
import { BackendsView } from "./backends.js";
import { Transport } from "./transport.js";

const $ = (id) => document.getElementById(id);
const resetTitle = $("reset-now").title;
const app = $("app");
const store = new Store();
const player = new Transport((m) => socket.send(m), store);
let params = paramsFromUrl(location.search);
// a link's bad ?layers= is reported once loaded, and the URL shows the layers really used
let linkError = badLayers(params.layers) ? { text: t("js.main.bad_param", { name: "layers", value: params.layers }) } : null;
if (linkError) params.layers = formatLayers(parseLayers(params.layers));
let restoreTo = Number(params.pos);
let drawPending = false;
let ended = false;
if (window.matchMedia("(max-width: 700px)").matches) $("controls-box").open = false; // phones: the picture first

const setState = new SetStateControl($("set-state"), (cmd) => { setPlaying(false); socket.send(cmd); }, showMessage);
const lanes = new LanesView($("lanes"), (row) => select(store.layer, row));
const heatmap = new HeatmapView($("heatmap"));
const table = new StateTable($("values-table"));
const cell = new CellView($("cell"), $("cell-where"));
const compare = new Compare($("compare"), showMessage, (m) => socket.send(m));
const backends = new BackendsView($("backends"), () => store.summary?.scenario, () => store.summary);
// plotly loads async (the lanes come first on a slow phone): draw the plots once it is here
if (!window.Plotly) {
  $("plotly").addEventListener("load", () => {
    heatmap.last = 0;
    if (store.summary) heatmap.schedule(store);
    compare.draw();
  });
}
setUpClassroom(document.querySelector(".transport"));
window.addEventListener("lsl:present", () => {
  heatmap.last = 0; // redraw now, with the presenter-mode layout
  draw();
  for (const div of document.querySelectorAll(".js-plotly-plot")) window.Plotly?.Plots.resize(div);
});
const presets = JSON.parse(app.dataset.presets);
const controls = new Controls($("controls"), presets, (p) => {
  params = { ...params, ...p, pos: "-1" };
  history.pushState(null, "", urlFromParams(params));
  load();
});
controls.fill(params);
store.layer = Number(params.layer);
store.row = Number(params.row);

let lesson = null;
if (app.dataset.lesson) {
  lesson = new LessonView($("lesson"), JSON.parse(app.dataset.lesson), (index, step) => {
    params = { ...DEFAULTS, pos: "-1", layer: "0", row: "0", ...step.params, step: String(index) };
    controls.fill(params);
    store.layer = Number(params.layer);
    store.row = Number(params.row);
    restoreTo = Number(params.pos);
    history.replaceState(null, "", `?${withKept(new URLSearchParams({ step: index }))}`);
    if (socket) load();
  });
}

const socket = new LiveSocket(onMessage, (status, info) => {
  document.body.dataset.socket = status;
  if (status === "idle") {
    showMessage({ text: t("js.main.idle") });
    setPlaying(false);
  }
  if (status === "closed") {
    const why = info.reason || (info.code === 1006 ? t("js.main.reason_no_answer") : t("js.main.reason_code", { code: info.code }));
    const wait = (info.retryMs / 1000).toFixed(info.retryMs < 1000 ? 2 : 0);
    showMessage({ text: t("js.main.connection_lost", { why, wait }) });
    setPlaying(false);
  }
  if (status === "open" && store.summary) {
    restoreTo = store.position; // reconnected: rebuild the same view
    load();
  }
});
const recorder = setUpExports($("export"), { store, socket, setPlaying, showMessage, play: $("play"), where: $("where") });
if (lesson) {
  const asked = new URLSearchParams(location.search).get("step") || "0";
  lesson.onBadStep = () => showMessage({ text: t("js.main.bad_param", { name: "step", value: asked }) });
  // a reload or a language switch keeps the position inside the step (read before go()
  // rewrites the URL)
  const at = new URLSearchParams(location.search).get("pos");
  lesson.go(Number(asked));
  if (at !== null && /^\d{1,6}$/.test(at)) restoreTo = Number(at);
}
else load();
// a first visit is offered a tour (not in a lesson, which guides already, nor on a projector)
if (!lesson && new URLSearchParams(location.search).get("present") !== "1") {
  new Tour(document.querySelector(".intro"), new URLSearchParams(location.search).get("tour") === "1");
}

function load() {
  setPlaying(false);
  showMessage(null);
  store.clear();
  store.summary = null;
  backends.clear();
  ended = false;
  player.enable(false);
  $("badge").textContent = t("js.common.running");
  $("badge").classList.remove("ok");
  $("lanes").classList.add("stale");
  const info = presets.find((p) => p.name === params.preset);
  $("preset-info").textContent = info ? t("js.main.preset_info", { name: info.name, description: info.description }) : "";
  socket.send({ type: "load", scenario: scenarioFromParams(params) });
  compare.start(params.cmp, scenarioFromParams(params));
  $("cmp").value = compare.variant || ""; // an unknown ?cmp= was reported, and nothing is compared
}

function onMessage(m) {
  if (m.slot === "b") {
    compare.onMessage(m);
    return;
  }
  if (m.type === "loaded") {
    const fresh = store.summary === null || m.position === -1;
    store.load(m);
    if (fresh) {
      store.clear();
      fillSelectors();
      if (restoreTo >= 0) socket.send({ type: "step", count: Math.min(restoreTo, m.steps - 1) + 1 });
      restoreTo = -1;
    }
    $("lanes").classList.remove("stale");
    player.enable(true);
    lanes.render(store);
    renderNotes(m);
    badge(m.verification);
    draw();
    if (linkError) { showMessage(linkError); linkError = null; }
    if (lesson) lesson.loaded(store.summary);
  } else if (m.type === "frame") {
    ended = false;
    if (!$("message").hidden && document.body.dataset.socket !== "closed") showMessage(null); // it worked again
    store.add(m);
    if (recorder.recording()) draw(); // every timestep in the recording
    else scheduleDraw();
  } else if (m.type === "end") {
    setPlaying(false);
    ended = true;
    draw();
    recorder.finish();
  } else if (m.type === "paused") {
    store.position = m.position;
    scheduleDraw();
  } else if (m.type === "error") {
    setPlaying(false);
    if (lesson) lesson.highlight();
    if (!store.summary) { // nothing loaded: no explanation of an earlier run stays up
      $("badge").textContent = t("js.main.not_verified");
      $("explain").replaceChildren();
      $("notes").replaceChildren();
    }
    showMessage(m);
  }
}

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

function draw() {
  if (!store.summary) return;
  lanes.update(store);
  heatmap.schedule(store);
  table.schedule(store);
  cell.render(store);
  compare.follow(store.position);
  compare.draw(store);
  const T = store.T;
  const k = Math.floor(store.position / T);
  $("where").textContent = store.position < 0
    ? t("js.main.where_start", { batches: tn("js.count.batch", store.summary.batches.length), timesteps: tn("js.count.timestep", T) })
    : t(ended ? "js.main.where_end" : "js.main.where", { batch: k, t: store.position - k * T, step: store.position + 1, steps: store.steps });
  // in the last batch there is no next batch for "reset_states() now" to act before
  const last = k >= store.summary.batches.length - 1;
  $("reset-now").disabled = last;
  $("set-state").querySelector("button").disabled = last;
  $("reset-now").title = last ? t("js.main.reset_none_after") : resetTitle;
  params.pos = String(store.position);
  if (!lesson) history.replaceState(null, "", urlFromParams(params));
  else {
    const q = new URLSearchParams({ step: lesson.index });
    if (store.position >= 0) q.set("pos", String(store.position));
    history.replaceState(null, "", `?${withKept(q)}`);
  }
  if (lesson) lesson.follow(store);
  recorder.frame();
}

function fillSelectors() {
  const layerSel = $("sel-layer");
  layerSel.replaceChildren(...store.summary.model.layers.map((l, i) => new Option(t(l.stateful ? "js.main.layer_option_stateful" : "js.main.layer_option", { i, kind: l.kind, units: l.units }), i)));
  layerSel.value = String(store.layer);
  setState.setModel(store.summary.model);
  const rowSel = $("sel-row");
  rowSel.replaceChildren(...Array.from({ length: store.rows() }, (_, r) => new Option(String(r), r)));
  rowSel.value = String(store.row);
}

function select(layer, row) {
  store.layer = layer;
  store.row = row;
  params.layer = String(layer);
  params.row = String(row);
  $("sel-layer").value = String(layer);
  $("sel-row").value = String(row);
  lanes.render(store);
  if (lesson) lesson.highlight(); // the picture is new: its look and any hidden boundary again
  compare.select(layer, row, store);
  if (store.summary) renderNotes(store.summary);
  draw();
}

function badge(v) {
  const b = $("badge");
  b.textContent = t("js.main.badge", { version: v.keras_version, diff: v.max_abs_diff.toExponential(1) });
  // what was compared with what, per quantity (older traces: the plain list of references)
  const lines = Object.entries(v.quantities || {}).map(([name, q]) =>
    t("js.verify.line", { what: t(`js.verify.q.${name}`), diff: q.max_abs_diff.toExponential(1), values: q.values }));
  b.title = lines.length ? [t("js.verify.criterion", { tolerance: v.tolerance.toExponential(0) }), ...lines].join("\n") : v.references.join("\n");
  b.classList.toggle("ok", v.passed);
}

function renderNotes(m) {
  const li = (text) => Object.assign(document.createElement("li"), { textContent: text });
  $("explain").replaceChildren(...explain(m, store.layer).map(li));
  // by code in the page's language; the English text where a server sends no codes
  const coded = (m.note_codes || []).map((n) => t(`js.note.${n.code}`, n.params));
  const items = coded.length ? coded : m.notes.length ? m.notes : [t("js.main.no_notes")];
  $("notes").replaceChildren(...items.map(li));
}

function showMessage(m, from = "") {
  renderMessage($("message"), m, { from, controls, hint: m ? setState.hint(m) : "", bs: params.bs });
}

function setPlaying(on) { player.setPlaying(on); }

$("cmp").addEventListener("change", (e) => {
  params.cmp = e.target.value;
  history.replaceState(null, "", urlFromParams(params));
  compare.start(params.cmp, scenarioFromParams(params));
  compare.follow(store.position);
});
$("sel-layer").addEventListener("change", (e) => select(Number(e.target.value), store.row));
$("sel-row").addEventListener("change", (e) => select(store.layer, Number(e.target.value)));
window.addEventListener("popstate", () => {
  params = paramsFromUrl(location.search);
  controls.fill(params);
  restoreTo = Number(params.pos);
  load();
});
