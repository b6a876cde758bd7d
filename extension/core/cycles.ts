// Reference cycles over the edges a programmer would recognise.
// Over all edges V8 internals glue most of a heap into one giant strongly connected component, so
// cycles are computed over a chosen set of edge types (default: property, element, context; plus
// hidden in Python snapshots, where hidden edges are unnamed C references of Python objects — see
// python.ts). Weak edges and edges from or to synthetic nodes (the root and its group nodes) never
// count. In Python snapshots an `internal` edge named "__dict__" (an instance whose attribute dict the
// exporter wrote as a node of its own) counts too: the dict is part of its owner.
//
// SCCs in three steps. (1) One pass over all edges marks, in bitmaps, which nodes have an outgoing
// and which an incoming cycle edge (and self-loops). Only nodes with both can share a component with
// another node — on a 1 GB Node heap 3.7 M of 11.8 M — so every other node is a singleton from the
// start. (2) The candidates get ranks (0..m-1 in ordinal order), found from the bitmap with per-word
// popcount bases (no node-sized map). (3) Pearce's space-efficient variant of Tarjan's algorithm ("A
// space-efficient algorithm for finding strongly connected components", IPL 2016), iterative, runs
// over the cycle edges between candidates, read in place in the snapshot's edges: one rindex word
// per candidate rank, an edge cursor and a root flag per DFS depth, and one array shared by the DFS
// stack (growing up) and the component stack (growing down) — a node is never on both. Scratch
// memory: half a byte per node, per candidate 4 bytes each for rindex and the stacks (the per-depth
// cursor and root flag are only touched as deep as the DFS goes). The result keeps a bit per node
// (on a cycle or not) and a component number per node on a cycle only.
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { throwIfAborted } from './errors';
import { isPythonSnapshot } from './python';
import { ScratchBlock } from './scratch';
import { bitRank, newNodeBits, nodeBit, popcount, type NodeBits } from './edgeRules';

/** Default cycle edge types for V8 snapshots. */
export const V8_CYCLE_EDGE_TYPES = ['property', 'element', 'context'];
/** Default cycle edge types for Python snapshots (hidden edges are real C references there). */
export const PYTHON_CYCLE_EDGE_TYPES = ['property', 'element', 'context', 'hidden'];

/** Default cycle edge types for this snapshot. */
export function defaultCycleEdgeTypes(snap: HeapSnapshot): string[] {
  return isPythonSnapshot(snap) ? PYTHON_CYCLE_EDGE_TYPES : V8_CYCLE_EDGE_TYPES;
}

/** Per edge-type code: 1 when edges of that type belong to the cycle edge set (weak never does). */
export function cycleEdgeMask(snap: HeapSnapshot, edgeTypes: string[] = defaultCycleEdgeTypes(snap)): Uint8Array {
  const mask = new Uint8Array(Math.max(snap.meta.edgeTypes.length, 1));
  for (const t of edgeTypes) {
    const code = snap.meta.edgeTypes.indexOf(t);
    if (code >= 0 && t !== 'weak') mask[code] = 1;
  }
  return mask;
}

export interface Cycles {
  /** edge types the components were computed over */
  edgeTypes: string[];
  /** per edge-type code, 1 when in the cycle edge set */
  mask: Uint8Array;
  /**
   * Python snapshots: string index of "__dict__" when `internal` edges of that name also count
   * (an instance whose dict the exporter wrote as a node of its own, not merged); else -1.
   */
  dictName: number;
  /** edge type code of `internal` (for dictName) */
  internalType: number;
  /**
   * Node type code whose self-loops are no cycle, or -1. In V8 snapshots: `native`. Blink's
   * embedder graph gives DOM nodes (a detached <div> included) and Text nodes element edges to
   * themselves; a leak report should not call every DOM node "on a cycle" for that. A JS object's
   * own `o.self = o` is a property edge of an `object` node and still counts.
   */
  selfLoopFreeType: number;
  /**
   * Component numbers of the nodes on a cycle, in node order (arbitrary numbering, equal within an
   * SCC); read them with componentOf. 4 bytes per node on a cycle, not per node.
   */
  cycleComponent: Uint32Array;
  /** per 32 node ordinals, how many nodes before them are on a cycle (length words + 1) */
  cycleRank: Uint32Array;
  /**
   * Bit n (word n >>> 5, bit n & 31) set when node ordinal n is on a cycle: its SCC has more than one
   * node, or it has a self-loop. Read it with onCycle.
   */
  inCycle: NodeBits;
  /** number of nodes with the inCycle bit set */
  nodesInCycles: number;
  /** size of the largest SCC, nodes */
  largestComponent: number;
}

