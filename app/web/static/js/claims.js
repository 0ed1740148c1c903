// Claim checker page: run a claim's Keras program on the server and show verdict + evidence.

const LABEL = { holds: "✓ holds", does_not_hold: "✗ does not hold", depends: "≈ depends" };

async function run(li) {
  const button = li.querySelector(".run");
  const verdict = li.querySelector(".verdict");
  button.disabled = true;
  verdict.textContent = "running on Keras…";
  verdict.dataset.verdict = "running";
  try {
    const r = await fetch(`/api/claims/${encodeURIComponent(li.dataset.id)}/run`, { method: "POST" });
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || body.message || r.statusText);
    verdict.textContent = `${LABEL[body.verdict]} — Keras ${body.keras_version}`;
    verdict.dataset.verdict = body.verdict;
    li.querySelector(".finding").textContent = body.finding;
    li.querySelector(".evidence").textContent = JSON.stringify(body.evidence, null, 2);
    li.querySelector(".result").hidden = false;
  } catch (err) {
    verdict.textContent = `could not run: ${err.message}`;
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
  document.getElementById("progress").textContent = `all ${all.length} checks ran`;
  ev.target.disabled = false;
});
