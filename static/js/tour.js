// A first visit's tour of the explorer: offered once beside the intro (never forced over the
// page), skippable at every stop (Esc too), and remembered in this browser. Each stop outlines
// one part of the page and says what it shows; the card sits at the bottom, out of its way.

import { t } from "./i18n.js";

const KEY = "lsl.tour.v1";
const STOPS = [
  [".lanes-wrap", "js.tour.lanes"],
  [".transport", "js.tour.transport"],
  [".panel:has(#heatmap)", "js.tour.state"],
  [".panel:has(#cell)", "js.tour.cell"],
  ["#controls-box", "js.tour.controls"],
  ["nav a[href^='/lessons']", "js.tour.lessons"],
];

const remembered = () => { try { return localStorage.getItem(KEY) !== null; } catch { return true; } };
const remember = () => { try { localStorage.setItem(KEY, "done"); } catch { /* not kept */ } };

function button(text, cls, onClick) {
  const b = Object.assign(document.createElement("button"), { type: "button", textContent: text, className: cls });
  b.addEventListener("click", onClick);
  return b;
}

export class Tour {
  /** Offers the tour in `intro` on a first visit, or starts it when `force` (?tour=1). */
  constructor(intro, force = false) {
    this.intro = intro;
    this.index = -1;
    this.onKey = (e) => { if (e.key === "Escape") this.end(); };
    if (force) this.start();
    else if (!remembered()) this.offer();
  }

  offer() {
    const box = Object.assign(document.createElement("span"), { className: "tour-offer" });
    box.append(
      button(t("js.tour.offer"), "tour-start", () => { box.remove(); this.start(); }),
      button(t("js.tour.no_thanks"), "tour-dismiss link-like", () => { box.remove(); remember(); }),
    );
    this.intro.append(" ", box);
  }

  start() {
    this.card = Object.assign(document.createElement("div"), { id: "tour", className: "tour-card" });
    this.card.setAttribute("role", "dialog");
    this.card.setAttribute("aria-label", t("js.tour.title"));
    this.text = Object.assign(document.createElement("p"), { className: "tour-text" });
    this.count = Object.assign(document.createElement("span"), { className: "tour-count" });
    this.back = button(t("js.tour.back"), "tour-back", () => this.go(this.index - 1));
    this.next = button(t("js.tour.next"), "tour-next primary-inline", () => this.go(this.index + 1));
    const nav = Object.assign(document.createElement("div"), { className: "tour-nav" });
    nav.append(this.count, this.back, this.next, button(t("js.tour.skip"), "tour-skip link-like", () => this.end()));
    this.card.append(this.text, nav);
    document.body.append(this.card);
    addEventListener("keydown", this.onKey);
    this.go(0);
  }

  go(i) {
    if (i >= STOPS.length) { this.end(); return; }
    this.index = Math.max(0, i);
    const [selector, key] = STOPS[this.index];
    for (const n of document.querySelectorAll(".tour-target")) n.classList.remove("tour-target");
    const target = document.querySelector(selector);
    if (target) {
      target.classList.add("tour-target");
      const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
    }
    this.text.textContent = t(key);
    this.count.textContent = `${this.index + 1} / ${STOPS.length}`;
    this.back.disabled = this.index === 0;
    this.next.textContent = t(this.index === STOPS.length - 1 ? "js.tour.done" : "js.tour.next");
    this.next.focus({ preventScroll: true });
  }

  end() {
    remember();
    removeEventListener("keydown", this.onKey);
    for (const n of document.querySelectorAll(".tour-target")) n.classList.remove("tour-target");
    this.card?.remove();
    this.card = null;
  }
}
