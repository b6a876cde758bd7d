// Retainer paths: the k shortest distinct simple paths from the root to one object, weak edges
// excluded, with an ignore list by edge name, node id and class (objgraph's `extra_ignore`,
// DevTools' "ignore this retainer").
//
// Search: best-first (A*) backwards from the object over the retainer index. A partial path is a
// suffix "u → … → object"; its priority is hops so far + distance[u], the BFS distance of u from the
// root, which is a lower bound on the hops still needed (ignoring edges only makes paths longer).
// Partial paths are popped in priority order (bucket queue, LIFO within a bucket so the search
// dives), so complete paths come out shortest first and each is a distinct edge sequence. With no
// ignore list the first path is found without backtracking: every reached node has a retainer one
// hop closer to the root.
//
// Distances are the analysis' DevTools distances: nodes reached from user roots (Node's `global`,
// Chromium's Window) are numbered first and nodes reached only from system roots start at
// BASE_SYSTEM_DISTANCE. Like DevTools' retainer view, paths therefore prefer user roots; the system
// offset is removed so it is a plain hop count again.
import type { Analysis } from './analysis';
import { BASE_SYSTEM_DISTANCE } from './edgeRules';
import { RETAINER_TYPE, RetainerEdges } from './retainers';
import { ScratchBlock } from './scratch';

export interface PathQuery {
  /** how many distinct paths (default 1) */
  k?: number;
  /** edge names (property names, variable names, element indexes as digits) never followed */
  ignoredEdges?: string[];
  /** node ids never passed through (the object itself and the root are exempt) */
  ignoredNodeIds?: number[];
  /** class names (snap.className) never passed through (the object itself and the root are exempt) */
  ignoredClasses?: string[];
  /** paths longer than the shortest possible by more than this many hops are not looked for (default 3) */
  maxExtraHops?: number;
  /** most partial paths expanded before giving up (default 100 000) */
  maxExpansions?: number;
  /** once at least one path is found, stop looking for more after this many ms (default 40) */
  maxMillis?: number;
  /** filled with the work done: partial paths expanded and created */
  stats?: { expansions: number; records: number };
}

/**
 * Lower bound on the hops from the root to node p: its distance (system-root offset removed), at
 * least 1 for any node but the root; -1 when unreachable. A node DevTools' distances leave
 * unreachable can still have a strong path (through an edge its distance BFS skips); such nodes are
 * skipped here too.
 */
function hopBound(root: number, distances: Int32Array, p: number): number {
  if (p === root) return 0;
  const d = hopsFromRoot(distances[p]);
  return d < 0 ? -1 : Math.max(d, 1);
}

/** Hop count from the root for a node, from the analysis distances; -1 when unreachable. */
function hopsFromRoot(d: number): number {
  if (d < 0) return -1;
  return d >= BASE_SYSTEM_DISTANCE ? d - BASE_SYSTEM_DISTANCE : d;
}

/**
 * The k shortest distinct simple paths from the root to node ordinal `target`, each as edge
 * ordinals from the root side to the object; [] when the object is not reachable (or all paths
 * are ignored). Bounded work: answers in milliseconds on large snapshots.
 */
