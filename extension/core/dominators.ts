// Phase "dominators": immediate dominators and retained sizes, equal to Chrome DevTools' numbers.
//
// Algorithm: Semi-NCA (L. Georgiadis, "Linear-time algorithms for dominators and related problems",
// PhD thesis, Princeton 2005; also in LLVM's GenericDomTreeConstruction): semidominators as in
// Lengauer–Tarjan (TOPLAS 1979) with path compression, then each immediate dominator by walking up
// from the DFS parent to the first vertex numbered at most the semidominator. No buckets, and the
// working arrays (but the ordinal → number map) are indexed by DFS preorder number. DevTools
// (HeapSnapshot.calculateDominatorsAndRetainedSizes) runs Lengauer–Tarjan; both give the unique
// dominator tree of the same graph. Same DFS (edges in file order, only "essential" edges, see
// edgeRules.ts), same handling of nodes the root does not reach: first a DFS from every node whose
// retainer edges are all non-essential (ordinal order, attached to the root), then every node still
// unnumbered attached to the root alone (DevTools' result for those is the root, see below). The
// returned DFS order is DevTools' too.
//
// Memory: four typed arrays of nodeCount(+1) Uint32 (16 bytes per node), two bits per node, and 4 bytes
// per node whose semidominator is not its DFS parent (13% of them on Node heaps); DevTools uses nine
// arrays plus a Set per bucket. The dominator and DFS-order arrays are two of the four, returned in
// place. No recursion.
import type { HeapSnapshot, SizeArray } from './model';
import type { RunOptions } from './progress';
import { isEssentialSlot, NEVER_ESSENTIAL, type Retainers } from './retainers';
import { throwIfAborted } from './errors';
import { mappedBuffer } from './scratch';
import { computeEssentialEdges, computePageOwned, computeShallowSizes, WeakMapEdgeNames, type EdgeBits, type NodeBits } from './edgeRules';

export interface DominatorResult {
  /** immediate dominator ordinal of each node; the root's is the root; unreachable nodes get the root */
  dominators: Uint32Array;
  /** bytes retained by each node: its shallow size plus the shallow sizes of all nodes it dominates */
  retainedSizes: SizeArray;
}

export interface DominatorOptions extends RunOptions {
  /** Per-node sizes (bytes) to sum; default DevTools' shallow sizes (edgeRules.computeShallowSizes). */
  shallowSizes?: SizeArray;
  weakMapNames?: WeakMapEdgeNames;
}

/** Immediate dominator of every node (root dominates itself) and retained size in bytes. */
export function computeDominatorsAndRetainedSizes(snap: HeapSnapshot, ret: Retainers,
  opts: DominatorOptions = {}): DominatorResult {
  const pageOwned = computePageOwned(snap);
  const essential = computeEssentialEdges(snap, null, opts.weakMapNames ?? new WeakMapEdgeNames(snap.strings));
  const dominators = computeDominators(snap, ret, essential, pageOwned, opts);
  const retainedSizes = computeRetainedSizes(dominators.dominators, dominators.order,
    opts.shallowSizes ?? computeShallowSizes(snap));
  return { dominators: dominators.dominators, retainedSizes };
}

/** Dominators plus the DFS order (ordinals by DFS number - 1), which retained sizes sum in reverse. */
export interface DominatorTree {
  dominators: Uint32Array;
  /** node ordinals in DFS-number order (index 0 is the root) */
  order: Uint32Array;
  /**
   * A working array of the computation (nodeCount + 1 entries, contents undefined) handed on for
   * reuse, e.g. as the retained sizes: it would otherwise be garbage at the peak of memory use.
   */
  spare?: Uint32Array;
  /**
   * With ComputeDominatorsOptions' classTop: per node ordinal 1 when the node counts in its class's
   * retained size (classSummary.ClassTotals.classTop); absent when not asked for or given up.
   */
  classTop?: Uint8Array;
}

/**
 * The class ids and shallow sizes (classSummary.computeClassTotals' inputs), when known before the
 * dominators end: the tree's classTop is then computed from the dominators by DFS number, in
 * cache-friendly order (the class totals then need one sequential pass).
 */
export interface ClassTopInputs {
  /** class id per node ordinal */
  ids: Uint8Array | Uint16Array | Uint32Array;
  classCount: number;
  /** shallow size per node ordinal (a node counts when its size is not 0) */
  sizes: SizeArray;
}

