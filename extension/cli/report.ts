// The CLI's output: the stable --json documents (schema in docs/cli.md) and the text report.
// Every field of the JSON is copied explicitly, so engine-internal additions never change it.
import { formatBytes } from '../core/format';
import type {
  AnalysisSummary, ClassSummaryRow, CycleGroup, DiffResult, PathEdge, PathGroup, SuspectClass,
} from '../core/results';

export const ANALYZE_SCHEMA = 'retention-graph/analyze@1';
export const DIFF_SCHEMA = 'retention-graph/diff@1';

export interface JsonEdge { from: string; type: string; name: string; to: string; fromId: number | null; toId: number | null }
export interface JsonGroup { count: number; edges: JsonEdge[]; exampleIds: number[] }
export interface JsonSuspect {
  name: string;
  pattern: string;
  count: number;
  selfSize: number;
  retainedSize: number;
  inCycle: number;
  cyclicGarbage: number;
  reachable: number;
  /** instances whose paths and cycles were computed (an evenly spaced sample; = count when all) */
  sampled: number;
  /** Python: instances held only by referrers the exporter could not see */
  heldByUnknown: number;
  paths: JsonGroup[];
  cycles: JsonGroup[];
  explanation: string;
  exampleIds: number[];
}
export interface AnalyzeJson {
  schema: typeof ANALYZE_SCHEMA;
  file: string;
  totals: { nodeCount: number; edgeCount: number; totalSize: number; classCount: number; suspectCount: number };
  isPython: boolean;
  classes: ClassSummaryRow[];
  suspects: JsonSuspect[];
  dot: string | null;
}

const edgeJson = (e: PathEdge): JsonEdge => ({
  from: e.from, type: e.type, name: e.name, to: e.to, fromId: e.fromId ?? null, toId: e.toId ?? null,
});
const groupJson = (g: PathGroup | CycleGroup): JsonGroup => ({
  count: g.count, edges: g.edges.map(edgeJson), exampleIds: [...g.exampleIds],
});
const suspectJson = (s: SuspectClass): JsonSuspect => ({
  name: s.name,
  pattern: s.pattern,
  count: s.count,
  selfSize: s.selfSize,
  retainedSize: s.retainedSize,
  inCycle: s.inCycle,
  cyclicGarbage: s.cyclicGarbage,
  reachable: s.reachable,
  sampled: s.sampled ?? s.count,
  heldByUnknown: s.heldByUnknown ?? 0,
  paths: s.paths.map(groupJson),
  cycles: s.cycles.map(groupJson),
  explanation: s.explanation,
  exampleIds: [...s.exampleIds],
});

/** The `analyze --json` document. */
export function analyzeJson(file: string, sum: AnalysisSummary, dot: string | null): AnalyzeJson {
  return {
    schema: ANALYZE_SCHEMA,
    file,
    totals: {
      nodeCount: sum.nodeCount,
      edgeCount: sum.edgeCount,
      totalSize: sum.totalSize,
      classCount: sum.classes.length,
      suspectCount: sum.suspects.reduce((a, s) => a + s.count, 0),
    },
    isPython: sum.isPython,
    classes: sum.classes.map((c) => ({ name: c.name, count: c.count, selfSize: c.selfSize, retainedSize: c.retainedSize })),
    suspects: sum.suspects.map(suspectJson),
    dot,
  };
}

/** The `diff --json` document. */
export function diffJson(before: string, after: string, d: DiffResult, requestLike: (name: string) => boolean) {
  const rows = d.rows.map((r) => ({
    name: r.name,
    countBefore: r.countBefore,
    countAfter: r.countAfter,
    countDelta: r.countDelta,
    sizeBefore: r.sizeBefore,
    sizeAfter: r.sizeAfter,
    sizeDelta: r.sizeDelta,
    newCount: r.newCount,
    deletedCount: r.deletedCount,
  }));
  const newIds: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(d.newIds)) newIds[k] = [...v];
  return { schema: DIFF_SCHEMA, before, after, rows, newIds, requestLike: rows.filter((r) => requestLike(r.name)).map((r) => r.name) };
}

// ---------------------------------------------------------------- text output

/** Makes an untrusted snapshot string safe for a terminal: control characters escaped, length capped. */
export function clean(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  let t = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/** Byte count for people, as everywhere in Retention Graph (DevTools' decimal units). */
export const bytes = formatBytes;

const int = (n: number) => n.toLocaleString('en-US');
const signed = (n: number) => (n > 0 ? `+${int(n)}` : int(n));
const signedBytes = (n: number) => (n > 0 ? `+${bytes(n)}` : n < 0 ? `-${bytes(-n)}` : '0 B');

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned[c] ? cell.padStart(w[c]) : c === r.length - 1 ? cell : cell.padEnd(w[c]))).join('  ').trimEnd());
}

function hop(e: PathEdge): string {
  const name = (e.type === 'element' || e.type === 'hidden') && /^\d+$/.test(e.name) ? `[${e.name}]` : clean(e.name, 60);
  return `─${e.type} ${name}→ ${clean(e.to)}`;
}

