// The explorer's message box: an error frame (in the page's language, by its code) or a
// sentence written by the page, said with the form's own words for the field at fault.

import { t, tError } from "./i18n.js";

/** The form's own words for "Last partial batch: drop", as the page shows them. */
function partialDropLabel() {
  const select = document.querySelector("select[name=partial]");
  const label = select?.closest("label")?.firstChild?.textContent.trim();
  const choice = select?.querySelector("option[value=drop]")?.textContent.trim();
  return label && choice ? t("js.main.option_choice", { label, choice }) : "partial = drop";
}

/**
 * Show `m` in `box` (null hides it). `from` is "B" for the compared run's messages.
 * `controls` names and marks the field at fault; `hint` is a hint of another control (set
 * state) for this message, if it has one; `bs` is the batch size asked for.
 */
export function renderMessage(box, m, { from = "", controls, hint: otherHint = "", bs }) {
  if (!m) {
    box.hidden = true;
    controls.markInvalid(null);
    return;
  }
  const field = m.errors && m.errors.length ? m.errors[0].field : m.field;
  let hint = "";
  if (m.error === "keras_rejected" && /batch size|Incompatible shapes/.test(m.message)) {
    hint = t("js.main.partial_hint", { bs, option: partialDropLabel() });
  }
  // the form's own words for the field when it has one ("Batch size: …"), else its path
  const label = from ? "" : controls.labelFor(field);
  controls.markInvalid(from ? null : field);
  // with the form's word for it, the message drops the field's path ("data.n_sequences: …"),
  // unless the path points inside the field ("data.values.1.2": which number is wrong)
  const unpathed = (said) => (field && !/\.\d/.test(field) && said.startsWith(field) ? said.slice(field.length).replace(/^\s*[:：]\s*/, "") : said);
  const withField = (said) => (label ? t("js.main.message_label", { message: unpathed(said), label }) : field && !said.includes(field) ? t("js.main.message_field", { message: said, field }) : said);
  const fromB = (said) => (from ? t("js.main.from_b", { message: said }) : said);
  hint = otherHint || hint;
  if (m.error === "keras_rejected") {
    // the explanation first, Keras's own words (as Keras wrote them) one click away
    box.textContent = hint || t("js.main.keras_refused");
    const d = document.createElement("details");
    d.append(Object.assign(document.createElement("summary"), { textContent: t("js.main.keras_refused_summary") }), Object.assign(document.createElement("pre"), { textContent: fromB(withField(m.message)) }));
    box.append(d);
  } else box.textContent = fromB(withField(m.text ?? tError(m) ?? ""));
  box.hidden = false;
  const r = box.getBoundingClientRect();
  if (r.top < 0 || r.bottom > innerHeight) box.scrollIntoView({ block: "center" }); // phones: below the fold
}