export function retainerPaths(analysis: Analysis, target: number, q: PathQuery = {}): number[][] {
  const { snap, distances, retainers } = analysis;
  const root = snap.rootOrdinal;
  if (target === root) return [[]];
  if (distances[target] < 0 && !reachableByRetainers(analysis, target)) return [];
  const k = Math.max(1, q.k ?? 1);
  const maxExtra = Math.max(0, q.maxExtraHops ?? 3);
  const maxExpansions = q.maxExpansions ?? 100_000;
  const weak = snap.types.edgeWeak;
  const { firstRetainer, retainerType, retainerNode } = retainers;
  const { strings, edgeNameOrIndex } = snap;
  const slotEdges = new RetainerEdges(snap, retainers);
  const ignoredNames = q.ignoredEdges && q.ignoredEdges.length ? new Set(q.ignoredEdges) : null;
  const ignoredIds = q.ignoredNodeIds && q.ignoredNodeIds.length ? new Set(q.ignoredNodeIds) : null;
  const ignoredClasses = q.ignoredClasses && q.ignoredClasses.length ? new Set(q.ignoredClasses) : null;
  const edgeIgnored = (e: number): boolean => {
    if (!ignoredNames) return false;
    const name = snap.edgeHasStringName(e) ? strings.get(edgeNameOrIndex[e]) : String(edgeNameOrIndex[e]);
    return ignoredNames.has(name);
  };
  const nodeIgnored = (p: number): boolean => {
    if (p === root) return false;
    if (ignoredIds && ignoredIds.has(snap.nodeId[p])) return true;
    if (ignoredClasses && ignoredClasses.has(snap.className(p))) return true;
    return false;
  };
  const h = (p: number): number => hopBound(root, distances, p);

  // partial-path records: node, the retainer slot (of the next record's node) of the edge from node
  // to the next record's node, next record (-1 = target), hops
  let cap = 256;
  let rNode = new Uint32Array(cap);
  let rEdge = new Uint32Array(cap);
  let rNext = new Int32Array(cap);
  let rG = new Uint32Array(cap);
  let count = 0;
  const add = (node: number, edge: number, next: number, g: number): number => {
    if (count === cap) {
      cap *= 2;
      const a = new Uint32Array(cap); a.set(rNode); rNode = a;
      const b = new Uint32Array(cap); b.set(rEdge); rEdge = b;
      const c = new Int32Array(cap); c.set(rNext); rNext = c;
      const d = new Uint32Array(cap); d.set(rG); rG = d;
    }
    rNode[count] = node; rEdge[count] = edge; rNext[count] = next; rG[count] = g;
    return count++;
  };
  const onChain = (r: number, node: number): boolean => {
    for (let x = r; x >= 0; x = rNext[x]) if (rNode[x] === node) return true;
    return false;
  };

  const paths: number[][] = [];
  const h0 = Math.max(h(target), 1);
  let limit = h0 + maxExtra;
  let expansions = 0;
  const popCount = new Map<number, number>();
  const maxMillis = q.maxMillis ?? 40;
  const t0 = performance.now();
  for (let round = 0; round < 6 && paths.length === 0 && expansions < maxExpansions; round++) {
    count = 0;
    popCount.clear();
    let pruned = false;
    const buckets: number[][] = [];
    const push = (r: number, f: number) => { (buckets[f] ??= []).push(r); };
    push(add(target, 0, -1, 0), h0);
    let f = h0;
    while (paths.length < k && expansions < maxExpansions) {
      while (f < buckets.length && !(buckets[f]?.length)) f++;
      if (f >= buckets.length) break;
      let r = buckets[f].pop()!;
      // r < 0: a continuation — the rest of record -r-1's retainers, those whose priority is f
      const continuation = r < 0;
      if (continuation) r = -r - 1;
      const u = rNode[r];
      if (!continuation) {
        if (u === root) {
          const edges: number[] = [];
          for (let x = r; rNext[x] >= 0; x = rNext[x]) edges.push(slotEdges.edgeAt(rNode[rNext[x]], rEdge[x]));
          paths.push(edges);
          continue;
        }
        // Each node is expanded at most k times: a (k+1)-th, longer suffix through u cannot beat the
        // k found through it (the k-shortest-walks rule; with the simple-path constraint it is a
        // heuristic that keeps the work bounded on nodes with huge fan-in).
        const pops = popCount.get(u) ?? 0;
        if (pops >= k) continue;
        popCount.set(u, pops + 1);
        expansions++;
        if ((expansions & 255) === 0 && paths.length > 0 && performance.now() - t0 > maxMillis) break;
      }
      // Lazy expansion: push only the retainers whose priority is the current one (or lower, when
      // the heuristic is not consistent) and come back for the next priority later, so a node with
      // a million retainers costs scans, not a million records.
      const g = rG[r] + 1;
      const lo = firstRetainer[u];
      let more = false;
      const visit = (s: number): void => {
        const p = retainerNode[s];
        if (nodeIgnored(p) || onChain(r, p)) return;
        if (ignoredNames && edgeIgnored(slotEdges.edgeAt(u, s))) return;
        push(add(p, s, r, g), f);
      };
      if (firstRetainer[u + 1] - lo > HUB_FANIN) {
        // a hub: its retainers grouped by h once per analysis, so each expansion touches only the
        // group it needs
        const hub = hubIndexOf(analysis, u, h);
        const slots = hub.slots;
        for (let i = hub.hs.length - 1; i >= 0; i--) {
          const fp = g + hub.hs[i];
          if (fp > limit) { pruned = true; continue; }
          if (continuation ? fp !== f : fp > f) { if (fp > f) more = true; continue; }
          for (let j = hub.offs[i + 1] - 1; j >= hub.offs[i]; j--) {
            const s = slots !== null ? slots[j] : j;
            // (groups in place keep the weak slots among the owner's others)
            if ((retainerType[s] & RETAINER_TYPE) !== weak) visit(s);
          }
        }
      } else {
        // reverse order so the first retainer (lowest owner ordinal) is popped first among equals
        for (let s = firstRetainer[u + 1] - 1; s >= lo; s--) {
          if ((retainerType[s] & RETAINER_TYPE) === weak) continue;
          const hp = h(retainerNode[s]);
          if (hp < 0) continue;
          const fp = g + hp;
          if (fp > limit) { pruned = true; continue; }
          if (continuation ? fp !== f : fp > f) { if (fp > f) more = true; continue; }
          visit(s);
        }
      }
      if (more) push(-r - 1, f + 1);
    }
    if (!pruned) break;
    limit += maxExtra + 2;
  }
  if (q.stats) { q.stats.expansions = expansions; q.stats.records = count; }
  return paths;
}

