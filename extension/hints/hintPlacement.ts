// The pure half of the leak hints (no vscode): turning the engine's SourceFindings into hints on
// workspace lines — recorded paths through pathMapping.ts, retaining names through a text search
// for assignments — and the texts of the CodeLens, diagnostic and hover. Tested in
// test/unit/hintPlacement.test.ts; the vscode half is hints.ts.
import type { HintHop, SourceFinding } from '../core/results';
import type { MappedPath, PathMapping } from './pathMapping';
import { formatBytes } from '../core/format';

/** How a hint's line was found, for the hover. */
export type LineMethod = 'location' | 'text search';

/** One finding placed on a workspace line. */
export interface PlacedHint {
  /** workspace file path (forward slashes) */
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, 0 unknown */
  column: number;
  finding: SourceFinding;
  method: LineMethod;
  /** how the recorded path was mapped (location hints), or the pattern that matched (text search) */
  detail: string;
}

/** A line where a retaining name is assigned. */
export interface TermMatch {
  file: string;
  line: number;
  column: number;
  /** the pattern that matched, as shown in the hover ("`.context =`") */
  pattern: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Assignment patterns for a retaining property or variable name, with the text the hover shows. */
export function assignmentPatterns(term: string, kind: 'property' | 'variable'): { re: RegExp; shown: string }[] {
  const t = escapeRegExp(term);
  const common = [
    { re: new RegExp(`\\b${t}\\.(push|unshift|add|set|append|extend|insert|setdefault)\\(`), shown: `${term}.push(…) / .add(…) / .append(…)` },
  ];
  if (kind === 'variable') {
    return [
      { re: new RegExp(`\\b(const|let|var)\\s+${t}\\b`), shown: `const/let/var ${term}` },
      { re: new RegExp(`^\\s*${t}\\s*=(?!=)`), shown: `${term} =` },
      ...common,
    ];
  }
  return [
    { re: new RegExp(`\\.${t}\\s*=(?!=)`), shown: `.${term} =` },
    { re: new RegExp(`\\[\\s*(['"\`])${t}\\1\\s*\\]\\s*=(?!=)`), shown: `['${term}'] =` },
    { re: new RegExp(`(^|[\\s{,(])(['"]?)${t}\\2\\s*:(?!:)`), shown: `${term}:` },
    ...common,
  ];
}

/**
 * Lines of `text` (one file) that assign the retaining name `term`: property assignments
 * (`.name =`, `self.name =`, `['name'] =`, `name:` in object literals, `name.push(`) or variable
 * declarations (`const name`, `name =`, `name.push(`). Comment-only lines are skipped. Line and
 * column 1-based; at most `max` lines.
 */
export function findAssignments(file: string, text: string, term: string, kind: 'property' | 'variable', max = 5): TermMatch[] {
  if (!text.includes(term)) return [];
  const pats = assignmentPatterns(term, kind);
  const out: TermMatch[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const l = lines[i];
    if (!l.includes(term)) continue;
    const trimmed = l.trimStart();
    if (trimmed.startsWith('//') || trimmed.startsWith('#') || trimmed.startsWith('*')) continue;
    for (const p of pats) {
      if (p.re.test(l)) {
        out.push({ file, line: i + 1, column: l.indexOf(term) + 1, pattern: p.shown });
        break;
      }
    }
  }
  return out;
}

/** Expands `${workspaceFolder}` (first folder) and `${workspaceFolder:name}` in a mapping's `to`; mappings naming an unknown folder are dropped. */
export function expandMappings(raw: unknown, folders: { name: string; path: string }[]): PathMapping[] {
  if (!Array.isArray(raw)) return [];
  const out: PathMapping[] = [];
  for (const m of raw) {
    if (!m || typeof m !== 'object') continue;
    const { from, to } = m as { from?: unknown; to?: unknown };
    if (typeof from !== 'string' || typeof to !== 'string' || !from) continue;
    let ok = true;
    const expanded = to.replace(/\$\{workspaceFolder(?::([^}]*))?\}/g, (_, name: string | undefined) => {
      const f = name === undefined ? folders[0] : folders.find((x) => x.name === name);
      if (!f) ok = false;
      return f ? f.path.replace(/\\/g, '/').replace(/\/+$/, '') : '';
    });
    if (ok) out.push({ from, to: expanded });
  }
  return out;
}

/**
 * Places findings on workspace lines: location findings whose recorded path maps to a workspace
 * file (allocation stacks: only the innermost frame that maps), property findings on the lines
 * `search` finds. Findings that map nowhere (library files, unknown or ambiguous paths) are left out.
 */
