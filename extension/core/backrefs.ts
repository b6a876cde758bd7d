// Back-reference subgraph of some target objects, with objgraph's `show_backrefs` semantics:
// referrers are walked breadth-first from the targets up to `maxDepth` hops; a node with more than
// `tooMany` referrers shows the most explanatory ones (smallest distance from the GC roots) and folds
// the rest into one "N more" node; roots (the synthetic root, synthetic root groups, the root's
// direct children such as Node's `global`, Python modules) end the walk; weak edges are not
// referrers. On top of that, as objgraph's `show_chain(find_backref_chain(...))`, the whole shortest
// root path of each target and its shortest reference cycle are included however deep, and every
// displayed edge that closes a cycle through a target is marked.
// Cost: O(retainers of the expanded nodes + path and cycle searches); no per-graph-node allocation
// beyond the (capped) result.
import type { Analysis } from './analysis';
import type { BackrefGraph, BackrefOptions, GraphEdge, GraphNode } from './results';
import { edgeNameString, nodeLabel } from './labels';
import { nodeLocation } from './locations';
import { isPythonSnapshot, PY_GARBAGE, PY_UNREACHABLE } from './python';
import { cyclesOf, isCycleEdge, shortestCycleThrough } from './cycles';
import { retainerPaths } from './retainerPaths';
import { BASE_SYSTEM_DISTANCE } from './edgeRules';
import { RETAINER_TYPE, RetainerEdges } from './retainers';

/** Defaults of BackrefOptions, as objgraph's show_backrefs. */
export const BACKREF_DEFAULTS = { maxDepth: 3, tooMany: 10, maxNodes: 400 } as const;
/** Most ids kept in a "N more" node for the UI to expand. */
export const MAX_MORE_IDS = 1000;
/** Most parallel edges drawn between one referrer and one node. */
const MAX_EDGES_PER_PAIR = 4;

/** Which edges count as references for the walk: not weak/invisible, not on the ignore lists. */
export interface ReferrerFilter {
  ignoredEdges: Set<string> | null;
  ignoredIds: Set<number> | null;
  ignoredClasses: Set<string> | null;
  /** referrer node ordinals skipped (the Python gc.garbage / unreachable groups while other referrers exist) */
  skippedNodes?: Set<number> | null;
}

/** The ignore lists of BackrefOptions as sets (null when empty). */
export function referrerFilter(options: BackrefOptions): ReferrerFilter {
  const set = <T>(a: T[] | undefined): Set<T> | null => (a && a.length > 0 ? new Set(a) : null);
  return { ignoredEdges: set(options.ignoredEdges), ignoredIds: set(options.ignoredNodeIds), ignoredClasses: set(options.ignoredClasses) };
}

/** True when edge e from node `from` is a reference the walk follows. */
export function isFollowedEdge(analysis: Analysis, e: number, from: number, filter: ReferrerFilter): boolean {
  const snap = analysis.snap;
  const t = snap.edgeType[e];
  if (t === snap.types.edgeWeak || t === snap.types.edgeInvisible) return false;
  if (filter.skippedNodes && filter.skippedNodes.has(from)) return false;
  if (filter.ignoredIds && filter.ignoredIds.has(snap.nodeId[from])) return false;
  if (filter.ignoredEdges && filter.ignoredEdges.has(edgeNameString(snap, e))) return false;
  if (filter.ignoredClasses && filter.ignoredClasses.has(snap.className(from))) return false;
  return true;
}

/** isFollowedEdge for retainer slot s of node ordinal n (the edge is looked up only for an edge-name filter). */
function isFollowedSlot(analysis: Analysis, n: number, s: number, filter: ReferrerFilter, edges: RetainerEdges): boolean {
  const snap = analysis.snap;
  const t = analysis.retainers.retainerType[s] & RETAINER_TYPE;
  if (t === snap.types.edgeWeak || t === snap.types.edgeInvisible) return false;
  const from = analysis.retainers.retainerNode[s];
  if (filter.skippedNodes && filter.skippedNodes.has(from)) return false;
  if (filter.ignoredIds && filter.ignoredIds.has(snap.nodeId[from])) return false;
  if (filter.ignoredClasses && filter.ignoredClasses.has(snap.className(from))) return false;
  if (filter.ignoredEdges && filter.ignoredEdges.has(edgeNameString(snap, edges.edgeAt(n, s)))) return false;
  return true;
}

