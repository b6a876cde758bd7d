// The parser's fast paths in WebAssembly, from wasm/records.ts (AssemblyScript, compiled by
// scripts/build-wasm.mjs into recordsWasm.ts): node and edge records with the contract of
// parser.ts fastNodesV8 / fastEdgesV8 (take whole V8 records from buf[i] while they start before
// `stop` and every check passes, stop at the first one that does not), and strings without escapes
// (each with DevTools' WeakMap edge-name parse, edgeRules.ts WeakMapEdgeNames). The text is read in
// place when the loader read it into this module's memory (lendReadBlocks), else copied into it in
// windows of WINDOW bytes; the results come back into the columns with TypedArray.set. Measured on
// the edges of the 1 GB Node snapshot: 22 ns per edge against 46 ns for the JavaScript loop; its
// load 2.66 → 2.15 s together with the parser's plain-number runs. get() is null where WebAssembly
// is missing or refuses the module: the parser then keeps its JavaScript loops (tests compare both
// with the general loops).
import { RECORDS_WASM } from './recordsWasm';

interface RecordsExports {
  edges(end: number, i: number, stop: number, cap: number, nf: number, maxType: number, maxTo: number, element: number,
    hidden: number, maxName: number, outType: number, outName: number, outTo: number): number;
  nodes(end: number, i: number, stop: number, cap: number, nf: number, maxType: number, maxSelf: number, wideSelf: number,
    hasTrace: number, hasDet: number, edgeSum: number, outType: number, outName: number, outId: number, outSelf: number,
    outFirst: number, outTrace: number, outDet: number): number;
  strings(end: number, i: number, state: number, outBytes: number, outEnds: number, cap: number, outNameState: number,
    outNameTable: number, outNameHash: number): number;
  lastTaken(): number;
  lastBytes(): number;
  lastState(): number;
  lastNeedMore(): number;
  lastEdgeSum(): number;
  lastMaxName(): number;
  lastDetCount(): number;
}

/** The part of the WebAssembly API used here (the engine's lib has no DOM or WebAssembly typings). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: unknown };
}

/** Input bytes per call; records must start before WINDOW - MARGIN unless the window ends the buffer. */
const WINDOW = 1 << 20;
/**
 * Bytes after a window's last record start that its reads may reach: seven fields of at most 19
 * digits (more is no value any check accepts) and their separators, with room to spare.
 */
const MARGIN = 512;
/** records a window can hold: a record is at least 6 bytes ("0,0,0,") */
const RECORDS = Math.ceil((WINDOW + MARGIN) / 6) + 1;
const IN = 0;
const OUT_TYPE = WINDOW + MARGIN;
const OUT_NAME = OUT_TYPE + RECORDS + 8 - (RECORDS % 8);
const OUT_ID = OUT_NAME + 4 * RECORDS;
const OUT_SELF = OUT_ID + 4 * RECORDS;
const OUT_FIRST = OUT_SELF + 8 * RECORDS;
const OUT_TRACE = OUT_FIRST + 4 * RECORDS;
const OUT_DET = OUT_TRACE + 4 * RECORDS;
/** strings(): the first window's bytes */
const STRING_WINDOW_MIN = 64 << 10;
/** strings(): the strings' bytes (at most the window's) */
const OUT_STR = OUT_DET + RECORDS + 8 - (RECORDS % 8);
/**
 * Two blocks the file loaders may read into (readBlocks): the functions then read their input in
 * place, with no copy into the window (a loader's blocks are 4 MB).
 */
export const READ_BLOCK_BYTES = 4 << 20;
const READ_AT = Math.ceil((OUT_STR + WINDOW + MARGIN) / 65536) * 65536;
const BYTES = READ_AT + 2 * READ_BLOCK_BYTES;

