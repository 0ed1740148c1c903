// The lessons page: each lesson's progress in this browser (steps seen, predictions right),
// and a way to forget it.

import { t } from "./i18n.js";
import { forget, lessonProgress } from "./progress.js";

function show() {
  let any = false;
  for (const li of document.querySelectorAll("[data-lesson-steps]")) {
    const steps = JSON.parse(li.dataset.lessonSteps);
    const p = lessonProgress(li.dataset.slug);
    const seen = steps.filter((id) => p.seen.includes(id)).length;
    const answers = steps.map((id) => p.answers[id]).filter(Boolean);
    const right = answers.filter((a) => a.right).length;
    const parts = seen ? [t("js.lessons.progress", { seen, steps: steps.length })] : [];
    if (answers.length) parts.push(t("js.lessons.predictions", { right, asked: answers.length }));
    const box = li.querySelector(".lesson-progress");
    box.textContent = parts.length ? `${seen === steps.length ? "✓ " : ""}${parts.join(" · ")}` : "";
    li.classList.toggle("lesson-done", seen === steps.length);
    any ||= seen > 0;
  }
  const button = document.getElementById("forget-progress");
  button.hidden = !any;
}

document.getElementById("forget-progress").textContent = t("js.lessons.forget");
document.getElementById("forget-progress").addEventListener("click", () => {
  forget();
  show();
});
show();