// a plain constant: imported bindings can compile to property reads, too slow in the referrer loop
const SYSTEM_BASE: number = BASE_SYSTEM_DISTANCE;

/** Sort rank of a distance (< 2^24): user-root distances first, then system-root-only distances
 *  (DevTools offsets them by BASE_SYSTEM_DISTANCE), unreachable last. */
function distanceRank(d: number): number {
  if (d < 0) return 2 ** 24;
  if (d < SYSTEM_BASE) return d < 2 ** 23 ? d : 2 ** 23 - 1;
  const s = d - SYSTEM_BASE;
  return 2 ** 23 + (s < 2 ** 23 - 1 ? s : 2 ** 23 - 1);
}

const ORD_SCALE = 2 ** 28;

/** Referrers of a node ranked for display. */
export interface RankedReferrers {
  /** the first `limit` distinct referrer ordinals, by (distance, ordinal) */
  shown: number[];
  /** the next up to `restLimit` distinct referrer ordinals, same order */
  rest: number[];
  /** how many distinct referrers pass the filter */
  total: number;
}

/**
 * Distinct referrers of node ordinal n over followed edges, ordered by distance from the roots
 * (unreachable last) then ordinal. O(R) for R retaining edges (a bounded selection, no full sort
 * when R is large).
 */
export function rankedReferrers(analysis: Analysis, n: number, filter: ReferrerFilter, limit: number, restLimit = MAX_MORE_IDS): RankedReferrers {
  const { retainers, distances, snap } = analysis;
  const { retainerNode, retainerType } = retainers;
  const slotEdges = new RetainerEdges(snap, retainers);
  const weak = snap.types.edgeWeak;
  const invisible = snap.types.edgeInvisible;
  const plain = !filter.ignoredEdges && !filter.ignoredIds && !filter.ignoredClasses && !filter.skippedNodes;
  const a = retainers.firstRetainer[n];
  const b = retainers.firstRetainer[n + 1];
  const keep = limit + restLimit;
  // key = distance rank * 2^28 + ordinal: exact in a double, sorts by (distance, ordinal)
  const scale = snap.nodeCount < ORD_SCALE ? ORD_SCALE : 0;
  let keys: Float64Array;
  let count = 0;
  let total: number;
  if (b - a <= 8192) {
    keys = new Float64Array(b - a);
    for (let i = a; i < b; i++) {
      const src = retainerNode[i];
      const t = retainerType[i] & RETAINER_TYPE;
      if (t === weak || t === invisible) continue;
      if (!plain && !isFollowedSlot(analysis, n, i, filter, slotEdges)) continue;
      keys[count++] = scale > 0 ? distanceRank(distances[src]) * scale + src : src;
    }
    keys = keys.subarray(0, count).sort();
    count = dedupeSorted(keys, count);
    total = count;
  } else {
    // bounded selection: keep the `keep` smallest distinct keys in a buffer of twice that size
    const buf = new Float64Array(2 * keep + 1);
    let threshold = Infinity;
    // distinct count: the retainer index keeps each owner's slots of a node in one run (in owner
    // order, or grouped by hop bound for the biggest hubs: retainerPaths.HubIndex), so count runs
    let prev = -1;
    total = 0;
    for (let i = a; i < b; i++) {
      const src = retainerNode[i];
      const t = retainerType[i] & RETAINER_TYPE;
      if (t === weak || t === invisible) continue;
      if (!plain && !isFollowedSlot(analysis, n, i, filter, slotEdges)) continue;
      if (src !== prev) { total++; prev = src; }
      const d = distances[src];
      const k = scale > 0 ? distanceRank(d) * scale + src : src;
      if (k >= threshold) continue;
      buf[count++] = k;
      if (count === buf.length) {
        const s = buf.subarray(0, count).sort();
        count = Math.min(dedupeSorted(s, count), keep);
        if (count === keep) threshold = s[keep - 1];
      }
    }
    keys = buf.subarray(0, count).sort();
    count = Math.min(dedupeSorted(keys, count), keep);
  }
  const shown: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < count && i < keep; i++) {
    const src = scale > 0 ? keys[i] % scale : keys[i];
    if (i < limit) shown.push(src);
    else rest.push(src);
  }
  return { shown, rest, total };
}

