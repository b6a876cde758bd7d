// Phase "dominators": immediate dominators and retained sizes, equal to Chrome DevTools' numbers.
//
// Algorithm: Lengauer–Tarjan with the simple eval/link and iterative path compression (T. Lengauer,
// R. E. Tarjan, "A fast algorithm for finding dominators in a flowgraph", TOPLAS 1979), the variant
// DevTools uses (HeapSnapshot.calculateDominatorsAndRetainedSizes). Same DFS (edges in file order,
// only "essential" edges, see edgeRules.ts), same handling of nodes the root does not reach: first a
// DFS from every node whose retainer edges are all non-essential (ordinal order, attached to the
// root), then every node still unnumbered attached to the root alone. Reachable nodes have unique
// dominators whatever the traversal; mirroring the traversal makes the unreachable remainder match too.
//
// Memory: typed arrays of nodeCount+1 Uint32 (vertex numbers are ordinal + 1, 0 = none), buckets as
// linked lists in two arrays instead of one Set per node, the DFS edge cursor array reused as the
// path-compression stack, and the dominator array returned in place. No recursion.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import type { Retainers } from './retainers';
import { throwIfAborted } from './errors';
import { computeEssentialEdges, computePageOwned, computeShallowSizes, WeakMapEdgeNames, type EdgeBits } from './edgeRules';

export interface DominatorResult {
  /** immediate dominator ordinal of each node; the root's is the root; unreachable nodes get the root */
  dominators: Uint32Array;
  /** bytes retained by each node: its shallow size plus the shallow sizes of all nodes it dominates */
  retainedSizes: Float64Array;
}

export interface DominatorOptions extends RunOptions {
  /** Per-node sizes (bytes) to sum; default DevTools' shallow sizes (edgeRules.computeShallowSizes). */
  shallowSizes?: Float64Array;
  /** Edges that count (bit vector); default edgeRules.computeEssentialEdges. */
  essentialEdges?: EdgeBits;
  weakMapNames?: WeakMapEdgeNames;
}

/** Immediate dominator of every node (root dominates itself) and retained size in bytes. */
export function computeDominatorsAndRetainedSizes(snap: HeapSnapshot, ret: Retainers,
  opts: DominatorOptions = {}): DominatorResult {
  const essential = opts.essentialEdges
    ?? computeEssentialEdges(snap, computePageOwned(snap), opts.weakMapNames ?? new WeakMapEdgeNames(snap.strings));
  const dominators = computeDominators(snap, ret, essential, opts);
  const retainedSizes = computeRetainedSizes(dominators.dominators, dominators.order,
    opts.shallowSizes ?? computeShallowSizes(snap));
  return { dominators: dominators.dominators, retainedSizes };
}

/** Dominators plus the DFS order (ordinals by DFS number - 1), which retained sizes sum in reverse. */
export interface DominatorTree {
  dominators: Uint32Array;
  /** node ordinals in DFS-number order (index 0 is the root) */
  order: Uint32Array;
}

/** Lengauer–Tarjan over the essential edges; dominators as node ordinals. */
export function computeDominators(snap: HeapSnapshot, ret: Retainers, essential: EdgeBits,
  opts: RunOptions = {}): DominatorTree {
  const { nodeCount, firstEdge, edgeTo } = snap;
  const { firstRetainer, retainerEdge, retainerNode } = ret;
  if (nodeCount === 0) return { dominators: new Uint32Array(0), order: new Uint32Array(0) };
  const N = nodeCount + 1;
  const r = snap.rootOrdinal + 1;
  const parent = new Uint32Array(N);
  const ancestor = new Uint32Array(N);
  const vertex = new Uint32Array(N);
  const label = new Uint32Array(N);
  const semi = new Uint32Array(N);
  // DFS: next edge ordinal to look at per vertex; afterwards the compression stack.
  const work = new Uint32Array(N);
  let n = 0;

  const dfs = (start: number): void => {
    work[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
      let next = parent[v];
      const end = firstEdge[v];
      let e = work[v];
      for (; e < end; e++) {
        if (((essential[e >>> 5] >>> (e & 31)) & 1) === 0) continue;
        const w = edgeTo[e] + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          work[w] = firstEdge[w - 1];
          next = w;
          break;
        }
      }
      work[v] = e;
      v = next;
    }
  };

  const hasEssentialRetainer = (o: number): boolean => {
    for (let i = firstRetainer[o], end = firstRetainer[o + 1]; i < end; i++) {
      const e = retainerEdge[i];
      if (((essential[e >>> 5] >>> (e & 31)) & 1) !== 0) return true;
    }
    return false;
  };

  dfs(r);
  opts.onProgress?.({ phase: 'dominators', done: 0, total: 3 });
  if (n < nodeCount) {
    // Nodes whose retainers are all non-essential (e.g. weak-only): attach to the root, DFS from each.
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && !hasEssentialRetainer(v - 1)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    // Still unnumbered (cliques retaining one another): each attached to the root alone.
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
    }
  }
  throwIfAborted(opts.signal);

  const stack = work;
  const evaluate = (v0: number): number => {
    if (ancestor[v0] === 0) return v0;
    // compress(v0), iteratively
    let v = v0;
    let sp = 0;
    while (ancestor[ancestor[v]] !== 0) {
      stack[++sp] = v;
      v = ancestor[v];
    }
    while (sp > 0) {
      const w = stack[sp--];
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
    return label[v0];
  };

  const dom = new Uint32Array(N);
  const bucketHead = new Uint32Array(N);
  const bucketNext = new Uint32Array(N);
  const semiR = semi[r];
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const o = w - 1;
    let sw = semi[w];
    let orphan = true;
    for (let k = firstRetainer[o], end = firstRetainer[o + 1]; k < end; k++) {
      const e = retainerEdge[k];
      if (((essential[e >>> 5] >>> (e & 31)) & 1) === 0) continue;
      orphan = false;
      const su = semi[evaluate(retainerNode[k] + 1)];
      if (su < sw) sw = su;
    }
    // A node without essential retainers has the root as its only predecessor.
    semi[w] = orphan ? semiR : sw;
    const s = vertex[semi[w]];
    bucketNext[w] = bucketHead[s];
    bucketHead[s] = w;
    const p = parent[w];
    ancestor[w] = p; // link(p, w)
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
    }
    bucketHead[p] = 0;
    if ((i & 0xfffff) === 0) throwIfAborted(opts.signal);
  }
  opts.onProgress?.({ phase: 'dominators', done: 2, total: 3 });

  // Fill in the dominators not set explicitly; dom[0] = r sends never-set entries to the root.
  dom[0] = r;
  dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }
  // In place: vertex numbers → ordinals (reads index o+1 before it is overwritten).
  for (let o = 0; o < nodeCount; o++) dom[o] = dom[o + 1] - 1;
  // vertex numbers → ordinals for the DFS order
  for (let i = 1; i <= n; i++) vertex[i - 1] = vertex[i] - 1;
  opts.onProgress?.({ phase: 'dominators', done: 3, total: 3 });
  return { dominators: dom.subarray(0, nodeCount), order: vertex.subarray(0, n) };
}

/** Retained size in bytes per node: sizes summed up the dominator tree, children before parents. */
export function computeRetainedSizes(dominators: Uint32Array, order: Uint32Array,
  shallowSizes: Float64Array): Float64Array {
  const retained = Float64Array.from(shallowSizes);
  // order[0] is the root; every other node's dominator comes earlier in DFS order.
  for (let i = order.length - 1; i >= 1; i--) {
    const o = order[i];
    retained[dominators[o]] += retained[o];
  }
  return retained;
}
