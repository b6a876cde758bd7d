// Comparison of two snapshots (objgraph's show_growth, DevTools' Comparison view): per class, count
// and shallow size (DevTools' displayed sizes; objects of size 0 are in no class, as there) before and after, and which objects are new (node id absent from the first
// snapshot, or there of another class) or deleted (id absent from the second, or there of another
// class). Node ids are stable across snapshots of one
// process (V8's HeapObjectsMap; the Python exporter within one dump), so a merge join of the two
// id-sorted node lists gives new and deleted objects in O(n) after two radix sorts.
import type { Analysis } from './analysis';
import type { HeapSnapshot, SizeArray } from './model';
import type { DiffResult, DiffRow } from './results';
import { radixOrder } from './radixSort';
import { computeClassIds, type ClassIdArray, type InterfaceDefinition } from './classSummary';
import { computeShallowSizes } from './edgeRules';

/** Most new-object ids kept per class. */
export const MAX_NEW_IDS = 100;

export interface DiffOptions {
  /** new-object ids kept per class (default 100) */
  maxNewIds?: number;
}

/**
 * Dense class numbering of one snapshot: classOf[n] indexes names. The class summary's classes
 * (classSummary.computeClassIds: DevTools' Summary names in V8 heaps, type names in Python heaps),
 * so a diff row and a `classes` row of the same class have the same name; classes the summary
 * splits by constructor location are one diff row (rows are keyed by name). As in DevTools'
 * Comparison view, `interfaces` (the newer snapshot's plain-object definitions) name the older
 * snapshot's plain objects too.
 */
function classIndex(snap: HeapSnapshot, interfaces?: readonly InterfaceDefinition[]): { classOf: ClassIdArray; names: string[]; interfaces: readonly InterfaceDefinition[] } {
  const { ids, names, interfaces: used } = computeClassIds(snap, undefined, interfaces);
  return { classOf: ids, names, interfaces: used };
}

interface Acc {
  row: DiffRow;
  newIds: number[];
}

/**
 * Per-class differences from `before` to `after` (snapshots or their analyses), rows sorted by size
 * delta descending (then count delta, then name). Sizes are DevTools' shallow sizes in bytes
 * (analysis.shallowSizes, or computed for a bare snapshot).
 */
