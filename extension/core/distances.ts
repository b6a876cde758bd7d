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
  isSkippedMapDescriptorEdge, isUserRoot, SpecialStrings,
} from './edgeRules';

export { BASE_SYSTEM_DISTANCE };

/** Distance of a node that no BFS reached (DevTools shows "−"). */
export const NO_DISTANCE = -1;

export interface DistanceOptions extends RunOptions {
  /** Shared WeakMap edge-name cache (parsed once per string across phases). */
  weakMapNames?: WeakMapEdgeNames;
}

/**
 * BFS distance (edge hops) of every node: 1 for user roots, BASE_SYSTEM_DISTANCE + hops for nodes
 * only system roots reach, -1 when unreachable over the edges DevTools follows.
 */
export function computeDistances(snap: HeapSnapshot, opts: DistanceOptions = {}): Int32Array {
  const { nodeCount, firstEdge, edgeTo } = snap;
  const root = snap.rootOrdinal;
  const dist = new Int32Array(nodeCount).fill(NO_DISTANCE);
  const rootEdges = firstEdge[root + 1] - firstEdge[root];
  // DevTools queues the root's user-root children without de-duplication; so do we.
  const queue = new Uint32Array(nodeCount + rootEdges);
  const bfs = new DistanceBfs(snap, dist, queue, opts);
  let len = 0;
  for (let e = firstEdge[root], end = firstEdge[root + 1]; e < end; e++) {
    const t = edgeTo[e];
    if (isUserRoot(snap, t)) {
      dist[t] = 1;
      queue[len++] = t;
    }
  }
  bfs.run(len);
  // Everything the user roots did not reach, from the root itself (system roots).
  dist[root] = len > 0 ? BASE_SYSTEM_DISTANCE : 0;
  queue[0] = root;
  bfs.run(1);
  opts.onProgress?.({ phase: 'distances', done: nodeCount, total: nodeCount });
  return dist;
}

/** One BFS pass over the queue; the WeakMap pair memory persists across passes, as in DevTools. */
class DistanceBfs {
  private readonly pendingPairs: PendingWeakMapPairs;
  private readonly weakMapNames: WeakMapEdgeNames;
  private readonly special: SpecialStrings;

  constructor(private readonly snap: HeapSnapshot, private readonly dist: Int32Array,
    private readonly queue: Uint32Array, private readonly opts: DistanceOptions) {
    this.weakMapNames = opts.weakMapNames ?? new WeakMapEdgeNames(snap.strings);
    this.pendingPairs = new PendingWeakMapPairs(this.weakMapNames);
    this.special = new SpecialStrings(snap.strings);
  }

  run(initialLength: number): void {
    const { snap, dist, queue, opts, special, weakMapNames, pendingPairs } = this;
    const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName } = snap;
    const { edgeWeak, edgeInternal, edgeElement, edgeHidden, nodeHidden, nodeArray } = snap.types;
    let head = 0;
    let tail = initialLength;
    while (head < tail) {
      const n = queue[head++];
      const d = dist[n] + 1;
      const nt = nodeType[n];
      // 0: no node-specific rule; 1: hidden "system / NativeContext"; 2: array "(map descriptors)"
      const kind = nt === nodeHidden ? (special.kind(nodeName[n]) === STRING_NATIVE_CONTEXT ? 1 : 0)
        : nt === nodeArray ? (special.kind(nodeName[n]) === STRING_MAP_DESCRIPTORS ? 2 : 0) : 0;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const ty = edgeType[e];
        if (ty === edgeWeak) continue;
        const t = edgeTo[e];
        if (dist[t] !== NO_DISTANCE) continue;
        // DevTools' filter runs only for edges to nodes not yet visited (its pair memory relies on it).
        if (kind === 1 && ty !== edgeElement && ty !== edgeHidden
          && special.kind(edgeNameOrIndex[e]) === STRING_SLOPPY_FUNCTION_MAP) continue;
        if (kind === 2) {
          if (isSkippedMapDescriptorEdge(snap, e)) continue;
        } else if (ty === edgeInternal) {
          const name = edgeNameOrIndex[e];
          if (weakMapNames.isPairName(name) && pendingPairs.skip(name)) continue;
        }
        dist[t] = d;
        queue[tail++] = t;
      }
      if ((head & 0xfffff) === 0) throwIfAborted(opts.signal);
    }
  }
}