/** Strongly connected components over the cycle edge set; O(nodes + edges), no recursion. */
export function computeCycles(snap: HeapSnapshot, edgeTypes: string[] = defaultCycleEdgeTypes(snap), opts: RunOptions = {}): Cycles {
  const { nodeCount, firstEdge, edgeTo, edgeType, nodeType, edgeNameOrIndex } = snap;
  const mask = cycleEdgeMask(snap, edgeTypes);
  const synthetic = snap.types.nodeSynthetic;
  const internalType = snap.types.edgeInternal;
  const python = isPythonSnapshot(snap);
  const dictName = internalType >= 0 && !mask[internalType] && python ? snap.strings.indexOf('__dict__') : -1;
  const selfLoopFreeType = python ? -1 : snap.types.nodeNative;
  // per edge type code: 0 not a cycle edge, 1 a cycle edge, 2 one when its name is dictName
  const kind = new Uint8Array(256);
  kind.set(mask.subarray(0, 256));
  if (dictName >= 0) kind[internalType] = 2;
  const step = 1 << 20;
  const progress = (done: number) => {
    throwIfAborted(opts.signal);
    opts.onProgress?.({ phase: 'cycles', done, total: 3 * nodeCount });
  };
  // (1) bit v of outBits / inBits / selfBits: v has an outgoing / incoming cycle edge / a cycle
  // self-loop. Synthetic nodes (the root, group nodes) take part in no cycle edge: they get no out
  // bit, so never become candidates, and an edge into one then is never copied.
  const words = (nodeCount + 31) >>> 5;
  const outBits = new Int32Array(words);
  const inBits = new Int32Array(words);
  const selfBits = new Int32Array(words);
  for (let v = 0; v < nodeCount; v++) {
    if ((v & (step - 1)) === 0) progress(v);
    const vt = nodeType[v];
    if (vt === synthetic) continue;
    let degree = 0;
    for (let e = firstEdge[v], end = firstEdge[v + 1]; e < end; e++) {
      const k = kind[edgeType[e]];
      if (k === 0 || (k === 2 && edgeNameOrIndex[e] !== dictName)) continue;
      const w = edgeTo[e];
      if (w === v) {
        if (vt === selfLoopFreeType) continue;
        selfBits[v >>> 5] |= 1 << (v & 31);
      }
      degree++;
      inBits[w >>> 5] |= 1 << (w & 31);
    }
    if (degree > 0) outBits[v >>> 5] |= 1 << (v & 31);
  }
  // (2) candidates: out and in bits (kept in outBits); rankBase[i] = candidates in words before i
  const cand = outBits;
  const rankBase = new Uint32Array(words);
  let m = 0;
  for (let i = 0; i < words; i++) {
    const x = outBits[i] & inBits[i];
    cand[i] = x;
    rankBase[i] = m;
    m += popcount(x);
  }
  progress(nodeCount);
  // (3) Pearce over the cycle edges between candidates, read in place: a candidate's rank (0..m-1
  // in ordinal order) is found from the bitmap, and the search's working arrays are per rank.
  // rindex: 0 = unvisited; while on the stacks, the DFS index (>= 1); when done, a component number
  // counted down from m+1, which stays above every DFS index still in use. The stacks hold ordinals.
  // (A compact copy of the graph between candidates, 46 MB at 1 GB, was no faster to search and
  // sat in memory beside the dominators of a parallel analysis.)
  const block = new ScratchBlock(13 * m + 4 * 8);
  const rindex = block.u32(m);
  const stack = block.u32(m); // DFS stack [0, sp), component stack [cp, m)
  const cursor = block.u32(m); // next edge to look at, per DFS depth
  const isRoot = block.u8(m); // per DFS depth: no edge led below the node's own index yet
  const rankOf = (v: number): number => {
    const w = v >>> 5;
    return rankBase[w] + popcount(cand[w] & ((1 << (v & 31)) - 1));
  };
  // per node: in a component of more than one node (inBits is dead by now)
  const multi = inBits.fill(0);
  let largest = nodeCount > 0 ? 1 : 0;
  let sp = 0;
  let cp = m;
  let index = 1;
  let comp = m + 1;
  for (let i = 0, s = 0; i < words; i++) {
    for (let y = cand[i]; y !== 0; y &= y - 1, s++) {
      if (rindex[s] !== 0) continue;
      if ((s & (step - 1)) === 0) progress(nodeCount + Math.floor((s / m) * nodeCount));
      const start = (i << 5) + 31 - Math.clz32(y & -y);
      stack[0] = start;
      cursor[0] = firstEdge[start];
      isRoot[0] = 1;
      sp = 1;
      rindex[s] = index++;
      while (sp > 0) {
        const v = stack[sp - 1];
        const rv = rankOf(v);
        const end = firstEdge[v + 1];
        let e = cursor[sp - 1];
        let low = rindex[rv];
        let descended = false;
        for (; e < end; e++) {
          const k = kind[edgeType[e]];
          if (k === 0 || (k === 2 && edgeNameOrIndex[e] !== dictName)) continue;
          const w = edgeTo[e];
          const word = cand[w >>> 5];
          const bit = 1 << (w & 31);
          // a self-loop changes no component
          if ((word & bit) === 0 || w === v) continue;
          const x = rankBase[w >>> 5] + popcount(word & (bit - 1));
          const rw = rindex[x];
          if (rw === 0) {
            // descend; on return this edge is looked at again and w's lowlink taken
            cursor[sp - 1] = e;
            stack[sp] = w;
            cursor[sp] = firstEdge[w];
            isRoot[sp] = 1;
            sp++;
            rindex[x] = index++;
            descended = true;
            break;
          }
          if (rw < low) {
            low = rw;
            isRoot[sp - 1] = 0;
          }
        }
        rindex[rv] = low;
        if (descended) continue;
        // finish v
        sp--;
        if (isRoot[sp] !== 0) {
          index--;
          const from = cp;
          while (cp < m) {
            const x = rankOf(stack[cp]);
            if (low > rindex[x]) break;
            rindex[x] = comp;
            cp++;
            index--;
          }
          rindex[rv] = comp;
          comp--;
          // a component of more than one node: its nodes (v and the ones just popped) are on a cycle
          if (cp > from) {
            if (cp - from + 1 > largest) largest = cp - from + 1;
            multi[v >>> 5] |= 1 << (v & 31);
            for (let j = from; j < cp; j++) multi[stack[j] >>> 5] |= 1 << (stack[j] & 31);
          }
        } else {
          cp--;
          stack[cp] = v;
        }
      }
    }
  }
  progress(2 * nodeCount);
  // On a cycle: a node of a component with more than one node, or with a self-loop (a candidate:
  // the self-loop gave it both bits). Only those keep a component number (a node on no cycle is a
  // component of its own): in node order, with per 32 nodes the count of such nodes before them
  // (componentOf).
  const inCycle = newNodeBits(nodeCount);
  let nodesInCycles = 0;
  for (let w = 0; w < words; w++) {
    const x = multi[w] | selfBits[w];
    inCycle[w] = x;
    nodesInCycles += popcount(x);
  }
  const cycleRank = new Uint32Array(words + 1);
  const cycleComponent = new Uint32Array(nodesInCycles);
  let r = 0;
  for (let v = 0, x = 0; v < nodeCount; v++) {
    if ((v & 31) === 0) cycleRank[v >>> 5] = r;
    const bit = 1 << (v & 31);
    if ((cand[v >>> 5] & bit) === 0) continue;
    const k = rindex[x++];
    if ((inCycle[v >>> 5] & bit) !== 0) cycleComponent[r++] = k;
  }
  cycleRank[words] = r;
  opts.onProgress?.({ phase: 'cycles', done: 3 * nodeCount, total: 3 * nodeCount });
  return {
    edgeTypes: [...edgeTypes], mask, dictName, internalType, selfLoopFreeType, cycleComponent, cycleRank, inCycle,
    nodesInCycles, largestComponent: largest,
  };
}