/** Retainer count above which a node's retainers are grouped by hop bound once and cached. */
const HUB_FANIN = 512;

/**
 * A hub's retainer slots grouped by h (the owner's hop bound): group i has h = hs[i] and the slots
 * slots[offs[i] .. offs[i+1]), none weak and none from an unreachable owner. Or, when slots is null
 * (the eager hubs, fan-in >= EAGER_HUB_FANIN), the groups are the hub's retainer slice itself, its
 * slots stably reordered by h(owner) (unreachable owners last): group i is the slots offs[i] ..
 * offs[i+1]-1, weak ones included. Reordered in place, the slice keeps each owner's slots together
 * and in edge order (what RetainerEdges needs) and costs no memory (a slot list for the hubs of a
 * 1 GB heap took 83 MB).
 */
export interface HubIndex {
  hs: Int32Array;
  offs: Uint32Array;
  slots: Uint32Array | null;
}

const hubCaches = new WeakMap<Analysis, Map<number, HubIndex>>();

/** Groups node u's retainer slots by h(owner), ascending h, slot order kept within a group; cached per analysis. */
function hubIndexOf(analysis: Analysis, u: number, h: (p: number) => number): HubIndex {
  let cache = hubCaches.get(analysis);
  if (!cache) { cache = new Map(); hubCaches.set(analysis, cache); }
  const hit = cache.get(u);
  if (hit) return hit;
  const { firstRetainer } = analysis.retainers;
  const fanIn = firstRetainer[u + 1] - firstRetainer[u];
  // an eager hub that prepareRetainerPaths has not grouped yet: in place, as it would
  const index = fanIn >= EAGER_HUB_FANIN
    ? groupHub(analysis.retainers, u, analysis.distances, analysis.snap.rootOrdinal, new HubScratch(fanIn))
    : buildHubIndex(analysis.retainers, analysis.snap.types.edgeWeak, u, h, false);
  cache.set(u, index);
  return index;
}

/** The inputs of the hub indexes: what prepareRetainerPaths reads (another thread can build them). */
export interface HubInputs {
  retainers: Analysis['retainers'];
  /** edge type code of weak edges (-1 if none) */
  weakType: number;
  distances: Int32Array;
  root: number;
  nodeCount: number;
}

