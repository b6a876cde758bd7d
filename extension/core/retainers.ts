// Phase "retainers": the reverse edge index. For node n, retainerEdge[firstRetainer[n] ..
// firstRetainer[n+1]) are the edge ordinals pointing at n, and retainerNode[...] their owners.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { throwIfAborted } from './errors';

export interface Retainers {
  /** length nodeCount+1 */
  firstRetainer: Uint32Array;
  /** edge ordinal of each retaining edge, grouped by target node */
  retainerEdge: Uint32Array;
  /** owner node ordinal of each retaining edge (parallel to retainerEdge) */
  retainerNode: Uint32Array;
}

/** Builds the reverse edge index (counting sort by target; O(nodes + edges)). */
export function computeRetainers(snap: HeapSnapshot, opts: RunOptions = {}): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTo } = snap;
  const firstRetainer = new Uint32Array(nodeCount + 1);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTo[e]]++;
  // exclusive prefix sums: firstRetainer[n] = start of n's slice
  let sum = 0;
  for (let n = 0; n < nodeCount; n++) {
    const c = firstRetainer[n];
    firstRetainer[n] = sum;
    sum += c;
  }
  firstRetainer[nodeCount] = sum;
  const retainerEdge = new Uint32Array(edgeCount);
  const retainerNode = new Uint32Array(edgeCount);
  const fill = firstRetainer.slice(0, nodeCount);
  const step = 1 << 20;
  for (let n = 0; n < nodeCount; n++) {
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      const slot = fill[edgeTo[e]]++;
      retainerEdge[slot] = e;
      retainerNode[slot] = n;
    }
    if ((n & (step - 1)) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ phase: 'retainers', done: n, total: nodeCount });
    }
  }
  opts.onProgress?.({ phase: 'retainers', done: nodeCount, total: nodeCount });
  return { firstRetainer, retainerEdge, retainerNode };
}
