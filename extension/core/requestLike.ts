// Request-like objects: classes whose instances should not outlive a request (HTTP requests,
// responses, per-request contexts), found by regexes over class names, and why they are alive.
//
// For each matching class: count, shallow and retained size (DevTools' class rule), how many sit
// on a reference cycle, the shortest retainer path of each instance clustered into groups of
// identical shape (the sequence of (owner class, edge type, edge name) hops, element indexes
// normalised to "[]" so an array of 200 requests is one shape), the shortest cycle of each instance
// grouped the same way, and one plain sentence for the dominant group. Paths and cycles are
// computed for an evenly spaced sample of at most `sampleSize` instances per class (stated in the
// result as `sampled`).
//
// Python heaps: instances are split into reachable / cyclic garbage / held by unknown referrers
// (python.ts). For cyclic garbage the explanation is the dominant cycle (the root path through
// "(Python gc.garbage)" says nothing); an instance on no cycle itself gets, as its path, the chain
// of referrers from the nearest object that is on one, preceded by the rest of that object's
// shortest cycle ("held by ConnectionRefusedError `.__traceback__` → traceback `.tb_frame` → frame …
// local `req`"); such a path starts on the cycle, not at the root.
import type { Analysis } from './analysis';
import type { AnalysisSettings, CycleGroup, PathEdge, PathGroup, SuspectClass } from './results';
import { classRowNamesOf, classTotalsOf } from './classSummary';
import { cyclesOf, onCycle, shortestCycleThrough } from './cycles';
import { chainFromAnchor, retainerPaths } from './retainerPaths';
import { isPythonSnapshot, pythonLivenessOf, PyStatus } from './python';
import { countPhrase, cycleChain, hopClassName, pathChain, referrerChain, subjectName } from './explain';

/**
 * Default Request-like patterns, anchored so that only these class names match (V8 internals and
 * unrelated "…Request" classes do not): Node http/http2, undici/fetch, express/koa/fastify objects
 * (express's req/res keep Node's IncomingMessage/ServerResponse class names), aiohttp server and
 * client.
 */
export const DEFAULT_REQUEST_LIKE_PATTERNS: string[] = [
  '^(IncomingMessage|ServerResponse|ClientRequest)$',
  '^Http2Server(Request|Response)$',
  '^(Request|Response)$',
  '^(Koa)?Context$',
  '^(Koa|Fastify)?(Request|Reply)$',
  '^aiohttp\\.web_request\\.(Base)?Request$',
  '^aiohttp\\.client_reqrep\\.Client(Request|Response)$',
];

export interface RequestLikeOptions {
  /** most instances per class whose paths and cycles are computed (default 1000) */
  sampleSize?: number;
  /** most path / cycle groups reported per class (default: settings.paths, at least 1) */
  maxGroups?: number;
  /** wall-clock budget per class for paths and cycles, ms (default 3000); the sample is cut short beyond it */
  budgetMs?: number;
  /** longest cycle looked for, edges (default 12) */
  maxCycleLen?: number;
}

/** Compiles patterns; throws an Error naming the bad pattern. */
export function compilePatterns(patterns: string[]): RegExp[] {
  return patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new Error(`invalid Request-like pattern /${p}/: ${(e as Error).message}`);
    }
  });
}

interface Group {
  key: string;
  count: number;
  /** instances of the group that are Python cyclic garbage / held by unknown referrers */
  garbage: number;
  edges: number[];
  exampleIds: number[];
  /** the path starts at a cycle member, not at the root */
  anchored: boolean;
}

/** Edge name for grouping and for PathEdge.name: element/hidden indexes become "[]". */
function shapeName(analysis: Analysis, e: number): string {
  const snap = analysis.snap;
  return snap.edgeHasStringName(e) ? snap.strings.get(snap.edgeNameOrIndex[e]) : '[]';
}

/**
 * Edge ordinals as PathEdge records (class names, types, names with indexes as "[]" unless
 * normaliseIndexes is false, example ids). In Python heaps an unmerged instance dict — owner
 * -internal "__dict__"-> dict -property k-> value — becomes the one hop owner -property k-> value,
 * as if the exporter had merged it (docs/python-snapshot.md).
 */
export function toPathEdges(analysis: Analysis, edges: number[], normaliseIndexes = true): PathEdge[] {
  const snap = analysis.snap;
  const python = isPythonSnapshot(snap);
  const out: PathEdge[] = [];
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    const from = snap.edgeFrom(e);
    let last = e;
    if (python && i + 1 < edges.length && isUnmergedDictHop(analysis, e, edges[i + 1])) last = edges[++i];
    const to = snap.edgeTo[last];
    const name = normaliseIndexes ? shapeName(analysis, last) : String(snap.edgeName(last));
    out.push({ from: hopClassName(snap, from), type: snap.edgeTypeName(last), name, to: hopClassName(snap, to), fromId: snap.nodeId[from], toId: snap.nodeId[to] });
  }
  return out;
}

