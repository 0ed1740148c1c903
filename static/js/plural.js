// Counted phrases ("1 batch", "2 batches"): the language's own plural rule picks the key.

import { LANG, t } from "./i18n.js";

const RULES = new Intl.PluralRules(LANG);

/** t(`${key}_one`) or t(`${key}_other`) for n, with {n} filled in. */
export function tn(key, n, values = {}) {
  return t(`${key}_${RULES.select(n) === "one" ? "one" : "other"}`, { n, ...values });
}
