// Class summary: per class name, count, shallow size and retained size (objgraph's
// show_most_common_types plus DevTools' Summary view).
//
// A class's retained size is DevTools' rule (HeapSnapshot.calculateClassesRetainedSize, read in
// chrome-devtools-frontend): the sum of the retained sizes of the class's instances that have no
// ancestor of the same class in the dominator tree, so nested instances are not counted twice. Like
// DevTools, sizes are its displayed shallow sizes (analysis.shallowSizes: owned hidden/array nodes
// give theirs to their owner), and nodes whose shallow size is zero are left out of the summary
// (synthetic roots and group nodes, owned internals) and hide no dominated instances. Unlike DevTools (which
// splits V8 objects by constructor location when the snapshot has locations), classes are keyed by
// name only. In Python heaps frames, functions, modules and types are keyed by kind ("frame").
//
// One pass over the nodes in analysis.dominatorOrder (every node after its dominator) keeping the
// dominator path of the current node on a stack, with a per-class counter of counted nodes on that
// path: a node is counted when its class has none. Consecutive nodes of that order need not be
// dominator-tree neighbours; when a node's dominator is off the path, the path is cut back to the
// dominator's nearest ancestor on it and the chain below pushed again (measured on a 1 GB Node heap:
// 1.0 M re-pushed nodes for 11.8 M). No children index, no DFS: O(nodes + re-pushes), one byte per
// node of state (which becomes classTop) and a stack whose touched part is the path depth. Input
// whose order or dominators are inconsistent (a dominator chain not reaching the root), or an order
// needing more than 2 re-pushes per node, falls back to a DFS over a children index of the
// dominator tree.
import type { Analysis } from './analysis';
import type { ClassSummaryRow } from './results';
import type { HeapSnapshot } from './model';
import { isPythonSnapshot, pythonClassKey } from './python';

export interface ClassIds {
  /** class id of each node ordinal */
  ids: Uint32Array;
  /** class name of each class id */
  names: string[];
}

/** Dense class ids: nodes with equal snap.className() share an id (Python: frames etc. by kind). O(nodes). */
export function computeClassIds(snap: HeapSnapshot, python = isPythonSnapshot(snap)): ClassIds {
  const n = snap.nodeCount;
  const ids = new Uint32Array(n);
  const names: string[] = [];
  const byName = new Map<string, number>();
  const idOf = (name: string): number => {
    let id = byName.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      byName.set(name, id);
    }
    return id;
  };
  const ty = snap.types;
  const { nodeType, nodeName, strings } = snap;
  // class id per node type: BY_NAME for types keyed by the node's name (object, native; Python
  // functions), else the id of "(type)", -1 until first seen. Names: class id per string index.
  const BY_NAME = -2;
  const byType = new Int32Array(256).fill(-1);
  if (ty.nodeObject >= 0) byType[ty.nodeObject] = BY_NAME;
  if (ty.nodeNative >= 0) byType[ty.nodeNative] = BY_NAME;
  // Python functions: one class "function" rather than DevTools' "(closure)"
  if (python && ty.nodeClosure >= 0) byType[ty.nodeClosure] = BY_NAME;
  const byString = new Int32Array(strings.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const t = nodeType[i];
    let id = byType[t];
    if (id === BY_NAME) {
      const s = nodeName[i];
      id = byString[s];
      if (id < 0) id = byString[s] = idOf(python ? pythonClassKey(strings[s]) : strings[s]);
    } else if (id < 0) {
      id = byType[t] = idOf(snap.className(i));
    }
    ids[i] = id;
  }
  return { ids, names };
}

export interface ClassTotals {
  classIds: ClassIds;
  /** per class id */
  count: Float64Array;
  selfSize: Float64Array;
  retainedSize: Float64Array;
  /** 1 for nodes counted in their class's retained size (no same-class dominator ancestor) */
  classTop: Uint8Array;
}

