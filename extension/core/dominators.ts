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
// Memory: six typed arrays of nodeCount+1 Uint32 (DevTools uses nine plus a Set per bucket): parent
// and ancestor share one array, bucket heads share the dominator array, the DFS cursor array holds
// the bucket links afterwards, path compression reverses pointers instead of using a stack, and the
// dominator and DFS-order arrays are returned in place. No recursion.
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
  // Six arrays of N Uint32 (vertex numbers are ordinal + 1; 0 = none):
  //  - anc: the DFS parent until the vertex is linked, then its ancestor in the link forest
  //    (the parent is read only when its child is linked, so one array serves both);
  //  - work: the DFS edge cursor, then the bucket "next" links;
  //  - dom: bucket heads while a vertex can still receive bucket entries, then its dominator
  //    (in the DFS tree a vertex's bucket is emptied before its own dominator is written).
  const anc = new Uint32Array(N);
  const vertex = new Uint32Array(N);
  const label = new Uint32Array(N);
  const semi = new Uint32Array(N);
  const work = new Uint32Array(N);
  // linked[v]: v has been linked into the forest (DevTools tests ancestor[v] !== 0 instead)
  const linked = new Uint32Array((N + 31) >>> 5);
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
      let next = anc[v];
      const end = firstEdge[v];
      let e = work[v];
      for (; e < end; e++) {
        if (((essential[e >>> 5] >>> (e & 31)) & 1) === 0) continue;
        const w = edgeTo[e] + 1;
        if (semi[w] === 0) {
          anc[w] = v;
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
        anc[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    // Still unnumbered (cliques retaining one another): each attached to the root alone.
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        anc[v] = r;
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
    }
  }
  throwIfAborted(opts.signal);

  // eval with path compression, iteratively by pointer reversal (no stack array): walk up the
  // linked ancestors turning each anc pointer round, then walk back down taking the smaller-semi
  // label from above and pointing every vertex at the top of the path.
  const evaluate = (v0: number): number => {
    if (((linked[v0 >>> 5] >>> (v0 & 31)) & 1) === 0) return v0;
    let x = v0;
    let below = 0;
    for (;;) {
      const a = anc[x];
      if (((linked[a >>> 5] >>> (a & 31)) & 1) === 0) break;
      anc[x] = below;
      below = x;
      x = a;
    }
    // x: the highest linked vertex on the path; anc[x] its unlinked tree root
    const top = anc[x];
    let above = x;
    while (below !== 0) {
      const y = below;
      below = anc[y];
      const la = label[above];
      if (semi[la] < semi[label[y]]) label[y] = la;
      anc[y] = top;
      above = y;
    }
    return label[v0];
  };

  const dom = new Uint32Array(N);
  // written[v]: dom[v] holds v's (provisional) dominator, not a bucket head. A bucket that is never
  // emptied (a vertex outside the DFS tree) leaves a stale head that must read as "unset" (0).
  const written = new Uint32Array((N + 31) >>> 5);
  const bucketNext = work;
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
    bucketNext[w] = dom[s];
    dom[s] = w;
    const p = anc[w];
    linked[w >>> 5] |= 1 << (w & 31); // link(p, w): anc[w] already holds p
    for (let v = dom[p]; v !== 0;) {
      const next = bucketNext[v];
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
      written[v >>> 5] |= 1 << (v & 31);
      v = next;
    }
    dom[p] = 0;
    if ((i & 0xfffff) === 0) throwIfAborted(opts.signal);
  }
  opts.onProgress?.({ phase: 'dominators', done: 2, total: 3 });

  // Fill in the dominators not set explicitly; dom[0] = r sends never-set entries to the root.
  dom[0] = r;
  dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (((written[w >>> 5] >>> (w & 31)) & 1) === 0) dom[w] = r; // unset: dom[dom[0]] = r
    else if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
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
  const retained = shallowSizes.slice();
  // order[0] is the root; every other node's dominator comes earlier in DFS order.
  for (let i = order.length - 1; i >= 1; i--) {
    const o = order[i];
    retained[dominators[o]] += retained[o];
  }
  return retained;
}