export interface ComputeDominatorsOptions extends RunOptions {
  /** called once the dominators are known; null: no classTop */
  classTop?: () => ClassTopInputs | null;
}

/** Flag on idom[v] (a vertex number, < 2^31): v's semidominator is not its parent. */
const NOT_PARENT = 0x80000000;

/**
 * The dominators' depth-first search (their first part, which needs no retainers): vertices are
 * DFS preorder numbers 1..n (the root is 1; 0 = none), over the essential edges in file order.
 * `essential` (edgeRules.computeEssentialEdges) may leave out its page-owned rule: the search
 * applies it itself (an edge from a node that is not page-owned into a page-owned one counts only
 * from the root; few nodes are not page-owned). Three arrays of 4 bytes per node (mapped buffers,
 * scratch.ts: idom's memory goes back when it is dropped):
 *  - num[o]: number of ordinal o (0 = not yet visited);
 *  - order[v - 1]: ordinal of v;
 *  - idom[v]: v's DFS-tree parent;
 * and bits by ordinal (1.5 MB at 1 GB, so they stay in cache where num does not):
 *  - seen: numbered (num[o] !== 0): the search tests its edges' targets here, not in num;
 *  - extra: an essential edge other than its tree edge reaches o from a vertex the search reached
 *    (19% of vertices on Node heaps); without one, o's semidominator is its parent.
 */
export class DominatorDfs {
  num: Uint32Array;
  order: Uint32Array;
  idom: Uint32Array;
  seen: Uint32Array;
  extra: Uint32Array;
  /** vertices numbered so far */
  n = 0;
  /** per depth: vertex, edge cursor, end of its edges, ordinal; grows with the deepest path */
  private path: Uint32Array = new Uint32Array(4 * 1024);

  constructor(private readonly snap: HeapSnapshot, private essential: EdgeBits, private readonly pageOwned: NodeBits) {
    const { nodeCount } = snap;
    this.num = u32(nodeCount);
    this.order = u32(nodeCount);
    this.idom = u32(nodeCount + 1);
    const words = (nodeCount + 32) >>> 5;
    this.seen = new Uint32Array(words);
    this.extra = new Uint32Array(words);
  }

  /** Numbers everything the essential edges reach from ordinal `start` (not yet numbered), whose tree parent is `up`. */
  run(start: number, up: number): void {
    const { num, order, idom, seen, extra, essential, pageOwned } = this;
    const { firstEdge, edgeTo } = this.snap;
    const root = this.snap.rootOrdinal;
    let path = this.path;
    let n = this.n;
    const first = ++n;
    num[start] = first;
    seen[start >>> 5] |= 1 << (start & 31);
    order[first - 1] = start;
    idom[first] = up;
    let top = 0;
    path[0] = first;
    path[1] = firstEdge[start];
    path[2] = firstEdge[start + 1];
    path[3] = start;
    while (top >= 0) {
      let e = path[top + 1];
      const end = path[top + 2];
      const o = path[top + 3];
      // the page-owned rule: only from an owner that is neither page-owned nor the root
      const guard = o !== root && ((pageOwned[o >>> 5] >>> (o & 31)) & 1) === 0;
      let t = 0;
      for (; e < end; e++) {
        if (((essential[e >>> 5] >>> (e & 31)) & 1) === 0) continue;
        t = edgeTo[e];
        if (guard && ((pageOwned[t >>> 5] >>> (t & 31)) & 1) !== 0) continue;
        const bit = 1 << (t & 31);
        if ((seen[t >>> 5] & bit) === 0) break;
        extra[t >>> 5] |= bit;
      }
      if (e < end) {
        path[top + 1] = e + 1;
        const w = ++n;
        num[t] = w;
        seen[t >>> 5] |= 1 << (t & 31);
        order[w - 1] = t;
        idom[w] = path[top];
        top += 4;
        if (top + 4 > path.length) {
          const grown = u32(path.length * 2);
          grown.set(path);
          this.path = path = grown;
        }
        path[top] = w;
        path[top + 1] = firstEdge[t];
        path[top + 2] = firstEdge[t + 1];
        path[top + 3] = t;
      } else {
        top -= 4;
      }
    }
    this.n = n;
  }

