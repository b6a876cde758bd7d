// Streaming heap snapshot parser: bytes in (any chunking), HeapSnapshot out. Never holds the whole
// file as one string and never JSON.parses it; only the small `snapshot` object is JSON.parsed.
// `nodes` and `edges` go through a tight byte loop into a batch of numbers, then straight into the
// typed-array columns of the model. Every malformed input ends in a SnapshotError naming the
// problem and the byte offset or field.
import { HeapSnapshot, type HeapSnapshotInit, type SizeArray } from './model';
import { SnapshotError, cancelledError } from './errors';
import type { ProgressSink } from './progress';
import { StringTable, decodeJsonStringBody } from './strings';
import { JsonValueSkipper, describeByte, isWs } from './parseJson';
import { mappedBuffer, mappedSharedBuffer } from './scratch';
import { WasmRecords, type WasmStringSink, type WasmTaken } from './wasmRecords';
import {
  MAX_RECORD_FIELDS, TREE_CLOSE, TREE_OPEN, buildLocations, buildTraceFunctionInfos, buildTraceTree, readLayout,
  type Layout,
} from './parseMeta';

export interface ParseOptions {
  /** Checked between chunks (and every few MB inside a big chunk); fires SnapshotError('cancelled'). */
  signal?: AbortSignal;
  /** Called with {phase: 'parse', done: bytes consumed, total: totalBytes or 0 when unknown}, every few MB. */
  onProgress?: ProgressSink;
  /** Size of the whole input in bytes, when known (progress total; bounds pre-allocation). */
  totalBytes?: number;
  /**
   * Parallel parsing hook, called at the '[' of each top-level number array once the meta is known
   * (offset: its byte offset). 'parse' (the default): parse it here. 'skip': jump to its first ']'
   * without checking anything (another parser reads it; flat arrays only). 'external' ("nodes"
   * and "edges" only): skip it, and take its columns from setExternalNodes() / setExternalEdges()
   * before end(). A SectionJump skips (or hands over) the array without reading it: parsing goes on
   * at its closing ']' (bytesRead jumps there; the caller feeds the bytes from that offset on).
   * `fields`: the array's record width (node or edge fields).
   */
  sectionStart?: (name: string, offset: number, fields: number) => SectionAction | SectionJump;
  /** Stop parsing (ignore all further bytes) once this number array has been read completely. */
  stopAfter?: string;
  /**
   * Allocate the node and edge columns on SharedArrayBuffers, so that other threads can read the
   * parsed snapshot without a copy (the host's parallel analysis). Default false.
   */
  shared?: boolean;
  /**
   * false: the JavaScript fast paths (records, strings) even where WebAssembly runs, and no WeakMap
   * edge names parsed while the strings are read (tests compare both with the general loops)
   */
  wasm?: boolean;
}

export type SectionAction = 'parse' | 'skip' | 'external';

/**
 * Skip ('skip') or hand over ('external') a number array, going on at `closeAt`, the byte offset of
 * its ']' as the caller found it (arrayEnd.ts). The caller checks that guess against where the
 * array really ends (the parser holding it reports that); bytes before closeAt are not read.
 */
export interface SectionJump {
  action: 'skip' | 'external';
  closeAt: number;
}

/** The node columns parsed by another SnapshotParser (see ParseOptions.sectionStart). */
export interface NodeSection extends Pick<HeapSnapshotInit,
  'nodeType' | 'nodeName' | 'nodeId' | 'nodeSelfSize' | 'nodeTraceId' | 'nodeDetachedness' | 'firstEdge'> {
  // firstEdge has count + 1 entries here too; the last one is set by end()
  /** number of nodes */
  count: number;
  /** sum of the nodes' edge_count values */
  edgeSum: number;
  /** byte offset just past the array's ']' */
  end: number;
}

/** The edges columns parsed by another SnapshotParser (see ParseOptions.sectionStart). */
export interface EdgeSection extends Pick<HeapSnapshotInit, 'edgeType' | 'edgeNameOrIndex' | 'edgeTo'> {
  /** the largest string index an edge names (element and hidden edges name none); 0 for none */
  maxStringIndex: number;
  /** number of edges */
  count: number;
  /** byte offset of the array's '[' */
  start: number;
  /** byte offset just past the array's ']' */
  end: number;
}

// top-level modes
const M_START = 0;
const M_GZIP = 1;
const M_KEY_OR_END = 2;
const M_KEY = 3;
const M_COLON = 4;
const M_VALUE = 5;
const M_AFTER_VALUE = 6;
const M_KEY_EXPECT = 7;
const M_NUMBERS = 8;
const M_STRINGS = 9;
const M_SKIP = 10;
const M_DONE = 11;
const M_SKIP_ARRAY = 12;
const M_STOPPED = 13;

// number sections
const SEC_NODES = 1;
const SEC_EDGES = 2;
const SEC_GENERIC = 3;
const SEC_TREE = 4;

// array scanner states
const A_START = 0;
const A_AFTER_VALUE = 1;
const A_AFTER_COMMA = 2;

// strings scanner states
const S_START = 0;
const S_AFTER = 1;
const S_EXPECT = 2;
const S_IN = 3;

const BATCH = 1 << 16;
/** plainRun: digits of a number it takes (2^53 has 16: every value it takes is exact) */
const PLAIN_DIGITS = 15;
/** plainRun stops this many bytes before a buffer's end (a number cut there is left to the general loop) */
const PLAIN_RUN_BYTES = PLAIN_DIGITS + 4;
const SLICE = 8 << 20;
const PROGRESS_STEP = 4 << 20;
const MAX_U32 = 0xFFFFFFFF;
const MAX_KEY_BYTES = 1 << 16;
const MAX_SNAPSHOT_OBJECT_BYTES = 64 << 20;
const MAX_STRING_BYTES = 256 << 20;
/** Largest up-front allocation for the strings' bytes (more grows as needed). */
const MAX_RESERVE = 2 ** 31;
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const NUMBER_SECTIONS: Record<string, number> = {
  nodes: SEC_NODES,
  edges: SEC_EDGES,
  locations: SEC_GENERIC,
  trace_function_infos: SEC_GENERIC,
  samples: SEC_GENERIC,
  trace_tree: SEC_TREE,
};

