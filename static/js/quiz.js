// "Where does this row's state come from?" A lesson step can ask the learner to predict one
// row's state at a batch boundary before the picture shows it. The answer is the run's own
// transfer (what Keras did), never written in the lesson; the reason is the cell inspector's.

import { t } from "./i18n.js";
import { boundarySentence } from "./vocab/transfers.js";

/** The three answers, by the transfer kinds they cover (app/lessons.py QUIZ_ANSWERS). */
export const ANSWERS = { continues: ["continues"], zeros: ["reset", "initial"], other: ["mismatch"] };

export const answerOf = (tr) => Object.keys(ANSWERS).find((a) => ANSWERS[a].includes(tr?.kind)) ?? null;

export class QuizView {
  /** `root`: the lesson's quiz box; `onSave(answer, right)`: the learner answered. */
  constructor(root, onSave) {
    this.root = root;
    this.onSave = onSave;
    this.question = root.querySelector(".quiz-question");
    this.feedback = root.querySelector(".quiz-feedback");
    this.buttons = Object.keys(ANSWERS).map((a) => {
      const b = Object.assign(document.createElement("button"), { type: "button", className: "quiz-answer", textContent: t(`js.quiz.${a}`) });
      b.dataset.answer = a;
      b.addEventListener("click", () => this.choose(a));
      return b;
    });
    root.querySelector(".quiz-answers").replaceChildren(...this.buttons);
  }

  /** A new step: its question (or none), and the answer given before if any. */
  show(quiz, given) {
    this.quiz = quiz;
    this.tr = null;
    this.given = given ?? null;
    this.root.hidden = !quiz;
    document.body.classList.toggle("quiz-open", Boolean(quiz) && !this.given);
    if (!quiz) return;
    this.question.textContent = t("js.quiz.question", { row: quiz.row, batch: quiz.batch, layer: quiz.layer });
    this.feedback.textContent = "";
    for (const b of this.buttons) {
      b.disabled = true; // until the run is loaded: the answer is in it
      b.classList.remove("chosen", "right");
    }
  }

  /** The run is drawn: read the answer from it, and hide the boundary until answered. */
  loaded(summary) {
    if (!this.quiz) return;
    const q = this.quiz;
    this.tr = summary.batches[q.batch]?.transfers[q.layer]?.[q.row] ?? null;
    if (this.given) this.reveal(this.given);
    else for (const b of this.buttons) b.disabled = !this.tr;
    this.hideBoundary();
  }

  hideBoundary() {
    const open = Boolean(this.quiz) && !this.given;
    for (const n of document.querySelectorAll("#lanes [data-boundary]")) {
      n.classList.toggle("quiz-hidden", open && Number(n.dataset.boundary) === this.quiz.batch);
    }
  }

  choose(answer) {
    if (!this.tr || this.given) return;
    this.given = answer;
    this.onSave(answer, answer === answerOf(this.tr));
    this.reveal(answer);
    this.showBoundary();
  }

  /** Stepping into the batch shows what happened anyway: the question gives way to the answer
   * (not counted as a guess), so the picture and the panel never disagree. */
  reached(store) {
    if (!this.quiz || this.given || !this.tr || !store.summary) return false;
    if (store.position < this.quiz.batch * store.T) return false;
    this.given = "seen";
    this.reveal(null);
    return true;
  }

  reveal(answer) {
    const right = answerOf(this.tr);
    document.body.classList.remove("quiz-open");
    for (const b of this.buttons) {
      b.disabled = true;
      b.classList.toggle("chosen", b.dataset.answer === answer);
      b.classList.toggle("right", b.dataset.answer === right);
    }
    const verdict = answer === null ? t("js.quiz.shown", { answer: t(`js.quiz.${right}`) })
      : answer === right ? t("js.quiz.right") : t("js.quiz.wrong", { answer: t(`js.quiz.${right}`) });
    this.feedback.textContent = `${verdict} ${boundarySentence(this.tr, this.quiz.row)}`;
    this.hideBoundary();
  }

  /** After an answer: the boundary it was about, on screen (a phone scrolls the lanes to it). */
  showBoundary() {
    const mark = document.querySelector(`#lanes [data-boundary="${this.quiz.batch}"]`);
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    mark?.scrollIntoView?.({ block: "nearest", inline: "center", behavior: still ? "auto" : "smooth" });
  }
}
