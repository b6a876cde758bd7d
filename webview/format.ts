// Pure formatting of numbers, byte sizes and node labels for the webview (no DOM).
import type { GraphNode } from '../extension/core/results';
import { shortClassName } from '../extension/core/labels';
import { formatBytes } from '../extension/core/format';

export { formatBytes };

/** Formats a signed byte delta with an explicit sign ("+1.20 kB", "0 B", "-300 B"). */
export function formatByteDelta(bytes: number): string {
  if (bytes > 0) return `+${formatBytes(bytes)}`;
  return formatBytes(bytes);
}

/** Formats an integer count with thin grouping (1 234 567) independent of the locale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const neg = n < 0;
  const digits = String(Math.round(Math.abs(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += '\u202f';
    out += digits[i];
  }
  return neg ? `-${out}` : out;
}

/** Formats a signed count delta ("+3", "0", "-2"). */
export function formatCountDelta(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}

/** Shortens a string to at most `max` characters (code units), ending with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  if (max <= 1) return s.length > max ? '…' : s;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Replaces control characters (newlines, tabs, NUL, bidi overrides) by visible escapes so one label stays one line. */
export function singleLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Longest line of text shown in a graph box, in characters (the full text is in the tooltip). */
export const MAX_BOX_CHARS = 56;

/** The two lines of a graph box, as objgraph draws them: type/class on top, a short value below. */
export function nodeLines(n: GraphNode): [string, string] {
  if (n.kind === 'more') {
    const count = n.moreCount ?? n.moreIds?.length ?? 0;
    return [`${formatCount(count)} more`, 'click to expand'];
  }
  const title = (n.className && shortClassName(n.className)) || n.type || '(unknown)';
  return [truncate(singleLine(title), MAX_BOX_CHARS), truncate(singleLine(n.label ?? ''), MAX_BOX_CHARS)];
}

/** Tooltip text of a graph box: full class, label, id and sizes (plain text). */
export function nodeTooltip(n: GraphNode): string {
  if (n.kind === 'more') {
    const count = n.moreCount ?? n.moreIds?.length ?? 0;
    return `${formatCount(count)} more referrers folded (too many); click or press Enter to show more`;
  }
  const lines = [
    singleLine(n.className || n.type),
    singleLine(n.label ?? ''),
    `@${n.id} · ${n.type} · self ${formatBytes(n.selfSize)} · retained ${formatBytes(n.retainedSize)}`,
    n.distance < 0 ? 'not reachable from the GC roots' : `distance from roots: ${n.distance}`,
  ];
  if (n.isTarget) lines.push('target');
  if (n.isRoot) lines.push('GC root');
  return lines.filter((l) => l.length > 0).join('\n');
}

/** Edge label as objgraph writes it: the property name or key; element indexes as "[i]". */
export function edgeLabel(type: string, name: string): string {
  if (type === 'element' || type === 'hidden') return `[${name}]`;
  return truncate(singleLine(name), 30);
}

/** Depth shade class index (0 = next to the target, darkest; 5 = farthest, lightest), as objgraph's greys. */
export function depthShade(depth: number): number {
  if (!(depth >= 0)) return 5;
  return Math.min(5, Math.floor(depth));
}

/** Percentage (0..100) of a phase done, or undefined when the total is unknown. */
export function progressPercent(done: number, total: number): number | undefined {
  if (!(total > 0)) return undefined;
  return Math.max(0, Math.min(100, (done / total) * 100));
}