/** Growable Float64 list (small sections, and nodes/edges seen before the meta). */
class F64List {
  data = new Float64Array(1024);
  length = 0;
  push(src: Float64Array, n: number): void {
    this.reserve(n);
    this.data.set(src.subarray(0, n), this.length);
    this.length += n;
  }
  /** Room for n more values in data. */
  reserve(n: number): void {
    if (this.length + n > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, this.length + n));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A copy of buf[s..e). (Not buf.slice: on a Node Buffer that is a view, and callers reuse their
 * buffers after write() returns.)
 */
function copyBytes(buf: Uint8Array, s: number, e: number): Uint8Array {
  const out = new Uint8Array(e - s);
  out.set(buf.subarray(s, e));
  return out;
}

/** Bytes that can be part of a JSON number. */
function isNumberByte(c: number): boolean {
  return (c <= 57 && c >= 48) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

function ascii(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCharCode(buf[k]);
  return s;
}

/**
 * Push parser for `.heapsnapshot` JSON. Feed bytes with write() (chunks may split anything, and are
 * not kept after write returns), then call end() for the HeapSnapshot.
 */
export class SnapshotParser {
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ProgressSink | undefined;
  private readonly totalBytes: number | undefined;
  private failed: SnapshotError | null = null;
  private ended = false;
  private readonly onSectionStart: ((name: string, offset: number, fields: number) => SectionAction | SectionJump) | undefined;
  /** where the input goes on after a SectionJump (-1: no jump pending) */
  private jumpTo = -1;
  private readonly stopAfter: string | undefined;
  /** 0: edges parsed here; 1: edges claimed by an external parser; 2: and its columns were provided */
  private external = 0;
  /** offsets of the '[' and just past the ']' of the edges array (-1 until seen) */
  private edgesStart = -1;
  private externalEnd = -1;
  /** the same for the nodes array */
  private externalNodes = 0;
  private nodesEnd = -1;
  /** the nodes array was read here, with the meta known */
  private nodesRead = false;

  /** absolute offset of the current buffer's first byte */
  private base = 0;
  private lastProgress = 0;
  private mode = M_START;
  private sawNonWs = false;

  // top level
  private key = '';
  private keyStart = 0;
  private keyParts: Uint8Array[] = [];
  private keyBytes = 0;
  private keyEsc = false;
  private readonly seen = new Set<string>();

  // skipper / snapshot capture
  private skipper: JsonValueSkipper | null = null;
  private capture: Uint8Array[] | null = null;
  private captureBytes = 0;
  private captureStart = 0;
  private layout: Layout | null = null;

  // number scanner
  private section = 0;
  private sectionName = '';
  private sectionStart = 0;
  private arrState = A_START;
  private depth = 0;
  private readonly batch = new Float64Array(BATCH);
  private bn = 0;
  /** batch entries carried over from the previous flush (a partial record) */
  private batchLead = 0;
  /** index in the current buffer where the numbers of the current batch (after the lead) begin */
  private flushFrom = 0;
  /** file offsets of the lead entries */
  private leadOffsets: number[] = [];
  /** start offset of a number continued from the previous buffer, and the buffer base it applies to */
  private contStart = -1;
  private contBase = -1;
  /** text of a number split across buffers, or one with a sign/fraction/exponent; null when none */
  private numText: string | null = null;
  private numStart = 0;
  /** numbers seen per number section */
  private sectionNumbers = 0;
  private readonly generic = new Map<string, F64List>();
  /** record fast path: misses in a row (backoff), one record's numbers, a DataView of the buffer */
  private fastFails = 0;
  /** the layout is V8's (the fast path applies) */
  private v8Layout = false;
  private dvBuf: Uint8Array | null = null;
  private dv: DataView | null = null;
  /** the fast path in WebAssembly (wasmRecords.ts), null: the JavaScript one */
  private readonly wasm: WasmRecords | null;
  private readonly taken: WasmTaken = { count: 0, value: 0 };
  private readonly stringSink: WasmStringSink = {
    out: new Uint8Array(0),
    writeStart: () => this.strings.writeStart,
    commitMany: (ends, k, base) => this.strings.commitMany(ends, k, base),
    weakMapNames: (state, tableIds, hashes, k) => this.keepWeakMapNames(state, tableIds, hashes, k),
  };
  /** the string table's byte array and a DataView of it (the strings' fast path writes 4 bytes at once) */
  private outBuf: Uint8Array | null = null;
  private outDv: DataView | null = null;
  private readonly early = new Map<string, F64List>();

  // node columns
  private nodeCap = 0;
  private nodes = 0;
  private readonly nc: NodeColumns = {
    nodeType: new Uint8Array(0),
    nodeName: new Uint32Array(0),
    nodeId: new Uint32Array(0),
    nodeSelf: new Uint32Array(0),
    nodeTrace: null,
    nodeDet: null,
    firstEdge: new Uint32Array(1),
    edgeSum: 0,
  };
  // edge columns
  private edgeCap = 0;
  private edges = 0;
  private readonly ec: EdgeColumns = {
    edgeType: new Uint8Array(0), edgeName: new Uint32Array(0), edgeTo: new Uint32Array(0), maxName: new Float64Array(1),
  };
  /** edges checked inline against this node count (the declared node_count), else checked at end */
  private edgeRangeChecked = false;

  // strings
  private readonly strings: StringTable;
  private sState = S_START;
  private strStart = 0;
  /** end of the bytes copied so far of the string being read (they start at strings.writeStart) */
  private strWrite = 0;
  private strEscaped = false;
  private strEsc = false;
  private readonly decoder = new TextDecoder();

  private readonly shared: boolean;

  constructor(opts: ParseOptions = {}) {
    this.shared = opts.shared === true;
    this.wasm = opts.wasm === false ? null : WasmRecords.get();
    this.strings = new StringTable({ shared: this.shared });
    this.signal = opts.signal;
    this.onProgress = opts.onProgress;
    this.totalBytes = opts.totalBytes;
    this.onSectionStart = opts.sectionStart;
    this.stopAfter = opts.stopAfter;
  }

  /** True once the array named by ParseOptions.stopAfter has been read (later bytes are ignored). */
  get stopped(): boolean {
    return this.mode === M_STOPPED;
  }

  /** The edges columns read so far (trimmed), and the offset just past the edges array; for stopAfter: 'edges'. */
  takeEdges(): EdgeSection {
    if (this.mode !== M_STOPPED || this.stopAfter !== 'edges') throw new Error('takeEdges: the edges array was not read completely');
    const m = this.edges;
    const ec = this.ec;
    return {
      edgeType: this.trim8(ec.edgeType, m),
      edgeNameOrIndex: this.trim32(ec.edgeName, m),
      edgeTo: this.trim32(ec.edgeTo, m),
      maxStringIndex: ec.maxName[0],
      count: m,
      start: this.edgesStart,
      end: this.externalEnd,
    };
  }

  /** The node columns (trimmed), when this parser read the nodes array completely with the meta known; else null. */
  takeNodes(): NodeSection | null {
    if (!this.nodesRead || this.externalNodes !== 0) return null;
    const n = this.nodes;
    const nc = this.nc;
    return {
      nodeType: this.trim8(nc.nodeType, n),
      nodeName: this.trim32(nc.nodeName, n),
      nodeId: this.trim32(nc.nodeId, n),
      nodeSelfSize: this.trimSizes(nc.nodeSelf, n),
      nodeTraceId: nc.nodeTrace && this.trim32(nc.nodeTrace, n),
      nodeDetachedness: nc.nodeDet && this.trim8(nc.nodeDet, n),
      firstEdge: this.trim32(nc.firstEdge, n + 1),
      count: n,
      edgeSum: nc.edgeSum,
      end: this.nodesEnd,
    };
  }

  /** True once the top-level key `key` has been read. */
  seenKey(key: string): boolean {
    return this.seen.has(key);
  }

  /** The strings read so far (the table end() puts into the snapshot, not a copy). */
  get stringsSoFar(): StringTable {
    return this.strings;
  }

  /** True once the snapshot meta has been read. */
  get hasMeta(): boolean {
    return this.layout !== null;
  }

  /** True when the nodes array was handed to another parser (sectionStart returned 'external'). */
  get nodesExternal(): boolean {
    return this.externalNodes !== 0;
  }

  /** Provides the node columns read by another parser; call before end() when nodesExternal. */
  setExternalNodes(sec: NodeSection): void {
    if (this.externalNodes !== 1) throw new Error('setExternalNodes: the nodes array was not claimed');
    if (sec.end !== this.nodesEnd) {
      throw new Error(`internal: the nodes array ends at ${sec.end} for the nodes parser but at ${this.nodesEnd} here`);
    }
    const nc = this.nc;
    nc.nodeType = sec.nodeType;
    nc.nodeName = sec.nodeName;
    nc.nodeId = sec.nodeId;
    nc.nodeSelf = sec.nodeSelfSize;
    nc.nodeTrace = sec.nodeTraceId;
    nc.nodeDet = sec.nodeDetachedness;
    nc.firstEdge = sec.firstEdge;
    nc.edgeSum = sec.edgeSum;
    this.nodes = sec.count;
    this.nodeCap = sec.count;
    this.externalNodes = 2;
  }

  /** True when the edges array was handed to another parser (sectionStart returned 'external'). */
  get edgesExternal(): boolean {
    return this.external !== 0;
  }

  /** Provides the edges columns read by another parser; call before end() when edgesExternal. */
  setExternalEdges(sec: EdgeSection): void {
    if (this.external !== 1) throw new Error('setExternalEdges: the edges array was not claimed');
    if (sec.end !== this.externalEnd) {
      throw new Error(`internal: the edges array ends at ${sec.end} for the edges parser but at ${this.externalEnd} here`);
    }
    this.ec.edgeType = sec.edgeType;
    this.ec.edgeName = sec.edgeNameOrIndex;
    this.ec.maxName[0] = sec.maxStringIndex;
    this.ec.edgeTo = sec.edgeTo;
    this.edgeCap = sec.edgeTo.length;
    this.edges = sec.count;
    this.external = 2;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.base;
  }

  /** Feeds the next bytes of the file. Throws SnapshotError on bad input or cancellation. */
  write(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (this.ended) throw new Error('SnapshotParser.write after end');
    try {
      for (let off = 0; off < chunk.length || off === 0; off += SLICE) {
        if (this.signal?.aborted) throw cancelledError();
        const part = chunk.length <= SLICE ? chunk : chunk.subarray(off, Math.min(chunk.length, off + SLICE));
        this.process(part);
        if (this.jumpTo >= 0) {
          // the rest of the chunk lies inside the skipped array: go on at its ']'
          this.base = this.jumpTo;
          this.jumpTo = -1;
          break;
        }
        this.base += part.length;
        if (this.onProgress && this.base - this.lastProgress >= PROGRESS_STEP) {
          this.lastProgress = this.base;
          this.onProgress({ phase: 'parse', done: this.base, total: this.totalBytes ?? 0 });
        }
        if (chunk.length === 0) break;
      }
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Finishes parsing: checks completeness and consistency, returns the snapshot. */
  end(): HeapSnapshot {
    if (this.failed) throw this.failed;
    if (this.ended) throw new Error('SnapshotParser.end called twice');
    this.ended = true;
    try {
      if (this.signal?.aborted) throw cancelledError();
      const snap = this.finish();
      this.onProgress?.({ phase: 'parse', done: this.base, total: this.totalBytes ?? this.base });
      return snap;
    } catch (e) {
      throw this.fail(e);
    }
  }

  private fail(e: unknown): SnapshotError {
    let err: SnapshotError;
    if (e instanceof SnapshotError) err = e;
    else if (e instanceof RangeError) {
      err = new SnapshotError('too-large', `Snapshot too large to hold in memory: ${e.message}`, { offset: this.base });
    } else throw e;
    this.failed = err;
    return err;
  }

  private notJson(i: number, what: string, field?: string): never {
    throw new SnapshotError('not-json', `Not valid JSON: ${what}`, { offset: this.base + i, field });
  }

  // ---------------------------------------------------------------- dispatch

  private process(buf: Uint8Array): void {
    this.dvBuf = null;
    let i = 0;
    const len = buf.length;
    while (i < len) {
      switch (this.mode) {
        case M_NUMBERS:
          i = this.scanNumbers(buf, i);
          break;
        case M_STRINGS:
          i = this.scanStrings(buf, i);
          break;
        case M_SKIP:
          i = this.skip(buf, i);
          break;
        case M_SKIP_ARRAY:
          i = this.skipArray(buf, i);
          break;
        case M_STOPPED:
          return;
        default:
          i = this.top(buf, i);
          if (this.jumpTo >= 0) return;
      }
    }
  }

  private top(buf: Uint8Array, i: number): number {
    const c = buf[i];
    const at = this.base + i;
    switch (this.mode) {
      case M_START:
        if (at === 0 && c === 0x1f) {
          this.mode = M_GZIP;
          return i + 1;
        }
        if (at === 0 && c === 0xef && buf.length >= 3 && buf[1] === 0xbb && buf[2] === 0xbf) return 3; // UTF-8 BOM
        if (isWs(c)) return i + 1;
        this.sawNonWs = true;
        if (c !== 123) {
          const binary = c < 32 || c >= 127;
          this.notJson(i, binary
            ? `the file starts with binary data (${describeByte(c)}), not a JSON heap snapshot`
            : `expected '{' at the start of a heap snapshot but found ${describeByte(c)}`);
        }
        this.mode = M_KEY_OR_END;
        return i + 1;
      case M_GZIP:
        if (c === 0x8b) {
          throw new SnapshotError('gzip', 'The data is gzip-compressed; decompress it first (the file loader reads .gz transparently)', { offset: 0 });
        }
        this.notJson(i, 'the file starts with binary data (byte 0x1f), not a JSON heap snapshot');
        break;
      case M_KEY_OR_END:
      case M_KEY_EXPECT:
        if (isWs(c)) return i + 1;
        if (c === 34) {
          this.mode = M_KEY;
          this.keyStart = at;
          this.keyParts = [];
          this.keyBytes = 0;
          this.keyEsc = false;
          return i + 1;
        }
        if (c === 125 && this.mode === M_KEY_OR_END) {
          this.mode = M_DONE;
          return i + 1;
        }
        this.notJson(i, `expected a key string in the top-level object but found ${describeByte(c)}`);
        break;
      case M_KEY:
        return this.scanKey(buf, i);
      case M_COLON:
        if (isWs(c)) return i + 1;
        if (c !== 58) this.notJson(i, `expected ':' after key "${this.key}" but found ${describeByte(c)}`);
        this.mode = M_VALUE;
        return i + 1;
      case M_VALUE:
        if (isWs(c)) return i + 1;
        return this.startValue(buf, i);
      case M_AFTER_VALUE:
        if (isWs(c)) return i + 1;
        if (c === 44) {
          this.mode = M_KEY_EXPECT;
          return i + 1;
        }
        if (c === 125) {
          this.mode = M_DONE;
          return i + 1;
        }
        this.notJson(i, `expected ',' or '}' after the value of "${this.key}" but found ${describeByte(c)}`);
        break;
      case M_DONE:
        if (isWs(c)) return i + 1;
        this.notJson(i, `unexpected ${describeByte(c)} after the end of the top-level object`);
    }
    return i + 1;
  }

  private scanKey(buf: Uint8Array, i: number): number {
    const start = i;
    const len = buf.length;
    while (i < len) {
      const c = buf[i];
      if (this.keyEsc) this.keyEsc = false;
      else if (c === 92) this.keyEsc = true;
      else if (c === 34) break;
      i++;
    }
    this.keyBytes += i - start;
    if (this.keyBytes > MAX_KEY_BYTES) {
      throw new SnapshotError('not-json', 'A top-level key is implausibly long', { offset: this.keyStart });
    }
    this.keyParts.push(copyBytes(buf, start, i));
    if (i === len) return i;
    const raw = this.decoder.decode(concatBytes(this.keyParts, this.keyBytes));
    try {
      this.key = JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new SnapshotError('not-json', 'Not valid JSON: bad top-level key string', { offset: this.keyStart });
    }
    if (this.seen.has(this.key)) {
      throw new SnapshotError('bad-value', `The top-level key "${this.key}" appears twice`, { field: this.key, offset: this.keyStart });
    }
    this.seen.add(this.key);
    this.mode = M_COLON;
    return i + 1;
  }

  private startValue(buf: Uint8Array, i: number): number {
    const c = buf[i];
    const key = this.key;
    const sec = Object.prototype.hasOwnProperty.call(NUMBER_SECTIONS, key) ? NUMBER_SECTIONS[key] : 0;
    if (sec !== 0 || key === 'strings') {
      if (c !== 91) {
        throw new SnapshotError('bad-value', `"${key}" must be an array but its value starts with ${describeByte(c)}`,
          { field: key, offset: this.base + i });
      }
      const L = this.layout;
      const fields = sec === SEC_NODES && L ? L.nf : sec === SEC_EDGES && L ? L.ef : 0;
      const act = sec !== 0 && sec !== SEC_TREE && L && this.onSectionStart ? this.onSectionStart(key, this.base + i, fields) : 'parse';
      if (typeof act === 'object') {
        this.beginSkipArray(key, act.action === 'external', i);
        // a jump backwards, or to the '[' itself, would read bytes twice: skip by reading instead
        if (act.closeAt > this.base + i) this.jumpTo = act.closeAt;
      } else if (act !== 'parse') {
        this.beginSkipArray(key, act === 'external', i);
      } else if (sec !== 0) this.beginNumbers(key, sec, i);
      else {
        this.mode = M_STRINGS;
        this.sState = S_START;
        this.sectionStart = this.base + i;
        // the strings' bytes are at most the rest of the file: one allocation, no growing
        if (this.totalBytes !== undefined && this.totalBytes > this.sectionStart) {
          this.strings.reserve(Math.min(this.totalBytes - this.sectionStart, MAX_RESERVE));
        }
      }
      return i + 1;
    }
    this.skipper = new JsonValueSkipper(key);
    this.capture = key === 'snapshot' ? [] : null;
    this.captureBytes = 0;
    this.captureStart = this.base + i;
    this.mode = M_SKIP;
    return i;
  }

  private skip(buf: Uint8Array, i: number): number {
    const sk = this.skipper!;
    const j = sk.feed(buf, i, this.base);
    if (this.capture) {
      this.captureBytes += j - i;
      if (this.captureBytes > MAX_SNAPSHOT_OBJECT_BYTES) {
        throw new SnapshotError('bad-meta', 'The "snapshot" object is implausibly large', { field: 'snapshot', offset: this.captureStart });
      }
      this.capture.push(copyBytes(buf, i, j));
    }
    if (sk.done) {
      this.skipper = null;
      this.mode = M_AFTER_VALUE;
      if (this.capture) {
        const text = this.decoder.decode(concatBytes(this.capture, this.captureBytes));
        this.capture = null;
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch (e) {
          throw new SnapshotError('not-json', `The "snapshot" object is not valid JSON (${(e as Error).message})`,
            { field: 'snapshot', offset: this.captureStart });
        }
        this.setLayout(readLayout(obj));
      }
    }
    return j;
  }

  /** Enters M_SKIP_ARRAY at the '[' of a number array another parser reads. */
  private beginSkipArray(name: string, external: boolean, i: number): void {
    this.mode = M_SKIP_ARRAY;
    this.sectionName = name;
    this.sectionStart = this.base + i;
    if (external && name === 'nodes') {
      this.externalNodes = 1;
      // the other parser allocates the columns; drop the (untouched) pre-sized ones
      const nc = this.nc;
      nc.nodeType = new Uint8Array(0);
      nc.nodeName = new Uint32Array(0);
      nc.nodeId = new Uint32Array(0);
      nc.nodeSelf = new Uint32Array(0);
      nc.nodeTrace = null;
      nc.nodeDet = null;
      nc.firstEdge = new Uint32Array(1);
      this.nodeCap = 0;
    } else if (external && name === 'edges') {
      this.external = 1;
      // the other parser allocates the columns; drop the (untouched) pre-sized ones
      this.ec.edgeType = new Uint8Array(0);
      this.ec.edgeName = new Uint32Array(0);
      this.ec.edgeTo = new Uint32Array(0);
      this.edgeCap = 0;
    }
  }

  /**
   * Skips a flat number array up to its first ']' (a flat array of numbers holds no other ']').
   * Nothing is checked: the parser that reads the array reports its errors.
   */
  private skipArray(buf: Uint8Array, i: number): number {
    const j = buf.indexOf(93, i);
    if (j < 0) return buf.length;
    if (this.sectionName === 'edges') this.externalEnd = this.base + j + 1;
    else if (this.sectionName === 'nodes') this.nodesEnd = this.base + j + 1;
    this.mode = M_AFTER_VALUE;
    return j + 1;
  }

  // ---------------------------------------------------------------- layout and columns

  private setLayout(layout: Layout): void {
    if (layout.nf > MAX_RECORD_FIELDS || layout.ef > MAX_RECORD_FIELDS) {
      throw new SnapshotError('bad-meta', 'too many fields', { field: 'snapshot.meta' });
    }
    this.layout = layout;
    this.v8Layout = isV8Layout(layout);
    // Pre-size from the declared counts, bounded by what the input could possibly hold.
    const bound = (fields: number, fallback: number) =>
      this.totalBytes !== undefined ? Math.floor(this.totalBytes / (2 * fields)) + 1 : fallback;
    this.growNodes(Math.min(layout.nodeCount ?? 1024, bound(layout.nf, 1 << 25)));
    this.growEdges(Math.min(layout.edgeCount ?? 1024, bound(layout.ef, 1 << 27)));
    this.edgeRangeChecked = layout.nodeCount !== null;
    // Replay nodes/edges that came before the meta. They were kept as raw Float64 numbers
    // (8 bytes each), which costs memory, but V8 and DevTools always write the meta first.
    for (const [name, list] of this.early) {
      const v = list.values();
      const used = name === 'nodes' ? this.consumeNodes(v, v.length, null) : this.consumeEdges(v, v.length, null);
      if (used !== v.length) this.recordMismatch(name, v.length, undefined);
    }
    this.early.clear();
  }

  private recordMismatch(name: string, numbers: number, offset: number | undefined): never {
    const w = name === 'nodes' ? this.layout!.nf : this.layout!.ef;
    throw new SnapshotError('count-mismatch',
      `The ${name} array has ${numbers} numbers, not a multiple of the ${w} ${name === 'nodes' ? 'node' : 'edge'} fields`,
      { field: name, offset });
  }

  // Mapped buffers (scratch.ts): outgrown columns give their memory back, and the pages of a column
  // that are never written (zeros of a sparse column: see the detachedness) are never resident.
  private u8(n: number): Uint8Array {
    return new Uint8Array(this.shared ? mappedSharedBuffer(n) : mappedBuffer(n), 0, n);
  }

  private u32(n: number): Uint32Array {
    return new Uint32Array(this.shared ? mappedSharedBuffer(n * 4) : mappedBuffer(n * 4), 0, n);
  }

  private f64(n: number): Float64Array {
    return new Float64Array(this.shared ? mappedSharedBuffer(n * 8) : mappedBuffer(n * 8), 0, n);
  }

  // a column cut to n entries, on the same kind of buffer (slice() would not keep a SharedArrayBuffer)
  private trim8(a: Uint8Array, n: number): Uint8Array {
    if (a.length === n) return a;
    const t = this.u8(n);
    t.set(a.subarray(0, n));
    return t;
  }

  private trim32(a: Uint32Array, n: number): Uint32Array {
    if (a.length === n) return a;
    const t = this.u32(n);
    t.set(a.subarray(0, n));
    return t;
  }

  private trimSizes(a: SizeArray, n: number): SizeArray {
    if (a.length === n) return a;
    const t = a instanceof Float64Array ? this.f64(n) : this.u32(n);
    t.set(a.subarray(0, n));
    return t;
  }

  private growNodes(min: number): void {
    const L = this.layout!;
    let cap = Math.max(min, this.nodeCap * 2, 1024);
    if (L.nodeCount !== null && cap > L.nodeCount && min <= L.nodeCount) cap = Math.max(min, L.nodeCount);
    const n = this.nodes;
    const t = this.u8(cap);
    t.set(this.nc.nodeType.subarray(0, n));
    const nm = this.u32(cap);
    nm.set(this.nc.nodeName.subarray(0, n));
    const id = this.u32(cap);
    id.set(this.nc.nodeId.subarray(0, n));
    const ss = this.nc.nodeSelf instanceof Float64Array ? this.f64(cap) : this.u32(cap);
    ss.set(this.nc.nodeSelf.subarray(0, n));
    const fe = this.u32(cap + 1);
    fe.set(this.nc.firstEdge.subarray(0, n));
    // trace_node_id and detachedness columns exist from their first non-zero value on (see needColumns)
    if (this.nc.nodeTrace) {
      const tr = this.u32(cap);
      tr.set(this.nc.nodeTrace.subarray(0, n));
      this.nc.nodeTrace = tr;
    }
    if (this.nc.nodeDet) {
      const d = this.u8(cap);
      d.set(this.nc.nodeDet.subarray(0, n));
      this.nc.nodeDet = d;
    }
    this.nc.nodeType = t;
    this.nc.nodeName = nm;
    this.nc.nodeId = id;
    this.nc.nodeSelf = ss;
    this.nc.firstEdge = fe;
    this.nodeCap = cap;
  }

  private growEdges(min: number): void {
    const L = this.layout!;
    let cap = Math.max(min, this.edgeCap * 2, 1024);
    if (L.edgeCount !== null && cap > L.edgeCount && min <= L.edgeCount) cap = Math.max(min, L.edgeCount);
    const m = this.edges;
    const t = this.u8(cap);
    t.set(this.ec.edgeType.subarray(0, m));
    const nm = this.u32(cap);
    nm.set(this.ec.edgeName.subarray(0, m));
    const to = this.u32(cap);
    to.set(this.ec.edgeTo.subarray(0, m));
    this.ec.edgeType = t;
    this.ec.edgeName = nm;
    this.ec.edgeTo = to;
    this.edgeCap = cap;
  }

  // ---------------------------------------------------------------- numbers

  private beginNumbers(name: string, sec: number, i: number): void {
    if (name === 'edges') this.edgesStart = this.base + i;
    this.mode = M_NUMBERS;
    this.section = sec;
    this.sectionName = name;
    this.sectionStart = this.base + i;
    this.arrState = A_START;
    this.depth = 1;
    this.bn = 0;
    this.batchLead = 0;
    this.flushFrom = i + 1;
    this.numText = null;
    this.sectionNumbers = 0;
  }

  /**
   * The hot loop: JSON numbers of a flat (or, for trace_tree, nested) array into this.batch.
   * Plain non-negative integers are accumulated inline; anything else (sign, fraction, exponent,
   * a number split across buffers) goes through numText and finishNumber.
   */
  private scanNumbers(buf: Uint8Array, i: number): number {
    const len = buf.length;
    this.flushFrom = i;
    if (this.numText !== null) {
      this.contStart = this.numStart;
      this.contBase = this.base;
      i = this.continueNumber(buf, i);
      if (this.numText !== null) return len; // still inside the number
    }
    const batch = this.batch;
    let bn = this.bn;
    let st = this.arrState;
    // record fast path (nodes and edges once the layout is known): tried at record starts from fastAt on
    const L = this.layout;
    const w = L === null || !this.v8Layout ? 0 : this.section === SEC_NODES ? L.nf : this.section === SEC_EDGES ? L.ef : 0;
    const fastStop = len - (w * FAST_FIELD_BYTES + 4);
    let fastAt = w !== 0 && fastStop > i ? i : len;
    // flat arrays of other sections (locations, samples, ...): runs of plain integers straight into their list
    const plainStop = this.section === SEC_GENERIC ? len - PLAIN_RUN_BYTES : 0;
    let plainAt = plainStop > i ? i : len;
    while (i < len) {
      let c = buf[i];
      if (c <= 57 && c >= 48) {
        if (st === A_AFTER_VALUE) this.notJson(i, `expected ',' or ']' between numbers but found ${describeByte(c)}`, this.sectionName);
        if (i >= plainAt && i < plainStop) {
          this.bn = bn;
          const j = this.plainRun(buf, i, plainStop);
          bn = this.bn;
          if (j > i) {
            i = j;
            st = A_AFTER_COMMA;
            continue;
          }
          // (the number here has another form: the loop below reads the next 64 bytes)
          plainAt = i + 64;
        }
        if (i >= fastAt && i < fastStop && bn % w === 0) {
          this.bn = bn;
          const j = this.fastRecords(buf, i, fastStop);
          bn = this.bn;
          if (j > i) {
            i = j;
            st = A_AFTER_COMMA;
            this.fastFails = 0;
            continue;
          }
          // no record taken here: leave it to the loop below for a while (longer after each miss)
          fastAt = i + (64 << Math.min(this.fastFails++, 16));
        }
        const s = i;
        let v = c - 48;
        i++;
        if (v !== 0) {
          while (i < len) {
            c = buf[i];
            if (c > 57 || c < 48) break;
            v = v * 10 + (c - 48);
            i++;
          }
        } else if (i < len) c = buf[i];
        if (c === 44 && i < len) {
          // the usual case: a plain integer and its comma
          batch[bn++] = v;
          st = A_AFTER_COMMA;
          i++;
          if (bn === BATCH) {
            this.bn = bn;
            this.flush(buf, i);
            bn = this.bn;
          }
          continue;
        }
        if (i === len || c === 46 || c === 101 || c === 69 || (v === 0 && c <= 57 && c >= 48)) {
          // split across buffers, or fraction / exponent / leading zero: slow path
          this.bn = bn;
          this.arrState = A_AFTER_VALUE;
          this.numText = ascii(buf, s, i);
          this.numStart = this.base + s;
          i = this.continueNumber(buf, i);
          bn = this.bn;
          st = A_AFTER_VALUE;
          continue;
        }
        batch[bn++] = v;
        st = A_AFTER_VALUE;
        if (bn === BATCH) {
          this.bn = bn;
          this.flush(buf, i);
          bn = this.bn;
        }
        continue;
      }
      if (c === 44) {
        if (st !== A_AFTER_VALUE) this.notJson(i, `unexpected ',' in the ${this.sectionName} array`, this.sectionName);
        st = A_AFTER_COMMA;
        i++;
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 93) {
        if (st === A_AFTER_COMMA) this.notJson(i, `',' before ']' in the ${this.sectionName} array`, this.sectionName);
        i++;
        st = A_AFTER_VALUE;
        if (this.depth > 1) {
          this.depth--;
          batch[bn++] = TREE_CLOSE;
          if (bn === BATCH) {
            this.bn = bn;
            this.flush(buf, i);
            bn = this.bn;
          }
          continue;
        }
        this.bn = bn;
        this.arrState = st;
        this.endNumbers(buf, i);
        return i;
      }
      if (c === 91 && this.section === SEC_TREE) {
        if (st === A_AFTER_VALUE) this.notJson(i, `expected ',' or ']' but found '['`, this.sectionName);
        this.depth++;
        i++;
        st = A_START;
        batch[bn++] = TREE_OPEN;
        if (bn === BATCH) {
          this.bn = bn;
          this.flush(buf, i);
          bn = this.bn;
        }
        continue;
      }
      if (c === 45) {
        if (st === A_AFTER_VALUE) this.notJson(i, `expected ',' or ']' between numbers but found '-'`, this.sectionName);
        this.bn = bn;
        this.arrState = A_AFTER_VALUE;
        this.numText = '';
        this.numStart = this.base + i;
        i = this.continueNumber(buf, i);
        bn = this.bn;
        st = A_AFTER_VALUE;
        continue;
      }
      if (c === 91 || c === 123 || c === 34) {
        throw new SnapshotError('bad-value', `The ${this.sectionName} array may only hold numbers, found ${describeByte(c)}`,
          { field: this.sectionName, offset: this.base + i });
      }
      this.notJson(i, `unexpected ${describeByte(c)} in the ${this.sectionName} array`, this.sectionName);
    }
    this.bn = bn;
    this.arrState = st;
    this.flush(buf, len);
    return len;
  }

  /**
   * Runs the record fast path at buf[i], a record start: hands the batch (whole records) to the
   * columns first, then reads records straight into the columns. Returns the index of the first
   * record it did not take (i when none).
   */
  private fastRecords(buf: Uint8Array, i: number, stop: number): number {
    if (this.bn !== 0) this.flush(buf, i);
    if (this.dvBuf !== buf) {
      this.dvBuf = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const L = this.layout!;
    let j: number;
    const wasm = this.wasm;
    if (this.section === SEC_NODES) {
      const maxType = L.meta.nodeTypes.length - 1;
      let n: number;
      if (wasm) {
        const maxSelf = this.nc.nodeSelf instanceof Float64Array ? Number.MAX_SAFE_INTEGER : MAX_U32;
        j = wasm.nodes(buf, i, stop, L.nf, maxType, this.nc, this.nc.edgeSum, this.nodes, this.nodeCap, maxSelf, this.taken);
        n = this.taken.count;
        this.nc.edgeSum = this.taken.value;
      } else {
        j = fastNodesV8(buf, this.dv!, i, stop, L.nf, maxType, this.nc, this.nodes, this.nodeCap);
        n = FAST_COUNT[0];
        this.nc.edgeSum = FAST_SUM[0];
      }
      this.nodes += n;
      this.sectionNumbers += n * L.nf;
    } else {
      const maxTo = L.nodeCount !== null ? L.nodeCount * L.nf : Number.MAX_SAFE_INTEGER;
      let n: number;
      if (wasm) {
        j = wasm.edges(buf, i, stop, L.nf, L.meta.edgeTypes.length - 1, maxTo, L.edgeElement, L.edgeHidden, this.ec,
          this.ec.maxName[0], this.edges, this.edgeCap, this.taken);
        n = this.taken.count;
        this.ec.maxName[0] = this.taken.value;
      } else {
        j = fastEdgesV8(buf, this.dv!, i, stop, L, maxTo, this.ec, this.edges, this.edgeCap);
        n = FAST_COUNT[0];
      }
      this.edges += n;
      this.sectionNumbers += n * L.ef;
    }
    this.flushFrom = j;
    return j;
  }

  /**
   * Keeps the WeakMap edge-name parse of the last k strings committed (strings.weakMapParse, grown
   * as needed; strings committed by the JavaScript paths stay 0, not parsed).
   */
  private keepWeakMapNames(state: Uint8Array, tableIds: Uint32Array, hashes: Int32Array, k: number): void {
    const table = this.strings;
    const end = table.length;
    const from = end - k;
    let w = table.weakMapParse;
    if (w === null || w.state.length < end) {
      const cap = Math.max(end, 2 * (w?.state.length ?? 0), 1 << 16);
      const grown = { state: new Uint8Array(mappedBuffer(cap), 0, cap), tableIds: new Uint32Array(mappedBuffer(4 * cap), 0, cap),
        hashes: new Int32Array(mappedBuffer(4 * cap), 0, cap) };
      if (w !== null) {
        grown.state.set(w.state);
        grown.tableIds.set(w.tableIds);
        grown.hashes.set(w.hashes);
      }
      table.weakMapParse = w = grown;
    }
    w.state.set(state.subarray(0, k), from);
    w.tableIds.set(tableIds.subarray(0, k), from);
    w.hashes.set(hashes.subarray(0, k), from);
  }

  /**
   * The numbers of a generic section from buf[i], a number start, while they start before `stop`
   * and each is a plain integer (no sign, fraction, exponent or leading zero; at most
   * PLAIN_DIGITS digits) followed by `,`, `,\n` or `\n,`: straight into the section's list, with
   * no batch in between (the 1 GB Node snapshot's 5.6 M location numbers took 0.36 s through the
   * batch). Returns the index of the first number not taken (i when none): the general loop reads
   * it, and reports any error as it would have.
   */
  private plainRun(buf: Uint8Array, i: number, stop: number): number {
    if (this.bn !== 0) this.flush(buf, i);
    const name = this.sectionName;
    let list = this.generic.get(name);
    if (!list) this.generic.set(name, (list = new F64List()));
    // at least two bytes per number taken (a run covers at most 4 MB: the loop calls again)
    stop = Math.min(stop, i + (4 << 20));
    list.reserve(((stop - i) >> 1) + 1);
    const data = list.data;
    const n0 = list.length;
    let n = n0;
    while (i < stop) {
      let c = buf[i];
      let v = c - 48;
      if (!(v >= 0 && v <= 9)) break;
      let j = i + 1;
      c = buf[j];
      if (v !== 0) {
        for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) {
          v = v * 10 + d;
          c = buf[++j];
        }
        if (j - i > PLAIN_DIGITS) break;
      }
      if (c === 44) j += buf[j + 1] === 10 ? 2 : 1;
      else if (c === 10 && buf[j + 1] === 44) j += 2;
      else break;
      data[n++] = v;
      i = j;
    }
    list.length = n;
    this.sectionNumbers += n - n0;
    this.flushFrom = i;
    return i;
  }

  /** Appends number characters to numText; at the number's end validates it and pushes it. */
  private continueNumber(buf: Uint8Array, i: number): number {
    const len = buf.length;
    const s = i;
    while (i < len) {
      const c = buf[i];
      if ((c <= 57 && c >= 48) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45) i++;
      else break;
    }
    let text = this.numText! + ascii(buf, s, i);
    if (text.length > 400) text = text.slice(0, 400);
    this.numText = text;
    if (i === len) return i;
    this.numText = null;
    const field = this.sectionName;
    if (!NUMBER_RE.test(text)) {
      throw new SnapshotError('not-json', `Not valid JSON: bad number '${text.slice(0, 40)}'`, { field, offset: this.numStart });
    }
    const v = Number(text);
    if (!Number.isInteger(v)) {
      throw new SnapshotError('bad-value', `Expected an integer in ${field} but found ${text.slice(0, 40)}`, { field, offset: this.numStart });
    }
    if (v < 0 && this.section !== SEC_GENERIC) {
      throw new SnapshotError('bad-value', `Negative number ${text.slice(0, 40)} in ${field}`, { field, offset: this.numStart });
    }
    this.batch[this.bn++] = v === 0 ? 0 : v; // no -0
    if (this.bn === BATCH) this.flush(buf, i);
    return i;
  }

  /** Hands the batch to the section's consumer; keeps an incomplete record at the front. */
  private flush(buf: Uint8Array | null, end: number): void {
    const n = this.bn;
    this.sectionNumbers += n - this.batchLead;
    let used = n;
    const name = this.sectionName;
    if (this.section === SEC_NODES || this.section === SEC_EDGES) {
      if (!this.layout) {
        let list = this.early.get(name);
        if (!list) this.early.set(name, (list = new F64List()));
        list.push(this.batch, n);
      } else if (this.section === SEC_NODES) used = this.consumeNodes(this.batch, n, buf);
      else used = this.consumeEdges(this.batch, n, buf);
    } else {
      let list = this.generic.get(name);
      if (!list) this.generic.set(name, (list = new F64List()));
      list.push(this.batch, n);
    }
    if (used < n) {
      if (buf) this.rememberLeadOffsets(buf, end, used, n);
      this.batch.copyWithin(0, used, n);
    }
    this.bn = n - used;
    this.batchLead = this.bn;
    this.flushFrom = end;
  }

  /** Absolute offset of a number run starting at buf index i (a run at 0 may continue an earlier buffer's number). */
  private numberRunStart(i: number): number {
    return i === 0 && this.contBase === this.base ? this.contStart : this.base + i;
  }

  /** Records the file offsets of batch entries used..n-1, which stay in the batch as the next lead. */
  private rememberLeadOffsets(buf: Uint8Array, end: number, used: number, n: number): void {
    const offs: number[] = [];
    let k = used;
    for (; k < n && k < this.batchLead; k++) offs.push(this.leadOffsets[k]);
    // the others are the last n-k number runs before `end` (skipping a number still pending there)
    const starts: number[] = [];
    let i = end - 1;
    if (this.numText !== null) while (i >= 0 && isNumberByte(buf[i])) i--;
    for (let m = n - k; m > 0; m--) {
      while (i >= 0 && !isNumberByte(buf[i])) i--;
      if (i < 0) {
        starts.push(this.contStart); // the continued number, with no bytes in this buffer
        continue;
      }
      while (i >= 0 && isNumberByte(buf[i])) i--;
      starts.push(this.numberRunStart(i + 1));
    }
    starts.reverse();
    this.leadOffsets = offs.concat(starts);
  }

  private endNumbers(buf: Uint8Array, i: number): void {
    this.flush(buf, i);
    this.mode = M_AFTER_VALUE;
    const name = this.sectionName;
    if (this.section === SEC_NODES || this.section === SEC_EDGES) {
      if (this.bn !== 0) this.recordMismatch(name, this.sectionNumbers, this.base + i - 1);
    }
    this.section = 0;
    if (name === 'edges') this.externalEnd = this.base + i;
    else if (name === 'nodes') {
      this.nodesEnd = this.base + i;
      this.nodesRead = this.layout !== null;
    }
    if (name === this.stopAfter) this.mode = M_STOPPED;
  }

  /**
   * Absolute offset of batch entry k (for error messages): rescans the current buffer from where
   * this batch's numbers began. Undefined when the number was replayed from an earlier buffer.
   */
  private offsetOf(buf: Uint8Array | null, k: number): number | undefined {
    if (!buf) return undefined;
    if (k < this.batchLead) return this.leadOffsets[k];
    let want = k - this.batchLead;
    let from = this.flushFrom;
    if (from === 0 && this.contBase === this.base) {
      // entry 0 is the number continued from the previous buffer (it may have no bytes here)
      if (want === 0) return this.contStart;
      want--;
      while (from < buf.length && isNumberByte(buf[from])) from++;
    }
    let inNum = false;
    let start = from;
    for (let i = from; i < buf.length; i++) {
      const numChar = isNumberByte(buf[i]);
      if (numChar && !inNum) {
        inNum = true;
        start = i;
      } else if (!numChar && inNum) {
        inNum = false;
        if (want-- === 0) return this.base + start;
      }
    }
    return this.base + start;
  }

  /** Scatters whole node records from the batch into the node columns; returns entries used. */
  private consumeNodes(batch: Float64Array, n: number, buf: Uint8Array | null): number {
    const L = this.layout!;
    const nf = L.nf;
    const records = Math.floor(n / nf);
    const node = this.nodes;
    if (node + records > this.nodeCap) {
      if (L.nodeCount !== null && node + records > L.nodeCount) {
        const k = (L.nodeCount - node) * nf;
        throw new SnapshotError('count-mismatch', `The nodes array holds more than the ${L.nodeCount} nodes declared by snapshot.node_count`,
          { field: 'nodes', offset: this.offsetOf(buf, k) });
      }
      this.growNodes(node + records);
    }
    const end = records * nf;
    this.needColumns(batch, end);
    this.needWideSizes(batch, end);
    const r = scatterNodes(batch, end, L, this.nc, node);
    if (r < 0) this.diagnoseNode(batch, -r - 1, buf, node + (-r - 1) / nf);
    if (r > MAX_U32) {
      // the offset of the edge_count that took the sum past 2^32 (not of the batch's last number:
      // the message must not depend on how the file was cut into buffers)
      let sum = this.nc.edgeSum;
      let k = L.nEdgeCount;
      while (k < end && (sum += batch[k]) <= MAX_U32) k += nf;
      throw new SnapshotError('bad-value', `The edge counts of the nodes add up to more than 2^32 edges (at node ${node + (k - L.nEdgeCount) / nf})`,
        { field: 'nodes', offset: this.offsetOf(buf, k) });
    }
    this.nc.edgeSum = r;
    this.nodes = node + records;
    return end;
  }

  /**
   * Allocates the trace_node_id / detachedness column once a node record in batch[0..end) has a
   * non-zero value there. Until then the column is null: V8 writes all zeros unless allocation
   * tracking is on (or a DOM is detached), and the model drops all-zero columns anyway; this saves
   * 5 bytes per node of writes and memory.
   */
  private needColumns(batch: Float64Array, end: number): void {
    const L = this.layout!;
    const nc = this.nc;
    if (L.nTrace >= 0 && nc.nodeTrace === null && anyNonZero(batch, L.nTrace, end, L.nf)) nc.nodeTrace = this.u32(this.nodeCap);
    if (L.nDet >= 0 && nc.nodeDet === null && anyNonZero(batch, L.nDet, end, L.nf)) nc.nodeDet = this.u8(this.nodeCap);
  }

  /**
   * Self sizes are kept in a Uint32Array (half the memory) until a record in batch[0..end) has one
   * above 2^32 - 1; the column then becomes a Float64Array (exact to 2^53).
   */
  private needWideSizes(batch: Float64Array, end: number): void {
    const nc = this.nc;
    if (nc.nodeSelf instanceof Float64Array) return;
    const L = this.layout!;
    for (let k = L.nSelf; k < end; k += L.nf) {
      if (batch[k] > MAX_U32) {
        const wide = this.f64(this.nodeCap);
        wide.set(nc.nodeSelf.subarray(0, this.nodes));
        nc.nodeSelf = wide;
        return;
      }
    }
  }

  private diagnoseNode(batch: Float64Array, k: number, buf: Uint8Array | null, node: number): never {
    const L = this.layout!;
    const typeCount = L.meta.nodeTypes.length;
    const check = (f: number, max: number, what: string) => {
      if (f >= 0 && batch[k + f] > max) {
        const fname = L.meta.nodeFields[f];
        throw new SnapshotError('bad-value', `Node ${node}: ${fname} ${batch[k + f]} ${what}`,
          { field: `nodes[${node * L.nf + f}] (${fname})`, offset: this.offsetOf(buf, k + f) });
      }
    };
    check(L.nType, typeCount - 1, `is not one of the ${typeCount} node types`);
    check(L.nName, MAX_U32, 'is out of range');
    check(L.nId, MAX_U32, 'does not fit in 32 bits');
    check(L.nSelf, Number.MAX_SAFE_INTEGER, 'is too large (above 2^53)');
    check(L.nEdgeCount, MAX_U32, 'is out of range');
    check(L.nTrace, MAX_U32, 'is out of range');
    check(L.nDet, 255, 'is out of range');
    throw new Error('internal: node record flagged but no bad field');
  }

  /** Scatters whole edge records from the batch into the edge columns; returns entries used. */
  private consumeEdges(batch: Float64Array, n: number, buf: Uint8Array | null): number {
    const L = this.layout!;
    const ef = L.ef;
    const records = Math.floor(n / ef);
    const edge = this.edges;
    if (edge + records > this.edgeCap) {
      if (L.edgeCount !== null && edge + records > L.edgeCount) {
        const k = (L.edgeCount - edge) * ef;
        throw new SnapshotError('count-mismatch', `The edges array holds more than the ${L.edgeCount} edges declared by snapshot.edge_count`,
          { field: 'edges', offset: this.offsetOf(buf, k) });
      }
      this.growEdges(edge + records);
    }
    const end = records * ef;
    // to_node must be below maxTo (checked here when node_count is declared, at the end otherwise)
    const maxTo = L.nodeCount !== null ? L.nodeCount * L.nf : Number.MAX_SAFE_INTEGER;
    const bad = scatterEdges(batch, end, L, this.ec, edge, maxTo);
    if (bad >= 0) this.diagnoseEdge(batch, bad, buf, edge + bad / ef, maxTo);
    this.edges = edge + records;
    return end;
  }

  private diagnoseEdge(batch: Float64Array, k: number, buf: Uint8Array | null, edge: number, maxTo: number): never {
    const L = this.layout!;
    const typeCount = L.meta.edgeTypes.length;
    const fail = (f: number, code: 'bad-value' | 'bad-edge', what: string): never => {
      const fname = L.meta.edgeFields[f];
      throw new SnapshotError(code, `Edge ${edge}: ${fname} ${batch[k + f]} ${what}`,
        { field: `edges[${edge * L.ef + f}] (${fname})`, offset: this.offsetOf(buf, k + f) });
    };
    if (batch[k + L.eType] >= typeCount) fail(L.eType, 'bad-value', `is not one of the ${typeCount} edge types`);
    if (batch[k + L.eName] > MAX_U32) fail(L.eName, 'bad-value', 'is out of range');
    const to = batch[k + L.eTo];
    if (to % L.nf !== 0) fail(L.eTo, 'bad-edge', `is not a multiple of the node field count ${L.nf}`);
    if (to >= maxTo) fail(L.eTo, 'bad-edge', `points past the last node (${L.nodeCount} nodes)`);
    throw new Error('internal: edge record flagged but no bad field');
  }

  // ---------------------------------------------------------------- strings

  private scanStrings(buf: Uint8Array, i: number): number {
    const len = buf.length;
    const table = this.strings;
    // a string's stored bytes are its bytes in the file: room for the rest of this buffer (plus the
    // bytes of a string begun in an earlier one) means no check per byte
    const out = table.reserve(len - i, this.sState === S_IN ? this.strWrite : table.writeStart);
    const wasm = this.wasm;
    const sink = this.stringSink;
    sink.out = out;
    // where the WebAssembly scan may start again (the token where it stopped is read below first)
    let wasmAt = i;
    while (i < len) {
      if (wasm !== null && i >= wasmAt && this.sState !== S_IN) {
        const j = wasm.strings(buf, i, this.sState, sink, this.taken);
        this.sState = this.taken.value;
        wasmAt = j + 1;
        i = j;
        if (i === len) break;
      }
      if (this.sState === S_IN) {
        // copy to the closing quote (escapes stay as written; see StringTable)
        let w = this.strWrite;
        let esc = this.strEsc;
        let c = 0;
        while (i < len) {
          c = buf[i];
          if (esc) esc = false;
          else if (c === 34) break;
          else if (c === 92) {
            esc = true;
            this.strEscaped = true;
          } else if (c < 32) {
            this.notJson(i, `control ${describeByte(c)} inside string ${table.length}`, 'strings');
          }
          out[w++] = c;
          i++;
        }
        this.strEsc = esc;
        this.strWrite = w;
        if (w - table.writeStart > MAX_STRING_BYTES) {
          throw new SnapshotError('too-large', `String ${table.length} is longer than ${MAX_STRING_BYTES} bytes`, { field: 'strings', offset: this.strStart });
        }
        if (i === len) return i;
        if (this.strEscaped && decodeJsonStringBody(out, table.writeStart, w) === null) {
          throw new SnapshotError('not-json', `Not valid JSON: bad escape in string ${table.length}`, { field: 'strings', offset: this.strStart });
        }
        table.commit(w, this.strEscaped);
        this.sState = S_AFTER;
        i++;
        continue;
      }
      const c = buf[i];
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 34 && this.sState !== S_AFTER) {
        // fast path: a string without escapes that ends in this buffer, copied while scanned, four
        // bytes at a time while none of them is '"', backslash or a control byte (then byte by byte)
        let j = i + 1;
        let d = 0;
        let w = table.writeStart;
        if (this.dvBuf !== buf) {
          this.dvBuf = buf;
          this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        }
        if (this.outBuf !== out) {
          this.outBuf = out;
          this.outDv = new DataView(out.buffer, out.byteOffset, out.byteLength);
        }
        const dv = this.dv!;
        const odv = this.outDv!;
        const last4 = len - 4;
        while (j <= last4) {
          const x = dv.getUint32(j, true);
          const q = x ^ 0x22222222; // '"' bytes become 0
          const b = x ^ 0x5c5c5c5c; // backslash bytes become 0
          // a byte's high bit: zero byte in q or b, or a byte below 0x20 in x (false alarms after
          // such a byte only send the rest to the byte loop)
          if ((((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b) | ((x - 0x20202020) & ~x)) & 0x80808080) break;
          odv.setUint32(w, x, true);
          w += 4;
          j += 4;
        }
        while (j < len) {
          d = buf[j];
          if (d === 34 || d === 92 || d < 32) break;
          out[w++] = d;
          j++;
        }
        if (d === 34 && j < len) {
          table.commit(w, false);
          this.sState = S_AFTER;
          i = j + 1;
          continue;
        }
        this.sState = S_IN;
        this.strStart = this.base + i;
        this.strWrite = table.writeStart;
        this.strEscaped = false;
        this.strEsc = false;
        i++;
        continue;
      }
      if (c === 44 && this.sState === S_AFTER) {
        this.sState = S_EXPECT;
        i++;
        continue;
      }
      if (c === 93 && this.sState !== S_EXPECT) {
        this.mode = M_AFTER_VALUE;
        return i + 1;
      }
      if (this.sState === S_AFTER) this.notJson(i, `expected ',' or ']' after string ${table.length - 1} but found ${describeByte(c)}`, 'strings');
      if (c === 93) this.notJson(i, `',' before ']' in the strings array`, 'strings');
      throw new SnapshotError('bad-value', `strings[${table.length}] is not a string (starts with ${describeByte(c)})`,
        { field: 'strings', offset: this.base + i });
    }
    return i;
  }

  // ---------------------------------------------------------------- end

  private truncation(): string {
    switch (this.mode) {
      case M_NUMBERS: {
        const L = this.layout;
        let done = '';
        if (this.section === SEC_NODES && L) done = ` after ${this.nodes} complete nodes`;
        else if (this.section === SEC_EDGES && L) done = ` after ${this.edges} complete edges`;
        return `the "${this.sectionName}" array (started at byte offset ${this.sectionStart})${done}`;
      }
      case M_STRINGS:
        return `the "strings" array (started at byte offset ${this.sectionStart}) ${this.sState === S_IN
          ? `inside string ${this.strings.length} (started at byte offset ${this.strStart})` : `after ${this.strings.length} strings`}`;
      case M_SKIP_ARRAY:
        return `the "${this.sectionName}" array (started at byte offset ${this.sectionStart})`;
      case M_SKIP:
        return `${this.skipper!.describe()} in the value of "${this.key}" (started at byte offset ${this.captureStart})`;
      case M_KEY:
        return `a top-level key (started at byte offset ${this.keyStart})`;
      case M_COLON:
      case M_VALUE:
        return `the top-level object, before the value of "${this.key}"`;
      case M_GZIP:
        return 'the first bytes';
      default:
        return this.seen.size ? `the top-level object, after the value of "${this.key}"` : 'the top-level object';
    }
  }

  private finish(): HeapSnapshot {
    if (this.base === 0) throw new SnapshotError('empty', 'The file is empty (0 bytes)', { offset: 0 });
    if (this.mode === M_START && !this.sawNonWs) {
      throw new SnapshotError('empty', `The file holds only whitespace (${this.base} bytes)`, { offset: this.base });
    }
    if (this.mode === M_GZIP) this.notJson(0, 'the file is one byte of binary data (0x1f)');
    if (this.mode !== M_DONE) {
      throw new SnapshotError('truncated', `Truncated: the data ends inside ${this.truncation()}`, { offset: this.base });
    }
    for (const k of ['snapshot', 'nodes', 'edges', 'strings']) {
      if (!this.seen.has(k)) {
        throw new SnapshotError('missing-section', `The heap snapshot has no "${k}" ${k === 'snapshot' ? 'object' : 'array'}`, { field: k });
      }
    }
    if (this.external === 1) throw new Error('internal: end() before setExternalEdges() for the claimed edges array');
    if (this.externalNodes === 1) throw new Error('internal: end() before setExternalNodes() for the claimed nodes array');
    const L = this.layout!;
    const nodeCount = this.nodes;
    const edgeCount = this.edges;
    if (L.nodeCount !== null && L.nodeCount !== nodeCount) {
      throw new SnapshotError('count-mismatch', `snapshot.node_count is ${L.nodeCount} but the nodes array holds ${nodeCount} nodes`, { field: 'snapshot.node_count' });
    }
    if (L.edgeCount !== null && L.edgeCount !== edgeCount) {
      throw new SnapshotError('count-mismatch', `snapshot.edge_count is ${L.edgeCount} but the edges array holds ${edgeCount} edges`, { field: 'snapshot.edge_count' });
    }
    if (this.nc.edgeSum !== edgeCount) {
      throw new SnapshotError('count-mismatch',
        `The nodes' edge_count values add up to ${this.nc.edgeSum} but the edges array holds ${edgeCount} edges`, { field: 'nodes (edge_count)' });
    }
    const trim8 = (a: Uint8Array, n: number) => this.trim8(a, n);
    const trim32 = (a: Uint32Array, n: number) => this.trim32(a, n);
    const firstEdge = trim32(this.nc.firstEdge, nodeCount + 1);
    firstEdge[nodeCount] = edgeCount;
    const edgeTo = trim32(this.ec.edgeTo, edgeCount);
    if (!this.edgeRangeChecked) {
      for (let e = 0; e < edgeCount; e++) {
        if (edgeTo[e] >= nodeCount) {
          throw new SnapshotError('bad-edge', `Edge ${e}: to_node ${edgeTo[e] * L.nf} points past the last node (${nodeCount} nodes)`,
            { field: `edges[${e * L.ef + L.eTo}] (to_node)` });
        }
      }
    }
    const strings = this.strings;
    const sc = strings.length;
    const nodeName = trim32(this.nc.nodeName, nodeCount);
    for (let n = 0; n < nodeCount; n++) {
      if (nodeName[n] >= sc) {
        throw new SnapshotError('bad-string-index', `Node ${n}: name ${nodeName[n]} is past the ${sc} strings`,
          { field: `nodes[${n * L.nf + L.nName}] (name)` });
      }
    }
    const edgeType = trim8(this.ec.edgeType, edgeCount);
    const edgeName = trim32(this.ec.edgeName, edgeCount);
    const el = L.edgeElement;
    const hi = L.edgeHidden;
    // the parse kept the largest string index an edge names: the loop finds the culprit only then
    for (let e = this.ec.maxName[0] >= sc ? 0 : edgeCount; e < edgeCount; e++) {
      const t = edgeType[e];
      if (edgeName[e] >= sc && t !== el && t !== hi) {
        throw new SnapshotError('bad-string-index',
          `Edge ${e} (${L.meta.edgeTypes[t]}): name_or_index ${edgeName[e]} is past the ${sc} strings`,
          { field: `edges[${e * L.ef + L.eName}] (name_or_index)` });
      }
    }
    const empty = new Float64Array(0);
    const gen = (k: string) => this.generic.get(k)?.values() ?? empty;
    // (shared like the columns: a parallel analysis' helper splits the class ids by location)
    const locations = buildLocations(gen('locations'), L, nodeCount, (n) => this.u32(n));
    const traceFunctionInfos = buildTraceFunctionInfos(gen('trace_function_infos'), L, sc);
    const traceTree = buildTraceTree(gen('trace_tree'), L, traceFunctionInfos?.count ?? 0);
    const samples = gen('samples');
    if (samples.length && L.meta.sampleFields.length && samples.length % L.meta.sampleFields.length !== 0) {
      throw new SnapshotError('count-mismatch', `samples has ${samples.length} numbers, not a multiple of its ${L.meta.sampleFields.length} fields`, { field: 'samples' });
    }
    strings.finish();
    return new HeapSnapshot({
      meta: L.meta,
      title: L.title,
      nodeType: trim8(this.nc.nodeType, nodeCount),
      nodeName,
      nodeId: trim32(this.nc.nodeId, nodeCount),
      nodeSelfSize: this.trimSizes(this.nc.nodeSelf, nodeCount),
      nodeTraceId: this.nc.nodeTrace ? trim32(this.nc.nodeTrace, nodeCount) : null,
      nodeDetachedness: this.nc.nodeDet ? trim8(this.nc.nodeDet, nodeCount) : null,
      firstEdge,
      edgeType,
      edgeNameOrIndex: edgeName,
      edgeTo,
      strings,
      locations,
      traceFunctionInfos,
      traceTree,
    });
  }
}

/** Column holder the scatter loops write into (the parser itself). */
interface NodeColumns {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /** Uint32Array until a self size needs more (needWideSizes), then Float64Array */
  nodeSelf: SizeArray;
  nodeTrace: Uint32Array | null;
  nodeDet: Uint8Array | null;
  firstEdge: Uint32Array;
  edgeSum: number;
}

interface EdgeColumns {
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
  /** [0]: the largest name_or_index of an edge that names a string (not element or hidden); 0 before any */
  maxName: Float64Array;
}

function anyNonZero(batch: Float64Array, from: number, end: number, step: number): boolean {
  for (let k = from; k < end; k += step) if (batch[k] !== 0) return true;
  return false;
}

/**
 * Hot loop: node records batch[0..end) into the columns from ordinal node0 on. Returns the new
 * running edge count, or -(k+1) where k is the batch index of the first record with an
 * out-of-range value. (Returned rather than stored: a property store after the loop made V8
 * deoptimize this function on every call.)
 */
function scatterNodes(batch: Float64Array, end: number, L: Layout, cols: NodeColumns, node0: number): number {
  const nf = L.nf;
  const T = L.nType;
  const N = L.nName;
  const I = L.nId;
  const S = L.nSelf;
  const E = L.nEdgeCount;
  const TR = L.nTrace;
  const D = L.nDet;
  const maxType = L.meta.nodeTypes.length - 1;
  const nodeType = cols.nodeType;
  const nodeName = cols.nodeName;
  const nodeId = cols.nodeId;
  const nodeSelf = cols.nodeSelf;
  const firstEdge = cols.firstEdge;
  const nodeTrace = cols.nodeTrace;
  const nodeDet = cols.nodeDet;
  let edgeSum = cols.edgeSum;
  let node = node0;
  for (let k = 0; k < end; k += nf) {
    const t = batch[k + T];
    const nm = batch[k + N];
    const id = batch[k + I];
    const ss = batch[k + S];
    const ec = batch[k + E];
    if (t > maxType || nm > MAX_U32 || id > MAX_U32 || ss > Number.MAX_SAFE_INTEGER || ec > MAX_U32) return -k - 1;
    nodeType[node] = t;
    nodeName[node] = nm;
    nodeId[node] = id;
    nodeSelf[node] = ss;
    firstEdge[node] = edgeSum;
    edgeSum += ec;
    if (nodeTrace !== null) {
      const tr = batch[k + TR];
      if (tr > MAX_U32) return -k - 1;
      nodeTrace[node] = tr;
    }
    if (nodeDet !== null) {
      const d = batch[k + D];
      if (d > 255) return -k - 1;
      // zeros not written: the column's untouched pages are never resident (mapped, see u8)
      if (d !== 0) nodeDet[node] = d;
    }
    node++;
  }
  return edgeSum;
}

/** Hot loop: edge records batch[0..end) into the columns from edge0 on; returns the first bad record's index or -1. */
function scatterEdges(batch: Float64Array, end: number, L: Layout, cols: EdgeColumns, edge0: number, maxTo: number): number {
  const ef = L.ef;
  const nf = L.nf;
  const T = L.eType;
  const N = L.eName;
  const TO = L.eTo;
  const maxType = L.meta.edgeTypes.length - 1;
  const el = L.edgeElement;
  const hi = L.edgeHidden;
  const edgeType = cols.edgeType;
  const edgeName = cols.edgeName;
  const edgeTo = cols.edgeTo;
  let maxName = cols.maxName[0];
  let edge = edge0;
  for (let k = 0; k < end; k += ef) {
    const t = batch[k + T];
    const nm = batch[k + N];
    const to = batch[k + TO];
    const q = to / nf;
    // q >>> 0 differs from q unless q is a whole number below 2^32, i.e. to_node a multiple of nf
    if (t > maxType || nm > MAX_U32 || q !== q >>> 0 || to >= maxTo) {
      cols.maxName[0] = maxName;
      return k;
    }
    edgeType[edge] = t;
    edgeName[edge] = nm;
    edgeTo[edge] = q;
    if (nm > maxName && t !== el && t !== hi) maxName = nm;
    edge++;
  }
  cols.maxName[0] = maxName;
  return -1;
}

// ---------------------------------------------------------------- record fast path
//
// V8 (and our Python exporter) write nodes and edges in one field order, as `digits,digits,...`
// with one record per line (`\n,` between records). For that layout the functions below read
// whole records straight into the columns, with no Float64 batch in between. Each field has its
// own code (its own branches, so the branch predictor learns each field's typical length; a loop
// over the fields ran at about half the speed), and the long numbers (node name and id, to_node)
// are read four bytes at a time (a DataView load and a SWAR test for the first non-digit; 15%
// faster than the byte loop on nodes, 20% on edges). They take only records they
// can fully check (plain integers without a leading zero, every value in range, the separator `,`,
// `,\n` or `\n,` after the record) and stop at the first record they cannot: the general loop then
// reads that record and reports any error exactly as it would have without the fast path.

/** Bytes a record may span in the fast path before the general loop must take over (see fastStop). */
const FAST_FIELD_BYTES = 24;
/**
 * Outputs of the fast path functions: records taken, and the running edge sum (nodes). The count
 * is kept apart in an Int32Array: read from a Float64Array it came back as a heap number, and the
 * next call (taking it as node0/edge0) deoptimized at every 8 MB slice.
 */
const FAST_COUNT = new Int32Array(1);
const FAST_SUM = new Float64Array(1);
const POW10 = [1, 10, 100, 1000];

/** Value of the four decimal digits (0..9, the first digit in the low byte) packed in x. */
function fourDigits(x: number): number {
  const t = (Math.imul(x, 10) + (x >>> 8)) & 0x00FF00FF;
  return Math.imul(t & 0xFF, 100) + (t >>> 16);
}

/** True when the layout is V8's: nodes type,name,id,self_size,edge_count[,trace_node_id[,detachedness]], edges type,name_or_index,to_node. */
function isV8Layout(L: Layout): boolean {
  return L.nType === 0 && L.nName === 1 && L.nId === 2 && L.nSelf === 3 && L.nEdgeCount === 4
    && L.nf <= 7 && L.nTrace === (L.nf >= 6 ? 5 : -1) && L.nDet === (L.nf === 7 ? 6 : -1)
    && L.ef === 3 && L.eType === 0 && L.eName === 1 && L.eTo === 2;
}

// The digit loops below use `!(d >= 0 && d <= 9)` so that a read past the end (undefined - 48 is
// NaN) also ends a number; callers keep FAST_FIELD_BYTES per field before the buffer's end.

/** End index of the number fourByteDigitsAt last read (kept apart like FAST_COUNT). */
const FAST_END = new Int32Array(1);

/**
 * A plain integer of 1 to 11 digits at byte j, read four bytes at a time; -1 for no digit, a leading
 * zero or 12 digits and more (the general loop then reads the record). The caller keeps 12 bytes
 * after j inside dv. The index after the number goes to FAST_END[0].
 */
function fourByteDigitsAt(dv: DataView, j: number): number {
  // x holds four bytes with digits as 0..9; m flags the non-digit bytes (x byte >= 10, via the carry
  // into each byte's high bit; bytes >= 0x80 are flagged by `| x`)
  let x = dv.getUint32(j, true) ^ 0x30303030;
  let m = ((x + 0x76767676) | x) & 0x80808080;
  let v: number;
  if (m !== 0) {
    const k = (31 - Math.clz32(m & -m)) >> 3; // digits before the first non-digit
    if (k === 0 || (k > 1 && (x & 0xFF) === 0)) return -1; // no digit, or a leading zero
    v = fourDigits(x << (32 - 8 * k));
    j += k;
  } else {
    if ((x & 0xFF) === 0) return -1;
    v = fourDigits(x);
    j += 4;
    x = dv.getUint32(j, true) ^ 0x30303030;
    m = ((x + 0x76767676) | x) & 0x80808080;
    if (m === 0) {
      v = v * 10000 + fourDigits(x);
      j += 4;
      x = dv.getUint32(j, true) ^ 0x30303030;
      m = ((x + 0x76767676) | x) & 0x80808080;
      if (m === 0) return -1; // 12 digits or more: far out of range
    }
    const k = (31 - Math.clz32(m & -m)) >> 3;
    if (k !== 0) {
      v = v * POW10[k] + fourDigits(x << (32 - 8 * k));
      j += k;
    }
  }
  FAST_END[0] = j;
  return v;
}

/**
 * Node records (V8 layout) from buf[i], a record start, while they start before `stop` and the
 * columns have room (`cap` nodes). Returns the index of the first record not taken; the count
 * taken and the new edge sum are left in FAST_COUNT and FAST_SUM.
 */
function fastNodesV8(buf: Uint8Array, dv: DataView, i: number, stop: number, nf: number, maxType: number, cols: NodeColumns, node0: number,
  cap: number): number {
  const nodeType = cols.nodeType;
  const nodeName = cols.nodeName;
  const nodeId = cols.nodeId;
  const nodeSelf = cols.nodeSelf;
  const firstEdge = cols.firstEdge;
  const nodeTrace = cols.nodeTrace;
  const nodeDet = cols.nodeDet;
  let edgeSum = cols.edgeSum;
  let node = node0;
  // a self size the column cannot hold goes to the general loop (which widens the column)
  const maxSelf = nodeSelf instanceof Float64Array ? Number.MAX_SAFE_INTEGER : MAX_U32;
  const last = dv.byteLength - 16; // room for the three 4-byte loads of a number and its separator
  while (i < stop && node < cap) {
    let j = i;
    // type
    let c = buf[j];
    let t = c - 48;
    if (!(t >= 0 && t <= 9)) break;
    c = buf[++j];
    if (t !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { t = t * 10 + d; c = buf[++j]; }
    if (c !== 44 || j > last) break;
    // name and id, four bytes at a time
    const nm = fourByteDigitsAt(dv, j + 1);
    if (nm < 0) break;
    j = FAST_END[0];
    if (buf[j] !== 44 || j > last) break;
    const id = fourByteDigitsAt(dv, j + 1);
    if (id < 0) break;
    j = FAST_END[0];
    if (buf[j] !== 44) break;
    // self_size
    c = buf[++j];
    let ss = c - 48;
    if (!(ss >= 0 && ss <= 9)) break;
    c = buf[++j];
    if (ss !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { ss = ss * 10 + d; c = buf[++j]; }
    // edge_count
    if (c !== 44) break;
    c = buf[++j];
    let ec = c - 48;
    if (!(ec >= 0 && ec <= 9)) break;
    c = buf[++j];
    if (ec !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { ec = ec * 10 + d; c = buf[++j]; }
    // trace_node_id
    let tr = 0;
    if (nf >= 6) {
      if (c !== 44) break;
      c = buf[++j];
      tr = c - 48;
      if (!(tr >= 0 && tr <= 9)) break;
      c = buf[++j];
      if (tr !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { tr = tr * 10 + d; c = buf[++j]; }
    }
    // detachedness
    let det = 0;
    if (nf === 7) {
      if (c !== 44) break;
      c = buf[++j];
      det = c - 48;
      if (!(det >= 0 && det <= 9)) break;
      c = buf[++j];
      if (det !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { det = det * 10 + d; c = buf[++j]; }
    }
    // separator: `,` `,\n` or `\n,`
    if (c === 44) j += buf[j + 1] === 10 ? 2 : 1;
    else if (c === 10 && buf[j + 1] === 44) j += 2;
    else break;
    if (t > maxType || nm > MAX_U32 || id > MAX_U32 || ss > maxSelf || ec > MAX_U32 || edgeSum + ec > MAX_U32
      || tr > MAX_U32 || det > 255) break;
    // a first non-zero trace_node_id / detachedness: the general loop allocates the column
    if ((tr !== 0 && nodeTrace === null) || (det !== 0 && nodeDet === null)) break;
    nodeType[node] = t;
    nodeName[node] = nm;
    nodeId[node] = id;
    nodeSelf[node] = ss;
    firstEdge[node] = edgeSum;
    edgeSum += ec;
    if (nodeTrace !== null) nodeTrace[node] = tr;
    if (det !== 0 && nodeDet !== null) nodeDet[node] = det; // zeros not written (see u8)
    node++;
    i = j;
  }
  FAST_COUNT[0] = node - node0;
  FAST_SUM[0] = edgeSum;
  return i;
}

/** Edge records (V8 layout) from buf[i] (see fastNodesV8); the count taken is left in FAST_COUNT[0]. */
function fastEdgesV8(buf: Uint8Array, dv: DataView, i: number, stop: number, L: Layout, maxTo: number,
  cols: EdgeColumns, edge0: number, cap: number): number {
  const nf = L.nf;
  const maxType = L.meta.edgeTypes.length - 1;
  const el = L.edgeElement;
  const hi = L.edgeHidden;
  const edgeType = cols.edgeType;
  const edgeName = cols.edgeName;
  const edgeTo = cols.edgeTo;
  let maxName = cols.maxName[0];
  const last = dv.byteLength - 16; // room for the three 4-byte loads of to_node and its separator
  let edge = edge0;
  while (i < stop && edge < cap) {
    let j = i;
    // type
    let c = buf[j];
    let t = c - 48;
    if (!(t >= 0 && t <= 9)) break;
    c = buf[++j];
    if (t !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { t = t * 10 + d; c = buf[++j]; }
    if (c !== 44) break;
    // name_or_index
    c = buf[++j];
    let nm = c - 48;
    if (!(nm >= 0 && nm <= 9)) break;
    c = buf[++j];
    if (nm !== 0) for (let d = c - 48; d >= 0 && d <= 9; d = c - 48) { nm = nm * 10 + d; c = buf[++j]; }
    if (c !== 44 || j > last) break;
    // to_node, four bytes at a time
    const to = fourByteDigitsAt(dv, j + 1);
    if (to < 0) break;
    j = FAST_END[0];
    c = buf[j];
    if (c === 44) j += buf[j + 1] === 10 ? 2 : 1;
    else if (c === 10 && buf[j + 1] === 44) j += 2;
    else break;
    const q = to / nf;
    // q >>> 0 differs from q unless q is a whole number below 2^32, i.e. to_node a multiple of nf
    if (t > maxType || nm > MAX_U32 || q !== q >>> 0 || to >= maxTo) break;
    edgeType[edge] = t;
    edgeName[edge] = nm;
    edgeTo[edge] = q;
    if (nm > maxName && t !== el && t !== hi) maxName = nm;
    edge++;
    i = j;
  }
  cols.maxName[0] = maxName;
  FAST_COUNT[0] = edge - edge0;
  return i;
}

/** Parses a snapshot from an iterable or async iterable of byte chunks (chunks are not retained). */
export async function parseSnapshotChunks(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  opts: ParseOptions = {},
): Promise<HeapSnapshot> {
  const p = new SnapshotParser(opts);
  for await (const c of chunks) p.write(c);
  return p.end();
}

/** Parses a snapshot held in one byte array (tests and small inputs). */
export function parseSnapshotBytes(bytes: Uint8Array, opts: ParseOptions = {}): HeapSnapshot {
  const p = new SnapshotParser(opts);
  p.write(bytes);
  return p.end();
}