/** Removes adjacent duplicates of a sorted array in place; returns the new length. */
function dedupeSorted(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  let w = 1;
  for (let i = 1; i < n; i++) if (a[i] !== a[w - 1]) a[w++] = a[i];
  return w;
}

/** Node roles used by the walk: where it stops and what is drawn as a root. */
export class RootTest {
  private readonly rootChildren = new Set<number>();
  private readonly python: boolean;
  /** Python "(Python gc.garbage)" and "(Python unreachable)" groups: under DEBUG_SAVEALL the garbage
   *  list holds every object of a garbage cycle, which would hide the cycle's own references */
  readonly pythonGroups = new Set<number>();
  constructor(private readonly analysis: Analysis) {
    const snap = analysis.snap;
    const r = snap.rootOrdinal;
    for (let e = snap.firstEdge[r]; e < snap.firstEdge[r + 1]; e++) this.rootChildren.add(snap.edgeTo[e]);
    this.python = isPythonSnapshot(snap);
    if (this.python) {
      for (const c of this.rootChildren) {
        const name = snap.name(c);
        if (snap.nodeType[c] === snap.types.nodeSynthetic && (name === PY_GARBAGE || name === PY_UNREACHABLE)) this.pythonGroups.add(c);
      }
    }
  }

  /** True for the synthetic root, synthetic groups, the root's direct children and Python modules. */
  isRoot(n: number): boolean {
    const snap = this.analysis.snap;
    if (n === snap.rootOrdinal || snap.nodeType[n] === snap.types.nodeSynthetic || this.rootChildren.has(n)) return true;
    return this.python && snap.nodeType[n] === snap.types.nodeObject && snap.name(n).startsWith('module ');
  }
}

/** Shortest root path of n as edge ordinals from the root side (retainerPaths.ts), honouring the ignore lists; [] if none. */
function rootPathEdges(analysis: Analysis, n: number, options: BackrefOptions): number[] {
  const paths = retainerPaths(analysis, n, {
    k: 1, ignoredEdges: options.ignoredEdges, ignoredNodeIds: options.ignoredNodeIds, ignoredClasses: options.ignoredClasses,
  });
  return paths[0] ?? [];
}

/** Collects the subgraph: node ordinals with their graph index, edges deduplicated by edge ordinal. */
class SubgraphBuilder {
  readonly index = new Map<number, number>();
  readonly ordinals: number[] = [];
  readonly edgeOrdinals: number[] = [];
  readonly edgeFlags: number[] = [];
  private readonly edgeIndex = new Map<number, number>();
  readonly mores: { parent: number; count: number; ids: number[] }[] = [];
  truncated = false;
  constructor(readonly maxNodes: number) {}

  get size(): number {
    return this.ordinals.length + this.mores.length;
  }

  has(n: number): boolean {
    return this.index.has(n);
  }

  /** Adds node n if there is room; false when the cap refused it. */
  addNode(n: number): boolean {
    if (this.index.has(n)) return true;
    if (this.size >= this.maxNodes) { this.truncated = true; return false; }
    this.index.set(n, this.ordinals.length);
    this.ordinals.push(n);
    return true;
  }

  /** Adds edge e (both ends must be present); flags: 1 onCycle, 2 onRootPath. */
  addEdge(e: number, flags: number): void {
    const i = this.edgeIndex.get(e);
    if (i !== undefined) { this.edgeFlags[i] |= flags; return; }
    this.edgeIndex.set(e, this.edgeOrdinals.length);
    this.edgeOrdinals.push(e);
    this.edgeFlags.push(flags);
  }

  /**
   * Adds a chain of edges (a path or cycle, in order) as far as `budget` nodes allow, from the end
   * that touches the target (so a cut keeps the hops nearest the target).
   */
  addChain(analysis: Analysis, edges: number[], flags: number, fromEnd: boolean, budget: number): void {
    const snap = analysis.snap;
    const order = fromEnd ? [...edges].reverse() : edges;
    for (const e of order) {
      const from = snap.edgeFrom(e);
      const to = snap.edgeTo[e];
      const need = (this.index.has(from) ? 0 : 1) + (this.index.has(to) ? 0 : 1);
      if (this.size + need > budget) { this.truncated = true; break; }
      this.addNode(from);
      this.addNode(to);
      this.addEdge(e, flags);
    }
  }
}