/** Which eager hubs a computeHubIndexes call groups. */
export interface HubBatch {
  /** hubs already grouped (left out) */
  done?: ReadonlyMap<number, HubIndex>;
  /** the eager hubs (eagerHubs), when known; default: found here */
  hubs?: Uint32Array;
  /**
   * Shares the hubs with another thread: returns the index in `hubs` of the next hub to group
   * (each index once over all threads, e.g. from an Atomics counter), past the end when none is
   * left. Default: every hub.
   */
  claim?: () => number;
}

/**
 * prepareRetainerPaths' hub indexes computed from plain inputs, by hub node ordinal. Each hub's
 * retainer slice is grouped in place, so threads sharing the work (HubBatch.claim) touch disjoint
 * slices.
 */
export function computeHubIndexes(x: HubInputs, batch: HubBatch = {}): Map<number, HubIndex> {
  const { firstRetainer } = x.retainers;
  const hubs = batch.hubs ?? eagerHubs(firstRetainer, x.nodeCount);
  const out = new Map<number, HubIndex>();
  let next = 0;
  const claim = batch.claim ?? (() => next++);
  let scratch: HubScratch | null = null;
  for (let i = claim(); i < hubs.length; i = claim()) {
    const u = hubs[i];
    if (batch.done?.has(u)) continue;
    // largest first: the first hub this thread takes sizes its working arrays
    scratch ??= new HubScratch(firstRetainer[u + 1] - firstRetainer[u]);
    out.set(u, groupHub(x.retainers, u, x.distances, x.root, scratch));
  }
  return out;
}

/** The nodes with at least EAGER_HUB_FANIN retainers, the largest fan-in first. */
export function eagerHubs(firstRetainer: Uint32Array, nodeCount: number): Uint32Array {
  const found: number[] = [];
  for (let u = 0; u < nodeCount; u++) if (firstRetainer[u + 1] - firstRetainer[u] >= EAGER_HUB_FANIN) found.push(u);
  const fanIn = (u: number) => firstRetainer[u + 1] - firstRetainer[u];
  return Uint32Array.from(found.sort((a, b) => fanIn(b) - fanIn(a) || a - b));
}

/**
 * buildHubIndex in place for an eager hub, faster: the hop bound inlined, the counts of runs of
 * equal h kept in a local, the slots scattered into the working arrays (the largest group's cursor
 * in a local: most hubs have one group of nearly all slots) and copied back. Measured on the 1 GB
 * Node heap (39 hubs, 22 M slots, same process, 6 pairs): 0.50-0.74 s -> 0.30-0.50 s.
 */
function groupHub(retainers: Analysis['retainers'], u: number, distances: Int32Array, root: number,
  scratch: HubScratch): HubIndex {
  const { firstRetainer, retainerNode, retainerType } = retainers;
  const lo = firstRetainer[u];
  const hi = firstRetainer[u + 1];
  const n = hi - lo;
  const { hv, node, type } = scratch;
  const counts = (countsScratch ??= new Uint32Array(NARROW)); // all zero between calls
  let maxH = -1;
  let wide = false;
  let run = -1;
  let runLength = 0;
  for (let k = 0; k < n; k++) {
    const p = retainerNode[lo + k];
    let v = -1; // hopBound(root, distances, p)
    if (p === root) v = 0;
    else {
      const d = distances[p];
      if (d >= 0) {
        v = d >= BASE_SYSTEM_DISTANCE ? d - BASE_SYSTEM_DISTANCE : d;
        if (v === 0) v = 1;
      }
    }
    hv[k] = v;
    if (v === run) {
      runLength++;
      continue;
    }
    if (run >= 0) counts[run] += runLength;
    run = v;
    runLength = 1;
    if (v > maxH) {
      if (v >= NARROW) {
        wide = true;
        break;
      }
      maxH = v;
    }
  }
  if (wide || maxH < 0) {
    // a chain of NARROW hops or more, or nothing reachable: the general path
    counts.fill(0, 0, maxH + 1);
    return buildHubIndex(retainers, -1, u, (p) => hopBound(root, distances, p), true, scratch);
  }
  if (run >= 0) counts[run] += runLength;
  let minH = 0;
  while (counts[minH] === 0) minH++;
  let kept = 0;
  let big = minH;
  for (let v = minH; v <= maxH; v++) {
    kept += counts[v];
    if (counts[v] > counts[big]) big = v;
  }
  const { hs, offs } = groupStarts(counts, kept, minH, maxH);
  let bigAt = counts[big];
  let rest = kept;
  for (let k = 0; k < n; k++) {
    const v = hv[k];
    const at = v === big ? bigAt++ : v >= 0 ? counts[v]++ : rest++;
    node[at] = retainerNode[lo + k];
    type[at] = retainerType[lo + k];
  }
  retainerNode.set(node.subarray(0, n), lo);
  retainerType.set(type.subarray(0, n), lo);
  counts.fill(0, minH, maxH + 1);
  for (let i = 0; i < offs.length; i++) offs[i] += lo;
  return { hs, offs, slots: null };
}

