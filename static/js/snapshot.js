// Exports for slides: the current view as SVG (vector) or PNG, and the animation as WebM (its
// own size, or 1920x1080 for a 16:9 slide) or GIF. Everything is drawn in the browser from what
// is on screen; nothing is sent anywhere.

import { encodeGif, quantize } from "./gif.js";
import { t } from "./i18n.js";

const SVGNS = "http://www.w3.org/2000/svg";
// Styles that CSS classes give the on-screen SVG; copied inline so the file looks the same.
const PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "opacity",
  "font-family", "font-size", "font-weight", "text-anchor", "dominant-baseline", "visibility"];
const GAP = 16;

function inlineStyles(source, clone) {
  const src = [source, ...source.querySelectorAll("*")];
  const dst = [clone, ...clone.querySelectorAll("*")];
  src.forEach((node, i) => {
    const cs = getComputedStyle(node);
    dst[i].setAttribute("style", PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(";"));
  });
}

async function plotSvg(div) {
  if (!div || !div.data || !window.Plotly) return null;
  const url = await window.Plotly.toImage(div, { format: "svg", width: div.clientWidth || 600, height: div.clientHeight || 400 });
  const text = decodeURIComponent(url.slice(url.indexOf(",") + 1));
  return new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
}

/** The visible parts of the view (lanes, state heatmap, cell diagram) stacked in one SVG;
 * `title` is a string or a function (a recording's title follows the position). */
export async function viewSvg(title) {
  const parts = [];
  for (const sel of ["#lanes > svg", "#cell svg"]) {
    const node = document.querySelector(sel);
    if (!node || !node.getClientRects().length) continue;
    const clone = node.cloneNode(true);
    inlineStyles(node, clone);
    const box = node.getBoundingClientRect();
    parts.push({ node: clone, width: box.width, height: box.height });
  }
  const heat = document.getElementById("heatmap");
  const plot = heat && heat.getClientRects().length ? await plotSvg(heat) : null;
  if (plot) parts.splice(1, 0, { node: plot, width: Number(plot.getAttribute("width")), height: Number(plot.getAttribute("height")) });
  const width = Math.ceil(Math.max(400, ...parts.map((p) => p.width))) + 2 * GAP;
  let y = 40;
  const root = document.createElementNS(SVGNS, "svg");
  root.setAttribute("xmlns", SVGNS);
  const bg = document.createElementNS(SVGNS, "rect");
  Object.entries({ width: "100%", height: "100%", fill: "#ffffff" }).forEach(([k, v]) => bg.setAttribute(k, v));
  const head = document.createElementNS(SVGNS, "text");
  Object.entries({ x: GAP, y: 26, "font-family": "sans-serif", "font-size": 16, "font-weight": 700 }).forEach(([k, v]) => head.setAttribute(k, v));
  head.textContent = typeof title === "function" ? title() : title;
  root.append(bg, head);
  for (const p of parts) {
    p.node.setAttribute("x", GAP);
    p.node.setAttribute("y", y);
    p.node.setAttribute("width", p.width);
    p.node.setAttribute("height", p.height);
    root.append(p.node);
    y += p.height + GAP;
  }
  root.setAttribute("width", width);
  root.setAttribute("height", Math.ceil(y));
  root.setAttribute("viewBox", `0 0 ${width} ${Math.ceil(y)}`);
  return root;
}

export async function svgBlob(title) {
  const text = new XMLSerializer().serializeToString(await viewSvg(title));
  return new Blob([`<?xml version="1.0" encoding="UTF-8"?>\n${text}`], { type: "image/svg+xml" });
}

/** Draw the view on `canvas` at `scale`; with `frame` ({width, height}) the canvas has that
 * size and the view is scaled to fit it, centred on white (a 16:9 slide). */
async function drawTo(canvas, title, scale, frame = null) {
  const svg = await viewSvg(title);
  const w = Number(svg.getAttribute("width"));
  const h = Number(svg.getAttribute("height"));
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const size = frame || { width: Math.round(w * scale), height: Math.round(h * scale) };
    if (canvas.width !== size.width && !canvas.dataset.locked) {
      canvas.width = size.width;
      canvas.height = size.height;
    }
    const fit = frame ? Math.min(frame.width / w, frame.height / h) : scale;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, (canvas.width - w * fit) / 2, frame ? (canvas.height - h * fit) / 2 : 0, w * fit, h * fit);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export const SLIDE_16_9 = { width: 1920, height: 1080 };

