// Phase "distances": BFS hops from the roots, with Chrome DevTools' rules (see edgeRules.ts for the
// full list and where they come from): user roots (the root's non-synthetic children) start at 1,
// nodes reached only from system roots get BASE_SYSTEM_DISTANCE + hops, weak edges are never
// followed (weak-only nodes stay UNREACHABLE = -1), and the JS-specific filter skips
// "sloppy_function_map", "(map descriptors)" descriptor slots and the first edge of each WeakMap
// key/value pair.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { throwIfAborted } from './errors';
import {
  BASE_SYSTEM_DISTANCE, STRING_MAP_DESCRIPTORS, STRING_NATIVE_CONTEXT, STRING_SLOPPY_FUNCTION_MAP, WeakMapEdgeNames,
  PendingWeakMapPairs,
  computePageOwned, isDocumentDOMTreesRoot, isSkippedMapDescriptorEdge, markNonWeakReachable, isUserRoot, SpecialStrings,
  newNodeBits, type NodeBits,
} from './edgeRules';

export { BASE_SYSTEM_DISTANCE };

/** Distance of a node that no BFS reached (DevTools shows "−"). */
export const NO_DISTANCE = -1;

export interface DistanceOptions extends RunOptions {
  /** Shared WeakMap edge-name cache (parsed once per string across phases). */
  weakMapNames?: WeakMapEdgeNames;
  /** the distances on a SharedArrayBuffer (another thread reads them without a copy) */
  shared?: boolean;
}

/**
 * BFS distance (edge hops) of every node: 1 for user roots, BASE_SYSTEM_DISTANCE + hops for nodes
 * only system roots reach, -1 when unreachable over the edges DevTools follows.
 */
export function computeDistances(snap: HeapSnapshot, opts: DistanceOptions = {}): Int32Array {
  return computeDistancesAndPageOwned(snap, { ...opts, pageOwned: false }).distances;
}

export interface DistancesAndPageOwned {
  distances: Int32Array;
  /** edgeRules.computePageOwned's flags; null when not asked for */
  pageOwned: NodeBits | null;
}

/**
 * Distances (as computeDistances) and, unless `pageOwned: false`, the page-owned flags
 * (edgeRules.computePageOwned) from the same traversal when the page-owned starting points are
 * exactly the user roots (Node and Chromium snapshots): then the page-owned nodes are the nodes the
 * user-root BFS reaches, plus whatever is reachable over non-weak edges from targets that DevTools'
 * filter made the BFS skip and that it never reached otherwise. Otherwise a separate pass.
 */
export function computeDistancesAndPageOwned(snap: HeapSnapshot,
  opts: DistanceOptions & { pageOwned?: boolean } = {}): DistancesAndPageOwned {
  const { nodeCount, firstEdge, edgeTo } = snap;
  const root = snap.rootOrdinal;
  const dist = (opts.shared ? new Int32Array(new SharedArrayBuffer(4 * nodeCount)) : new Int32Array(nodeCount)).fill(NO_DISTANCE);
  const rootEdges = firstEdge[root + 1] - firstEdge[root];
  // DevTools queues the root's user-root children without de-duplication; so do we.
  const queue = new Uint32Array(nodeCount + rootEdges);
  const wantOwned = opts.pageOwned !== false;
  const fused = wantOwned && pageOwnedStartsAreUserRoots(snap);
  const bfs = new DistanceBfs(snap, dist, queue, opts, fused);
  let len = 0;
  for (let e = firstEdge[root], end = firstEdge[root + 1]; e < end; e++) {
    const t = edgeTo[e];
    if (isUserRoot(snap, t)) {
      bfs.markSeen(t);
      queue[len++] = t;
    }
  }
  bfs.run(len, 1);
  let pageOwned: NodeBits | null = null;
  if (fused) pageOwned = bfs.pageOwnedAfterUserRoots();
  // Everything the user roots did not reach, from the root itself (system roots).
  bfs.markSeen(root);
  queue[0] = root;
  bfs.run(1, len > 0 ? BASE_SYSTEM_DISTANCE : 0);
  if (wantOwned && !fused) pageOwned = computePageOwned(snap);
  opts.onProgress?.({ phase: 'distances', done: nodeCount, total: nodeCount });
  return { distances: dist, pageOwned };
}

/** True when the root's user-root children are exactly computePageOwned's starting nodes. */
function pageOwnedStartsAreUserRoots(snap: HeapSnapshot): boolean {
  const { firstEdge, edgeTo, edgeType } = snap;
  const { edgeShortcut, edgeElement } = snap.types;
  const root = snap.rootOrdinal;
  const users = new Set<number>();
  const starts = new Set<number>();
  for (let e = firstEdge[root], end = firstEdge[root + 1]; e < end; e++) {
    const t = edgeTo[e];
    if (isUserRoot(snap, t)) users.add(t);
    const ty = edgeType[e];
    if (ty === edgeShortcut || (ty === edgeElement && isDocumentDOMTreesRoot(snap, t))) starts.add(t);
  }
  if (users.size !== starts.size) return false;
  for (const t of users) if (!starts.has(t)) return false;
  return true;
}

/** One BFS pass over the queue; the WeakMap pair memory persists across passes, as in DevTools. */
class DistanceBfs {
  private readonly pendingPairs: PendingWeakMapPairs;
  private readonly weakMapNames: WeakMapEdgeNames;
  private readonly special: SpecialStrings;
  /** visited bit per node: a 32x smaller array than dist, so the per-edge test mostly hits the cache */
  private readonly seen: NodeBits;
  /** targets of edges the filter skipped (recorded only while `recordSkipped`), for page-owned flags */
  private skipped = new Uint32Array(1024);
  private skippedCount = 0;
  private recordSkipped: boolean;
  /** scratch bit set of levelOrder (all zero between calls) */
  private levelBits: Uint32Array | null = null;

