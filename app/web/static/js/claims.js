// Claim checker page: run a claim's Keras program on the server and show verdict + evidence.

import { t, tError } from "./i18n.js";
import { tn } from "./plural.js";

// a verdict's label: js.claims.verdict.<verdict> (holds, does_not_hold, depends)

async function run(li) {
  const button = li.querySelector(".run");
  const verdict = li.querySelector(".verdict");
  button.disabled = true;
  verdict.textContent = t("js.common.running");
  verdict.dataset.verdict = "running";
  try {
    const r = await fetch(`/api/claims/${encodeURIComponent(li.dataset.id)}/run?lang=${encodeURIComponent(document.documentElement.lang || "en")}`, { method: "POST" });
    const body = await r.json();
    if (!r.ok) throw new Error(body.code || body.error ? tError(body) : body.detail || body.message || r.statusText);
    verdict.textContent = t("js.claims.verdict_keras", { verdict: t(`js.claims.verdict.${body.verdict}`), version: body.keras_version });
    verdict.dataset.verdict = body.verdict;
    li.querySelector(".finding").textContent = body.finding;
    li.querySelector(".evidence").textContent = JSON.stringify(body.evidence, null, 2);
    li.querySelector(".result").hidden = false;
  } catch (err) {
    verdict.textContent = t("js.claims.could_not_run", { message: err.message });
    verdict.dataset.verdict = "error";
  } finally {
    button.disabled = false;
  }
}

for (const li of document.querySelectorAll(".claim")) {
  li.querySelector(".run").addEventListener("click", () => run(li));
}

document.getElementById("run-all").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  const all = [...document.querySelectorAll(".claim")];
  for (const [i, li] of all.entries()) {
    document.getElementById("progress").textContent = `${i + 1} / ${all.length}`;
    await run(li);
  }
  document.getElementById("progress").textContent = tn("js.claims.all_ran", all.length);
  ev.target.disabled = false;
});