  /**
   * Hands the arrays over (computeDominators reuses them) and drops every reference to them here:
   * a search kept by its caller holds no memory after that.
   */
  done(): void {
    const empty = new Uint32Array(0);
    this.path = this.num = this.order = this.idom = this.seen = this.extra = this.essential = empty;
  }
}

/** A Uint32Array on a mapped buffer (scratch.ts). */
function u32(length: number): Uint32Array {
  return new Uint32Array(mappedBuffer(4 * length), 0, length);
}

/** The dominators' DFS from the root (DominatorDfs), e.g. while another thread builds the retainers. */
export function dominatorDfs(snap: HeapSnapshot, essential: EdgeBits, pageOwned: NodeBits): DominatorDfs {
  const dfs = new DominatorDfs(snap, essential, pageOwned);
  if (snap.nodeCount > 0) dfs.run(snap.rootOrdinal, 0);
  return dfs;
}

/**
 * Semi-NCA over the essential edges; dominators as node ordinals, plus the DFS order. `essential`
 * (edgeRules.computeEssentialEdges, with or without its page-owned rule) decides the edges the DFS
 * follows (DominatorDfs); the retainer slots are decided by the same rule from their flags and
 * `pageOwned` (retainers.isEssentialSlot). `dfs`: the search from the root, done already.
 */
