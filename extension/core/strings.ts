// The snapshot's strings outside the JS heap: every string's bytes as the file spells them (UTF-8,
// JSON escapes left in place) in one byte array, an offset per string, and a bit per string that
// says whether it holds a backslash escape. A 1 GB Node snapshot has 3 M strings (121 M chars): as
// JS strings they took 270 MB of JS heap, here 133 MB of typed arrays that a helper thread can
// share. Strings are decoded when read (get), the last few thousand kept in a small cache.

import { mappedBuffer, mappedSharedBuffer } from './scratch';

/** Offsets become 64-bit floats past this many bytes. */
const MAX_U32 = 0xffffffff;
/** Entries of the direct-mapped cache of decoded strings. */
const CACHE_SIZE = 4096;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The buffers behind a StringTable (all on SharedArrayBuffers when the table was built shared). */
export interface StringTableParts {
  count: number;
  bytes: Uint8Array;
  /** count + 1 offsets into bytes: string i is bytes[offsets[i], offsets[i + 1]) */
  offsets: Uint32Array | Float64Array;
  /** bit i set: string i holds JSON backslash escapes */
  escaped: Uint32Array;
}

/**
 * Decodes the body of a JSON string literal (the bytes between the quotes) with its backslash
 * escapes; \uXXXX code units are kept as they are (so surrogate pairs come out as pairs and lone
 * surrogates survive). Null for an invalid escape.
 */
export function decodeJsonStringBody(bytes: Uint8Array, s: number, e: number): string | null {
  let out = '';
  let run = s;
  for (let i = s; i < e; i++) {
    if (bytes[i] !== 92) continue;
    if (i > run) out += decoder.decode(bytes.subarray(run, i));
    const c = bytes[i + 1];
    i++;
    switch (c) {
      case 34: out += '"'; break;
      case 92: out += '\\'; break;
      case 47: out += '/'; break;
      case 98: out += '\b'; break;
      case 102: out += '\f'; break;
      case 110: out += '\n'; break;
      case 114: out += '\r'; break;
      case 116: out += '\t'; break;
      case 117: {
        if (i + 4 >= e) return null;
        let code = 0;
        for (let k = 1; k <= 4; k++) {
          const d = hexDigit(bytes[i + k]);
          if (d < 0) return null;
          code = code * 16 + d;
        }
        out += String.fromCharCode(code);
        i += 4;
        break;
      }
      default:
        return null;
    }
    run = i + 1;
  }
  if (run < e) out += decoder.decode(bytes.subarray(run, e));
  return out;
}

function hexDigit(h: number): number {
  return h <= 57 && h >= 48 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
}

/** True when s must be stored escaped: a quote, a backslash, a control character or a lone surrogate. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) return true;
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00 || i + 1 >= s.length) return true;
      const d = s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return true;
      i++;
    }
  }
  return false;
}

/**
 * The strings of a snapshot, append-only while the parser fills it (get works at any time), then
 * trimmed by finish(). Index reads go through get(i); a string past the end reads as ''.
 */
export class StringTable {
  private count = 0;
  /** bytes of the committed strings: [0, used) */
  private used = 0;
  private bytes: Uint8Array;
  private offsets: Uint32Array | Float64Array;
  private escaped: Uint32Array;
  /** a view of `bytes` for word reads (made on first use; remade when bytes is replaced) */
  private view: DataView | null = null;
  private readonly shared: boolean;
  private cacheKeys = new Int32Array(CACHE_SIZE).fill(-1);
  private cacheValues: string[] = new Array<string>(CACHE_SIZE).fill('');

  /**
   * The WeakMap edge-name parse of the strings read so far, where the parser did it while it read
   * them (edgeRules.ts WeakMapEdgeNames takes it over, then drops it here); null otherwise.
   * state[i] 0 (not parsed: WeakMapEdgeNames parses it), or its NOT_WEAKMAP, WEAKMAP, WEAKMAP_BIG_TABLE.
   */
  weakMapParse: { state: Uint8Array; tableIds: Uint32Array; hashes: Int32Array } | null = null;

  constructor(opts: { shared?: boolean; parts?: StringTableParts } = {}) {
    this.shared = opts.shared === true;
    const p = opts.parts;
    if (p) {
      this.count = p.count;
      this.bytes = p.bytes;
      this.offsets = p.offsets;
      this.escaped = p.escaped;
      this.used = p.offsets[p.count];
      return;
    }
    this.bytes = this.alloc8(0);
    this.offsets = new Uint32Array(this.buffer(4 * 1024), 0, 1024);
    this.escaped = new Uint32Array(this.buffer(4 * 32), 0, 32);
  }

