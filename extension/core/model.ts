// The in-memory heap snapshot: flat typed arrays, one slot per node / edge, strings stored once.
// Node "ordinals" (0..nodeCount-1) are used everywhere in the engine; the file's `to_node` values
// (multiples of the node field count) are divided down while parsing. Node ids are the file's `id`.

/**
 * Sizes in bytes, one per node: a Uint32Array when every value fits (nearly every real snapshot), else a
 * Float64Array (exact up to 2^53). See narrowSizes and sizeArrayFor.
 */
import { StringTable } from './strings';

export { StringTable };

export type SizeArray = Uint32Array | Float64Array;

const MAX_U32 = 0xffffffff;

/**
 * The sizes as a Uint32Array when all of them fit (half the memory of Float64: 45 MB less per 11 M
 * nodes), else `a` itself. The copy lives on a SharedArrayBuffer when `a` does.
 */
export function narrowSizes(a: SizeArray): SizeArray {
  if (a instanceof Uint32Array) return a;
  for (let i = 0, n = a.length; i < n; i++) if (!(a[i] <= MAX_U32)) return a;
  const shared = typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
  const out = shared ? new Uint32Array(new SharedArrayBuffer(a.length * 4)) : new Uint32Array(a.length);
  out.set(a);
  return out;
}

/**
 * A zeroed size array of n slots that can hold any sum of sizes up to `total` bytes: Uint32Array when
 * total fits in 32 bits, else Float64Array. Shallow and retained sizes are sums of self sizes, so the
 * snapshot's total self size bounds every one of them.
 */
export function sizeArrayFor(n: number, total: number): SizeArray {
  return total <= MAX_U32 ? new Uint32Array(n) : new Float64Array(n);
}

/** Field names and enum values as declared by `snapshot.meta` of the file. */
export interface SnapshotMeta {
  nodeFields: string[];
  /** Enum values of the node `type` field (meta.node_types[typeFieldIndex]). */
  nodeTypes: string[];
  edgeFields: string[];
  /** Enum values of the edge `type` field. */
  edgeTypes: string[];
  locationFields: string[];
  traceFunctionInfoFields: string[];
  traceNodeFields: string[];
  sampleFields: string[];
}

/** Allocation-trace tree flattened: one slot per trace node, index = position in pre-order. */
export interface TraceTree {
  /** trace node id as written in the file (what a node's trace_node_id refers to). */
  ids: Uint32Array;
  /** index into the function infos (row, not flat offset). */
  functionInfo: Uint32Array;
  /** parent slot, -1 for the top. */
  parent: Int32Array;
}

/** trace_function_infos rows: function name, script name (string indexes), script id, line, column. */
export interface TraceFunctionInfos {
  count: number;
  name: Uint32Array;
  scriptName: Uint32Array;
  scriptId: Uint32Array;
  /** 1-based line as V8 writes it (0 = unknown). */
  line: Int32Array;
  column: Int32Array;
}

/** locations rows: node ordinal, script id, line (0-based, as V8 writes it), column. */
export interface Locations {
  count: number;
  node: Uint32Array;
  scriptId: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
}

export interface HeapSnapshotInit {
  meta: SnapshotMeta;
  title?: string;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /** bytes; narrowed to a Uint32Array by the constructor when every value fits */
  nodeSelfSize: SizeArray;
  nodeTraceId: Uint32Array | null;
  nodeDetachedness: Uint8Array | null;
  /** firstEdge[n]..firstEdge[n+1] are node n's outgoing edges; length nodeCount+1. */
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  /** target node ordinal */
  edgeTo: Uint32Array;
  /** the strings (a plain array is turned into a StringTable) */
  strings: StringTable | readonly string[];
  locations: Locations | null;
  traceFunctionInfos: TraceFunctionInfos | null;
  traceTree: TraceTree | null;
}

/** Edge and node type codes resolved from the meta enums; -1 when the file does not declare one. */
export interface TypeCodes {
  edgeContext: number;
  edgeElement: number;
  edgeProperty: number;
  edgeInternal: number;
  edgeHidden: number;
  edgeShortcut: number;
  edgeWeak: number;
  edgeInvisible: number;
  nodeHidden: number;
  nodeArray: number;
  nodeString: number;
  nodeObject: number;
  nodeCode: number;
  nodeClosure: number;
  nodeRegexp: number;
  nodeNumber: number;
  nodeNative: number;
  nodeSynthetic: number;
  nodeConsString: number;
  nodeSlicedString: number;
  nodeSymbol: number;
  nodeBigint: number;
  nodeObjectShape: number;
}

/** A parsed heap snapshot. All per-node arrays are indexed by node ordinal, per-edge by edge ordinal. */
export class HeapSnapshot {
  readonly meta: SnapshotMeta;
  readonly title: string;
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Uint32Array;
  /**
   * bytes (SizeArray: Uint32Array unless some value needs more than 32 bits): the file's self sizes
   * until an analysis, which turns them into DevTools' displayed shallow sizes in place
   * (edgeRules.computeShallowSizes with inPlace; Analysis.shallowSizes is then this array)
   */
  readonly nodeSelfSize: SizeArray;
  /** trace_node_id per node; null when the file has none or all are 0 */
  readonly nodeTraceId: Uint32Array | null;
  /** detachedness per node; null when the file has none or all are 0 */
  readonly nodeDetachedness: Uint8Array | null;
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  readonly edgeNameOrIndex: Uint32Array;
  readonly edgeTo: Uint32Array;
  readonly strings: StringTable;
  readonly locations: Locations | null;
  readonly traceFunctionInfos: TraceFunctionInfos | null;
  readonly traceTree: TraceTree | null;
  readonly types: TypeCodes;
  /** Ordinal of the synthetic root (always 0, as in V8 and DevTools). */
  readonly rootOrdinal = 0;
  private idToOrdinal: Map<number, number> | null = null;

