// Experiment page: queue a job, follow its progress (server-sent events), show the RMSE table.

import { t, tError } from "./i18n.js";
import { reasonLabel } from "./vocab/transfers.js";

const $ = (id) => document.getElementById(id);
// seed 000's published figures for comparison (tsteps, lahead, batch_size)
const SEED = { "2,1,1": [0.014813, 0.031049], "2,2,1": [0.011407, 0.000185], "2,2,2": [0.010075, 0.000017], "2,1,2": [0.028951, 0.029062] };
let job = null;
let source = null;

function parseConfigs(text) {
  return text.split(/\n+/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const [tsteps, lahead, batch_size] = l.split(/[ ,]+/).map(Number);
    return { tsteps, lahead, batch_size };
  });
}

function message(text) {
  $("exp-message").textContent = text || "";
  $("exp-message").hidden = !text;
}

$("exp-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  message(null);
  const f = ev.target.elements;
  const body = { configs: parseConfigs(f.configs.value), input_len: Number(f.input_len.value), epochs: Number(f.epochs.value), seed: Number(f.seed.value) };
  const r = await fetch("/api/experiments", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json();
  if (!r.ok) {
    const d = Array.isArray(data.detail) ? data.detail.map((e) => `${e.loc.slice(1).join(".")}: ${e.msg}`).join("; ") : data.detail;
    message(data.code || data.error ? tError(data) : d);
    return;
  }
  start(data.id);
});

$("exp-cancel").addEventListener("click", () => { if (job) fetch(`/api/experiments/${job}`, { method: "DELETE" }); });

// The job lives in the URL: a reload, a lost connection or a restarted replica finds it again.
function start(id) {
  job = id;
  const url = new URL(location.href);
  url.searchParams.set("job", id);
  history.replaceState(null, "", url);
  busy(true);
  follow(null, 0);
}

function busy(on) {
  $("exp-run").disabled = on;
  $("exp-cancel").disabled = !on;
}

// Progress stream. The browser's EventSource reconnects by itself (sending Last-Event-ID);
// when it gives up (an error answer, e.g. a replica that went away), we reconnect with
// backoff, from the last event we saw, after asking whether the job still exists.
let lastId = null;
function follow(after, attempt) {
  if (source) source.close();
  const q = after ? `?last=${encodeURIComponent(after)}` : "";
  source = new EventSource(`/api/experiments/${job}/events${q}`);
  source.onopen = () => { attempt = 0; };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) { status(t("js.experiment.reconnecting")); return; }
    const wait = Math.min(30, 2 ** attempt);
    status(t("js.experiment.reconnecting_in", { seconds: wait }));
    setTimeout(() => recover(attempt + 1), wait * 1000);
  };
  source.onmessage = async (ev) => {
    lastId = ev.lastEventId || lastId;
    const e = JSON.parse(ev.data);
    if (e.type === "progress") {
      const per = e.phase === "stateful" ? 0 : 0.5;
      const frac = (e.config + per + 0.5 * (e.epoch + e.batch / e.batches) / Number($("exp-form").elements.epochs.value)) / e.configs;
      $("exp-progress").value = Math.min(frac, 1);
      status(t("js.experiment.progress", { config: e.config + 1, configs: e.configs, phase: e.phase, epoch: e.epoch + 1, batch: e.batch, batches: e.batches, loss: e.loss.toExponential(2) }));
    } else if (e.type === "queued") {
      status(queued(e.position, e.workers));
    } else if (e.type === "started") {
      status(t(e.try > 1 ? "js.experiment.retrying" : "js.experiment.training", { try: e.try }));
    } else if (["done", "cancelled", "failed"].includes(e.type)) {
      source.close();
      const found = await fetch(`/api/experiments/${job}`);
      finish(e, found.ok ? await found.json() : null);
    }
  };
}

async function recover(attempt) {
  let r;
  try { r = await fetch(`/api/experiments/${job}`); } catch { r = null; }
  if (r && r.status === 404) { gone(); return; }
  if (!r || !r.ok) {
    const wait = Math.min(30, 2 ** attempt);
    status(t("js.experiment.reconnecting_in", { seconds: wait }));
    setTimeout(() => recover(attempt + 1), wait * 1000);
    return;
  }
  follow(lastId, attempt);
}

function queued(position, workers) {
  if (workers === 0) return t("js.experiment.no_workers");
  return position ? t("js.experiment.queued", { ahead: position }) : t("js.experiment.training");
}

function status(text) { $("exp-status").textContent = text; }

function gone() {
  busy(false);
  status(t("js.experiment.failed"));
  message(tError({ code: "no_job", message: "this job is not known here" }));
}

function finish(e, summary) {
  busy(false);
  status(t(e.type === "done" && e.cached ? "js.experiment.done_cached" : `js.experiment.${e.type}`));
  if (e.type === "done" && summary) { $("exp-progress").value = 1; table(summary.result); }
  if (e.type === "failed") {
    const code = e.error_code || (summary && summary.error_code);
    const text = e.error || (summary && summary.error) || "";
    message(code ? tError({ code, message: text }) : text);
  }
}

