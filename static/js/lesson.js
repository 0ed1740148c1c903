// The lesson panel: step text, what to look at (highlighted), Previous / Next, the step's
// question if it has one (the text waits for the answer), progress kept in the browser.

import { LANG, t } from "./i18n.js";
import { lessonProgress, markSeen, saveAnswer } from "./progress.js";
import { QuizView } from "./quiz.js";
import { withKept } from "./scenario.js";

export class LessonView {
  constructor(root, lesson, onStep) {
    this.root = root;
    this.lesson = lesson;
    this.onStep = onStep;
    this.index = 0;
    root.hidden = false;
    root.querySelector(".lesson-title").textContent = lesson.title;
    root.querySelector(".lesson-prev").addEventListener("click", () => this.go(this.index - 1));
    root.querySelector(".lesson-next").addEventListener("click", () => this.go(this.index + 1));
    this.quiz = new QuizView(root.querySelector(".lesson-quiz"), (answer, right) => {
      saveAnswer(lesson.slug, this.step.id, answer, right);
      this.root.querySelector(".lesson-text").hidden = false;
    });
    const claims = root.querySelector(".lesson-claims");
    if (lesson.claims.length) {
      claims.append(`${t("js.lesson.claims")} `);
      lesson.claims.forEach((id, i) => {
        const a = Object.assign(document.createElement("a"), { href: `/claims#claim-${id}`, textContent: id });
        claims.append(...(i ? [t("js.common.list_sep"), a] : [a]));
      });
    }
  }

  get step() { return this.lesson.steps[this.index]; }

  go(index) {
    if (!Number.isInteger(index)) { // ?step=abc: the first step, and the link's error said
      this.onBadStep?.();
      index = 0;
    }
    this.index = Math.max(0, Math.min(index, this.lesson.steps.length - 1));
    const s = this.step;
    this.root.querySelector(".lesson-count").textContent = t("js.lesson.count", { step: this.index + 1, steps: this.lesson.steps.length });
    const given = lessonProgress(this.lesson.slug).answers[s.id]?.answer;
    const text = this.root.querySelector(".lesson-text");
    withCode(text, s.text);
    text.hidden = Boolean(s.quiz) && !given; // the text tells the answer: it waits for a guess
    this.quiz.show(s.quiz, given);
    markSeen(this.lesson.slug, s.id);
    withCode(this.root.querySelector(".lesson-try"), s.try ? t("js.lesson.try", { text: s.try }) : "");
    this.root.querySelector(".lesson-prev").disabled = this.index === 0;
    const last = this.index === this.lesson.steps.length - 1;
    this.root.querySelector(".lesson-next").disabled = last;
    if (last) this.offerNextLesson();
    this.onStep(this.index, s);
  }

  /** At the last step: a link to the next lesson (a student alone should not hit a wall). */
  async offerNextLesson() {
    if (this.root.querySelector(".lesson-following")) return;
    const r = await fetch(`/api/lessons?lang=${encodeURIComponent(LANG)}`);
    if (!r.ok) return;
    const all = await r.json();
    const next = all[all.findIndex((l) => l.slug === this.lesson.slug) + 1];
    if (!next || this.root.querySelector(".lesson-following")) return;
    const q = withKept(new URLSearchParams());
    const a = Object.assign(document.createElement("a"), {
      className: "lesson-following",
      href: `/lessons/${next.slug}${q.size ? `?${q}` : ""}`,
      textContent: t("js.lesson.next_lesson", { title: next.title }),
    });
    this.root.querySelector(".lesson-next").after(" ", a);
  }

  /** A new position: past the asked boundary, the answer shows (and the step's text). */
  follow(store) {
    if (this.quiz.reached(store)) this.root.querySelector(".lesson-text").hidden = false;
  }

  /** The step's run is drawn: its question reads the answer from it. */
  loaded(summary) {
    this.quiz.loaded(summary);
    this.highlight();
  }

  /** Point at what the step is about, once the run is drawn. */
  highlight() {
    this.quiz.hideBoundary();
    for (const n of document.querySelectorAll(".look")) n.classList.remove("look");
    if (this.step.look) for (const n of document.querySelectorAll(this.step.look)) n.classList.add("look");
  }
}

/** `text` into `el`, its `backticked` parts as <code> (never as HTML). */
export function withCode(el, text) {
  el.replaceChildren(...String(text).split("`").map((part, i) => (i % 2 ? Object.assign(document.createElement("code"), { textContent: part }) : document.createTextNode(part))));
}