const ON_CYCLE = 1;
const ON_ROOT_PATH = 2;

/** Graph key of node ordinal n: its snapshot node id as a string. */
export function nodeKey(analysis: Analysis, n: number): string {
  return String(analysis.snap.nodeId[n]);
}

/** Key of the "N more" box folded under the node with key `parentKey` ("more:<parentKey>"). */
export function moreKey(parentKey: string): string {
  return `more:${parentKey}`;
}

/**
 * Back-reference graph of the target node ordinals (objgraph show_backrefs + show_chain): nodes and
 * edges in deterministic order; sizes in bytes; depth = hops to the nearest target in the result.
 */
export function buildBackrefGraph(analysis: Analysis, targetOrdinals: readonly number[], options: BackrefOptions = {}): BackrefGraph {
  const snap = analysis.snap;
  const maxDepth = Math.max(0, options.maxDepth ?? BACKREF_DEFAULTS.maxDepth);
  const tooMany = Math.max(1, options.tooMany ?? BACKREF_DEFAULTS.tooMany);
  const maxNodes = Math.max(2, options.maxNodes ?? BACKREF_DEFAULTS.maxNodes);
  const filter = referrerFilter(options);
  const roots = new RootTest(analysis);
  const groupFilter: ReferrerFilter | null = roots.pythonGroups.size > 0 ? { ...filter, skippedNodes: roots.pythonGroups } : null;
  const g = new SubgraphBuilder(maxNodes);

  const targets: number[] = [];
  const targetSet = new Set<number>();
  for (const t of targetOrdinals) {
    if (t >= 0 && t < snap.nodeCount && !targetSet.has(t) && g.addNode(t)) { targets.push(t); targetSet.add(t); }
  }

  // paths and cycles may take three quarters of the node budget; the referrer walk gets the rest
  const chainBudget = Math.max(targets.length + 1, Math.floor(maxNodes * 0.75));
  if (options.includeCycle ?? true) {
    for (const t of targets) {
      const cycle = shortestCycleThrough(analysis, t) ?? [];
      // a cycle through an ignored edge, node or class is not drawn (cycles.ts has no ignore lists)
      if (cycle.every((e) => isFollowedEdge(analysis, e, snap.edgeFrom(e), filter))) g.addChain(analysis, cycle, ON_CYCLE, false, chainBudget);
    }
  }
  if (options.includeRootPath ?? true) {
    for (const t of targets) {
      const path = rootPathEdges(analysis, t, options);
      // start at the last root on the path: the synthetic wrappers above it say nothing
      let start = 0;
      for (let i = 0; i < path.length; i++) if (roots.isRoot(snap.edgeFrom(path[i]))) start = i;
      g.addChain(analysis, path.slice(start), ON_ROOT_PATH, true, chainBudget);
    }
  }

  // breadth-first referrer walk (objgraph's queue), depth counted in walk hops
  const walkDepth = new Map<number, number>();
  const queue: number[] = [];
  for (const t of targets) { walkDepth.set(t, 0); queue.push(t); }
  let full = false;
  for (let head = 0; head < queue.length && !full; head++) {
    const n = queue[head];
    const d = walkDepth.get(n)!;
    if (d >= maxDepth || (roots.isRoot(n) && !targetSet.has(n))) continue;
    // Python groups are referrers only of objects nothing else refers to
    let nodeFilter = groupFilter ?? filter;
    let ranked = rankedReferrers(analysis, n, nodeFilter, tooMany);
    if (groupFilter && ranked.total === 0) {
      nodeFilter = filter;
      ranked = rankedReferrers(analysis, n, filter, tooMany);
    }
    let refused = -1;
    for (let i = 0; i < ranked.shown.length; i++) {
      const src = ranked.shown[i];
      // leave room for this node's "N more" box
      if (!g.has(src) && g.size >= maxNodes - 1) { refused = i; full = true; g.truncated = true; break; }
      g.addNode(src);
      if (!walkDepth.has(src)) { walkDepth.set(src, d + 1); queue.push(src); }
    }
    const present = addPairEdges(analysis, g, n, nodeFilter);
    const foldedShown = refused >= 0 ? ranked.shown.slice(refused) : [];
    const folded = ranked.total - present;
    if (folded > 0) {
      const ids: number[] = [];
      for (const o of foldedShown.concat(ranked.rest)) {
        if (ids.length >= MAX_MORE_IDS) break;
        if (!g.has(o)) ids.push(snap.nodeId[o]);
      }
      g.truncated = true;
      if (g.size < maxNodes) g.mores.push({ parent: n, count: folded, ids });
      else full = true;
    }
  }
  return assemble(analysis, g, targets, roots, options.includeCycle ?? true);
}