/** The hub indexes cached for this analysis so far (for tests and diagnostics). */
export function cachedHubIndexes(analysis: Analysis): ReadonlyMap<number, HubIndex> {
  return hubCaches.get(analysis) ?? new Map();
}

/** Caches hub indexes computed by computeHubIndexes over this analysis' retainers and distances. */
export function setHubIndexes(analysis: Analysis, hubs: Map<number, HubIndex>): void {
  let cache = hubCaches.get(analysis);
  if (!cache) { cache = new Map(); hubCaches.set(analysis, cache); }
  for (const [u, index] of hubs) cache.set(u, index);
}

/**
 * Working arrays for grouping hubs in place, sized once for the largest hub a thread takes: so that
 * grouping dozens of hubs leaves no dead arrays behind (13 bytes per retainer each; 0.27 GB in all
 * on a 1 GB heap, which the thread's tiny JS heap would not collect for a while).
 */
class HubScratch {
  readonly hv: Int32Array;
  readonly node: Uint32Array;
  readonly type: Uint8Array;

  constructor(n: number) {
    // one block (see scratch.ts)
    const block = new ScratchBlock(9 * n + 3 * 8);
    this.hv = block.i32(n);
    this.node = block.u32(n);
    this.type = block.u8(n);
  }
}

function buildHubIndex(retainers: Analysis['retainers'], weak: number, u: number,
  h: (p: number) => number, inPlace: boolean, scratch?: HubScratch): HubIndex {
  const { firstRetainer, retainerType, retainerNode } = retainers;
  const lo = firstRetainer[u];
  const hi = firstRetainer[u + 1];
  const hv = scratch ? scratch.hv.subarray(0, hi - lo) : new Int32Array(hi - lo);
  // one pass: each slot's h, and a count per h while all are below NARROW (hop counts are small)
  const counts = (countsScratch ??= new Uint32Array(NARROW)); // all zero between calls
  let narrow = true;
  let kept = 0;
  let minH = Infinity;
  let maxH = -1;
  for (let s = lo; s < hi; s++) {
    // in place every slot goes by its owner (so an owner's slots stay together)
    const v = !inPlace && (retainerType[s] & RETAINER_TYPE) === weak ? -1 : h(retainerNode[s]);
    hv[s - lo] = v;
    if (v < 0) continue;
    kept++;
    if (v < minH) minH = v;
    if (v > maxH) maxH = v;
    if (v < NARROW) counts[v]++;
    else narrow = false;
  }
  // nothing reachable: no groups (and, in place, the slice stays as it is)
  if (maxH < 0) return { hs: new Int32Array(0), offs: new Uint32Array(1), slots: inPlace ? null : new Uint32Array(0) };
  let index: HubIndex;
  try {
    index = narrow ? narrowIndex(hv, counts, lo, kept, minH, maxH) : wideIndex(hv, lo, kept);
  } finally {
    counts.fill(0, minH, Math.min(maxH + 1, NARROW));
  }
  return inPlace ? reorderInPlace(retainers, lo, hi, hv, index, scratch) : index;
}

