// Claim checker page: run a claim's Keras program on the server and show verdict + evidence.

import { t, tError } from "./i18n.js";
import { tn } from "./plural.js";

// a verdict's label: js.claims.verdict.<verdict> (holds, does_not_hold, depends)

const lang = encodeURIComponent(document.documentElement.lang || "en");

function show(li, body) {
  const verdict = li.querySelector(".claim-head .verdict");
  verdict.textContent = t("js.claims.verdict_keras", { verdict: t(`js.claims.verdict.${body.verdict}`), version: body.keras_version });
  verdict.dataset.verdict = body.verdict;
  li.querySelector(".finding").textContent = body.finding;
  showBackends(li, body);
  li.querySelector(".evidence").textContent = JSON.stringify(body.evidence, null, 2);
  li.querySelector(".result").hidden = false;
  markRivals();
}

const BACKEND_NAMES = { tensorflow: "TensorFlow", jax: "JAX", torch: "PyTorch" };

/** A claim, settled on every installed backend: one row each, a verdict that differs from
 * TensorFlow's marked, a backend that is not installed (or where Keras raised) said so. */
function showBackends(li, body) {
  const table = li.querySelector(".backends");
  table.hidden = !body.backends;
  if (!body.backends) return;
  const base = body.backends.tensorflow?.verdict;
  table.tBodies[0].replaceChildren(...Object.entries(body.backends).map(([name, r]) => {
    const tr = document.createElement("tr");
    const settled = ["holds", "does_not_hold", "depends"].includes(r.verdict);
    const differs = r.verdict !== base && settled;
    tr.className = differs ? "differs" : "";
    const head = Object.assign(document.createElement("th"), { scope: "row", textContent: `${BACKEND_NAMES[name] || name}${r.version ? ` ${r.version}` : ""}` });
    // a pill in its cell (a coloured cell would stretch to the row's height)
    const verdict = Object.assign(document.createElement("span"), { className: "verdict" });
    verdict.dataset.verdict = r.verdict;
    verdict.textContent = settled ? t(`js.claims.verdict.${r.verdict}`) : t(`js.claims.backend.${r.verdict}`);
    if (differs) verdict.append(Object.assign(document.createElement("span"), { className: "also", textContent: t("js.claims.differs") }));
    const cell = Object.assign(document.createElement("td"), { className: "verdict-cell" });
    cell.append(verdict);
    // the finding already written above the table is not repeated in its row
    const same = r.finding && r.finding === body.finding;
    const said = Object.assign(document.createElement("td"), { textContent: same ? t("js.claims.as_above") : r.finding || r.error || "" });
    if (same) said.className = "as-above";
    tr.append(head, cell, said);
    return tr;
  }));
}

/** Rival claims that both hold say so on their verdict: the page must not look self-contradictory. */
function markRivals() {
  for (const li of document.querySelectorAll(".claim[data-rival]")) {
    const other = document.getElementById(`claim-${li.dataset.rival}`);
    const mine = li.querySelector(".claim-head .verdict");
    if (mine.dataset.verdict === "holds" && other?.querySelector(".claim-head .verdict").dataset.verdict === "holds" && !mine.querySelector(".also")) {
      mine.append(Object.assign(document.createElement("span"), { className: "also", textContent: t("js.claims.rival_also") }));
    }
  }
}

// fresh: run the check again on this server's Keras; else the result kept for this Keras
async function run(li, fresh) {
  const button = li.querySelector(".run");
  const verdict = li.querySelector(".claim-head .verdict");
  button.disabled = true;
  verdict.textContent = t("js.common.running");
  verdict.dataset.verdict = "running";
  try {
    const r = await fetch(`/api/claims/${encodeURIComponent(li.dataset.id)}/run?lang=${lang}${fresh ? "&fresh=true" : ""}`, { method: "POST" });
    const body = await r.json();
    if (!r.ok) throw new Error(body.code || body.error ? tError(body) : body.detail || body.message || r.statusText);
    show(li, body);
  } catch (err) {
    verdict.textContent = t("js.claims.could_not_run", { message: err.message });
    verdict.dataset.verdict = "error";
  } finally {
    button.disabled = false;
  }
}

for (const li of document.querySelectorAll(".claim")) {
  li.querySelector(".run").addEventListener("click", () => run(li, true));
}

document.getElementById("run-all").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  const all = [...document.querySelectorAll(".claim")];
  for (const [i, li] of all.entries()) {
    document.getElementById("progress").textContent = `${i + 1} / ${all.length}`;
    await run(li, false);
  }
  document.getElementById("progress").textContent = tn("js.claims.all_ran", all.length);
  ev.target.disabled = false;
});

// Results kept for this Keras/TensorFlow show at once; a claim not computed yet shows "not run".
(async () => {
  const r = await fetch(`/api/claims/results?lang=${lang}`);
  if (!r.ok) return;
  const { results } = await r.json();
  for (const li of document.querySelectorAll(".claim")) {
    if (results[li.dataset.id] && li.querySelector(".claim-head .verdict").dataset.verdict === "") show(li, results[li.dataset.id]);
  }
})();
