// Byte sizes for people, one rule everywhere (CLI, editor, hints, webview): decimal units as
// Chrome DevTools shows them (1 kB = 1000 B), three significant digits.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Formats a byte count with decimal units as DevTools does (1 kB = 1000 B), 3 significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const neg = bytes < 0;
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1000 && u < BYTE_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  let s: string;
  if (u === 0) s = String(Math.round(v));
  else if (v >= 100) s = v.toFixed(0);
  else if (v >= 10) s = v.toFixed(1);
  else s = v.toFixed(2);
  // toFixed may round up to 1000 (999.6 kB → "1000"): move to the next unit
  if (u > 0 && u < BYTE_UNITS.length - 1 && Number(s) >= 1000) {
    s = (v / 1000).toFixed(2);
    u++;
  }
  return `${neg ? '-' : ''}${s} ${BYTE_UNITS[u]}`;
}
