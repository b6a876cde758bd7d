// Pure helpers of the SVG export: colour and url() normalisation (no DOM, unit-tested in Node).

/** Properties copied from the computed style onto each exported element. */
export const EXPORTED_STYLE_PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'paint-order', 'marker-end',
] as const;

/** "url(\"https://host/page#arrow\")" → "url(#arrow)": markers must point inside the exported file. */
export function localUrl(value: string): string {
  const m = /^url\(\s*["']?[^#"')]*#([^"')]+)["']?\s*\)$/.exec(value.trim());
  return m ? `url(#${m[1]})` : value;
}

function hex2(v: number): string {
  return Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
}

/**
 * Normalises a computed CSS colour ("rgb(1, 2, 3)", "rgba(…)", "color(srgb r g b / a)", "#abc",
 * "none") to "#rrggbb" plus an opacity, so any SVG reader understands it. Unknown forms pass through.
 */
export function normaliseColor(value: string): { color: string; opacity?: number } {
  const v = value.trim();
  if (v === 'none' || v === '' || v.startsWith('url(')) return { color: v || 'none' };
  let m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(v);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
    return withAlpha(`#${hex2(+m[1])}${hex2(+m[2])}${hex2(+m[3])}`, a);
  }
  m = /^color\(\s*srgb\s+([-\d.e]+)\s+([-\d.e]+)\s+([-\d.e]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(v);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
    return withAlpha(`#${hex2(+m[1] * 255)}${hex2(+m[2] * 255)}${hex2(+m[3] * 255)}`, a);
  }
  return { color: v };
}

function withAlpha(color: string, a: number): { color: string; opacity?: number } {
  return a >= 1 ? { color } : { color, opacity: Math.round(a * 1000) / 1000 };
}
