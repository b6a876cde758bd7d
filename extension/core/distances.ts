// Phase "distances": BFS hops from the root over retaining (non-weak) edges.
// PLACEHOLDER (skeleton): plain BFS skipping weak edges; to be replaced by DevTools' exact rules.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';

/** BFS distance of every node from the root (node 0), -1 when unreachable over strong edges. */
export function computeDistances(snap: HeapSnapshot, _opts: RunOptions = {}): Int32Array {
  const { nodeCount, firstEdge, edgeTo, edgeType } = snap;
  const weak = snap.types.edgeWeak;
  const dist = new Int32Array(nodeCount).fill(-1);
  const queue = new Uint32Array(nodeCount);
  let head = 0;
  let tail = 0;
  dist[0] = 0;
  queue[tail++] = 0;
  while (head < tail) {
    const n = queue[head++];
    const d = dist[n] + 1;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      if (edgeType[e] === weak) continue;
      const t = edgeTo[e];
      if (dist[t] === -1) {
        dist[t] = d;
        queue[tail++] = t;
      }
    }
  }
  return dist;
}