/** Per-class count, self size and DevTools class retained size (bytes) in one pass over the dominator order. */
export function computeClassTotals(analysis: Analysis, classIds: ClassIds = computeClassIds(analysis.snap)): ClassTotals {
  const { snap, dominators, retainedSizes, dominatorOrder: order } = analysis;
  const n = snap.nodeCount;
  const root = snap.rootOrdinal;
  if (n === 0 || !order || order.length !== n || order[0] !== root) return classTotalsByDfs(analysis, classIds);
  const { ids, names } = classIds;
  const k = names.length;
  const count = new Float64Array(k);
  const selfSize = new Float64Array(k);
  const retainedSize = new Float64Array(k);
  const sizes = analysis.shallowSizes; // DevTools' displayed shallow sizes
  // per node: TOP (counted in its class's retained size; the only bit left at the end, as classTop),
  // SIZED (shallow size not 0), SEEN (visited), ON (on the current dominator path)
  const TOP = 1;
  const SIZED = 2;
  const SEEN = 4;
  const ON = 8;
  const state = new Uint8Array(n);
  // sequential pass: counts and self sizes, and the SIZED flag so the ordered pass need not read sizes
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    if (s === 0) continue;
    const c = ids[i];
    count[c]++;
    selfSize[c] += s;
    state[i] = SIZED;
  }
  // counted nodes of each class on the path
  const active = new Uint32Array(k);
  // the path [0, sp), root first; a chain being re-pushed is collected at the top end. Only the
  // pages it touches are resident.
  const stack = new Uint32Array(n);
  let sp = 0;
  // re-pushes allowed before falling back to the DFS (an order far from a DFS of the dominator tree
  // could otherwise cost nodes x depth)
  let budget = 2 * n + 1024;
  for (let i = 0; i < n; i++) {
    const u = order[i];
    if (i > 0) {
      const d = dominators[u];
      const sd = state[d];
      if ((sd & SEEN) === 0 || u >= n || (state[u] & SEEN) !== 0) return classTotalsByDfs(analysis, classIds);
      let a = d;
      if ((sd & ON) === 0) {
        // d is off the path: collect it and its ancestors up to the first one on the path
        let top = n;
        while ((state[a] & ON) === 0) {
          stack[--top] = a;
          a = dominators[a];
        }
        while (stack[sp - 1] !== a) {
          const x = stack[--sp];
          const sx = (state[x] &= ~ON);
          if ((sx & TOP) !== 0) active[ids[x]]--;
        }
        budget -= n - top;
        if (budget < 0) return classTotalsByDfs(analysis, classIds);
        for (let j = top; j < n; j++) {
          const x = stack[j];
          const sx = (state[x] |= ON);
          if ((sx & TOP) !== 0) active[ids[x]]++;
          stack[sp++] = x;
        }
      } else {
        while (stack[sp - 1] !== d) {
          const x = stack[--sp];
          const sx = (state[x] &= ~ON);
          if ((sx & TOP) !== 0) active[ids[x]]--;
        }
      }
    } else if (dominators[u] !== u) {
      return classTotalsByDfs(analysis, classIds);
    }
    let st = state[u] | SEEN | ON;
    if ((st & SIZED) !== 0) {
      const c = ids[u];
      if (active[c] === 0) {
        st |= TOP;
        retainedSize[c] += retainedSizes[u];
        active[c]++;
      }
    }
    state[u] = st;
    stack[sp++] = u;
  }
  for (let i = 0; i < n; i++) state[i] &= TOP;
  return { classIds, count, selfSize, retainedSize, classTop: state };
}

