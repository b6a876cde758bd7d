// Source locations of nodes: V8's `locations` rows (a closure's function, an object's constructor),
// the script they belong to (closure → `shared` SharedFunctionInfo → `script_or_debug_info` Script,
// whose node name is the script URL), Python frames/functions/classes from the exporter's names,
// and allocation stacks (node trace_node_id → trace tree → trace_function_infos).
// Lookup tables are built lazily per snapshot and cached, so the first query pays for them once.
import type { HeapSnapshot } from './model';
import type { AllocationFrame, SourceLocation } from './results';
import { parsePyCodeSite } from './python';
import { radixOrder } from './radixSort';

/** A Python code site from the exporter's node name ("frame f file.py:12", "function …",
 *  "coroutine …", "generator …", "code …"), or null. Line 1-based, 0 unknown. */
export function parsePythonSite(name: string): { kind: string; func: string; file: string; line: number } | null {
  const c = parsePyCodeSite(name);
  return c ? { kind: c.kind, func: c.qualname, file: c.file, line: c.line } : null;
}

interface LocationIndex {
  /** location rows ordered by node ordinal */
  rowsByNode: Uint32Array;
  /** script id → script name, filled as closures are resolved */
  scriptNames: Map<number, string>;
  /** next location row to scan when a script id is not known yet */
  scanCursor: number;
}

const locationIndexes = new WeakMap<HeapSnapshot, LocationIndex>();
const traceIndexes = new WeakMap<HeapSnapshot, Map<number, number>>();

/** Builds the per-snapshot location index now (a sort of the location rows by node), not at the first query. */
export function prepareLocationIndex(snap: HeapSnapshot): void {
  locationIndex(snap);
}

function locationIndex(snap: HeapSnapshot): LocationIndex | null {
  const locs = snap.locations;
  if (!locs || locs.count === 0) return null;
  let idx = locationIndexes.get(snap);
  if (idx) return idx;
  const count = locs.count;
  let sorted = true;
  for (let i = 1; i < count && sorted; i++) if (locs.node[i] < locs.node[i - 1]) sorted = false;
  let rowsByNode: Uint32Array;
  if (sorted) {
    rowsByNode = new Uint32Array(count);
    for (let i = 0; i < count; i++) rowsByNode[i] = i;
  } else {
    rowsByNode = radixOrder(count === locs.node.length ? locs.node : locs.node.subarray(0, count));
  }
  idx = { rowsByNode, scriptNames: new Map(), scanCursor: 0 };
  locationIndexes.set(snap, idx);
  return idx;
}

/** Location row of node ordinal n, or -1 (binary search over the rows ordered by node). */
function locationRow(snap: HeapSnapshot, idx: LocationIndex, n: number): number {
  const nodes = snap.locations!.node;
  const rows = idx.rowsByNode;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = nodes[rows[mid]];
    if (v < n) lo = mid + 1;
    else if (v > n) hi = mid - 1;
    else return rows[mid];
  }
  return -1;
}

/** Target of n's first edge with a string name in `names`, or -1. */
function edgeTarget(snap: HeapSnapshot, n: number, names: readonly string[]): number {
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
    if (!snap.edgeHasStringName(e)) continue;
    if (names.includes(snap.strings.get(snap.edgeNameOrIndex[e]))) return snap.edgeTo[e];
  }
  return -1;
}

/** Script URL of a closure node via shared → script_or_debug_info (V8 ≥ 9) or script, or ''. */
export function closureScriptName(snap: HeapSnapshot, closure: number): string {
  const sfi = edgeTarget(snap, closure, ['shared']);
  if (sfi < 0) return '';
  const script = edgeTarget(snap, sfi, ['script_or_debug_info', 'script']);
  if (script < 0) return '';
  const own = snap.name(script);
  if (own !== '' && !own.startsWith('system /')) return own;
  const nameNode = edgeTarget(snap, script, ['name']);
  if (nameNode >= 0 && snap.nodeType[nameNode] === snap.types.nodeString) return snap.name(nameNode);
  return '';
}