/** owner -internal "__dict__"-> dict followed by a property edge out of that dict. */
function isUnmergedDictHop(analysis: Analysis, e: number, next: number): boolean {
  const snap = analysis.snap;
  return snap.edgeType[e] === snap.types.edgeInternal && snap.strings.equals(snap.edgeNameOrIndex[e], '__dict__')
    && snap.edgeType[next] === snap.types.edgeProperty && snap.edgeFrom(next) === snap.edgeTo[e];
}

/** Shape key of an edge sequence: (owner class, edge type, edge name) per hop, then the last class. */
function shapeKey(analysis: Analysis, edges: number[]): string {
  return toPathEdges(analysis, edges).map((h) => `${h.from}\u0001${h.type}\u0001${h.name}`).join('\u0002')
    + (edges.length ? `\u0002${hopClassName(analysis.snap, analysis.snap.edgeTo[edges[edges.length - 1]])}` : '');
}

function addToGroups(groups: Map<string, Group>, key: string, edges: number[], id: number, garbage: boolean, anchored: boolean): void {
  let g = groups.get(key);
  if (!g) {
    g = { key, count: 0, garbage: 0, edges, exampleIds: [], anchored };
    groups.set(key, g);
  }
  g.count++;
  if (garbage) g.garbage++;
  if (g.exampleIds.length < 5) g.exampleIds.push(id);
}