/** computeClassTotals by a DFS over a children index of the dominator tree; copes with dominator chains that miss the root. */
function classTotalsByDfs(analysis: Analysis, classIds: ClassIds): ClassTotals {
  const { snap, dominators, retainedSizes } = analysis;
  const n = snap.nodeCount;
  const { ids, names } = classIds;
  const k = names.length;
  const count = new Float64Array(k);
  const selfSize = new Float64Array(k);
  const retainedSize = new Float64Array(k);
  const classTop = new Uint8Array(n);
  const sizes = analysis.shallowSizes; // DevTools' displayed shallow sizes
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    if (s === 0) continue;
    count[ids[i]]++;
    selfSize[ids[i]] += s;
  }
  // dominator tree children, CSR: counts in first[d + 1], prefix sums, then placed with first[d]++,
  // which leaves first[d] at the start of d + 1's slice; shifted back afterwards.
  const root = snap.rootOrdinal;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (i !== root) first[dominators[i] + 1]++;
  for (let i = 1; i <= n; i++) first[i] += first[i - 1];
  const children = new Uint32Array(first[n]);
  for (let i = 0; i < n; i++) if (i !== root) children[first[dominators[i]]++] = i;
  for (let i = n; i > 0; i--) first[i] = first[i - 1];
  first[0] = 0;
  // DFS with a per-class count of counted ancestors on the path; per depth: next child, end of the
  // children, and the class to release on exit (-1 when the node was not counted)
  const active = new Uint32Array(k);
  const cursor = new Uint32Array(n);
  const end = new Uint32Array(n);
  const release = new Int32Array(n);
  let entered = 0;
  const dfs = (start: number, visited: Uint8Array | null): void => {
    let sp = 0;
    const enter = (v: number): void => {
      entered++;
      if (visited) visited[v] = 1;
      const c = ids[v];
      let rel = -1;
      if (sizes[v] !== 0 && active[c] === 0) {
        classTop[v] = 1;
        retainedSize[c] += retainedSizes[v];
        active[c]++;
        rel = c;
      }
      cursor[sp] = first[v];
      end[sp] = first[v + 1];
      release[sp] = rel;
      sp++;
    };
    enter(start);
    while (sp > 0) {
      const c = cursor[sp - 1];
      if (c < end[sp - 1]) {
        cursor[sp - 1] = c + 1;
        const w = children[c];
        if (visited && visited[w]) continue;
        enter(w);
      } else {
        sp--;
        if (release[sp] >= 0) active[release[sp]]--;
      }
    }
  };
  dfs(root, null);
  if (entered < n) {
    // dominator chains that do not lead to the root (malformed input): count those trees on their own
    const visited = new Uint8Array(n);
    const seen = new Uint8Array(n);
    // nodes reached from the root, marked without counting again
    const mark = [root];
    seen[root] = 1;
    while (mark.length) {
      const v = mark.pop()!;
      for (let c = first[v]; c < first[v + 1]; c++) if (!seen[children[c]]) { seen[children[c]] = 1; mark.push(children[c]); }
    }
    visited.set(seen);
    for (let i = 0; i < n; i++) if (!visited[i]) dfs(i, visited);
  }
  return { classIds, count, selfSize, retainedSize, classTop };
}

const totalsCache = new WeakMap<Analysis, ClassTotals>();

/** Cached class totals of an analysis. */
export function classTotalsOf(analysis: Analysis): ClassTotals {
  let t = totalsCache.get(analysis);
  if (!t) {
    const t0 = performance.now();
    t = computeClassTotals(analysis);
    analysis.timings.classSummary = performance.now() - t0;
    totalsCache.set(analysis, t);
  }
  return t;
}

/** Class summary rows (count, bytes), sorted by retained size, largest first. */
export function classSummary(analysis: Analysis): ClassSummaryRow[] {
  const t = classTotalsOf(analysis);
  const rows: ClassSummaryRow[] = [];
  for (let c = 0; c < t.classIds.names.length; c++) {
    if (t.count[c] === 0) continue;
    rows.push({ name: t.classIds.names[c], count: t.count[c], selfSize: t.selfSize[c], retainedSize: t.retainedSize[c] });
  }
  rows.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows;
}
