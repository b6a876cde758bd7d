// Reference cycles over the edges a programmer would recognise.
// Over all edges V8 internals glue most of a heap into one giant strongly connected component, so
// cycles are computed over a chosen set of edge types (default: property, element, context; plus
// hidden in Python snapshots, where hidden edges are unnamed C references of Python objects — see
// python.ts). Weak edges and edges from or to synthetic nodes (the root and its group nodes) never
// count. In Python snapshots an `internal` edge named "__dict__" (an instance whose attribute dict the
// exporter wrote as a node of its own) counts too: the dict is part of its owner.
//
// SCCs: Pearce's space-efficient variant of Tarjan's algorithm ("A space-efficient algorithm for
// finding strongly connected components", IPL 2016), iterative, on typed arrays: one rindex word per
// node, a root flag byte, an edge cursor per DFS depth, and one array shared by the DFS stack
// (growing up) and the component stack (growing down) — a node is never on both.
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { throwIfAborted } from './errors';
import { isPythonSnapshot } from './python';

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
  /** component number of each node ordinal (arbitrary numbering, equal within an SCC) */
  component: Uint32Array;
  /** 1 when the node is on a cycle: its SCC has more than one node, or it has a self-loop */
  inCycle: Uint8Array;
  /** number of nodes with inCycle set */
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
  const dictName = internalType >= 0 && !mask[internalType] && isPythonSnapshot(snap) ? snap.strings.indexOf('__dict__') : -1;
  // rindex: 0 = unvisited; while on the stacks, the DFS index (>= 1); when done, a component number
  // counted down from nodeCount+1, which stays above every DFS index still in use (Pearce).
  const rindex = new Uint32Array(nodeCount);
  const isRoot = new Uint8Array(nodeCount);
  const stack = new Uint32Array(nodeCount); // DFS stack [0, sp), component stack [cp, nodeCount)
  const cursor = new Uint32Array(nodeCount); // next edge to look at, per DFS depth
  let sp = 0;
  let cp = nodeCount;
  let index = 1;
  let comp = nodeCount + 1; // component numbers count down; always > any live DFS index
  // Synthetic nodes, and nodes with no outgoing cycle edge (strings, numbers, code, most V8
  // internals), are singleton components from the start: one sequential pass here saves the DFS a
  // push, a pop and several random reads per such node, and an edge into one is skipped by the same
  // rindex test as an edge into a finished component.
  for (let n = 0; n < nodeCount; n++) {
    let leaf = nodeType[n] === synthetic;
    if (!leaf) {
      leaf = true;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const et = edgeType[e];
        if (mask[et] || (et === internalType && edgeNameOrIndex[e] === dictName)) { leaf = false; break; }
      }
    }
    if (leaf) rindex[n] = comp--;
  }
  const step = 1 << 20;
  for (let s = 0; s < nodeCount; s++) {
    if (rindex[s] !== 0) continue;
    if ((s & (step - 1)) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ phase: 'cycles', done: s, total: nodeCount });
    }
    stack[sp] = s;
    cursor[sp] = firstEdge[s];
    sp++;
    rindex[s] = index++;
    isRoot[s] = 1;
    while (sp > 0) {
      const v = stack[sp - 1];
      const end = firstEdge[v + 1];
      let e = cursor[sp - 1];
      let descended = false;
      let low = rindex[v];
      for (; e < end; e++) {
        const et = edgeType[e];
        if (!mask[et] && !(et === internalType && edgeNameOrIndex[e] === dictName)) continue;
        const w = edgeTo[e];
        const rw = rindex[w];
        if (rw === 0) {
          // descend; on return this edge is revisited and its lowlink taken (finishEdge)
          cursor[sp - 1] = e;
          stack[sp] = w;
          cursor[sp] = firstEdge[w];
          sp++;
          rindex[w] = index++;
          isRoot[w] = 1;
          descended = true;
          break;
        }
        if (rw < low) {
          low = rw;
          isRoot[v] = 0;
        }
      }
      rindex[v] = low;
      if (descended) continue;
      // finishVisiting(v)
      sp--;
      if (isRoot[v]) {
        const rv = rindex[v];
        index--;
        while (cp < nodeCount && rv <= rindex[stack[cp]]) {
          rindex[stack[cp]] = comp;
          cp++;
          index--;
        }
        rindex[v] = comp;
        comp--;
      } else {
        cp--;
        stack[cp] = v;
      }
    }
  }
  // rindex now holds component numbers; count sizes and mark self-loops.
  const minComp = comp + 1;
  // component sizes reuse the stack buffer (there are at most nodeCount components)
  const sizes = stack.subarray(0, nodeCount + 2 - minComp).fill(0);
  for (let n = 0; n < nodeCount; n++) sizes[rindex[n] - minComp]++;
  const inCycle = new Uint8Array(nodeCount);
  let nodesInCycles = 0;
  let largest = 0;
  for (let n = 0; n < nodeCount; n++) {
    const size = sizes[rindex[n] - minComp];
    if (size > largest) largest = size;
    let on = size > 1;
    if (!on && nodeType[n] !== synthetic) {
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        if (edgeTo[e] === n && (mask[edgeType[e]] || (edgeType[e] === internalType && edgeNameOrIndex[e] === dictName))) { on = true; break; }
      }
    }
    if (on) { inCycle[n] = 1; nodesInCycles++; }
  }
  opts.onProgress?.({ phase: 'cycles', done: nodeCount, total: nodeCount });
  return { edgeTypes: [...edgeTypes], mask, dictName, internalType, component: rindex, inCycle, nodesInCycles, largestComponent: largest };
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
export function isCycleEdge(snap: HeapSnapshot, cyc: Cycles, e: number): boolean {
  const t = snap.edgeType[e];
  return cyc.mask[t] === 1 || (t === cyc.internalType && snap.edgeNameOrIndex[e] === cyc.dictName);
}

/** True when node ordinal n lies on a cycle over the (default) cycle edge set. */
export function inCycle(analysis: Analysis, n: number): boolean {
  return cyclesOf(analysis).inCycle[n] === 1;
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
  if (!cyc.inCycle[n]) return null;
  const { firstEdge, edgeTo } = snap;
  // self-loop: the shortest cycle there is
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
    if (edgeTo[e] === n && isCycleEdge(snap, cyc, e)) return [e];
  }
  const maxLen = opts.maxLen ?? 12;
  const maxVisits = opts.maxVisits ?? 200_000;
  const comp = cyc.component;
  const c = comp[n];
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
      if (!isCycleEdge(snap, cyc, e)) continue;
      const w = edgeTo[e];
      if (w === n) {
        const out = [e];
        for (let q = r; q > 0; q = qParent[q]) out.push(qEdge[q]);
        return out.reverse();
      }
      if (comp[w] !== c || seen.has(w)) continue;
      seen.add(w);
      push(w, r, e, d + 1);
    }
  }
  return null;
}