  constructor(init: HeapSnapshotInit) {
    this.meta = init.meta;
    this.title = init.title ?? '';
    this.nodeType = init.nodeType;
    this.nodeName = init.nodeName;
    this.nodeId = init.nodeId;
    this.nodeSelfSize = narrowSizes(init.nodeSelfSize);
    // all-zero columns (no allocation tracking; no detachedness info) say nothing: not kept
    this.nodeTraceId = init.nodeTraceId && !allZero(init.nodeTraceId) ? init.nodeTraceId : null;
    this.nodeDetachedness = init.nodeDetachedness && !allZero(init.nodeDetachedness) ? init.nodeDetachedness : null;
    this.firstEdge = init.firstEdge;
    this.edgeType = init.edgeType;
    this.edgeNameOrIndex = init.edgeNameOrIndex;
    this.edgeTo = init.edgeTo;
    this.strings = init.strings instanceof StringTable ? init.strings : StringTable.from(init.strings);
    this.locations = init.locations;
    this.traceFunctionInfos = init.traceFunctionInfos;
    this.traceTree = init.traceTree;
    this.nodeCount = init.nodeType.length;
    this.edgeCount = init.edgeType.length;
    const nt = init.meta.nodeTypes;
    const et = init.meta.edgeTypes;
    this.types = {
      edgeContext: et.indexOf('context'),
      edgeElement: et.indexOf('element'),
      edgeProperty: et.indexOf('property'),
      edgeInternal: et.indexOf('internal'),
      edgeHidden: et.indexOf('hidden'),
      edgeShortcut: et.indexOf('shortcut'),
      edgeWeak: et.indexOf('weak'),
      edgeInvisible: et.indexOf('invisible'),
      nodeHidden: nt.indexOf('hidden'),
      nodeArray: nt.indexOf('array'),
      nodeString: nt.indexOf('string'),
      nodeObject: nt.indexOf('object'),
      nodeCode: nt.indexOf('code'),
      nodeClosure: nt.indexOf('closure'),
      nodeRegexp: nt.indexOf('regexp'),
      nodeNumber: nt.indexOf('number'),
      nodeNative: nt.indexOf('native'),
      nodeSynthetic: nt.indexOf('synthetic'),
      nodeConsString: nt.indexOf('concatenated string'),
      nodeSlicedString: nt.indexOf('sliced string'),
      nodeSymbol: nt.indexOf('symbol'),
      nodeBigint: nt.indexOf('bigint'),
      nodeObjectShape: nt.indexOf('object shape'),
    };
  }

  /** Node type name ("object", "closure", ...) of node ordinal n. */
  nodeTypeName(n: number): string {
    return this.meta.nodeTypes[this.nodeType[n]] ?? 'unknown';
  }

  /** Node name string of node ordinal n. */
  name(n: number): string {
    return this.strings.get(this.nodeName[n]);
  }

  /** Class name as DevTools' Summary groups it: object/native nodes by name, others by "(type)". */
  className(n: number): string {
    const t = this.nodeType[n];
    const ty = this.types;
    if (t === ty.nodeObject || t === ty.nodeNative) return this.strings.get(this.nodeName[n]);
    if (t === ty.nodeCode) return '(compiled code)';
    if (t === ty.nodeConsString || t === ty.nodeSlicedString) return '(string)';
    return `(${this.meta.nodeTypes[t] ?? 'unknown'})`;
  }

  /** Edge type name ("property", "weak", ...) of edge ordinal e. */
  edgeTypeName(e: number): string {
    return this.meta.edgeTypes[this.edgeType[e]] ?? 'unknown';
  }

  /** True when the edge's name_or_index is a string index (not a numeric index). */
  edgeHasStringName(e: number): boolean {
    const t = this.edgeType[e];
    return t !== this.types.edgeElement && t !== this.types.edgeHidden;
  }

  /** Edge name: property/context/internal/shortcut/weak names as strings, element/hidden indexes as numbers. */
  edgeName(e: number): string | number {
    const v = this.edgeNameOrIndex[e];
    return this.edgeHasStringName(e) ? this.strings.get(v) : v;
  }

  /** Source node ordinal of edge e (binary search over firstEdge; O(log n)). */
  edgeFrom(e: number): number {
    const fe = this.firstEdge;
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (fe[mid] <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Node ordinal for a snapshot node id, or -1. Builds the id map on first use. */
  ordinalOfId(id: number): number {
    if (!this.idToOrdinal) {
      const m = new Map<number, number>();
      for (let i = 0; i < this.nodeCount; i++) m.set(this.nodeId[i], i);
      this.idToOrdinal = m;
    }
    return this.idToOrdinal.get(id) ?? -1;
  }

  private total = -1;

  /** Total of all self sizes, bytes (computed once). */
  totalSelfSize(): number {
    if (this.total < 0) {
      let s = 0;
      const a = this.nodeSelfSize;
      for (let i = 0, n = this.nodeCount; i < n; i++) s += a[i];
      this.total = s;
    }
    return this.total;
  }
}

function allZero(a: Uint8Array | Uint32Array): boolean {
  for (let i = 0, n = a.length; i < n; i++) if (a[i] !== 0) return false;
  return true;
}

/** Default V8 meta, as Node 20 / Chrome write it (used by the test builder and the Python exporter docs). */
export const V8_NODE_TYPES = [
  'hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape',
];
export const V8_EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
