// The form <-> URL <-> scenario JSON. The URL holds the whole configuration, so a link
// reproduces the view.

const LAYER_RE = /^(LSTM|GRU|SimpleRNN)\.(\d{1,3})\.([sn])$/;

export const DEFAULTS = {
  preset: "poem", n: "1", len: "40", tsteps: "2", lahead: "1",
  text: "To be, or not to be, that is the question.",
  values: "0 1 2 3 4 5 6 7 8 9\n9 8 7 6 5 4 3 2 1 0", calls: "1",
  layers: "LSTM.8.s", bs: "2", ts: "5", layout: "lanes", shuffle: "0", partial: "keep",
  op: "call", epochs: "1", fitshuffle: "0", reset: "never", every: "2", seed: "0", sseed: "0", cmp: "",
};

export function parseLayers(text) {
  const out = [];
  for (const part of String(text || "").split(",")) {
    const m = LAYER_RE.exec(part.trim());
    if (m) out.push({ kind: m[1], units: Number(m[2]), stateful: m[3] === "s" });
  }
  return out.length ? out.slice(0, 4) : [{ kind: "LSTM", units: 8, stateful: true }];
}

/** The parts of a ?layers= value that are not KIND.UNITS.s|n (a link's typo), or "". */
export function badLayers(text) {
  const parts = String(text || "").split(",").map((p) => p.trim());
  const bad = parts.filter((p) => !LAYER_RE.exec(p));
  return bad.length || parts.length > 4 ? text : "";
}

export function formatLayers(layers) {
  return layers.map((l) => `${l.kind}.${l.units}.${l.stateful ? "s" : "n"}`).join(",");
}

/** Params (strings) from the URL, with defaults for what is missing. */
export function paramsFromUrl(search) {
  const q = new URLSearchParams(search);
  const p = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) if (q.has(key)) p[key] = q.get(key);
  p.pos = q.has("pos") ? q.get("pos") : "-1";
  p.layer = q.get("layer") || "0";
  p.row = q.get("row") || "0";
  return p;
}

// Page-wide choices that are not part of the scenario but stay in the URL.
const KEPT = ["lang", "present", "hide"];

/** `q` plus the kept page-wide parameters of the current URL. */
export function withKept(q = new URLSearchParams()) {
  const now = new URLSearchParams(location.search);
  for (const k of KEPT) if (now.has(k)) q.set(k, now.get(k));
  return q;
}

export function urlFromParams(p) {
  const q = withKept();
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null) continue;
    if (k in DEFAULTS && DEFAULTS[k] === String(v)) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : location.pathname;
}

const int = (v) => Number.parseInt(v, 10);

/** The values preset's text: one sequence a line, numbers apart by spaces or commas (a word
 * that is not a number goes to the server as null, which names it: data.values[i][j]). */
export function parseValueLines(text) {
  return String(text).split(/\n|;/).map((line) => line.split(/[\s,]+/).filter(Boolean).map((w) => (Number.isFinite(Number(w)) ? Number(w) : null))).filter((l) => l.length);
}

/** The scenario the server validates; bounds are the server's, not repeated here. */
export function scenarioFromParams(p) {
  const data = { preset: p.preset };
  if (p.preset === "ramp" || p.preset === "sine") Object.assign(data, { n_sequences: int(p.n), length: int(p.len) });
  if (p.preset === "moving_average") Object.assign(data, { tsteps: int(p.tsteps), lahead: int(p.lahead), input_len: 40 });
  if (p.preset === "text") data.text = p.text;
  if (p.preset === "values") data.values = parseValueLines(p.values);
  const op = { op: p.op };
  if (p.op !== "predict") op.epochs = int(p.epochs);
  if (p.op === "fit") op.shuffle = p.fitshuffle === "1";
  // predict() called `calls` times in a row: the way to see state carried from call to call
  const ops = p.op === "predict" ? Array.from({ length: Math.max(1, int(p.calls) || 1) }, () => ({ ...op })) : [op];
  const ts = p.preset === "moving_average" ? int(p.lahead) : int(p.ts);
  return {
    model: { layers: parseLayers(p.layers) },
    data,
    batching: { batch_size: int(p.bs), timesteps: ts, layout: p.layout, shuffle: p.shuffle === "1", shuffle_seed: int(p.sseed) || 0, partial: p.partial },
    schedule: { ops, reset: p.reset, ...(p.reset === "every_n_batches" ? { reset_every: int(p.every) } : {}) },
    seed: int(p.seed),
  };
}