export function placeFindings(
  findings: SourceFinding[],
  mapPath: (recorded: string) => MappedPath | undefined,
  search: (term: string, kind: 'property' | 'variable') => TermMatch[],
): PlacedHint[] {
  const out: PlacedHint[] = [];
  const groupsDone = new Set<string>();
  const seen = new Set<string>();
  const push = (h: PlacedHint): void => {
    const key = `${h.finding.className}\u0001${h.file}\u0001${h.line}\u0001${h.finding.kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(h);
  };
  for (const f of findings) {
    if (f.kind === 'property') {
      if (!f.searchTerm) continue;
      for (const m of search(f.searchTerm, f.searchKind ?? 'property')) {
        push({ file: m.file, line: m.line, column: m.column, finding: f, method: 'text search', detail: m.pattern });
      }
      continue;
    }
    if (f.group && groupsDone.has(f.group)) continue;
    const mapped = mapPath(f.file);
    if (!mapped) continue;
    if (f.group) groupsDone.add(f.group);
    push({ file: mapped.file, line: f.line, column: f.column, finding: f, method: 'location', detail: mapped.method });
  }
  return out;
}


/** Class names as a reader says them: "aiohttp.web_request.Request" → "Request". */
export function displayClass(name: string): string {
  return /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/.test(name) ? name.slice(name.lastIndexOf('.') + 1) : name;
}

/** Strips control characters and caps length: snapshot strings are untrusted and go into UI text. */
export function safeText(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** "30 IncomingMessage alive · 2.1 MB retained · via recentErrors[] → Error.context" */
export function hintSummary(f: SourceFinding): string {
  const chain = f.chainText ? ` · ${f.chainText}` : '';
  return safeText(`${f.count} ${displayClass(f.className)} alive · ${formatBytes(f.retainedSize)} retained${chain}`, 200);
}

/** The CodeLens title. */
export function lensTitle(f: SourceFinding): string {
  return `Retention Graph: ${hintSummary(f)} — show graph`;
}

/** One chain hop as text: "Error .context → IncomingMessage". */
export function hopText(h: HintHop): string {
  const name = h.type === 'element' || h.type === 'hidden' ? '[]' : h.type === 'context' ? ` (variable ${h.name})` : `.${h.name}`;
  return safeText(`${displayClass(h.from)}${name.startsWith(' ') || name === '[]' ? name : ` ${name}`} → ${displayClass(h.to)}`, 160);
}

/** Why this line: what sits there, and how its line was found. */
export function lineReason(h: PlacedHint): string {
  const f = h.finding;
  if (h.method === 'text search') {
    return `Found by text search for the retaining ${f.searchKind === 'variable' ? 'variable' : 'property'} \`${safeText(f.searchTerm ?? '', 60)}\` (${h.detail}).`;
  }
  const what = f.kind === 'class' ? 'the class definition' : f.kind === 'closure' ? 'a closure that captures the object'
    : f.kind === 'frame' ? 'a frame on the chain / holding the object' : 'the allocation site';
  const how = h.detail === 'exact' ? '' : h.detail === 'prefix' ? ', path mapped by retentionGraph.pathMappings' : ', path mapped by its unique suffix';
  return `From the snapshot's location: ${what} (${safeText(f.label, 100)}${how}).`;
}

/** Chain hops without the synthetic root hops ("(GC roots)[]", which say nothing to a reader), with their index in the chain. */
export function readableHops(chain: HintHop[]): { hop: HintHop; i: number }[] {
  return chain.map((hop, i) => ({ hop, i })).filter(({ hop }) => !hop.from.startsWith('('));
}

/** The diagnostic's message: what sits on the line (locations), then the suspect's summary. */
export function diagnosticMessage(h: PlacedHint, snapshotName: string): string {
  const f = h.finding;
  const here = f.kind === 'property' ? '' : `${safeText(f.label, 100)}: `;
  return `${here}${hintSummary(f)} (${safeText(snapshotName, 80)})`;
}

/** Plain-text lines of the hover (the caller escapes them into Markdown). */
export function hoverLines(hints: PlacedHint[], snapshotName: string, hopWhere: (h: HintHop) => string): string[] {
  const lines: string[] = [];
  for (const h of hints) {
    const f = h.finding;
    lines.push(`Retention Graph (${safeText(snapshotName, 80)}): ${hintSummary(f)}`);
    if (f.kind !== 'property') lines.push(`Here: ${safeText(f.label, 120)}.`);
    lines.push(lineReason(h));
    if (f.chain.length) {
      lines.push(f.chainIsCycle ? 'Reference cycle:' : 'Retainer path (root first):');
      readableHops(f.chain).forEach(({ hop, i }, k) => {
        const where = hopWhere(hop);
        lines.push(`${k + 1}. ${hopText(hop)}${where ? ` — ${where}` : ''}${i === f.hopIndex ? '  ← this line' : ''}`);
      });
    }
  }
  return lines;
}
