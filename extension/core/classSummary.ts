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
  // dominator tree children, CSR
  const root = snap.rootOrdinal;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (i !== root) first[dominators[i]]++;
  let sum = 0;
  for (let i = 0; i < n; i++) { const c = first[i]; first[i] = sum; sum += c; }
  first[n] = sum;
  const children = new Uint32Array(sum);
  const fill = first.slice(0, n);
  for (let i = 0; i < n; i++) if (i !== root) children[fill[dominators[i]]++] = i;
  // DFS with a per-class count of counted ancestors on the path
  const active = new Uint32Array(k);
  const stack = new Uint32Array(n);
  const cursor = new Uint32Array(n);
  const visited = new Uint8Array(n);
  const enter = (v: number): void => {
    visited[v] = 1;
    if (sizes[v] !== 0 && active[ids[v]] === 0) {
      classTop[v] = 1;
      retainedSize[ids[v]] += retainedSizes[v];
      active[ids[v]]++;
    }
  };
  const dfs = (start: number): void => {
    let sp = 0;
    enter(start);
    stack[sp] = start;
    cursor[sp] = first[start];
    sp++;
    while (sp > 0) {
      const v = stack[sp - 1];
      const c = cursor[sp - 1];
      if (c < first[v + 1]) {
        cursor[sp - 1] = c + 1;
        const w = children[c];
        if (visited[w]) continue;
        enter(w);
        stack[sp] = w;
        cursor[sp] = first[w];
        sp++;
      } else {
        sp--;
        if (classTop[v]) active[ids[v]]--;
      }
    }
  };
  dfs(root);
  // nodes whose dominator chain does not lead to the root (malformed input): their own trees
  for (let i = 0; i < n; i++) if (!visited[i]) dfs(i);
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