/**
 * Component number of node ordinal n when it is on a cycle (equal within an SCC, arbitrary
 * numbering); -1 when it is not (it is then a component of its own).
 */
export function componentOf(cyc: Cycles, n: number): number {
  if (!onCycle(cyc, n)) return -1;
  return cyc.cycleComponent[bitRank(cyc.inCycle, cyc.cycleRank, n)];
}

/** True when node ordinal n is on a cycle (see Cycles.inCycle). */
export function onCycle(cyc: Cycles, n: number): boolean {
  return nodeBit(cyc.inCycle, n);
}

const cyclesCache = new WeakMap<Analysis, Cycles>();

/** Cycles of an analysis over the default edge set for its snapshot (or `edgeTypes`), cached. */
export function cyclesOf(analysis: Analysis, edgeTypes?: string[]): Cycles {
  const wanted = edgeTypes ?? defaultCycleEdgeTypes(analysis.snap);
  const c = cyclesCache.get(analysis);
  if (c && c.edgeTypes.join() === wanted.join()) return c;
  const t0 = performance.now();
  const fresh = computeCycles(analysis.snap, wanted);
  analysis.timings.cycles = performance.now() - t0;
  cyclesCache.set(analysis, fresh);
  return fresh;
}

/** Caches cycles computed elsewhere (e.g. on another thread, by computeCycles on the same snapshot). */
export function setCycles(analysis: Analysis, cycles: Cycles): void {
  cyclesCache.set(analysis, cycles);
}