/** Node columns as the parser fills them (see parser.ts NodeColumns). */
export interface WasmNodeColumns {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelf: Uint32Array | Float64Array;
  nodeTrace: Uint32Array | null;
  nodeDet: Uint8Array | null;
  firstEdge: Uint32Array;
}

/** Edge columns as the parser fills them (see parser.ts EdgeColumns). */
export interface WasmEdgeColumns {
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
}

/** Where strings() puts what it read (the parser's string table: strings.ts StringTable). */
export interface WasmStringSink {
  /** the byte array to write into (room for the rest of the buffer from writeStart()) */
  out: Uint8Array;
  /** where the next string's bytes go in out (each commit moves it) */
  writeStart(): number;
  /** ends the next k strings (no escapes) at bytes base + ends[0..k) of out */
  commitMany(ends: Uint32Array, k: number, base: number): void;
  /**
   * the WeakMap edge-name parse of the k strings just committed (edgeRules.ts WeakMapEdgeNames:
   * state NOT_PARSED, NOT_WEAKMAP, WEAKMAP or WEAKMAP_BIG_TABLE; table id and pair hash of a name)
   */
  weakMapNames(state: Uint8Array, tableIds: Uint32Array, hashes: Int32Array, k: number): void;
}

/** What a call took: records, and the running edge sum (nodes) or largest string name (edges). */
export interface WasmTaken {
  count: number;
  /** nodes: the edge sum after the records taken; edges: the largest string name_or_index */
  value: number;
}

/** One instance per thread (module state: each worker loads its own copy of this bundle). */
export class WasmRecords {
  private readonly x: RecordsExports;
  private readonly u8: Uint8Array;
  private readonly outType: Uint8Array;
  private readonly outName: Uint32Array;
  private readonly outId: Uint32Array;
  private readonly outSelf32: Uint32Array;
  private readonly outSelf64: Float64Array;
  private readonly outFirst: Uint32Array;
  private readonly outTrace: Uint32Array;
  private readonly outDet: Uint8Array;
  private readonly outEnds: Uint32Array;
  private readonly outHash: Int32Array;
  /** bytes of the next strings() window (see strings) */
  private stringWindow = STRING_WINDOW_MIN;

  private constructor(x: RecordsExports, memory: ArrayBuffer) {
    this.x = x;
    this.u8 = new Uint8Array(memory);
    this.outType = new Uint8Array(memory, OUT_TYPE, RECORDS);
    this.outName = new Uint32Array(memory, OUT_NAME, RECORDS);
    this.outId = new Uint32Array(memory, OUT_ID, RECORDS);
    this.outSelf32 = new Uint32Array(memory, OUT_SELF, RECORDS);
    this.outSelf64 = new Float64Array(memory, OUT_SELF, RECORDS);
    this.outFirst = new Uint32Array(memory, OUT_FIRST, RECORDS);
    this.outTrace = new Uint32Array(memory, OUT_TRACE, RECORDS);
    this.outDet = new Uint8Array(memory, OUT_DET, RECORDS);
    this.outEnds = new Uint32Array(memory, OUT_NAME, RECORDS);
    this.outHash = new Int32Array(memory, OUT_SELF, RECORDS);
  }

  private static made: WasmRecords | null | undefined;

  /**
   * Drops this thread's instance (its memory, ~13 MB once the read blocks were used, goes at the
   * next collection; the next get() makes a new one): the loader calls it when a load is done, so
   * the memory is not held through the analysis.
   */
  static release(): void {
    const m = WasmRecords.made;
    if (m && m.blocksLent) return;
    WasmRecords.made = undefined;
  }

  /** This thread's instance, or null when WebAssembly is unavailable here. */
  static get(): WasmRecords | null {
    if (WasmRecords.made !== undefined) return WasmRecords.made;
    WasmRecords.made = null;
    try {
      const W = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (W === undefined) return null;
      const memory = new W.Memory({ initial: Math.ceil(BYTES / 65536) });
      const module = new W.Module(decodeBase64(RECORDS_WASM));
      const x = new W.Instance(module, { env: { memory } }).exports as RecordsExports;
      WasmRecords.made = new WasmRecords(x, memory.buffer);
    } catch {
      WasmRecords.made = null;
    }
    return WasmRecords.made;
  }