/** A path or cycle drawn as a chain, one hop per line, from the root side to the object. */
function chain(edges: PathEdge[], indent: string): string[] {
  if (!edges.length) return [`${indent}(no edges)`];
  const out = [`${indent}${clean(edges[0].from)}`];
  edges.forEach((e, i) => out.push(`${indent}${'  '.repeat(Math.min(i, 12))}└${hop(e)}`));
  return out;
}

/** The human-readable `analyze` report. */
export function analyzeText(file: string, sum: AnalysisSummary, top: number, dotFile: string | null): string {
  const L: string[] = [];
  L.push(`${clean(file, 200)}: ${int(sum.nodeCount)} objects, ${int(sum.edgeCount)} references, ${bytes(sum.totalSize)}${sum.isPython ? ' (Python heap)' : ''}`);
  L.push('');
  const byCount = [...sum.classes].sort((a, b) => b.count - a.count || b.retainedSize - a.retainedSize).slice(0, top);
  L.push(`Most common classes (top ${byCount.length} of ${int(sum.classes.length)} by count):`);
  L.push(...table([
    ['count', 'self', 'retained', 'class'],
    ...byCount.map((c) => [int(c.count), bytes(c.selfSize), bytes(c.retainedSize), clean(c.name)]),
  ], [true, true, true, false]).map((l) => `  ${l}`));
  L.push('');
  if (!sum.suspects.length) {
    L.push('No Request-like objects found.');
  } else {
    const total = sum.suspects.reduce((a, s) => a + s.count, 0);
    L.push(`Request-like objects: ${int(total)} in ${sum.suspects.length} class${sum.suspects.length === 1 ? '' : 'es'}`);
    for (const s of sum.suspects) {
      L.push('');
      L.push(`■ ${clean(s.name)} — ${int(s.count)} instance${s.count === 1 ? '' : 's'}, self ${bytes(s.selfSize)}, retained ${bytes(s.retainedSize)}`);
      const extra = [`${int(s.inCycle)} on a reference cycle`, `${int(s.cyclicGarbage)} cyclic garbage`];
      if (s.reachable !== s.count) extra.push(`${int(s.reachable)} reachable from the roots`);
      if (s.heldByUnknown) extra.push(`${int(s.heldByUnknown)} held by unknown referrers`);
      if (s.sampled !== undefined && s.sampled < s.count) extra.push(`paths of ${int(s.sampled)} sampled instances`);
      L.push(`  ${extra.join(', ')}   (pattern /${clean(s.pattern, 60)}/)`);
      if (s.explanation) L.push(`  ${clean(s.explanation, 400)}`);
      s.paths.forEach((g, i) => {
        L.push(`  retainer path ${i + 1}: ${int(g.count)} of ${int(s.count)}`);
        L.push(...chain(g.edges, '    '));
      });
      s.cycles.forEach((g, i) => {
        L.push(`  cycle ${i + 1}: ${int(g.count)} of ${int(s.count)}`);
        L.push(...chain(g.edges, '    '));
      });
    }
  }
  if (dotFile) {
    L.push('');
    L.push(`Back-reference graph written to ${clean(dotFile, 200)} (render: dot -Tsvg ${clean(dotFile, 200)} -o graph.svg)`);
  }
  return L.join('\n') + '\n';
}

/** The human-readable `diff` report (objgraph show_growth style). */
export function diffText(before: string, after: string, d: DiffResult, top: number, requestLike: (name: string) => boolean): string {
  const changed = d.rows.filter((r) => r.countDelta !== 0 || r.newCount !== 0 || r.sizeDelta !== 0);
  const rows = [...changed].sort((a, b) => b.countDelta - a.countDelta || b.sizeDelta - a.sizeDelta).slice(0, top);
  const L: string[] = [];
  L.push(`${clean(before, 200)} → ${clean(after, 200)}: ${changed.length} class${changed.length === 1 ? '' : 'es'} changed`);
  const diffTable = (rs: DiffResult['rows']) => table([
    ['before', 'after', 'delta', 'new', 'gone', 'size delta', 'class'],
    ...rs.map((r) => [int(r.countBefore), int(r.countAfter), signed(r.countDelta), int(r.newCount), int(r.deletedCount), signedBytes(r.sizeDelta), clean(r.name)]),
  ], [true, true, true, true, true, true, false]).map((l) => `  ${l}`);
  if (rows.length) L.push(...diffTable(rows));
  const req = d.rows.filter((r) => requestLike(r.name));
  L.push('');
  if (req.length) {
    L.push('Request-like classes:');
    L.push(...diffTable(req));
  } else {
    L.push('No Request-like classes in either snapshot.');
  }
  const withIds = [...req, ...rows.filter((r) => !requestLike(r.name))]
    .filter((r) => (d.newIds[r.name]?.length ?? 0) > 0 && r.countDelta > 0).slice(0, 5);
  for (const r of withIds) {
    const ids = d.newIds[r.name];
    L.push(`  new ${clean(r.name)} ids: ${ids.slice(0, 10).map((i) => `@${i}`).join(' ')}${ids.length > 10 ? ' …' : ''}`);
  }
  return L.join('\n') + '\n';
}