/**
 * Adds the followed edges into n from every referrer already in the graph (at most a few per pair);
 * returns how many distinct referrers of n the graph now shows.
 */
function addPairEdges(analysis: Analysis, g: SubgraphBuilder, n: number, filter: ReferrerFilter): number {
  const { retainers, snap } = analysis;
  const perPair = new Map<number, number>();
  const take = (e: number, src: number): void => {
    if (!isFollowedEdge(analysis, e, src, filter)) return;
    const c = perPair.get(src) ?? 0;
    if (c >= MAX_EDGES_PER_PAIR) { g.truncated = true; return; }
    perPair.set(src, c + 1);
    g.addEdge(e, 0);
  };
  const a = retainers.firstRetainer[n];
  const b = retainers.firstRetainer[n + 1];
  // scan whichever is shorter: n's retaining edges, or the outgoing edges of the graph's nodes
  let outDegrees = 0;
  for (const o of g.ordinals) outDegrees += snap.firstEdge[o + 1] - snap.firstEdge[o];
  if (b - a <= outDegrees) {
    const slotEdges = new RetainerEdges(snap, retainers);
    for (let i = a; i < b; i++) {
      const src = retainers.retainerNode[i];
      if (g.has(src)) take(slotEdges.edgeAt(n, i), src);
    }
  } else {
    // graph nodes in ordinal order, edges in file order: the retainer index's order (but for the
    // biggest hubs, whose slots are grouped by hop bound; per owner the order is the same)
    const sorted = [...g.ordinals].sort((x, y) => x - y);
    for (const o of sorted) {
      for (let e = snap.firstEdge[o], end = snap.firstEdge[o + 1]; e < end; e++) if (snap.edgeTo[e] === n) take(e, o);
    }
  }
  return perPair.size;
}

/**
 * Marks onCycle every displayed edge u→v of the cycle edge set (cycles.ts) that lies on a displayed
 * cycle through a target: u, v and a target in one strongly connected component of the displayed
 * graph (Tarjan, iterative; the graph is small).
 */
function markCycles(analysis: Analysis, g: SubgraphBuilder, targets: number[]): void {
  const snap = analysis.snap;
  const cyc = cyclesOf(analysis);
  const n = g.ordinals.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  // the displayed edges in the cycle edge set, with their ends as subgraph indexes
  const cycleEdges: [number, number, number][] = [];
  for (let i = 0; i < g.edgeOrdinals.length; i++) {
    const e = g.edgeOrdinals[i];
    const from = snap.edgeFrom(e);
    if (!isCycleEdge(snap, cyc, e, from)) continue;
    const u = g.index.get(from)!;
    const v = g.index.get(snap.edgeTo[e])!;
    cycleEdges.push([i, u, v]);
    out[u].push(v);
  }
  const comp = tarjan(out);
  const targetComps = new Set(targets.map((t) => comp[g.index.get(t)!]));
  for (const [i, u, v] of cycleEdges) {
    // same component (a self-loop included): the edge closes a displayed cycle through a target
    if (comp[u] === comp[v] && targetComps.has(comp[u])) g.edgeFlags[i] |= ON_CYCLE;
  }
}

/** Strongly connected component number of each vertex of a small adjacency list (iterative Tarjan). */
function tarjan(out: number[][]): Int32Array {
  const n = out.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callStack: [number, number][] = [];
  let counter = 0;
  let ncomp = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] >= 0) continue;
    callStack.push([s, 0]);
    index[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = 1;
    while (callStack.length > 0) {
      const frame = callStack[callStack.length - 1];
      const v = frame[0];
      if (frame[1] < out[v].length) {
        const w = out[v][frame[1]++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callStack.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      callStack.pop();
      if (callStack.length > 0) {
        const p = callStack[callStack.length - 1][0];
        low[p] = Math.min(low[p], low[v]);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = ncomp;
        } while (w !== v);
        ncomp++;
      }
    }
  }
  return comp;
}