/**
 * Group starts by ascending hop bound from the count per bound in counts[minH..maxH]: the bounds
 * present (hs), each group's first position and the end (offs, relative), and counts[v] turned
 * into group v's first position.
 */
function groupStarts(counts: Uint32Array, kept: number, minH: number, maxH: number): { hs: Int32Array; offs: Uint32Array } {
  let groups = 0;
  for (let v = minH; v <= maxH; v++) if (counts[v] > 0) groups++;
  const hs = new Int32Array(groups);
  const offs = new Uint32Array(groups + 1);
  let g = 0;
  let at = 0;
  for (let v = minH; v <= maxH; v++) {
    const c = counts[v];
    if (c === 0) continue;
    hs[g] = v;
    offs[g++] = at;
    counts[v] = at; // now the next free position of group v
    at += c;
  }
  offs[groups] = kept;
  return { hs, offs };
}

/**
 * Writes the slice lo..hi-1 of the retainer index in the order of index.slots, then the slots with
 * hv < 0 in their order; returns the groups as slot ranges of the slice (slots null).
 */
function reorderInPlace(retainers: Analysis['retainers'], lo: number, hi: number, hv: Int32Array, index: HubIndex,
  scratch?: HubScratch): HubIndex {
  const { retainerNode, retainerType } = retainers;
  const node = scratch ? scratch.node.subarray(0, hi - lo) : new Uint32Array(hi - lo);
  const type = scratch ? scratch.type.subarray(0, hi - lo) : new Uint8Array(hi - lo);
  node.set(retainerNode.subarray(lo, hi));
  type.set(retainerType.subarray(lo, hi));
  const slots = index.slots!;
  let at = lo;
  for (let i = 0; i < slots.length; i++) {
    const k = slots[i] - lo;
    retainerNode[at] = node[k];
    retainerType[at++] = type[k];
  }
  for (let k = 0; k < hv.length; k++) {
    if (hv[k] >= 0) continue;
    retainerNode[at] = node[k];
    retainerType[at++] = type[k];
  }
  const offs = index.offs;
  for (let i = 0; i < offs.length; i++) offs[i] += lo;
  return { hs: index.hs, offs, slots: null };
}

/** buildHubIndex's groups when every h is below NARROW: `counts` holds the count per h. */
function narrowIndex(hv: Int32Array, counts: Uint32Array, lo: number, kept: number, minH: number, maxH: number): HubIndex {
  // groups in ascending h, slots in ascending order within a group (a stable counting sort)
  const { hs, offs } = groupStarts(counts, kept, minH, maxH);
  const slots = new Uint32Array(kept);
  for (let i = 0; i < hv.length; i++) {
    const v = hv[i];
    if (v >= 0) slots[counts[v]++] = lo + i;
  }
  return { hs, offs, slots };
}

/**
 * buildHubIndex's groups when some h is NARROW or more (a chain that long): few distinct values, so a
 * count per value, then a stable scatter in ascending value order.
 */
function wideIndex(hv: Int32Array, lo: number, kept: number): HubIndex {
  const slots = new Uint32Array(kept);
  const perValue = new Map<number, number>();
  for (let i = 0; i < hv.length; i++) if (hv[i] >= 0) perValue.set(hv[i], (perValue.get(hv[i]) ?? 0) + 1);
  const values = [...perValue.keys()].sort((x, y) => x - y);
  const hs = Int32Array.from(values);
  const offs = new Uint32Array(values.length + 1);
  const next = new Map<number, number>();
  let at = 0;
  for (let g = 0; g < values.length; g++) {
    offs[g] = at;
    next.set(values[g], at);
    at += perValue.get(values[g])!;
  }
  offs[values.length] = kept;
  for (let i = 0; i < hv.length; i++) {
    const v = hv[i];
    if (v < 0) continue;
    const k = next.get(v)!;
    slots[k] = lo + i;
    next.set(v, k + 1);
  }
  return { hs, offs, slots };
}

