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
// One DFS over the dominator tree (iterative, children in a CSR array) with a per-class counter of
// counted ancestors on the current DFS path: O(nodes).
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
  const byString = new Int32Array(snap.strings.length).fill(-1);
  const byType = new Int32Array(snap.meta.nodeTypes.length + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const t = snap.nodeType[i];
    if (t === ty.nodeObject || t === ty.nodeNative) {
      const s = snap.nodeName[i];
      let id = byString[s];
      if (id < 0) {
        const name = snap.strings[s];
        id = byString[s] = idOf(python ? pythonClassKey(name) : name);
      }
      ids[i] = id;
    } else if (python && t === ty.nodeClosure) {
      // Python functions: one class "function" rather than DevTools' "(closure)"
      const s = snap.nodeName[i];
      let id = byString[s];
      if (id < 0) id = byString[s] = idOf(pythonClassKey(snap.strings[s]));
      ids[i] = id;
    } else {
      let id = byType[t];
      if (id < 0) id = byType[t] = idOf(snap.className(i));
      ids[i] = id;
    }
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

/** Per-class count, self size and DevTools class retained size (bytes) in one dominator-tree pass. */
export function computeClassTotals(analysis: Analysis, classIds: ClassIds = computeClassIds(analysis.snap)): ClassTotals {
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
