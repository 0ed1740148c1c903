// What a learner has done, kept in this browser only (localStorage, nothing is sent): per
// lesson, the steps seen and the answer given to each step's question.

const KEY = "lsl.progress.v1";

function read() {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) || "{}");
    return all && typeof all === "object" ? all : {};
  } catch {
    return {}; // storage off or a damaged entry: start afresh rather than break the page
  }
}

function update(slug, change) {
  const all = read();
  const p = all[slug] || { seen: [], answers: {} };
  change(p);
  all[slug] = p;
  try { localStorage.setItem(KEY, JSON.stringify(all)); } catch { /* private mode: not kept */ }
}

/** {seen: [step ids], answers: {step id: {answer: "continues" | "zeros" | "other", right: bool}}} */
export function lessonProgress(slug) {
  const p = read()[slug] || {};
  return { seen: Array.isArray(p.seen) ? p.seen : [], answers: p.answers && typeof p.answers === "object" ? p.answers : {} };
}

export function markSeen(slug, stepId) {
  update(slug, (p) => { if (!p.seen.includes(stepId)) p.seen.push(stepId); });
}

export function saveAnswer(slug, stepId, answer, right) {
  update(slug, (p) => { p.answers[stepId] = { answer, right }; });
}

export function forget() {
  try { localStorage.removeItem(KEY); } catch { /* nothing kept */ }
}