/** Hop bounds below this are grouped through a counting array (a hub index is built in two passes). */
const NARROW = 1 << 16;
/** buildHubIndex's count per hop bound, all zero between calls (one per thread: modules are per thread). */
let countsScratch: Uint32Array | null = null;

/** Fan-in from which prepareRetainerPaths groups a hub ahead of the first query. */
const EAGER_HUB_FANIN = 1 << 16;

/**
 * Groups the retainers of the biggest hubs (fan-in >= 65 536) ahead of time, so that no single path
 * query pays for it: O(nodes + their retainers). Every analysis runs it (analyze, analyzeSnapshot),
 * which settles the retainer index's order (see HubIndex); returns how many such hubs there are.
 */
export function prepareRetainerPaths(analysis: Analysis): number {
  const { snap, retainers, distances } = analysis;
  const built = computeHubIndexes({
    retainers, weakType: snap.types.edgeWeak, distances, root: snap.rootOrdinal, nodeCount: snap.nodeCount,
  }, { done: hubCaches.get(analysis) });
  setHubIndexes(analysis, built);
  const { firstRetainer } = retainers;
  let hubs = 0;
  for (const u of cachedHubIndexes(analysis).keys()) if (firstRetainer[u + 1] - firstRetainer[u] >= EAGER_HUB_FANIN) hubs++;
  return hubs;
}

/** True when some retainer of the node has a distance (used for nodes DevTools leaves unreachable). */
function reachableByRetainers(analysis: Analysis, n: number): boolean {
  const { firstRetainer, retainerType, retainerNode } = analysis.retainers;
  const weak = analysis.snap.types.edgeWeak;
  for (let s = firstRetainer[n]; s < firstRetainer[n + 1]; s++) {
    if ((retainerType[s] & RETAINER_TYPE) === weak) continue;
    if (analysis.distances[retainerNode[s]] >= 0) return true;
  }
  return false;
}

/**
 * Shortest chain of retainers from the nearest node satisfying `isAnchor` to node ordinal `target`
 * (edge ordinals, anchor side first), over non-weak edges and never through synthetic nodes; null
 * when none is found within maxLen hops / maxVisits nodes. Used for Python cyclic garbage: "held by
 * a cycle through …".
 */
export function chainFromAnchor(
  analysis: Analysis, target: number, isAnchor: (n: number) => boolean, maxLen = 12, maxVisits = 50_000,
): number[] | null {
  const { snap, retainers } = analysis;
  const weak = snap.types.edgeWeak;
  const synthetic = snap.types.nodeSynthetic;
  const { firstRetainer, retainerType, retainerNode } = retainers;
  const slotEdges = new RetainerEdges(snap, retainers);
  const qNode: number[] = [target];
  const qParent: number[] = [-1];
  const qEdge: number[] = [0];
  const qDepth: number[] = [0];
  const seen = new Set<number>([target]);
  for (let head = 0; head < qNode.length && qNode.length < maxVisits; head++) {
    const u = qNode[head];
    if (qDepth[head] >= maxLen) continue;
    for (let s = firstRetainer[u]; s < firstRetainer[u + 1]; s++) {
      if ((retainerType[s] & RETAINER_TYPE) === weak) continue;
      const p = retainerNode[s];
      if (snap.nodeType[p] === synthetic || seen.has(p)) continue;
      seen.add(p);
      qNode.push(p); qParent.push(head); qEdge.push(s); qDepth.push(qDepth[head] + 1);
      if (isAnchor(p)) {
        const out: number[] = [];
        // qEdge holds retainer slots of the parent entry's node
        for (let x = qNode.length - 1; x > 0; x = qParent[x]) out.push(slotEdges.edgeAt(qNode[qParent[x]], qEdge[x]));
        return out;
      }
    }
  }
  return null;
}
