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

/**
 * Builds the reverse edge index (counting sort by target; O(nodes + edges)). Within each target the
 * retainers are in edge order. No working memory beyond the result: firstRetainer serves as the
 * fill cursor (end positions, filled from the last edge backwards).
 */
export function computeRetainers(snap: HeapSnapshot, opts: RunOptions & { shared?: boolean } = {}): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTo } = snap;
  // shared: on SharedArrayBuffers, for the threads of a parallel analysis
  const u32 = (n: number) => (opts.shared ? new Uint32Array(new SharedArrayBuffer(n * 4)) : new Uint32Array(n));
  const firstRetainer = u32(nodeCount + 1);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTo[e]]++;
  // inclusive prefix sums: firstRetainer[n] = end of n's slice
  let sum = 0;
  for (let n = 0; n < nodeCount; n++) {
    sum += firstRetainer[n];
    firstRetainer[n] = sum;
  }
  firstRetainer[nodeCount] = sum;
  const retainerEdge = u32(edgeCount);
  const retainerNode = u32(edgeCount);
  const step = 1 << 20;
  // backwards over the edges, so each slice fills from its end down to its start in edge order
  for (let n = nodeCount - 1; n >= 0; n--) {
    const start = firstEdge[n];
    for (let e = firstEdge[n + 1] - 1; e >= start; e--) {
      const slot = --firstRetainer[edgeTo[e]];
      retainerEdge[slot] = e;
      retainerNode[slot] = n;
    }
    if ((n & (step - 1)) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ phase: 'retainers', done: nodeCount - n, total: nodeCount });
    }
  }
  // each cursor now sits at its slice's start: firstRetainer[n] = start of n's slice
  opts.onProgress?.({ phase: 'retainers', done: nodeCount, total: nodeCount });
  return { firstRetainer, retainerEdge, retainerNode };
}