function sortedGroups(groups: Map<string, Group>): Group[] {
  return [...groups.values()].sort((a, b) => b.count - a.count || a.edges.length - b.edges.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Request-like classes of the snapshot, each with sizes, cycle counts, grouped paths/cycles and a sentence. */
export function findRequestLike(analysis: Analysis, settings: AnalysisSettings, opts: RequestLikeOptions = {}): SuspectClass[] {
  const { snap } = analysis;
  const python = isPythonSnapshot(snap);
  const patterns = [...DEFAULT_REQUEST_LIKE_PATTERNS, ...settings.requestLikePatterns];
  const regexes = compilePatterns(patterns);
  const totals = classTotalsOf(analysis);
  const { ids, names } = totals.classIds;
  const matchOf = new Int32Array(names.length).fill(-1);
  let any = false;
  for (let c = 0; c < names.length; c++) {
    if (totals.count[c] === 0) continue;
    const i = regexes.findIndex((r) => r.test(names[c]));
    if (i >= 0) { matchOf[c] = i; any = true; }
  }
  if (!any) return [];
  // two classes of one name (split by constructor location) are two suspects with two names
  const rowNames = classRowNamesOf(analysis);
  // instances per matching class, in ordinal order (two passes, no per-node objects)
  const sizes = analysis.shallowSizes;
  const instances = new Map<number, Uint32Array>();
  const fillAt = new Map<number, number>();
  for (let c = 0; c < names.length; c++) if (matchOf[c] >= 0) { instances.set(c, new Uint32Array(totals.count[c])); fillAt.set(c, 0); }
  for (let n = 0; n < snap.nodeCount; n++) {
    const c = ids[n];
    if (matchOf[c] < 0 || sizes[n] === 0) continue;
    const at = fillAt.get(c)!;
    instances.get(c)![at] = n;
    fillAt.set(c, at + 1);
  }
  const cycles = cyclesOf(analysis);
  const liveness = python ? pythonLivenessOf(analysis) : null;
  const sampleSize = Math.max(1, opts.sampleSize ?? 1000);
  const maxGroups = Math.max(1, opts.maxGroups ?? settings.paths ?? 5);
  const budgetMs = opts.budgetMs ?? 3000;
  const maxCycleLen = opts.maxCycleLen ?? 12;
  const isCycleMember = (n: number): boolean => onCycle(cycles, n);

  const suspects: SuspectClass[] = [];
  for (const [c, inst] of instances) {
    const count = inst.length;
    let inCycle = 0;
    let cyclicGarbage = 0;
    let heldByUnknown = 0;
    let reachable = 0;
    for (let i = 0; i < count; i++) {
      const n = inst[i];
      if (onCycle(cycles, n)) inCycle++;
      if (liveness) {
        const s = liveness.status[n];
        if (s === PyStatus.Reachable) reachable++;
        else if (s === PyStatus.CyclicGarbage) cyclicGarbage++;
        else if (s === PyStatus.UnknownReferrers) heldByUnknown++;
      } else if (analysis.distances[n] >= 0) reachable++;
    }
    const pathGroups = new Map<string, Group>();
    const cycleGroups = new Map<string, Group>();
    const take = Math.min(count, sampleSize);
    const t0 = performance.now();
    let sampled = 0;
    for (let j = 0; j < take; j++) {
      if (j > 0 && performance.now() - t0 > budgetMs) break;
      const n = inst[take === count ? j : Math.floor((j * count) / take)];
      const id = snap.nodeId[n];
      const status = liveness ? liveness.status[n] : PyStatus.Reachable;
      const garbage = status === PyStatus.CyclicGarbage || status === PyStatus.UnknownReferrers;
      sampled++;
      const cyclic = onCycle(cycles, n);
      if (cyclic) {
        const cyc = shortestCycleThrough(analysis, n, { maxLen: maxCycleLen, maxVisits: 20_000 });
        if (cyc) addToGroups(cycleGroups, shapeKey(analysis, cyc), cyc, id, garbage, false);
      }
      if (garbage && !cyclic) {
        let chain = chainFromAnchor(analysis, n, isCycleMember);
        if (chain) {
          // start one hop after the anchor on its own shortest cycle, so the chain shows who holds
          // the anchor: "ConnectionRefusedError `.__traceback__` → traceback `.tb_frame` → frame … local `req`"
          const anchorCycle = shortestCycleThrough(analysis, snap.edgeFrom(chain[0]), { maxLen: maxCycleLen, maxVisits: 20_000 });
          if (anchorCycle && anchorCycle.length > 1) chain = anchorCycle.slice(1).concat(chain);
          addToGroups(pathGroups, `anchor\u0003${shapeKey(analysis, chain)}`, chain, id, true, true);
          continue;
        }
      }
      const path = retainerPaths(analysis, n, { k: 1, ignoredEdges: settings.ignoredEdges });
      if (path.length) addToGroups(pathGroups, shapeKey(analysis, path[0]), path[0], id, garbage, false);
    }
    const name = rowNames[c];
    const paths = sortedGroups(pathGroups);
    const cycs = sortedGroups(cycleGroups);
    const explanation = explain(analysis, name, python, count, sampled, { cyclicGarbage, heldByUnknown, reachable }, paths, cycs);
    const toGroup = (g: Group): PathGroup & CycleGroup => ({ count: g.count, edges: toPathEdges(analysis, g.edges), exampleIds: g.exampleIds });
    let retainedSize = 0;
    for (let i = 0; i < count; i++) if (totals.classTop[inst[i]]) retainedSize += analysis.retainedSizes[inst[i]];
    const exampleIds: number[] = [];
    for (let i = 0; i < Math.min(count, 10); i++) exampleIds.push(snap.nodeId[inst[take === count ? i : Math.floor((i * count) / take)]]);
    suspects.push({
      name,
      pattern: patterns[matchOf[c]],
      count,
      selfSize: totals.selfSize[c],
      retainedSize,
      inCycle,
      cyclicGarbage,
      reachable,
      paths: paths.slice(0, maxGroups).map(toGroup),
      cycles: cycs.slice(0, maxGroups).map(toGroup),
      explanation,
      exampleIds,
      sampled,
      ...(python ? { heldByUnknown } : {}),
    });
  }
  suspects.sort((a, b) => b.retainedSize - a.retainedSize || b.count - a.count || (a.name < b.name ? -1 : 1));
  return suspects;
}

/** The one sentence for a suspect class. */
function explain(
  analysis: Analysis, className: string, python: boolean, count: number, sampled: number,
  live: { cyclicGarbage: number; heldByUnknown: number; reachable: number }, paths: Group[], cycles: Group[],
): string {
  const snap = analysis.snap;
  const subject = subjectName(className, python);
  const garbageTotal = live.cyclicGarbage + live.heldByUnknown;
  if (python && garbageTotal > 0 && garbageTotal >= live.reachable) {
    const what = (n: number) => `${n === 1 ? 'is' : 'are'} ${live.cyclicGarbage >= live.heldByUnknown ? 'cyclic garbage' : 'held only by referrers the exporter could not see'}`;
    const bestCycle = cycles.reduce<Group | null>((b, g) => (g.garbage > (b?.garbage ?? 0) ? g : b), null);
    const bestChain = paths.filter((g) => g.anchored).reduce<Group | null>((b, g) => (g.garbage > (b?.garbage ?? 0) ? g : b), null);
    if (bestCycle && (!bestChain || bestCycle.garbage >= bestChain.garbage)) {
      return `${countPhrase(bestCycle.garbage, sampled, count, subject)} ${what(bestCycle.garbage)}: ${cycleChain(snap, bestCycle.edges, python)}`;
    }
    if (bestChain) {
      return `${countPhrase(bestChain.garbage, sampled, count, subject)} ${what(bestChain.garbage)}, held by ${referrerChain(snap, bestChain.edges, python)}`;
    }
    return `${countPhrase(garbageTotal, count, count, subject)} ${what(garbageTotal)}`;
  }
  const best = paths.find((g) => !g.anchored && g.count > g.garbage) ?? paths.find((g) => !g.anchored);
  if (!best) {
    if (live.reachable === 0) return `${count} ${subject} ${count === 1 ? 'has' : 'have'} no retainer path from the GC roots`;
    return `${count} ${subject}: no retainer path found`;
  }
  const chain = pathChain(snap, best.edges, python);
  return `${countPhrase(best.count, sampled, count, subject)} ${best.count === 1 ? 'is' : 'are'} retained by ${chain}`;
}
