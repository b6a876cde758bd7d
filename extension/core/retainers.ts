// Phase "retainers": the reverse edge index. For node n, the slots firstRetainer[n] ..
// firstRetainer[n+1] hold the edges pointing at n, in edge order: retainerNode[slot] is the edge's
// owner and retainerType[slot] its type code plus one flag bit (NEVER_ESSENTIAL) for the dominator
// rules that depend on the edge alone. Edge ordinals are not stored (4 bytes per edge: 160 MB on a
// 1 GB heap); a query that needs one, for a name, finds it on demand (RetainerEdges), in the owner's
// edges. A slice lists owners in ascending ordinal order (the biggest hubs' slices are later
// grouped by the owners' hop bound, retainerPaths.HubIndex); either way one owner's slots are one
// run, in edge order.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { throwIfAborted } from './errors';
import { computeEssentialEdges, WeakMapEdgeNames, nodeBit, type EdgeBits, type NodeBits } from './edgeRules';

export interface Retainers {
  /** length nodeCount+1 */
  firstRetainer: Uint32Array;
  /** owner node ordinal of each retaining edge, grouped by target node */
  retainerNode: Uint32Array;
  /** per slot: the edge's type code (bits 0-6, RETAINER_TYPE) and the NEVER_ESSENTIAL flag (bit 7) */
  retainerType: Uint8Array;
}

/** Mask of retainerType for the edge type code. */
export const RETAINER_TYPE = 0x7f;
/**
 * Flag of retainerType: the edge never counts for dominators whatever the page-owned flags (weak,
 * a self edge, a shortcut from any node but the root, the WeakMap table → value edge; see edgeRules).
 */
export const NEVER_ESSENTIAL = 0x80;

/** Most edge types a snapshot may declare (the type code must fit RETAINER_TYPE). */
export const MAX_EDGE_TYPES = RETAINER_TYPE + 1;

export interface RetainerOptions extends RunOptions {
  /** on SharedArrayBuffers, for the threads of a parallel analysis */
  shared?: boolean;
  /**
   * The essential-edge bits but for the page-owned rule (edgeRules.computeEssentialEdges with no
   * page-owned flags), or a function called once, after the counting pass, that returns them: the
   * slot flags (NEVER_ESSENTIAL: the bit is clear) are read from them. Computed here when absent.
   */
  essential?: EdgeBits | (() => EdgeBits);
  /**
   * without `essential`: the WeakMap edge-name cache its computation uses (one is made otherwise);
   * a function is called once, after the counting pass
   */
  weakMapNames?: WeakMapEdgeNames | (() => WeakMapEdgeNames);
}

/**
 * Builds the reverse edge index (counting sort by target; O(nodes + edges)). Within each target the
 * retainers are in edge order. No working memory beyond the result: firstRetainer serves as the
 * fill cursor (end positions, filled from the last edge backwards).
 */
export function computeRetainers(snap: HeapSnapshot, opts: RetainerOptions = {}): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTo, edgeType } = snap;
  if (snap.meta.edgeTypes.length > MAX_EDGE_TYPES) {
    throw new RangeError(`${snap.meta.edgeTypes.length} edge types: at most ${MAX_EDGE_TYPES} are supported`);
  }
  const shared = opts.shared === true;
  const u32 = (n: number) => (shared ? new Uint32Array(new SharedArrayBuffer(n * 4)) : new Uint32Array(n));
  const firstRetainer = u32(nodeCount + 1);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTo[e]]++;
  // inclusive prefix sums: firstRetainer[n] = end of n's slice
  let sum = 0;
  for (let n = 0; n < nodeCount; n++) {
    sum += firstRetainer[n];
    firstRetainer[n] = sum;
  }
  firstRetainer[nodeCount] = sum;
  const retainerNode = u32(edgeCount);
  const retainerType = shared ? new Uint8Array(new SharedArrayBuffer(edgeCount)) : new Uint8Array(edgeCount);
  // the slots' flags from the essential-edge bits but for the page-owned rule (computed here when
  // not given: edgeRules.computeEssentialEdges is the one place of those rules)
  const given = opts.essential;
  const names = opts.weakMapNames;
  const bits = typeof given === 'function' ? given() : given
    ?? computeEssentialEdges(snap, null, typeof names === 'function' ? names() : names ?? WeakMapEdgeNames.forStrings(snap.strings));
  const step = 1 << 20;
  // backwards over the edges, so each slice fills from its end down to its start in edge order
  for (let n = nodeCount - 1; n >= 0; n--) {
    const start = firstEdge[n];
    for (let e = firstEdge[n + 1] - 1; e >= start; e--) {
      const t = edgeTo[e];
      const slot = --firstRetainer[t];
      retainerNode[slot] = n;
      const ty = edgeType[e];
      const never = ((bits[e >>> 5] >>> (e & 31)) & 1) === 0;
      retainerType[slot] = never ? ty | NEVER_ESSENTIAL : ty;
    }
    if ((n & (step - 1)) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ phase: 'retainers', done: nodeCount - n, total: nodeCount });
    }
  }
  // each cursor now sits at its slice's start: firstRetainer[n] = start of n's slice
  opts.onProgress?.({ phase: 'retainers', done: nodeCount, total: nodeCount });
  return { firstRetainer, retainerNode, retainerType };
}

/**
 * True when retainer slot s of node t counts for dominators (DevTools' computeIsEssentialEdge, as
 * edgeRules.computeEssentialEdges decides it for the slot's edge). `pageOwned`: computePageOwned.
 */
export function isEssentialSlot(ret: Retainers, pageOwned: NodeBits, root: number, t: number, s: number): boolean {
  if ((ret.retainerType[s] & NEVER_ESSENTIAL) !== 0) return false;
  const u = ret.retainerNode[s];
  return u === root || nodeBit(pageOwned, u) || !nodeBit(pageOwned, t);
}

/**
 * Edge ordinals of retainer slots, found on demand in the owner's edges: the k-th slot of owner u in
 * t's slice is u's k-th edge to t. One owner's edges to t are found once and kept while the next
 * calls ask about the same owner and target, so walking a whole slice costs the owners' edge counts.
 */
export class RetainerEdges {
  private owner = -1;
  private target = -1;
  private firstSlot = 0;
  private edges: number[] = [];

  constructor(private readonly snap: HeapSnapshot, private readonly ret: Retainers) {}

  /** The edge ordinal of retainer slot s of node ordinal t (s must lie in t's slice). */
  edgeAt(t: number, s: number): number {
    const { retainerNode, firstRetainer } = this.ret;
    if (!(s >= firstRetainer[t] && s < firstRetainer[t + 1])) throw new RangeError(`slot ${s} is not a retainer of node ${t}`);
    const u = retainerNode[s];
    if (u !== this.owner || t !== this.target) {
      let first = s;
      for (const lo = firstRetainer[t]; first > lo && retainerNode[first - 1] === u;) first--;
      const { firstEdge, edgeTo } = this.snap;
      const edges: number[] = [];
      for (let e = firstEdge[u], end = firstEdge[u + 1]; e < end; e++) if (edgeTo[e] === t) edges.push(e);
      this.owner = u;
      this.target = t;
      this.firstSlot = first;
      this.edges = edges;
    }
    const e = this.edges[s - this.firstSlot];
    if (e === undefined) throw new Error(`internal: retainer slot ${s} of node ${t} has no edge`);
    return e;
  }
}