  constructor(private readonly snap: HeapSnapshot, private readonly dist: Int32Array,
    private readonly queue: Uint32Array, private readonly opts: DistanceOptions, recordSkipped: boolean) {
    this.weakMapNames = opts.weakMapNames ?? new WeakMapEdgeNames(snap.strings);
    this.pendingPairs = new PendingWeakMapPairs(this.weakMapNames);
    this.special = new SpecialStrings(snap.strings);
    this.seen = newNodeBits(snap.nodeCount);
    this.recordSkipped = recordSkipped;
  }

  markSeen(n: number): void {
    this.seen[n >>> 5] |= 1 << (n & 31);
  }

  private skip(t: number): void {
    if (!this.recordSkipped) return;
    if (this.skippedCount === this.skipped.length) {
      const grown = new Uint32Array(this.skipped.length * 2);
      grown.set(this.skipped);
      this.skipped = grown;
    }
    this.skipped[this.skippedCount++] = t;
  }

  /**
   * After the user-root pass: page-owned = seen so far, plus the non-weak closure of skipped
   * targets that were never seen. Stops recording skipped targets.
   */
  pageOwnedAfterUserRoots(): NodeBits {
    const { snap, seen } = this;
    const owned = newNodeBits(snap.nodeCount);
    owned.set(seen);
    markNonWeakReachable(snap, owned, this.skipped, this.skippedCount);
    this.recordSkipped = false;
    this.skipped = new Uint32Array(0);
    return owned;
  }

  /**
   * BFS from the first `initialLength` queue entries, which all have distance `startDistance`.
   * Level by level: each level's nodes are expanded in ascending ordinal order when the level is
   * large (the nodes' edge ranges are then read in file order, not at random: measured 2x faster on
   * a 1 GB heap); distances do not depend on the order within a level (see levelOrder).
   */
  run(initialLength: number, startDistance: number): void {
    const { snap, dist, queue, opts, special, weakMapNames, pendingPairs, seen } = this;
    const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName } = snap;
    const { edgeWeak, edgeInternal, edgeElement, edgeHidden, nodeHidden, nodeArray } = snap.types;
    let head = 0;
    let tail = initialLength;
    let levelEnd = tail;
    let d = startDistance; // distance of the level being expanded
    while (head < tail) {
      if (head === levelEnd) {
        this.levelOrder(head, tail);
        levelEnd = tail;
        d++;
      }
      const n = queue[head++];
      dist[n] = d;
      const nt = nodeType[n];
      // 0: no node-specific rule; 1: hidden "system / NativeContext"; 2: array "(map descriptors)"
      const kind = nt === nodeHidden ? (special.kind(nodeName[n]) === STRING_NATIVE_CONTEXT ? 1 : 0)
        : nt === nodeArray ? (special.kind(nodeName[n]) === STRING_MAP_DESCRIPTORS ? 2 : 0) : 0;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const ty = edgeType[e];
        if (ty === edgeWeak) continue;
        const t = edgeTo[e];
        if (((seen[t >>> 5] >>> (t & 31)) & 1) !== 0) continue;
        // DevTools' filter runs only for edges to nodes not yet visited (its pair memory relies on it).
        if (kind === 1 && ty !== edgeElement && ty !== edgeHidden
          && special.kind(edgeNameOrIndex[e]) === STRING_SLOPPY_FUNCTION_MAP) {
          this.skip(t);
          continue;
        }
        if (kind === 2) {
          if (isSkippedMapDescriptorEdge(snap, e)) {
            this.skip(t);
            continue;
          }
        } else if (ty === edgeInternal) {
          const name = edgeNameOrIndex[e];
          if (weakMapNames.isPairName(name) && pendingPairs.skip(name)) {
            this.skip(t);
            continue;
          }
        }
        seen[t >>> 5] |= 1 << (t & 31);
        queue[tail++] = t;
      }
      if ((head & 0xfffff) === 0) throwIfAborted(opts.signal);
    }
  }

  /**
   * Sorts queue[from, to), one whole BFS level of distinct nodes, by ordinal when it is large.
   * The order inside a level changes no distance: an edge's filter depends only on the edge, and
   * DevTools' WeakMap pair memory lets a target in after the second pair edge met while it is
   * unvisited, so a target is reached in a level iff a followed edge or its second pair edge is
   * in it, whatever the order. Large levels go through a bit set (scanning its words costs less
   * than sorting), middle ones through a typed-array sort, small ones stay as they are.
   */
  private levelOrder(from: number, to: number): void {
    const k = to - from;
    if (k < 256) return;
    const queue = this.queue;
    const words = this.seen.length;
    if (k * 16 < words) {
      queue.subarray(from, to).sort();
      return;
    }
    const bits = this.levelBits ??= new Uint32Array(words);
    let lo = words;
    let hi = 0;
    for (let i = from; i < to; i++) {
      const t = queue[i];
      const w = t >>> 5;
      bits[w] |= 1 << (t & 31);
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    let j = from;
    for (let w = lo; w <= hi; w++) {
      let b = bits[w];
      if (b === 0) continue;
      bits[w] = 0;
      const base = w << 5;
      while (b !== 0) {
        const low = b & -b;
        queue[j++] = base + (31 - Math.clz32(low));
        b ^= low;
      }
    }
  }
}