  /** A table of these strings (tests, builders, other producers). */
  static from(strings: readonly string[], opts: { shared?: boolean } = {}): StringTable {
    const t = new StringTable(opts);
    for (const s of strings) t.add(s);
    t.finish();
    return t;
  }

  /** Number of strings. */
  get length(): number {
    return this.count;
  }

  /** True when the buffers are SharedArrayBuffers (so another thread can read them through parts()). */
  get isShared(): boolean {
    return this.shared;
  }

  /** String i ('' when i is out of range). */
  get(i: number): string {
    const slot = i & (CACHE_SIZE - 1);
    if (this.cacheKeys[slot] === i) return this.cacheValues[slot];
    if (!(i >= 0 && i < this.count)) return '';
    const a = this.offsets[i];
    const b = this.offsets[i + 1];
    let s: string;
    if (a === b) s = '';
    else if (((this.escaped[i >>> 5] >>> (i & 31)) & 1) === 0) s = decoder.decode(this.bytes.subarray(a, b));
    else s = decodeJsonStringBody(this.bytes, a, b) ?? '';
    this.cacheKeys[slot] = i;
    this.cacheValues[slot] = s;
    return s;
  }

  /** Byte length of string i as stored (escapes count as written); 0 when out of range. */
  byteLength(i: number): number {
    return i >= 0 && i < this.count ? this.offsets[i + 1] - this.offsets[i] : 0;
  }

  /** The byte array strings are stored in now (a later add may replace it; see offsetOf). */
  rawBytes(): Uint8Array {
    return this.bytes;
  }

  /** Where string i's stored bytes start in rawBytes(). */
  offsetOf(i: number): number {
    return this.offsets[i];
  }

  /** Stored byte k of string i (no bounds check beyond the table's). */
  byteAt(i: number, k: number): number {
    return this.bytes[this.offsets[i] + k];
  }

  /** True when string i holds backslash escapes (its stored bytes are not its text). */
  isEscaped(i: number): boolean {
    return i >= 0 && i < this.count && ((this.escaped[i >>> 5] >>> (i & 31)) & 1) === 1;
  }

