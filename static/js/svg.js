// Small drawing helpers shared by the views.

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and optional text. */
export function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

/** Blue (low) → transparent (middle) → red (high); the value is always printed beside it. */
export function valueColour(v, lo, hi, strength = 1) {
  const m = (lo + hi) / 2;
  const a = Math.min(1, Math.abs(v - m) / ((hi - lo) / 2)) * strength;
  return v >= m ? `rgba(178,24,43,${a})` : `rgba(33,102,172,${a})`;
}
