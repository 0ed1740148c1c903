// Classroom: presenter mode (large type, high contrast, fullscreen, keyboard only) and links
// that hide controls from students. Both live in the URL (?present=1&hide=scenario,compare),
// as TensorFlow Playground does, so a teacher's link opens the same page for everyone.

import { t } from "./i18n.js";
import { withKept } from "./scenario.js";

// Control groups a teacher may hide; app.css hides body[data-hide~=<group>] <selectors>.
export const GROUPS = ["scenario", "transport", "reset", "compare", "export", "heatmap", "cell", "notes", "language"];

function url(change) {
  const u = new URL(location.href);
  change(u.searchParams);
  return u;
}

export function applyFromUrl() {
  const q = new URLSearchParams(location.search);
  const hide = (q.get("hide") || "").split(",").filter((g) => GROUPS.includes(g));
  document.body.dataset.hide = hide.join(" ");
  const on = q.get("present") === "1";
  document.body.classList.toggle("present", on);
  const button = document.getElementById("present");
  if (button) {
    button.setAttribute("aria-pressed", String(on));
    button.textContent = t(on ? "js.classroom.present_off" : "js.classroom.present");
  }
  // links to the other pages keep the teacher's choices (hidden controls, presenter mode)
  for (const a of document.querySelectorAll("header nav a[href^='/'], .lesson-head a[href^='/']")) {
    const u = new URL(a.href);
    for (const k of ["hide", "present"]) {
      if (q.has(k)) u.searchParams.set(k, q.get(k));
      else u.searchParams.delete(k);
    }
    a.href = u.pathname + u.search;
  }
}

function setPresent(on) {
  history.replaceState(null, "", url((q) => (on ? q.set("present", "1") : q.delete("present"))));
  applyFromUrl();
  // after the new layout is in place: the page redraws its plots at the new type size
  requestAnimationFrame(() => window.dispatchEvent(new CustomEvent("lsl:present", { detail: on })));
}

async function goToLesson(n) {
  const r = await fetch("/api/lessons");
  if (!r.ok) return;
  const lesson = (await r.json())[n - 1];
  if (!lesson) return;
  const keep = withKept();
  location.assign(`/lessons/${lesson.slug}${keep.size ? `?${keep}` : ""}`);
}

function shareDialog() {
  const dialog = document.createElement("dialog");
  dialog.className = "share";
  dialog.setAttribute("aria-label", t("js.classroom.share_title"));
  const current = new Set((document.body.dataset.hide || "").split(" ").filter(Boolean));
  // students open at the start by default (the teacher may be at the end of the run)
  const here = Number(new URLSearchParams(location.search).get("pos") ?? -1);
  const boxes = GROUPS.map(
    (g) => `<label><input type="checkbox" name="hide" value="${g}"${current.has(g) ? " checked" : ""}> ${t(`js.classroom.group.${g}`)}</label>`,
  ).join("");
  dialog.innerHTML = `<form method="dialog">
    <h2>${t("js.classroom.share_title")}</h2>
    <p>${t("js.classroom.share_help")}</p>
    <fieldset><legend>${t("js.classroom.hide_legend")}</legend>${boxes}</fieldset>
    <fieldset class="share-at"><legend>${t("js.classroom.open_at")}</legend>
      <label><input type="radio" name="at" value="start" checked> ${t("js.classroom.open_start")}</label>
      <label><input type="radio" name="at" value="here"${here >= 0 ? "" : " disabled"}> ${t("js.classroom.open_here", { step: here + 1 })}</label></fieldset>
    <label><input type="checkbox" name="present"${document.body.classList.contains("present") ? " checked" : ""}> ${t("js.classroom.present_option")}</label>
    <label class="share-url">${t("js.classroom.link")} <input name="url" readonly></label>
    <div class="share-actions"><button type="button" class="copy">${t("js.classroom.copy")}</button>
      <button value="close">${t("js.classroom.close")}</button></div>
  </form>`;
  const form = dialog.querySelector("form");
  const update = () => {
    const hide = [...form.querySelectorAll("input[name=hide]:checked")].map((b) => b.value);
    form.elements.url.value = url((q) => {
      if (hide.length) q.set("hide", hide.join(","));
      else q.delete("hide");
      if (form.elements.present.checked) q.set("present", "1");
      else q.delete("present");
      if (form.elements.at.value === "here" && here >= 0) q.set("pos", String(here));
      else q.delete("pos");
    }).href;
  };
  form.addEventListener("change", update);
  dialog.querySelector(".copy").addEventListener("click", async () => {
    form.elements.url.select();
    try {
      await navigator.clipboard.writeText(form.elements.url.value);
      dialog.querySelector(".copy").textContent = t("js.classroom.copied");
    } catch {
      // no clipboard permission: the link stays selected for Ctrl+C
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  update();
  dialog.showModal();
  return dialog;
}

// Every keyboard shortcut of the pages (the explorer's in main.js, the classroom's here).
const KEYS = [
  ["Space", "play"], ["→", "step"], ["Shift + →", "batch"], ["←", "back"], ["Home", "start"],
  ["r", "reset"], ["p", "present"], ["f", "fullscreen"], ["1 … 9, 0", "lessons"], ["?", "help"],
];

/** `?`: the list of shortcuts, in the page's language. */
export function helpDialog() {
  if (document.querySelector("dialog.help")) return null;
  const dialog = document.createElement("dialog");
  dialog.className = "help";
  dialog.setAttribute("aria-label", t("js.help.title"));
  const rows = KEYS.map(([key, what]) => `<tr><th scope="row"><kbd>${key}</kbd></th><td>${t(`js.help.${what}`)}</td></tr>`).join("");
  dialog.innerHTML = `<form method="dialog"><h2>${t("js.help.title")}</h2><table>${rows}</table>
    <div class="share-actions"><button value="close">${t("js.classroom.close")}</button></div></form>`;
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Wire presenter mode, hidden groups and the share button into the page. */
export function setUpClassroom(toolbar) {
  applyFromUrl();
  if (toolbar) {
    const share = document.createElement("button");
    share.type = "button";
    share.id = "share";
    share.textContent = t("js.classroom.share");
    share.title = t("js.classroom.share_tip");
    share.addEventListener("click", shareDialog);
    const present = document.createElement("button");
    present.type = "button";
    present.id = "present";
    present.textContent = t("js.classroom.present");
    present.title = t("js.classroom.present_tip");
    present.addEventListener("click", () => setPresent(!document.body.classList.contains("present")));
    toolbar.append(present, share);
    applyFromUrl(); // the new button's label and state
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.closest && e.target.closest("input, select, textarea, dialog")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") helpDialog();
    else if (e.key === "p") setPresent(!document.body.classList.contains("present"));
    else if (e.key === "f") {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen?.().catch(() => {});
    } else if (/^[0-9]$/.test(e.key) && document.body.classList.contains("present")) {
      // digits open lessons in presenter mode only: a learner typing a digit elsewhere (a
      // stray key on a phone keyboard) must not be thrown out of their lesson
      goToLesson(e.key === "0" ? 10 : Number(e.key));
    }
  });
}