export function diffSnapshots(before: HeapSnapshot | Analysis, after: HeapSnapshot | Analysis, options: DiffOptions = {}): DiffResult {
  const a = 'snap' in before ? before.snap : before;
  const b = 'snap' in after ? after.snap : after;
  // DevTools' displayed shallow sizes (owned hidden/array nodes' bytes moved onto their owner); as in
  // DevTools' Comparison, objects of size 0 are in no class
  const sa = 'snap' in before ? before.shallowSizes : computeShallowSizes(a);
  const sb = 'snap' in after ? after.shallowSizes : computeShallowSizes(b);
  const maxNewIds = options.maxNewIds ?? MAX_NEW_IDS;
  const cb = classIndex(b);
  const ca = classIndex(a, cb.interfaces);
  const rows = new Map<string, Acc>();
  const accOf = (name: string): Acc => {
    let acc = rows.get(name);
    if (!acc) {
      acc = {
        row: { name, countBefore: 0, countAfter: 0, countDelta: 0, sizeBefore: 0, sizeAfter: 0, sizeDelta: 0, newCount: 0, deletedCount: 0 },
        newIds: [],
      };
      rows.set(name, acc);
    }
    return acc;
  };
  // per-class totals, accumulated per dense class first (one Map lookup per class, not per node)
  const tally = (snap: HeapSnapshot, shallow: SizeArray, ci: { classOf: ClassIdArray; names: string[] }, after: boolean) => {
    const counts = new Float64Array(ci.names.length);
    const sizes = new Float64Array(ci.names.length);
    for (let n = 0; n < snap.nodeCount; n++) {
      const size = shallow[n];
      if (size === 0) continue;
      counts[ci.classOf[n]]++;
      sizes[ci.classOf[n]] += size;
    }
    for (let c = 0; c < ci.names.length; c++) {
      const acc = accOf(ci.names[c]).row;
      if (after) { acc.countAfter += counts[c]; acc.sizeAfter += sizes[c]; } else { acc.countBefore += counts[c]; acc.sizeBefore += sizes[c]; }
    }
  };
  tally(a, sa, ca, false);
  tally(b, sb, cb, true);

  // merge join over ids. As in DevTools' Comparison view (which compares the ids of each class), an
  // object is the same only with the same id in the same class: snapshots of two different processes
  // reuse ids for unrelated objects, which would otherwise hide every new object.
  const nameKey = new Map<string, number>();
  const keysOf = (names: string[]) => Int32Array.from(names, (name) => {
    let k = nameKey.get(name);
    if (k === undefined) nameKey.set(name, (k = nameKey.size));
    return k;
  });
  const keyA = keysOf(ca.names);
  const keyB = keysOf(cb.names);
  const oa = sizedOrder(a, sa);
  const ob = sizedOrder(b, sb);
  const newPerClass = new Float64Array(cb.names.length);
  const deletedPerClass = new Float64Array(ca.names.length);
  const newIdLists: number[][] = cb.names.map(() => []);
  let i = 0;
  let j = 0;
  while (i < oa.length || j < ob.length) {
    const ida = i < oa.length ? a.nodeId[oa[i]] : Infinity;
    const idb = j < ob.length ? b.nodeId[ob[j]] : Infinity;
    if (ida === idb) {
      const x = ca.classOf[oa[i]];
      const y = cb.classOf[ob[j]];
      if (keyA[x] !== keyB[y]) {
        deletedPerClass[x]++;
        newPerClass[y]++;
        if (newIdLists[y].length < maxNewIds) newIdLists[y].push(idb);
      }
      i++;
      j++;
      continue;
    }
    if (ida < idb) {
      deletedPerClass[ca.classOf[oa[i]]]++;
      i++;
    } else {
      const c = cb.classOf[ob[j]];
      newPerClass[c]++;
      if (newIdLists[c].length < maxNewIds) newIdLists[c].push(idb);
      j++;
    }
  }
  for (let c = 0; c < ca.names.length; c++) if (deletedPerClass[c] > 0) accOf(ca.names[c]).row.deletedCount += deletedPerClass[c];
  for (let c = 0; c < cb.names.length; c++) {
    if (newPerClass[c] === 0) continue;
    const acc = accOf(cb.names[c]);
    acc.row.newCount += newPerClass[c];
    acc.newIds.push(...newIdLists[c]);
  }

  const out: DiffRow[] = [];
  // class names are untrusted: a null-prototype record keeps "__proto__" an ordinary key
  const newIds: Record<string, number[]> = Object.create(null);
  for (const { row, newIds: ids } of rows.values()) {
    row.countDelta = row.countAfter - row.countBefore;
    row.sizeDelta = row.sizeAfter - row.sizeBefore;
    if (row.countDelta === 0 && row.sizeDelta === 0 && row.newCount === 0 && row.deletedCount === 0) continue;
    out.push(row);
    if (ids.length > 0) newIds[row.name] = ids.slice(0, maxNewIds);
  }
  out.sort((x, y) => y.sizeDelta - x.sizeDelta || y.countDelta - x.countDelta || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { rows: out, newIds };
}

/** Ordinals of the nodes of non-zero shallow size, sorted by node id (stable). */
function sizedOrder(snap: HeapSnapshot, shallow: SizeArray): Uint32Array {
  const all = radixOrder(snap.nodeId);
  let k = 0;
  for (let i = 0; i < all.length; i++) if (shallow[all[i]] !== 0) all[k++] = all[i];
  return all.subarray(0, k);
}