/** Script name for a V8 script id, learnt from closures that carry both a location and a script edge; '' if unknown. */
function scriptNameOf(snap: HeapSnapshot, idx: LocationIndex, scriptId: number): string {
  const known = idx.scriptNames.get(scriptId);
  if (known !== undefined) return known;
  const locs = snap.locations!;
  const closure = snap.types.nodeClosure;
  while (idx.scanCursor < locs.count) {
    const row = idx.scanCursor++;
    const sid = locs.scriptId[row];
    if (idx.scriptNames.has(sid)) continue;
    const node = locs.node[row];
    if (snap.nodeType[node] !== closure) continue;
    const name = closureScriptName(snap, node);
    if (name === '') continue;
    idx.scriptNames.set(sid, name);
    if (sid === scriptId) return name;
  }
  idx.scriptNames.set(scriptId, '');
  return '';
}

/**
 * Source location of node ordinal n: a Python frame/function/class site from its name, else V8's
 * location row (closures: the function, objects: their constructor, kind 'class'), else the
 * innermost allocation frame. `file` is '' when the script is unknown.
 */
export function nodeLocation(snap: HeapSnapshot, n: number): SourceLocation | undefined {
  const site = parsePythonSite(snap.name(n));
  if (site) {
    return { file: site.file, line: site.line, column: 0, kind: site.kind === 'frame' ? 'frame' : 'function' };
  }
  const idx = locationIndex(snap);
  if (idx) {
    const row = locationRow(snap, idx, n);
    if (row >= 0) {
      const locs = snap.locations!;
      const isClosure = snap.nodeType[n] === snap.types.nodeClosure;
      let file = isClosure ? closureScriptName(snap, n) : '';
      if (file !== '') idx.scriptNames.set(locs.scriptId[row], file);
      else file = scriptNameOf(snap, idx, locs.scriptId[row]);
      // V8 writes 0-based line and column
      return { file, line: locs.line[row] + 1, column: locs.column[row] + 1, kind: isClosure ? 'function' : 'class' };
    }
  }
  const stack = allocationStack(snap, n);
  if (stack && stack.length > 0) {
    const top = stack[0];
    return { file: top.file, line: top.line, column: top.column, kind: 'allocation' };
  }
  return undefined;
}

/** Trace tree slot of a trace node id (map built once per snapshot), or -1. */
function traceSlot(snap: HeapSnapshot, traceId: number): number {
  const tree = snap.traceTree;
  if (!tree) return -1;
  let m = traceIndexes.get(snap);
  if (!m) {
    m = new Map();
    for (let i = 0; i < tree.ids.length; i++) m.set(tree.ids[i], i);
    traceIndexes.set(snap, m);
  }
  return m.get(traceId) ?? -1;
}

/** Most frames returned for one allocation stack. */
const MAX_STACK_FRAMES = 64;

/**
 * Allocation stack of node ordinal n, innermost frame first (tracemalloc / --track-heap-objects),
 * from its trace_node_id through the trace tree to trace_function_infos; undefined when not recorded.
 * Lines and columns are 1-based as the file writes them (0 = unknown).
 */
export function allocationStack(snap: HeapSnapshot, n: number): AllocationFrame[] | undefined {
  const ids = snap.nodeTraceId;
  const tree = snap.traceTree;
  const infos = snap.traceFunctionInfos;
  if (!ids || !tree || !infos) return undefined;
  const traceId = ids[n];
  if (traceId === 0) return undefined;
  let slot = traceSlot(snap, traceId);
  if (slot < 0) return undefined;
  const frames: AllocationFrame[] = [];
  while (slot >= 0 && frames.length < MAX_STACK_FRAMES) {
    const fi = tree.functionInfo[slot];
    const parent = tree.parent[slot];
    if (fi < infos.count) {
      const functionName = snap.strings.get(infos.name[fi]) ?? '';
      const file = snap.strings.get(infos.scriptName[fi]) ?? '';
      // V8's tree has a "(root)" top node that is no frame; nameless, placeless entries say nothing
      const empty = functionName === '' && file === '' && infos.line[fi] === 0;
      if (!(parent < 0 && functionName === '(root)') && !empty) {
        frames.push({
          functionName,
          file,
          line: infos.line[fi],
          column: infos.column[fi],
        });
      }
    }
    slot = parent;
  }
  return frames.length > 0 ? frames : undefined;
}

/** "file:line" (or "file:line:column"); `short` keeps only the file's last path segment. */
export function formatLocation(loc: SourceLocation, short = false, withColumn = false): string {
  let file = loc.file;
  if (short) file = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const col = withColumn && loc.column > 0 ? `:${loc.column}` : '';
  return `${file}:${loc.line}${col}`;
}