// A page opened with ?job=…: show that job where it is now.
(async () => {
  const id = new URLSearchParams(location.search).get("job");
  if (!id || !/^[\w-]{1,80}$/.test(id)) return;
  job = id;
  const r = await fetch(`/api/experiments/${id}`);
  if (r.status === 404) { gone(); return; }
  const summary = await r.json();
  if (["done", "cancelled", "failed"].includes(summary.status)) {
    finish({ type: summary.status, error: summary.error, error_code: summary.error_code }, summary);
  } else {
    busy(true);
    status(summary.status === "queued" ? queued(summary.queue_position, summary.workers) : t("js.experiment.training"));
    follow(null, 0);
  }
})();

const fmt = (v) => v.toFixed(6);

function table(results) {
  const body = $("exp-table").querySelector("tbody");
  body.replaceChildren();
  results.forEach((r, i) => {
    const tr = body.insertRow();
    const seed = SEED[`${r.tsteps},${r.lahead},${r.batch_size}`];
    const c = r.continuity;
    // row 0's windows in batches 0, 1, 2 (positions, newest first as the example feeds them)
    const win = (k) => `[${Array.from({ length: r.lahead }, (_, j) => r.lahead - 1 + k * r.batch_size - j).join(",")}]`;
    const windows = `${win(0)} → ${win(1)} → ${win(2)}`;
    const cont = c.kind === "continues" ? t("js.experiment.continues", { windows })
      : t("js.experiment.mismatch", { reason: reasonLabel(c.reason), gap: `${c.gap > 0 ? "+" : ""}${c.gap}`, windows });
    for (const v of [r.tsteps, r.lahead, r.batch_size, cont, fmt(r.rmse_stateful), fmt(r.rmse_stateless), seed ? `${seed[0]} / ${seed[1]}` : "–"]) tr.insertCell().textContent = v;
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: t("js.experiment.plot") });
    b.addEventListener("click", () => plot(r));
    tr.insertCell().append(b);
    if (r.rmse_stateful < r.rmse_stateless) tr.cells[4].classList.add("better");
    else tr.cells[5].classList.add("better");
    if (i === 0) plot(r);
  });
  $("exp-table").hidden = false;
}

function plot(r) {
  if (!window.Plotly) return;
  const x = r.expected.map((_, i) => i);
  window.Plotly.react($("exp-plot"), [
    { x, y: r.expected, name: t("js.experiment.target"), line: { color: "#111" } },
    { x, y: r.predicted_stateful, name: "stateful", line: { color: "#1a7f45", dash: "solid" } },
    { x, y: r.predicted_stateless, name: "stateless", line: { color: "#c45100", dash: "dash" } },
  ], { title: { text: t("js.experiment.plot_title", { tsteps: r.tsteps, lahead: r.lahead, batch_size: r.batch_size }) }, height: 320, margin: { l: 50, r: 10, t: 40, b: 30 } }, { displayModeBar: false, responsive: true });
}

$("cost-run").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  $("cost-result").textContent = t("js.experiment.measuring");
  const r = await (await fetch("/api/experiments/cost", { method: "POST" })).json();
  const [a, b] = Object.keys(r.seconds);
  $("cost-result").textContent = t("js.experiment.cost", { a, sa: r.seconds[a].toFixed(2), na: r.train_steps[a], b, sb: r.seconds[b].toFixed(2), nb: r.train_steps[b], ratio: r.ratio.toFixed(1) });
  ev.target.disabled = false;
});

$("gen-run").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  $("gen-status").textContent = t("js.experiment.training_keras");
  const prompts = $("gen-prompts").value.split("\n").filter((p) => p.length);
  const r = await fetch("/api/generate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ prompts }) });
  const body = await r.json();
  ev.target.disabled = false;
  if (!r.ok) {
    $("gen-status").textContent = body.code || body.error ? tError(body) : typeof body.detail === "string" ? body.detail : body.detail.map((d) => d.msg).join("; ");
    return;
  }
  $("gen-status").textContent = t("js.experiment.trained", { epochs: body.epochs, chunks: body.chunks, seconds: body.train_seconds.toFixed(1), loss: body.final_loss.toFixed(4) });
  $("gen-out").replaceChildren(...body.generated.map((g) => {
    const p = document.createElement("p");
    p.className = "gen-line";
    const chars = [...g.prompt, ...g.output];
    chars.forEach((c, i) => {
      const s = Object.assign(document.createElement("span"), { textContent: c, title: `|h| = ${g.h_norms[i].toFixed(3)}` });
      s.className = i < g.prompt.length ? "gen-prompt" : "gen-char";
      s.style.borderBottom = `3px solid rgba(36,87,197,${Math.min(1, g.h_norms[i] / 4)})`;
      p.append(s);
    });
    return p;
  }));
});