  /**
   * Where buf[i] is in linear memory: in place when buf is one of the read blocks (readBlocks()),
   * else buf[i, segEnd) copied to the window.
   */
  private input(buf: Uint8Array, i: number, segEnd: number): number {
    if (buf.buffer === this.u8.buffer) return buf.byteOffset + i;
    this.u8.set(buf.subarray(i, segEnd), IN);
    return IN;
  }

  private blocksLent = false;

  /**
   * Two blocks of READ_BLOCK_BYTES in linear memory for a loader to read the file into (double
   * buffered): records and strings are then read in place. One loader at a time (null while
   * another one has them: it reads into its own buffers); give them back with returnReadBlocks.
   */
  lendReadBlocks(): [Uint8Array, Uint8Array] | null {
    if (this.blocksLent) return null;
    this.blocksLent = true;
    return [new Uint8Array(this.u8.buffer, READ_AT, READ_BLOCK_BYTES), new Uint8Array(this.u8.buffer, READ_AT + READ_BLOCK_BYTES, READ_BLOCK_BYTES)];
  }

  returnReadBlocks(): void {
    this.blocksLent = false;
  }

  /**
   * Node records from buf[i] into the columns from index node0 (room for `cap - node0`), with the
   * running edge sum; as parser.ts fastNodesV8. Returns the index of the first record not taken.
   */
  nodes(buf: Uint8Array, i: number, stop: number, nf: number, maxType: number, cols: WasmNodeColumns, edgeSum: number,
    node0: number, cap: number, maxSelf: number, out: WasmTaken): number {
    const len = buf.length;
    const wide = cols.nodeSelf instanceof Float64Array;
    let node = node0;
    let sum = edgeSum;
    for (;;) {
      const segEnd = Math.min(len, i + WINDOW + MARGIN);
      const s = segEnd === len ? stop : Math.min(stop, segEnd - MARGIN);
      if (i >= s || node >= cap) break;
      const at = this.input(buf, i, segEnd);
      const room = Math.min(cap - node, RECORDS);
      const r = this.x.nodes(at + len - i, at, at + s - i, room, nf, maxType, maxSelf, wide ? 1 : 0, cols.nodeTrace ? 1 : 0,
        cols.nodeDet ? 1 : 0, sum, OUT_TYPE, OUT_NAME, OUT_ID, OUT_SELF, OUT_FIRST, OUT_TRACE, OUT_DET) - at;
      const k = this.x.lastTaken();
      if (k > 0) {
        cols.nodeType.set(this.outType.subarray(0, k), node);
        cols.nodeName.set(this.outName.subarray(0, k), node);
        cols.nodeId.set(this.outId.subarray(0, k), node);
        if (wide) cols.nodeSelf.set(this.outSelf64.subarray(0, k), node);
        else cols.nodeSelf.set(this.outSelf32.subarray(0, k), node);
        cols.firstEdge.set(this.outFirst.subarray(0, k), node);
        if (cols.nodeTrace) cols.nodeTrace.set(this.outTrace.subarray(0, k), node);
        // zeros are not written (the column's untouched pages stay unmapped)
        if (cols.nodeDet && this.x.lastDetCount() > 0) {
          const det = this.outDet;
          for (let q = 0; q < k; q++) if (det[q] !== 0) cols.nodeDet[node + q] = det[q];
        }
        node += k;
        sum = this.x.lastEdgeSum();
      }
      i += r;
      if (i < s) break;
    }
    out.count = node - node0;
    out.value = sum;
    return i;
  }