/** Turns the collected subgraph into the plain-data result: flags, depths, labels. */
function assemble(analysis: Analysis, g: SubgraphBuilder, targets: number[], roots: RootTest, cycles: boolean): BackrefGraph {
  const snap = analysis.snap;
  if (cycles) markCycles(analysis, g, targets);
  // depth: hops from the nearest target against edge direction (a retainer is one deeper)
  const n = g.ordinals.length;
  const retainersOf: number[][] = Array.from({ length: n }, () => []);
  for (const e of g.edgeOrdinals) retainersOf[g.index.get(snap.edgeTo[e])!].push(g.index.get(snap.edgeFrom(e))!);
  const depth = new Int32Array(n).fill(-1);
  const q: number[] = [];
  for (const t of targets) { const i = g.index.get(t)!; depth[i] = 0; q.push(i); }
  for (let h = 0; h < q.length; h++) {
    for (const r of retainersOf[q[h]]) if (depth[r] < 0) { depth[r] = depth[q[h]] + 1; q.push(r); }
  }
  const targetSet = new Set(targets);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < n; i++) {
    const o = g.ordinals[i];
    const location = nodeLocation(snap, o);
    const node: GraphNode = {
      key: nodeKey(analysis, o),
      id: snap.nodeId[o],
      kind: 'node',
      type: snap.nodeTypeName(o),
      className: snap.className(o),
      label: nodeLabel(snap, o),
      selfSize: analysis.shallowSizes[o],
      retainedSize: analysis.retainedSizes[o],
      distance: analysis.distances[o],
      // nodes cut off by the cap from every target keep the walk's worst case
      depth: depth[i] >= 0 ? depth[i] : n,
      isTarget: targetSet.has(o),
      isRoot: roots.isRoot(o),
    };
    if (location) node.location = location;
    nodes.push(node);
  }
  const edges: GraphEdge[] = [];
  for (let i = 0; i < g.edgeOrdinals.length; i++) {
    const e = g.edgeOrdinals[i];
    edges.push({
      from: nodeKey(analysis, snap.edgeFrom(e)),
      to: nodeKey(analysis, snap.edgeTo[e]),
      type: snap.edgeTypeName(e),
      name: edgeNameString(snap, e),
      onCycle: (g.edgeFlags[i] & ON_CYCLE) !== 0,
      onRootPath: (g.edgeFlags[i] & ON_ROOT_PATH) !== 0,
    });
  }
  for (const m of g.mores) {
    const parentKey = nodeKey(analysis, m.parent);
    const parentDepth = depth[g.index.get(m.parent)!];
    nodes.push({
      key: moreKey(parentKey),
      id: 0,
      kind: 'more',
      type: 'more',
      className: '',
      label: `${m.count} more`,
      selfSize: 0,
      retainedSize: 0,
      distance: -1,
      depth: (parentDepth >= 0 ? parentDepth : n) + 1,
      isTarget: false,
      isRoot: false,
      moreCount: m.count,
      moreIds: m.ids,
    });
    edges.push({ from: moreKey(parentKey), to: parentKey, type: 'more', name: '', onCycle: false, onRootPath: false });
  }
  return { nodes, edges, targetIds: targets.map((t) => snap.nodeId[t]), truncated: g.truncated };
}

/**
 * One more layer of referrers of node ordinal n for the UI's "expand": the node (depth 0, not a
 * target) and its first `tooMany` referrers by distance, the rest folded into "N more".
 */
export function expandRetainers(analysis: Analysis, nodeOrdinal: number, options: BackrefOptions = {}): BackrefGraph {
  const tooMany = Math.max(1, options.tooMany ?? BACKREF_DEFAULTS.tooMany);
  const graph = buildBackrefGraph(analysis, [nodeOrdinal], {
    ...options,
    maxDepth: 1,
    tooMany,
    includeCycle: false,
    includeRootPath: false,
    maxNodes: Math.max(options.maxNodes ?? 0, tooMany + 2),
  });
  for (const node of graph.nodes) node.isTarget = false;
  return { ...graph, targetIds: [] };
}