  /** True when string i equals s, compared on the stored bytes when s is ASCII without quote or backslash. */
  equals(i: number, s: string): boolean {
    if (!(i >= 0 && i < this.count)) return false;
    if (this.isEscaped(i) || !plainAscii(s)) return this.get(i) === s;
    const a = this.offsets[i];
    if (this.offsets[i + 1] - a !== s.length) return false;
    const bytes = this.bytes;
    for (let k = 0; k < s.length; k++) if (bytes[a + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** True when string i is a non-empty run of ASCII digits (checked on the stored bytes unless escaped). */
  isDigits(i: number): boolean {
    if (!(i >= 0 && i < this.count)) return false;
    if (this.isEscaped(i)) return /^[0-9]+$/.test(this.get(i));
    const { bytes } = this;
    const a = this.offsets[i];
    const e = this.offsets[i + 1];
    if (a === e) return false;
    for (let p = a; p < e; p++) if (bytes[p] < 48 || bytes[p] > 57) return false;
    return true;
  }

  /**
   * True when strings a and b, both unescaped, are equal after their leading ASCII digits (the
   * "duplicated part" of two WeakMap edge names), compared on the stored bytes.
   */
  sameAfterDigits(a: number, b: number): boolean {
    const { offsets, bytes } = this;
    let i = offsets[a];
    const ea = offsets[a + 1];
    let j = offsets[b];
    const eb = offsets[b + 1];
    while (i < ea && bytes[i] >= 48 && bytes[i] <= 57) i++;
    while (j < eb && bytes[j] >= 48 && bytes[j] <= 57) j++;
    if (ea - i !== eb - j) return false;
    // four bytes at a time (the WeakMap pair matching of the distances compares ~0.5 M name pairs of
    // ~80 bytes on a 1 GB heap)
    let view = this.view;
    if (view === null || view.buffer !== bytes.buffer || view.byteOffset !== bytes.byteOffset || view.byteLength !== bytes.byteLength) {
      view = this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    for (; i + 4 <= ea; i += 4, j += 4) if (view.getUint32(i) !== view.getUint32(j)) return false;
    for (; i < ea; i++, j++) if (bytes[i] !== bytes[j]) return false;
    return true;
  }

  /** Index of the first string equal to s at or after `from`, or -1. */
  indexOf(s: string, from = 0): number {
    for (let i = Math.max(0, from); i < this.count; i++) if (this.equals(i, s)) return i;
    return -1;
  }

  /** Every string, decoded (tests and small tables only). */
  toArray(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.get(i);
    return out;
  }

  /** The buffers, for another thread (new StringTable({ parts })). */
  parts(): StringTableParts {
    return { count: this.count, bytes: this.bytes, offsets: this.offsets, escaped: this.escaped };
  }

  // ------------------------------------------------------------------ building

  /** Appends a string. */
  add(s: string): void {
    if (needsEscape(s)) {
      const body = encoder.encode(JSON.stringify(s));
      this.addBytes(body, 1, body.length - 1, true);
    } else {
      const body = encoder.encode(s);
      this.addBytes(body, 0, body.length, false);
    }
  }

  /** Appends the string stored as src[s, e) (escaped: it holds JSON backslash escapes). */
  addBytes(src: Uint8Array, s: number, e: number, escaped: boolean): void {
    this.reserve(e - s);
    this.bytes.set(src.subarray(s, e), this.used);
    this.commit(this.used + e - s, escaped);
  }

  /**
   * Room for `extra` more bytes after byte `from` (default: the end of the committed strings; a
   * string being written keeps its bytes up to `from`): the array to write into from writeStart.
   */
  reserve(extra: number, from = this.used): Uint8Array {
    const need = from + extra;
    if (need > this.bytes.length) {
      const grown = this.alloc8(Math.max(need, Math.ceil(this.bytes.length * 1.5), 4096));
      grown.set(this.bytes.subarray(0, from));
      this.bytes = grown;
    }
    return this.bytes;
  }

  /** Where the next string's bytes go in the array reserve returned. */
  get writeStart(): number {
    return this.used;
  }

  /** Ends the next string at byte `end` of the array (its bytes were written from writeStart on). */
  commit(end: number, escaped: boolean): void {
    const i = this.count;
    if (i + 1 >= this.offsets.length || (end > MAX_U32 && this.offsets instanceof Uint32Array)) this.growOffsets(end);
    this.offsets[i + 1] = end;
    if ((i >>> 5) >= this.escaped.length) this.growEscaped();
    if (escaped) this.escaped[i >>> 5] |= 1 << (i & 31);
    this.used = end;
    this.count = i + 1;
  }

  /**
   * Ends the next k strings, none with escapes, at bytes base + ends[0..k) of the array (their bytes
   * were written from writeStart on; ends ascending): k commit() calls in one.
   */
  commitMany(ends: Uint32Array, k: number, base: number): void {
    if (k === 0) return;
    const last = base + ends[k - 1];
    while (this.count + k + 1 > this.offsets.length || (last > MAX_U32 && this.offsets instanceof Uint32Array)) this.growOffsets(last);
    while (((this.count + k) >>> 5) >= this.escaped.length) this.growEscaped();
    const offsets = this.offsets;
    const at = this.count + 1;
    for (let q = 0; q < k; q++) offsets[at + q] = base + ends[q];
    this.used = last;
    this.count += k;
  }

  /** Trims the arrays to their contents (copies only when more than an eighth would be wasted). */
  finish(): void {
    const n = this.count;
    if (this.bytes.length - this.used > this.bytes.length / 8) {
      const exact = this.alloc8(this.used);
      exact.set(this.bytes.subarray(0, this.used));
      this.bytes = exact;
    } else {
      this.bytes = this.bytes.subarray(0, this.used);
    }
    const offs = this.offsets instanceof Float64Array
      ? new Float64Array(this.buffer(8 * (n + 1)), 0, n + 1) : new Uint32Array(this.buffer(4 * (n + 1)), 0, n + 1);
    offs.set(this.offsets.subarray(0, n + 1));
    this.offsets = offs;
    const words = (n + 31) >>> 5;
    const esc = new Uint32Array(this.buffer(4 * Math.max(words, 1)), 0, Math.max(words, 1));
    esc.set(this.escaped.subarray(0, esc.length));
    this.escaped = esc;
  }

  private growOffsets(end: number): void {
    const len = Math.max(1024, this.offsets.length * 2);
    const wide = this.offsets instanceof Float64Array || end > MAX_U32;
    const grown = wide ? new Float64Array(this.buffer(8 * len), 0, len) : new Uint32Array(this.buffer(4 * len), 0, len);
    grown.set(this.offsets.subarray(0, this.count + 1));
    this.offsets = grown;
  }

  private growEscaped(): void {
    const len = this.escaped.length * 2;
    const grown = new Uint32Array(this.buffer(4 * len), 0, len);
    grown.set(this.escaped);
    this.escaped = grown;
  }

  // mapped (scratch.ts): the outgrown arrays' memory goes back to the system
  private buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? mappedSharedBuffer(bytes) : mappedBuffer(bytes);
  }

  private alloc8(n: number): Uint8Array {
    return new Uint8Array(this.buffer(n), 0, n);
  }
}

/** True when every character of s is ASCII and neither a quote, a backslash nor a control character. */
function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) return false;
  }
  return true;
}
