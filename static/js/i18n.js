// The page's messages in its language: the server embeds them (<script id="i18n">) so no
// request is needed. Keras names (h, c, stateful, reset_states) are never translated.

const CATALOG = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
export const LANG = document.documentElement.lang || "en";

/** t("js.step_of", {n: 3}) -> the text with {n} filled in. A missing key is a bug: logged. */
export function t(key, values = {}) {
  const text = CATALOG[key];
  if (text === undefined) {
    console.error(`i18n: no message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

/** An error frame or response in the page's language: by its code, else the server's words. */
export function tError(err) {
  const key = `error.${err.code || err.error}`;
  return key in CATALOG ? t(key, { ...err, ...(err.ctx || {}) }) : err.message;
}