export function computeDominators(snap: HeapSnapshot, ret: Retainers, essential: EdgeBits, pageOwned: NodeBits,
  opts: ComputeDominatorsOptions & { dfs?: DominatorDfs } = {}): DominatorTree {
  const { nodeCount } = snap;
  const { firstRetainer, retainerType, retainerNode } = ret;
  const rootOrdinal = snap.rootOrdinal;
  if (nodeCount === 0) return { dominators: new Uint32Array(0), order: new Uint32Array(0) };
  // The DFS's arrays (DominatorDfs) and a fourth one of 4 bytes per node, and their roles from here:
  //  - num[o]: at the end, o's dominator ordinal;
  //  - order[v - 1]: (returned as is: the DFS order); while the semidominators are computed, best[v]
  //    once v is processed (the smallest semidominator on its compressed path);
  //  - idom[v]: flagged (NOT_PARENT bit) when v's semidominator is not its parent; at the end its
  //    immediate dominator;
  //  - anc: (untouched by the DFS) anc[v], once v is processed, its parent shortened by path
  //    compression;
  // plus the semidominators that are not the parent (13% of vertices on Node heaps), in a list.
  // anc stays unwritten (unmapped) until the semidominators (45 MB at 1 GB, while the helper
  // thread's cycle search may still run).
  const dfs = opts.dfs ?? dominatorDfs(snap, essential, pageOwned);
  const { num, order, idom, extra } = dfs;
  const anc = u32(nodeCount + 1);

  const hasEssentialRetainer = (o: number): boolean => {
    for (let i = firstRetainer[o], end = firstRetainer[o + 1]; i < end; i++) {
      if (isEssentialSlot(ret, pageOwned, rootOrdinal, o, i)) return true;
    }
    return false;
  };

  opts.onProgress?.({ phase: 'dominators', done: 0, total: 3 });
  if (dfs.n < nodeCount) {
    // Nodes whose retainers are all non-essential (e.g. weak-only): attach to the root, DFS from each.
    for (let o = 0; o < nodeCount; o++) {
      if (num[o] === 0 && !hasEssentialRetainer(o)) dfs.run(o, 1);
    }
  }
  dfs.done();
  let n = dfs.n;
  // Vertices 1..reached form a DFS tree of the essential edges plus root → (nodes above) edges.
  const reached = n;
  if (n < nodeCount) {
    // Still unnumbered (cliques retaining one another): each attached to the root alone. DevTools'
    // Lengauer–Tarjan gives all of them the root (their semidominators lie among themselves, and
    // none of them is anyone's tree parent, so their buckets are never emptied), and their edges
    // into reached nodes never lower a semidominator: they are left out below.
    for (let o = 0; o < nodeCount; o++) {
      if (num[o] === 0) {
        num[o] = ++n;
        order[n - 1] = o;
        idom[n] = 1;
      }
    }
  }
  throwIfAborted(opts.signal);

  // Semidominators, in reverse preorder: vertex i's is the smallest of its parent, its predecessors
  // numbered below i, and eval(v) for each predecessor v > i (processed). eval(v) is the smallest
  // semidominator on the path from v up to (not including) its first unprocessed ancestor; path
  // compression by pointer reversal (no stack): walk up turning each anc pointer round, then walk back
  // down taking the smaller best value from above and pointing each vertex at the top.
  // best[v] is kept in order[v - 1]: only processed vertices have one, and the loop reads order only
  // at unprocessed vertices (i and the parents, which are numbered lower); order is rebuilt from num
  // afterwards. That saves a fifth array (45 MB at 1 GB) at the analysis' peak of memory use.
  // A vertex's retainers are read only until its semidominator is the root (1, the lowest): the
  // rest cannot lower it, and skipping their evals changes no result (path compression only
  // shortens paths). Hubs get there early: on a 1 GB Node heap 9.7 M of the 26.7 M evals came after
  // that point (at 2 000 vertices); the dominators took 0.5 s less (same-process A/B, 5 of 6).
  let semiList = new Uint32Array(Math.min(reached, (reached >>> 3) + 1024));
  let semiCount = 0;
  for (let i = reached; i >= 2; i--) {
    if ((i & 0xfffff) === 0) throwIfAborted(opts.signal);
    const p = idom[i];
    const o = order[i - 1];
    if (((extra[o >>> 5] >>> (o & 31)) & 1) === 0) {
      anc[i] = p;
      order[i - 1] = p; // best[i]
      continue;
    }
    const parentOrdinal = order[p - 1]; // its edges change nothing: skip them without a lookup
    // isEssentialSlot inlined, the target's page-owned flag read once: an edge into a page-owned
    // node counts only from the root or another page-owned node
    const ownedTarget = ((pageOwned[o >>> 5] >>> (o & 31)) & 1) !== 0;
    let s = p; // for a DFS start the root stands in for the parent
    for (let k = firstRetainer[o], end = firstRetainer[o + 1]; k < end; k++) {
      const u = retainerNode[k];
      if (u === parentOrdinal || (retainerType[k] & NEVER_ESSENTIAL) !== 0) continue;
      if (ownedTarget && ((pageOwned[u >>> 5] >>> (u & 31)) & 1) === 0 && u !== rootOrdinal) continue;
      const v = num[u];
      if (v < s) { // unprocessed: its semidominator is itself
        s = v;
        if (v === 1) break; // the root: no semidominator is lower
        continue;
      }
      if (v <= i || v > reached) continue;
      let x = v;
      let below = 0;
      for (;;) {
        const a = anc[x];
        if (a <= i) break;
        anc[x] = below;
        below = x;
        x = a;
      }
      const top = anc[x];
      let b = order[x - 1]; // best[x]
      while (below !== 0) {
        const y = below;
        below = anc[y];
        const by = order[y - 1];
        if (by < b) b = by;
        else order[y - 1] = b;
        anc[y] = top;
      }
      if (b < s) {
        s = b;
        if (b === 1) break;
      }
    }
    if (s !== p) {
      if (semiCount === semiList.length) {
        const grown = new Uint32Array(Math.min(reached, Math.ceil(semiList.length * 1.5)));
        grown.set(semiList);
        semiList = grown;
      }
      semiList[semiCount++] = s;
      idom[i] = p + NOT_PARENT;
    }
    anc[i] = p;
    order[i - 1] = s; // best[i]
  }
  // order again: the inverse of num
  for (let o = 0; o < nodeCount; o++) order[num[o] - 1] = o;
  opts.onProgress?.({ phase: 'dominators', done: 2, total: 3 });

  // Immediate dominators in preorder: the parent if it is the semidominator, else the nearest
  // ancestor of the parent numbered <= the semidominator (semiList is read back to front). Written
  // straight into num as ordinals; num becomes the dominator array.
  const root = order[0];
  num[root] = root;
  for (let i = 2; i <= reached; i++) {
    let d = idom[i];
    if (d >= NOT_PARENT) {
      const s = semiList[--semiCount];
      d -= NOT_PARENT;
      while (d > s) d = idom[d];
      idom[i] = d;
    }
    num[order[i - 1]] = order[d - 1];
  }
  for (let i = reached + 1; i <= n; i++) num[order[i - 1]] = root;
  const inputs = opts.classTop?.() ?? null;
  // idom now holds every vertex's immediate dominator number (1, the root, for those past reached)
  const classTop = inputs ? classTopByNumber(idom, order, n, inputs, anc) : null;
  opts.onProgress?.({ phase: 'dominators', done: 3, total: 3 });
  return classTop ? { dominators: num, order, spare: anc, classTop } : { dominators: num, order, spare: anc };
}

