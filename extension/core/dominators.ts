// Phase "dominators": immediate dominators and retained sizes.
// PLACEHOLDER (skeleton): Cooper–Harvey–Kennedy iterative algorithm over strong edges; to be
// replaced by an implementation that matches DevTools' edge rules and scales to 1 GB snapshots.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import type { Retainers } from './retainers';

export interface DominatorResult {
  dominators: Uint32Array;
  retainedSizes: Float64Array;
}

/** Immediate dominator of every node (root dominates itself) and retained size in bytes. */
export function computeDominatorsAndRetainedSizes(snap: HeapSnapshot, ret: Retainers, _opts: RunOptions = {}): DominatorResult {
  const { nodeCount, firstEdge, edgeTo, edgeType } = snap;
  const weak = snap.types.edgeWeak;
  // iterative DFS post-order from the root
  const post = new Int32Array(nodeCount).fill(-1);
  const order: number[] = [];
  const stack: number[] = [0];
  const iter = new Uint32Array(nodeCount);
  const seen = new Uint8Array(nodeCount);
  seen[0] = 1;
  for (let n = 0; n < nodeCount; n++) iter[n] = firstEdge[n];
  while (stack.length) {
    const n = stack[stack.length - 1];
    if (iter[n] < firstEdge[n + 1]) {
      const e = iter[n]++;
      if (edgeType[e] === weak) continue;
      const t = edgeTo[e];
      if (!seen[t]) { seen[t] = 1; stack.push(t); }
    } else {
      stack.pop();
      post[n] = order.length;
      order.push(n);
    }
  }
  const idom = new Int32Array(nodeCount).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (post[a] < post[b]) a = idom[a];
      while (post[b] < post[a]) b = idom[b];
    }
    return a;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const n = order[i];
      let nd = -1;
      for (let r = ret.firstRetainer[n]; r < ret.firstRetainer[n + 1]; r++) {
        if (edgeType[ret.retainerEdge[r]] === weak) continue;
        const p = ret.retainerNode[r];
        if (idom[p] === -1) continue;
        nd = nd === -1 ? p : intersect(p, nd);
      }
      if (nd !== -1 && idom[n] !== nd) { idom[n] = nd; changed = true; }
    }
  }
  const dominators = new Uint32Array(nodeCount);
  const retainedSizes = new Float64Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    dominators[n] = idom[n] === -1 ? 0 : idom[n];
    retainedSizes[n] = snap.nodeSelfSize[n];
  }
  for (const n of order) if (n !== 0 && idom[n] !== -1) retainedSizes[idom[n]] += retainedSizes[n];
  return { dominators, retainedSizes };
}