  /**
   * Edge records from buf[i] into the columns from index edge0 (room for `cap - edge0`); as
   * parser.ts fastEdgesV8. `maxName`: the largest string name so far. Returns the index of the
   * first record not taken.
   */
  edges(buf: Uint8Array, i: number, stop: number, nf: number, maxType: number, maxTo: number, element: number, hidden: number,
    cols: WasmEdgeColumns, maxName: number, edge0: number, cap: number, out: WasmTaken): number {
    const len = buf.length;
    let edge = edge0;
    let mx = maxName;
    for (;;) {
      const segEnd = Math.min(len, i + WINDOW + MARGIN);
      const s = segEnd === len ? stop : Math.min(stop, segEnd - MARGIN);
      if (i >= s || edge >= cap) break;
      const at = this.input(buf, i, segEnd);
      const room = Math.min(cap - edge, RECORDS);
      const r = this.x.edges(at + len - i, at, at + s - i, room, nf, maxType, maxTo, element, hidden, mx, OUT_TYPE, OUT_NAME, OUT_ID) - at;
      const k = this.x.lastTaken();
      if (k > 0) {
        cols.edgeType.set(this.outType.subarray(0, k), edge);
        cols.edgeName.set(this.outName.subarray(0, k), edge);
        cols.edgeTo.set(this.outId.subarray(0, k), edge);
        edge += k;
        mx = this.x.lastMaxName();
      }
      i += r;
      if (i < s) break;
    }
    out.count = edge - edge0;
    out.value = mx;
    return i;
  }

  /**
   * The strings array from buf[i] (between tokens, in parser state `state`: S_START, S_AFTER or
   * S_EXPECT) while its tokens are strings without escapes or control bytes, commas and whitespace:
   * each string's bytes are copied to the sink and committed. Stops at any other token (the caller
   * reads it) and before a string that ends past the buffer or is longer than a window. Each
   * string's WeakMap edge-name parse goes to the sink as well (its bytes are in cache here; the
   * distances and the essential edges need it). Returns the index where it stopped; the state
   * there goes to out.value, the strings taken to out.count.
   */
  strings(buf: Uint8Array, i: number, state: number, sink: WasmStringSink, out: WasmTaken): number {
    const len = buf.length;
    let st = state;
    let count = 0;
    const bytes = this.u8;
    for (;;) {
      // windows grow from 64 KB while the strings go on without other tokens: a copy of a whole
      // window for each of the few escaped strings would cost more than their parse
      const segEnd = Math.min(len, i + this.stringWindow);
      if (i >= segEnd) break;
      const at = this.input(buf, i, segEnd);
      const r = this.x.strings(at + segEnd - i, at, st, OUT_STR, OUT_NAME, RECORDS, OUT_TYPE, OUT_ID, OUT_SELF) - at;
      const k = this.x.lastTaken();
      if (k > 0) {
        const b = this.x.lastBytes();
        const to = sink.writeStart();
        sink.out.set(bytes.subarray(OUT_STR, OUT_STR + b), to);
        sink.commitMany(this.outEnds, k, to);
        sink.weakMapNames(this.outType, this.outId, this.outHash, k);
        count += k;
      }
      st = this.x.lastState();
      i += r;
      // a string that runs past this window: the next one, unless the buffer ends here or no string was taken
      if (this.x.lastNeedMore() === 0) {
        this.stringWindow = STRING_WINDOW_MIN;
        break;
      }
      this.stringWindow = Math.min(2 * this.stringWindow, WINDOW + MARGIN);
      if (segEnd === len || (k === 0 && r === 0)) break;
    }
    out.count = count;
    out.value = st;
    return i;
  }
}

function decodeBase64(s: string): Uint8Array {
  const map = new Int8Array(128).fill(-1);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let k = 0; k < 64; k++) map[abc.charCodeAt(k)] = k;
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 61) n--;
  const out = new Uint8Array((n * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let k = 0; k < n; k++) {
    acc = (acc << 6) | map[s.charCodeAt(k)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}