/**
 * classSummary.computeClassTotals' class-top flags (a sized node counts in its class's retained
 * size when no node of its class dominates it) from the dominator tree by DFS number: the vertices
 * in preorder, each one's dominator `idom[i]` (a number below i), the current dominator path on a
 * stack with the count of counted nodes per class on it. By number, the path's states sit near
 * each other; by ordinal every step reads three arrays at random. `scratch` (its contents dead,
 * nodeCount + 1 entries) holds the per-vertex states and the path. Null when the path outgrows
 * the scratch or the order is far from a DFS of the tree (as computeClassTotals, which then runs
 * its own passes).
 */
function classTopByNumber(idom: Uint32Array, order: Uint32Array, n: number, inputs: ClassTopInputs,
  scratch: Uint32Array): Uint8Array | null {
  const { ids, sizes } = inputs;
  const TOP = 1;
  const ON = 2;
  const state = new Uint8Array(scratch.buffer, scratch.byteOffset, n + 1).fill(0);
  // the path (vertices and their class ids) after the states, 4-byte aligned
  const from = scratch.byteOffset + ((n + 4) & ~3);
  const cap = Math.floor((scratch.byteOffset + scratch.byteLength - from) / 8);
  const path = new Uint32Array(scratch.buffer, from, cap);
  const cls = new Uint32Array(scratch.buffer, from + 4 * cap, cap);
  const active = new Uint32Array(inputs.classCount);
  const top = new Uint8Array(mappedBuffer(order.length), 0, order.length);
  let sp = 0;
  let budget = 2 * n + 1024;
  for (let i = 1; i <= n; i++) {
    const u = order[i - 1];
    if (i > 1) {
      const d = idom[i];
      if ((state[d] & ON) === 0) {
        // d is off the path: collect it and its dominators up to the first one on the path (at the
        // top end of the path array), pop the path down to that one, push them
        let end = cap;
        let a = d;
        while ((state[a] & ON) === 0) {
          if (end <= sp) return null;
          path[--end] = a;
          a = idom[a];
        }
        while (path[sp - 1] !== a) {
          const x = path[--sp];
          if (((state[x] &= ~ON) & TOP) !== 0) active[cls[sp]]--;
        }
        budget -= cap - end;
        if (budget < 0) return null;
        for (let j = end; j < cap; j++) {
          const x = path[j];
          const c = ids[order[x - 1]];
          if (((state[x] |= ON) & TOP) !== 0) active[c]++;
          path[sp] = x;
          cls[sp++] = c;
        }
      } else {
        while (path[sp - 1] !== d) {
          const x = path[--sp];
          if (((state[x] &= ~ON) & TOP) !== 0) active[cls[sp]]--;
        }
      }
    }
    const c = ids[u];
    let st = ON;
    if (sizes[u] !== 0 && active[c] === 0) {
      st |= TOP;
      active[c]++;
      top[u] = 1;
    }
    state[i] = st;
    if (sp === cap) return null;
    path[sp] = i;
    cls[sp++] = c;
  }
  return top;
}

/** Retained size in bytes per node: sizes summed up the dominator tree, children before parents. */
export function computeRetainedSizes(dominators: Uint32Array, order: Uint32Array,
  shallowSizes: SizeArray, spare?: Uint32Array): SizeArray {
  // in the spare array when the sizes are 32-bit too (see DominatorTree.spare)
  let retained: SizeArray;
  if (spare && shallowSizes instanceof Uint32Array && spare.length >= shallowSizes.length) {
    retained = spare.subarray(0, shallowSizes.length);
    retained.set(shallowSizes);
  } else {
    retained = shallowSizes.slice();
  }
  // order[0] is the root; every other node's dominator comes earlier in DFS order.
  for (let i = order.length - 1; i >= 1; i--) {
    const o = order[i];
    retained[dominators[o]] += retained[o];
  }
  return retained;
}
