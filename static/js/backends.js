// The run on every Keras backend: POST /api/backends/compare runs the same Keras program on
// JAX and PyTorch (each in its own process, on a worker) and compares the states each keeps
// after every batch with TensorFlow's. Shown as one row per backend, batch by batch.

import { t, tError } from "./i18n.js";

const NAMES = { tensorflow: "TensorFlow", jax: "JAX", torch: "PyTorch" };
const MAX_SQUARES = 300; // one per batch; the text says the rest

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The claim that explains a backend differing from TensorFlow at a batch of this op. */
function claimFor(op, raised) {
  if (raised && /inplace/.test(raised)) return "stateful-fit-carries-state";
  if (raised && /batch size/.test(raised)) return "partial-batch-filled-silently";
  if (op === "fit" || op === "train_on_batch") return "stateful-fit-carries-state";
  if (op === "predict" || op === "predict_on_batch") return "stateful-predict-carries-state";
  return null;
}

export class BackendsView {
  /** `scenario()`: the scenario on screen; `summary()`: its loaded summary (batches' ops). */
  constructor(root, scenario, summary) {
    this.root = root;
    this.out = root.querySelector(".backends-out");
    this.button = root.querySelector(".backends-run");
    this.scenario = scenario;
    this.summary = summary;
    this.button.addEventListener("click", () => this.run());
  }

  /** A new run on screen: the last comparison was of another scenario. */
  clear() {
    this.out.replaceChildren();
  }

  async run() {
    const scenario = this.scenario();
    if (!scenario) return;
    this.button.disabled = true;
    this.out.replaceChildren(el("p", { className: "backends-wait", textContent: t("js.backends.running") }));
    try {
      const r = await fetch("/api/backends/compare", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(scenario) });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(body.code ? tError(body) : `HTTP ${r.status}`);
      this.render(body);
    } catch (err) {
      this.out.replaceChildren(el("p", { className: "backends-failed", textContent: t("js.backends.failed", { reason: String(err.message || err) }) }));
    } finally {
      this.button.disabled = false;
    }
  }

  render(result) {
    const batches = this.summary()?.batches || [];
    const table = el("table", { className: "backends-table" });
    const head = table.createTHead().insertRow();
    for (const key of ["backend", "result", "batches"]) head.append(el("th", { scope: "col", textContent: t(`js.backends.${key}`) }));
    const body = table.createTBody();
    for (const [name, run] of Object.entries(result)) {
      const row = body.insertRow();
      row.className = `backend ${name} ${run.verdict}`;
      row.append(el("th", { scope: "row", textContent: `${NAMES[name] || name}${run.version ? ` ${run.version}` : ""}` }));
      row.append(el("td", {}, this.said(run, batches)));
      row.append(el("td", {}, [this.strip(run, batches)]));
    }
    this.out.replaceChildren(table);
  }

  said(run, batches) {
    const n = run.batches;
    const diff = (v) => Number(v).toExponential(1);
    let text;
    let claim = null;
    if (run.backend === "tensorflow") text = t("js.backends.tf");
    else if (run.verdict === "not_installed") text = t("js.backends.not_installed");
    else if (run.verdict === "same") text = run.compared ? t("js.backends.same", { n, diff: diff(run.max_abs_diff) }) : t("js.backends.same_stateless", { n });
    else if (run.verdict === "differs") {
      const op = batches[run.first_differs]?.op || "";
      text = t("js.backends.differs", { batch: run.first_differs, op, diff: diff(run.max_abs_diff) });
      claim = claimFor(op, null);
    } else {
      text = t("js.backends.raised", { ran: run.ran_batches ?? 0, n: n ?? "?", error: run.error || "" });
      claim = claimFor(batches[run.ran_batches]?.op || "", run.error);
    }
    const parts = [el("span", { textContent: text })];
    const check = run.layer_check;
    if (check?.verdict === "ran") {
      const said = t("js.backends.layers", { trace: diff(check.max_abs_diff_vs_trace), numpy: diff(check.max_abs_diff_vs_numpy), n: check.batches });
      parts.push(el("div", { className: "backends-layers", textContent: said }));
    } else if (check?.verdict === "error") parts.push(el("div", { className: "backends-layers", textContent: t("js.backends.layers_failed", { error: check.error }) }));
    if (claim) {
      const link = el("a", { href: `/claims#claim-${claim}`, textContent: claim });
      parts.push(" ", el("span", { className: "backends-why" }, [t("js.backends.why", { claim: "" }), link]));
    }
    return parts;
  }

  strip(run, batches) {
    const box = el("span", { className: "backends-strip" });
    const all = run.batches ?? batches.length;
    const n = Math.min(all, MAX_SQUARES);
    for (let k = 0; k < n; k++) {
      let kind;
      let title;
      if (run.backend === "tensorflow") [kind, title] = ["same", t("js.backends.cell", { batch: k, diff: 0 })];
      else if (k < (run.per_batch || []).length) {
        const d = run.per_batch[k];
        kind = d > 1e-4 ? "differs" : "same";
        title = t("js.backends.cell", { batch: k, diff: d.toExponential(1) });
      } else if (run.verdict === "error" && k === (run.ran_batches ?? 0)) [kind, title] = ["raised", t("js.backends.cell_raised", { batch: k })];
      else [kind, title] = ["not-run", t("js.backends.cell_not_run", { batch: k })];
      box.append(el("span", { className: `bk ${kind}`, title, textContent: kind === "raised" ? "!" : kind === "differs" ? "≠" : "" }));
    }
    if (all > n) box.append(el("span", { className: "bk-more", textContent: `+${all - n}` }));
    return box;
  }
}