/** PNG at twice the screen resolution (sharp on a projector). */
export async function pngBlob(title) {
  const canvas = document.createElement("canvas");
  await drawTo(canvas, title, 2);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

/**
 * Record the view to WebM while `run(onFrame)` plays the animation; `run` resolves when done.
 * Each frame redraws the view onto a canvas whose stream MediaRecorder encodes.
 */
export async function recordWebm(title, run, frame = null) {
  if (!window.MediaRecorder || !HTMLCanvasElement.prototype.captureStream) throw new Error(t("js.snapshot.unsupported"));
  const canvas = document.createElement("canvas");
  await drawTo(canvas, title, 1, frame);
  canvas.dataset.locked = "1"; // a recording keeps one frame size
  const stream = canvas.captureStream(10);
  const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((m) => MediaRecorder.isTypeSupported(m));
  const recorder = new MediaRecorder(stream, { mimeType: type });
  const started = performance.now();
  const chunks = [];
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(250);
  let drawing = Promise.resolve();
  await run(() => { drawing = drawing.then(() => drawTo(canvas, title, 1, frame)); });
  await drawing;
  await new Promise((r) => setTimeout(r, 300)); // the last frame reaches the encoder
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((tr) => tr.stop());
  const raw = new Uint8Array(await new Blob(chunks).arrayBuffer());
  return new Blob([withDuration(raw, performance.now() - started)], { type: "video/webm" });
}

const GIF_MAX_WIDTH = 960; // a GIF for a slide: sharp enough, and megabytes rather than tens
const GIF_MAX_FRAMES = 400;

/** Record the animation to an animated GIF (same protocol as recordWebm). Each frame keeps
 * the time it was on screen. */
export async function recordGif(title, run) {
  const canvas = document.createElement("canvas");
  const probe = await viewSvg(title);
  const scale = Math.min(1, GIF_MAX_WIDTH / Number(probe.getAttribute("width")));
  await drawTo(canvas, title, scale);
  canvas.dataset.locked = "1";
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const frames = [];
  let last = performance.now();
  const grab = () => {
    const now = performance.now();
    if (frames.length) frames[frames.length - 1].delayMs = now - last;
    last = now;
    if (frames.length < GIF_MAX_FRAMES) {
      frames.push({ indices: quantize(ctx.getImageData(0, 0, canvas.width, canvas.height).data), delayMs: 1000 });
    }
  };
  let drawing = drawTo(canvas, title, scale).then(grab);
  await run(() => { drawing = drawing.then(() => drawTo(canvas, title, scale)).then(grab); });
  await drawing;
  if (frames.length) frames[frames.length - 1].delayMs = 2000; // the end holds before the loop
  return new Blob([encodeGif(canvas.width, canvas.height, frames)], { type: "image/gif" });
}

// -- WebM duration ---------------------------------------------------------------------------
// MediaRecorder writes no Duration: players then show ∞ and cannot seek. Add it to the
// Segment's Info element (EBML: ID, size as a variable-length integer, body).

function readVint(b, i, keepMarker) {
  const first = b[i];
  let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len += 1;
  let value = keepMarker ? first : first & (0xff >> len);
  let unknown = value === (0xff >> len);
  for (let k = 1; k < len; k++) {
    value = value * 256 + b[i + k];
    unknown = unknown && b[i + k] === 0xff;
  }
  return { value, len, unknown };
}

function sizeVint8(n) {
  const out = new Uint8Array(8);
  out[0] = 0x01;
  for (let k = 7; k >= 1; k--) { out[k] = n % 256; n = Math.floor(n / 256); }
  return out;
}

/** The WebM bytes with a Duration (milliseconds, TimecodeScale 1 ms) in Info. */
export function withDuration(bytes, ms) {
  const b = bytes;
  const EBML = 0x1a45dfa3, SEGMENT = 0x18538067, INFO = 0x1549a966;
  let i = 0;
  const head = readVint(b, i, true);
  if (head.value !== EBML) return bytes;
  const ebmlSize = readVint(b, i + head.len, false);
  i += head.len + ebmlSize.len + ebmlSize.value;
  const seg = readVint(b, i, true);
  if (seg.value !== SEGMENT) return bytes;
  const segSize = readVint(b, i + seg.len, false);
  let j = i + seg.len + segSize.len; // first child of the Segment
  while (j < b.length) {
    const id = readVint(b, j, true);
    const size = readVint(b, j + id.len, false);
    if (id.value === INFO) {
      const body = b.subarray(j + id.len + size.len, j + id.len + size.len + size.value);
      const dur = new Uint8Array(11);
      dur.set([0x44, 0x89, 0x88]); // Duration, 8-byte float
      new DataView(dur.buffer).setFloat64(3, ms);
      const info = [b.subarray(j, j + id.len), sizeVint8(size.value + dur.length), body, dur];
      const parts = [b.subarray(0, i + seg.len)];
      // a Segment of known size grows by what Info gained (Chrome writes "unknown")
      const grow = dur.length + 8 - size.len;
      parts.push(segSize.unknown ? b.subarray(i + seg.len, i + seg.len + segSize.len) : sizeVint8(segSize.value + grow));
      parts.push(b.subarray(i + seg.len + segSize.len, j), ...info, b.subarray(j + id.len + size.len + size.value));
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      return out;
    }
    if (size.unknown) break;
    j += id.len + size.len + size.value;
  }
  return bytes;
}

export function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
