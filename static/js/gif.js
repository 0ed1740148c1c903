// An animated GIF encoder for slides (GIF89a, looping), small enough to keep here: no library,
// nothing downloaded. Colours map to one fixed 256-colour palette — a 6x6x6 colour cube and
// 40 grays — exact for white, black and text, close for the lanes' flat colours and the
// heatmap's gradients.

const STEP = 51; // the cube's levels: 0, 51, ..., 255
const GRAYS = Array.from({ length: 40 }, (_, i) => Math.round(((i + 1) * 255) / 41));

/** The palette as [r, g, b] triples: the colour cube, then the grays. */
export const PALETTE = (() => {
  const out = [];
  for (let r = 0; r < 6; r++) for (let g = 0; g < 6; g++) for (let b = 0; b < 6; b++) out.push([r * STEP, g * STEP, b * STEP]);
  for (const v of GRAYS) out.push([v, v, v]);
  return out;
})();

// the nearest palette entry of each gray level (cube grays included)
const GRAY_INDEX = (() => {
  const out = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    let best = Math.round(v / STEP) * 43; // the cube's gray (k, k, k) is entry 43k
    let dist = Math.abs(Math.round(v / STEP) * STEP - v);
    GRAYS.forEach((g, i) => { if (Math.abs(g - v) < dist) { dist = Math.abs(g - v); best = 216 + i; } });
    out[v] = best;
  }
  return out;
})();

/** RGBA pixels (ImageData.data) to palette indices. */
export function quantize(rgba) {
  const n = rgba.length / 4;
  const out = new Uint8Array(n);
  for (let p = 0, i = 0; p < n; p++, i += 4) {
    const r = rgba[i], g = rgba[i + 1], b = rgba[i + 2];
    const hi = Math.max(r, g, b), lo = Math.min(r, g, b);
    out[p] = hi - lo < 12
      ? GRAY_INDEX[(r + g + b) / 3 | 0] // text and its anti-aliasing stay gray, not tinted
      : (Math.round(r / STEP) * 6 + Math.round(g / STEP)) * 6 + Math.round(b / STEP);
  }
  return out;
}

class Bytes {
  constructor() { this.parts = []; this.buf = new Uint8Array(1 << 16); this.n = 0; }
  byte(b) {
    if (this.n === this.buf.length) { this.parts.push(this.buf); this.buf = new Uint8Array(1 << 16); this.n = 0; }
    this.buf[this.n++] = b;
  }
  bytes(arr) { for (const b of arr) this.byte(b); }
  word(w) { this.byte(w & 0xff); this.byte((w >> 8) & 0xff); }
  result() {
    const all = [...this.parts, this.buf.subarray(0, this.n)];
    const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of all) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** LZW-compress 8-bit indices as GIF wants them, in sub-blocks of at most 255 bytes. */
function lzw(indices, out) {
  const MIN = 8, CLEAR = 1 << MIN, END = CLEAR + 1;
  out.byte(MIN);
  let block = [];
  let acc = 0, bits = 0;
  const emit = (code, size) => {
    acc |= code << bits;
    bits += size;
    while (bits >= 8) {
      block.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
      if (block.length === 255) { out.byte(255); out.bytes(block); block = []; }
    }
  };
  let dict = new Map();
  let next = END + 1, size = MIN + 1;
  emit(CLEAR, size);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = prefix * 256 + k;
    const found = dict.get(key);
    if (found !== undefined) { prefix = found; continue; }
    emit(prefix, size);
    if (next < 4096) {
      dict.set(key, next++);
      if (next > (1 << size) && size < 12) size += 1;
    } else { // the table is full: start again
      emit(CLEAR, size);
      dict = new Map();
      next = END + 1;
      size = MIN + 1;
    }
    prefix = k;
  }
  emit(prefix, size);
  emit(END, size);
  if (bits > 0) block.push(acc & 0xff);
  for (let i = 0; i < block.length; i += 255) {
    const part = block.slice(i, i + 255);
    out.byte(part.length);
    out.bytes(part);
  }
  out.byte(0);
}

/** frames: [{indices: Uint8Array(width*height), delayMs}] -> the GIF file's bytes (loops). */
export function encodeGif(width, height, frames) {
  const out = new Bytes();
  out.bytes([..."GIF89a"].map((c) => c.charCodeAt(0)));
  out.word(width);
  out.word(height);
  out.bytes([0xf7, 0, 0]); // a global table of 256 colours
  for (const [r, g, b] of PALETTE) out.bytes([r, g, b]);
  out.bytes([0x21, 0xff, 11, ..."NETSCAPE2.0"].map((c) => (typeof c === "string" ? c.charCodeAt(0) : c)));
  out.bytes([3, 1, 0, 0, 0]); // loop forever
  for (const f of frames) {
    const cs = Math.max(2, Math.round(f.delayMs / 10));
    out.bytes([0x21, 0xf9, 4, 0x04, cs & 0xff, (cs >> 8) & 0xff, 0, 0]); // keep the frame, delay
    out.byte(0x2c);
    out.word(0); out.word(0); out.word(width); out.word(height);
    out.byte(0); // no local table, not interlaced
    lzw(f.indices, out);
  }
  out.byte(0x3b);
  return out.result();
}