/** True when edge ordinal e belongs to the cycle edge set the components were computed over. */
export function isCycleEdge(snap: HeapSnapshot, cyc: Cycles, e: number, from: number): boolean {
  const t = snap.edgeType[e];
  if (cyc.mask[t] !== 1 && !(t === cyc.internalType && snap.edgeNameOrIndex[e] === cyc.dictName)) return false;
  return snap.edgeTo[e] !== from || snap.nodeType[from] !== cyc.selfLoopFreeType;
}

/** True when node ordinal n lies on a cycle over the (default) cycle edge set. */
export function inCycle(analysis: Analysis, n: number): boolean {
  return onCycle(cyclesOf(analysis), n);
}

export interface CycleSearchOptions {
  /** longest cycle looked for, edges (default 12) */
  maxLen?: number;
  /** most nodes visited before giving up (default 200 000) */
  maxVisits?: number;
  /** cycle edge types (default: the snapshot's default set) */
  edgeTypes?: string[];
}

/**
 * Shortest cycle through node ordinal n over the cycle edge set, as edge ordinals starting at n
 * and ending at n; null when n is on no cycle (within maxLen edges). BFS restricted to n's SCC.
 */
export function shortestCycleThrough(analysis: Analysis, n: number, opts: CycleSearchOptions = {}): number[] | null {
  const snap = analysis.snap;
  const cyc = cyclesOf(analysis, opts.edgeTypes);
  if (!onCycle(cyc, n)) return null;
  const { firstEdge, edgeTo } = snap;
  // self-loop: the shortest cycle there is
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
    if (edgeTo[e] === n && isCycleEdge(snap, cyc, e, n)) return [e];
  }
  const maxLen = opts.maxLen ?? 12;
  const maxVisits = opts.maxVisits ?? 200_000;
  const c = componentOf(cyc, n);
  const seen = new Set<number>(); // bounded by maxVisits, so a Set beats a per-node array here
  // BFS queue records: node, parent record, edge from parent, depth
  let cap = 1024;
  let qNode = new Uint32Array(cap);
  let qParent = new Int32Array(cap);
  let qEdge = new Uint32Array(cap);
  let qDepth = new Uint16Array(cap);
  let head = 0;
  let tail = 0;
  const push = (node: number, parent: number, edge: number, depth: number) => {
    if (tail === cap) {
      cap *= 2;
      const a = new Uint32Array(cap); a.set(qNode); qNode = a;
      const b = new Int32Array(cap); b.set(qParent); qParent = b;
      const d = new Uint32Array(cap); d.set(qEdge); qEdge = d;
      const f = new Uint16Array(cap); f.set(qDepth); qDepth = f;
    }
    qNode[tail] = node; qParent[tail] = parent; qEdge[tail] = edge; qDepth[tail] = depth;
    tail++;
  };
  seen.add(n);
  push(n, -1, 0, 0);
  while (head < tail && tail < maxVisits) {
    const r = head++;
    const v = qNode[r];
    const d = qDepth[r];
    if (d >= maxLen) continue;
    for (let e = firstEdge[v], end = firstEdge[v + 1]; e < end; e++) {
      if (!isCycleEdge(snap, cyc, e, v)) continue;
      const w = edgeTo[e];
      if (w === n) {
        const out = [e];
        for (let q = r; q > 0; q = qParent[q]) out.push(qEdge[q]);
        return out.reverse();
      }
      if (seen.has(w) || componentOf(cyc, w) !== c) continue;
      seen.add(w);
      push(w, r, e, d + 1);
    }
  }
  return null;
}
