// Chrome DevTools' rules for which edges count, written down as named predicates and precomputed
// tables. Source read: chrome-devtools-frontend, front_end/entrypoints/heap_snapshot_worker/
// HeapSnapshot.ts (HeapSnapshot.calculateDistances/bfs, JSHeapSnapshot.calculateDistances's filter,
// computeIsEssentialEdge, markPageOwnedNodes, calculateShallowSizes, tryParseWeakMapEdgeName).
// The code here is our own; only the rules are DevTools'.
//
// The rules, in one place:
//
// Roots
//  - The synthetic root is node ordinal 0. Its children that are "user roots" — any node that is not
//    `synthetic`, or the synthetic "(Document DOM trees)" node — start the distance BFS at distance 1.
//    In a Node snapshot that is the `global` object (a shortcut edge from the root); in Chromium the
//    Window objects and "(Document DOM trees)".
//  - Nodes reached only from the other (system) roots ("(GC roots)", "C++ roots", ...) get distances
//    from a second BFS that starts at the root with distance BASE_SYSTEM_DISTANCE (100 000 000), so
//    they sort after everything a user root reaches. DevTools displays those as "−". When the root
//    has no user roots at all ("expose internals" snapshots) the second BFS starts at 0.
//
// Distances (BFS, first visit wins, edges in file order)
//  - weak edges are never followed, so nodes reachable only through weak edges get no distance
//    (UNREACHABLE, -1; DevTools uses -5 internally and shows "−");
//  - from a `hidden` node named "system / NativeContext", the edge named "sloppy_function_map" is
//    not followed;
//  - from an `array` node named "(map descriptors)", the element whose index i has i >= 2 and
//    i % 3 == 1 is not followed (descriptor arrays are shared between maps, crbug.com/413608);
//  - WeakMap ephemerons: V8 writes two `internal` edges to each WeakMap value, one from the table and
//    one from the key, both named "<n> / part of key (K @id) -> value (V @id) pair in WeakMap (table
//    @id)" with the same text after the number. The first of the pair met while the value is still
//    unvisited is skipped and remembered; the second is followed. The value therefore gets
//    max(table, key) + 1 (crbug.com/1290800). The pair memory lives across both BFS passes.
//
// Dominators ("essential" edges; everything else is ignored)
//  - weak edges: never;
//  - self edges (a node to itself): never;
//  - the WeakMap table → value edge (an `internal` edge whose name parses as above and whose table id
//    equals the owner's node id): never; the key → value edge stays;
//  - from any node but the root: `shortcut` edges never; an edge from a node that is not page-owned
//    into a page-owned node never (see below);
//  - all other edges count, `hidden` and `internal` included (they are strong).
//  Nodes no essential edge reaches from the root are attached to the root: first those whose every
//  retainer edge is non-essential (DFS from each, in ordinal order), then any remaining node alone.
//
// Page-owned nodes (DevTools' pageObject flag)
//  - start: targets of the root's `shortcut` edges and of its `element` edges to "(Document DOM
//    trees)"; then everything reachable from them over non-weak edges.
//
// Shallow sizes (what DevTools shows as "Shallow Size" and sums into "Retained Size")
//  - when the snapshot has user roots, every `hidden` node, `array` node and `native` node named
//    "system / ExternalStringData" is "owned": if all non-weak paths into it from ordinary nodes start
//    at one single ordinary node (through owned nodes only), its self size moves to that owner (unless
//    the owner is synthetic or the root) and its own shallow size becomes 0. Retained sizes in the
//    DevTools version installed here (chrome-devtools-frontend 1.0.1705227) are computed from these
//    moved sizes, so ours are too.
import { sizeArrayFor, type HeapSnapshot, type SizeArray } from './model';
import type { StringTable } from './strings';
import { mappedBuffer, mappedSharedBuffer, ScratchBlock } from './scratch';

/** Distance of nodes reached only from system roots starts here (DevTools' baseSystemDistance). */
export const BASE_SYSTEM_DISTANCE = 100000000;

/** True for the root's children where the user-facing distance BFS starts (DevTools' isUserRoot). */
export function isUserRoot(snap: HeapSnapshot, n: number): boolean {
  return snap.nodeType[n] !== snap.types.nodeSynthetic || isDocumentDOMTreesRoot(snap, n);
}

/** The synthetic "(Document DOM trees)" node of Chromium snapshots. */
export function isDocumentDOMTreesRoot(snap: HeapSnapshot, n: number): boolean {
  return snap.nodeType[n] === snap.types.nodeSynthetic && snap.strings.equals(snap.nodeName[n], '(Document DOM trees)');
}

/** True when the root has at least one user-root child (false for "expose internals" snapshots). */
export function hasUserRoots(snap: HeapSnapshot): boolean {
  const root = snap.rootOrdinal;
  for (let e = snap.firstEdge[root], end = snap.firstEdge[root + 1]; e < end; e++) {
    if (isUserRoot(snap, snap.edgeTo[e])) return true;
  }
  return false;
}

/** Special strings the distance filter looks for, by string index (see SpecialStrings). */
export const STRING_OTHER = 1;
export const STRING_NATIVE_CONTEXT = 2;
export const STRING_MAP_DESCRIPTORS = 3;
export const STRING_SLOPPY_FUNCTION_MAP = 4;

/**
 * Which string indexes hold "system / NativeContext", "(map descriptors)" and "sloppy_function_map",
 * decided lazily per string index (a snapshot has millions of strings; the BFS asks about the few
 * distinct names of hidden and array nodes and of NativeContext edges).
 */
export class SpecialStrings {
  private readonly kinds: Uint8Array;

  constructor(private readonly strings: StringTable) {
    this.kinds = new Uint8Array(strings.length);
  }

  /** STRING_NATIVE_CONTEXT, STRING_MAP_DESCRIPTORS, STRING_SLOPPY_FUNCTION_MAP or STRING_OTHER. */
  kind(i: number): number {
    const k = this.kinds[i];
    if (k !== 0) return k;
    const s = this.strings;
    const found = s.equals(i, 'system / NativeContext') ? STRING_NATIVE_CONTEXT
      : s.equals(i, '(map descriptors)') ? STRING_MAP_DESCRIPTORS
        : s.equals(i, 'sloppy_function_map') ? STRING_SLOPPY_FUNCTION_MAP : STRING_OTHER;
    this.kinds[i] = found;
    return found;
  }
}

/** A node whose outgoing "sloppy_function_map" edge distances skip (hidden "system / NativeContext"). */
export function isNativeContextNode(snap: HeapSnapshot, n: number): boolean {
  return snap.nodeType[n] === snap.types.nodeHidden && snap.strings.equals(snap.nodeName[n], 'system / NativeContext');
}

/** An array node named "(map descriptors)", whose descriptor slots distances skip. */
export function isMapDescriptorsNode(snap: HeapSnapshot, n: number): boolean {
  return snap.nodeType[n] === snap.types.nodeArray && snap.strings.equals(snap.nodeName[n], '(map descriptors)');
}

/** True for the "sloppy_function_map" edge (string-named edges only). */
export function isSloppyFunctionMapEdge(snap: HeapSnapshot, e: number): boolean {
  return snap.edgeHasStringName(e) && snap.strings.equals(snap.edgeNameOrIndex[e], 'sloppy_function_map');
}

/**
 * True when an edge out of a "(map descriptors)" array is one of the descriptor slots distances skip:
 * index i (element index, or the name read as a decimal integer like parseInt) with i >= 2, i % 3 == 1.
 */
export function isSkippedMapDescriptorEdge(snap: HeapSnapshot, e: number): boolean {
  const index = snap.edgeHasStringName(e) ? parseInt(snap.strings.get(snap.edgeNameOrIndex[e]), 10) : snap.edgeNameOrIndex[e];
  // NaN fails both comparisons, as in DevTools: the edge is kept.
  return index >= 2 && index % 3 === 1;
}

// "<n> / part of key (K @id) -> value (V @id) pair in WeakMap (table @id)": the part after the
// number ("duplicated part") is shared by the table's and the key's edge to the same value.
const WEAKMAP_EDGE_NAME = /^\d+ \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @\d+\)$/;
const TABLE_TEXT = ' pair in WeakMap (table @';
/** The ASCII phrases of a WeakMap edge name, as bytes. */
const TABLE_MARK = asciiBytes(TABLE_TEXT);
const KEY_PHRASE = asciiBytes(' / part of key (');
const VALUE_PHRASE = asciiBytes(') -> value (');
/** parseBytes: the string's bytes cannot decide (escapes, non-ASCII characters). */
const FALLBACK = 255;
/** How many characters before the table phrase a WeakMap edge name's pair hash reads. */
const HASHED_CHARS = 16;
/** WeakMapEdgeNames states per string: not looked at yet, not a WeakMap edge name, one. */
export const NOT_PARSED = 0;
export const NOT_WEAKMAP = 1;
export const WEAKMAP = 2;
/** A WeakMap edge name whose table id does not fit in 32 bits (so it matches no node id). */
const WEAKMAP_BIG_TABLE = 3;

/**
 * Per-string cache of DevTools' WeakMap ephemeron edge-name parse (tryParseWeakMapEdgeName), each
 * string parsed at most once. Typed arrays instead of maps and no substrings: a 1 GB snapshot has
 * ~1 M such names. The "duplicated part" is compared in place (samePair) and hashed (pairHash).
 */
export class WeakMapEdgeNames {
  private readonly strings: StringTable;
  private readonly state: Uint8Array;
  /** table id and hash of the duplicated part, per string (pages written only for WeakMap names) */
  private readonly tableIds: Uint32Array;
  private readonly hashes: Int32Array;
  /**
   * all three arrays in one block, unmapped when this is dropped (26 MB on a 1 GB heap; scratch.ts);
   * on a SharedArrayBuffer when the strings are (another thread may read it: see sharedBuffer)
   */
  private readonly block: ScratchBlock;

  /** `buffer`: another instance's (sharedBuffer()) over the same strings, read from this thread too. */
  constructor(strings: StringTable, buffer?: SharedArrayBuffer) {
    this.strings = strings;
    this.block = new ScratchBlock(9 * strings.length + 3 * 8, { shared: strings.isShared, buffer });
    this.state = this.block.u8(strings.length);
    this.tableIds = this.block.u32(strings.length);
    this.hashes = this.block.i32(strings.length);
    // what the parser parsed while it read the strings (a shared buffer already holds it)
    const pre = strings.weakMapParse;
    if (!buffer && pre !== null) {
      const n = Math.min(strings.length, pre.state.length);
      this.state.set(pre.state.subarray(0, n));
      this.tableIds.set(pre.tableIds.subarray(0, n));
      this.hashes.set(pre.hashes.subarray(0, n));
      strings.weakMapParse = null;
    }
  }

  /**
   * The cache's memory when it is a SharedArrayBuffer (strings on shared buffers), else null. Another
   * thread reads the same parses through `new WeakMapEdgeNames(strings, buffer)` — safely once this
   * thread has prepared every string (prepare(0, length)) and nothing parses any more, the other
   * thread having waited for that (Atomics).
   */
  sharedBuffer(): SharedArrayBuffer | null {
    return this.block.buffer instanceof SharedArrayBuffer ? this.block.buffer : null;
  }

  /** The shared instance for a snapshot's strings array (so work done early, see prepare, is kept). */
  static forStrings(strings: StringTable): WeakMapEdgeNames {
    let names = byStrings.get(strings);
    if (!names || names.state.length !== strings.length) {
      names = new WeakMapEdgeNames(strings);
      byStrings.set(strings, names);
    }
    return names;
  }

  /**
   * Drops the shared instance (the analysis calls this once its edge rules are applied: only
   * those phases read WeakMap names; a later forStrings parses again).
   */
  static forget(strings: StringTable): void {
    byStrings.delete(strings);
  }

  /**
   * Parses strings from..to-1 now rather than on first use (e.g. while the loader waits for a
   * thread). Afterwards none of them is NOT_PARSED: no later lookup writes to the cache.
   */
  prepare(from: number, to: number): void {
    const { strings, state } = this;
    for (let s = from; s < to; s++) {
      if (state[s] !== NOT_PARSED) continue;
      // what parse() rejects first, on the stored bytes (a WeakMap name is ASCII up to its class names)
      if (strings.byteLength(s) <= 60 || (!isDigit(strings.byteAt(s, 0)) && !strings.isEscaped(s))) {
        state[s] = NOT_WEAKMAP;
        continue;
      }
      this.parse(s);
    }
  }

  private parse(s: number): number {
    const st = this.state[s];
    if (st !== NOT_PARSED) return st;
    const strings = this.strings;
    const len = strings.byteLength(s);
    let result = NOT_WEAKMAP;
    // a name is at least 60 characters, and a string has at least as many stored bytes as characters
    if (len > 60) {
      result = strings.isEscaped(s) ? FALLBACK : this.parseBytes(s, strings.rawBytes(), strings.offsetOf(s), len);
      if (result === FALLBACK) result = this.parseText(s);
    }
    this.state[s] = result;
    return result;
  }

  /**
   * WEAKMAP_EDGE_NAME matched on the stored bytes of an unescaped string (no decoding, no regex).
   * Its literal parts and digits are ASCII, and UTF-8 spells other characters with bytes >= 0x80
   * only, so a string whose bytes do not have the shape does not match; one that does is a match
   * when it is ASCII (bytes = characters, and no line terminator can hide in the ".*?" parts:
   * unescaped JSON has no control characters). Otherwise FALLBACK: parseText decides.
   */
  private parseBytes(s: number, b: Uint8Array, a: number, len: number): number {
    const e = a + len;
    let i = a;
    while (i < e && isDigit(b[i])) i++;
    const digits = i - a;
    if (digits === 0 || !bytesAt(b, i, e, KEY_PHRASE)) return NOT_WEAKMAP;
    const mid = i + KEY_PHRASE.length;
    // from the end: ")" after the table digits, the table phrase, ")" after the value's digits, " @"
    if (b[e - 1] !== 41) return NOT_WEAKMAP;
    let k = e - 1;
    while (k > mid && isDigit(b[k - 1])) k--;
    const mark = k - TABLE_MARK.length;
    if (k === e - 1 || mark < mid || !bytesAt(b, mark, e, TABLE_MARK) || b[mark - 1] !== 41) return NOT_WEAKMAP;
    let u = mark - 1;
    while (u > mid && isDigit(b[u - 1])) u--;
    if (u === mark - 1 || u - 2 < mid || b[u - 2] !== 32 || b[u - 1] !== 64) return NOT_WEAKMAP;
    // between: " @<digits>) -> value (" somewhere (the key's id; the ".*?" parts around it may be
    // empty). The bytes read on the way are or-ed: with the value's name after the phrase found,
    // they are every byte that is not a literal or a digit checked above.
    const valueEnd = u - 2;
    let q = mid;
    let or = 0;
    for (; q + VALUE_PHRASE.length <= valueEnd; q++) {
      const c = b[q];
      or |= c;
      if (c !== 41 || !bytesAt(b, q, valueEnd, VALUE_PHRASE)) continue;
      let w = q;
      while (w > mid && isDigit(b[w - 1])) w--;
      if (w < q && w - 2 >= mid && b[w - 2] === 32 && b[w - 1] === 64) break;
    }
    if (q + VALUE_PHRASE.length > valueEnd) return NOT_WEAKMAP;
    for (let p = q + VALUE_PHRASE.length; p < valueEnd; p++) or |= b[p];
    // non-ASCII in a name: the text decides (line terminators, the hash by characters)
    if (or >= 128) return FALLBACK;
    let id = 0;
    for (let p = k; p < e - 1; p++) id = id * 10 + (b[p] - 48);
    let h = pairHashStart(len - digits, id);
    for (let p = Math.max(a, mark - HASHED_CHARS); p < mark; p++) h = (Math.imul(h, 31) + b[p]) | 0;
    return this.store(s, id, h);
  }

  /** WEAKMAP_EDGE_NAME on the decoded string (escaped or non-ASCII names). */
  private parseText(s: number): number {
    const name = this.strings.get(s);
    const n = name.length;
    if (n <= 60) return NOT_WEAKMAP;
    const c0 = name.charCodeAt(0);
    if (c0 < 48 || c0 > 57 || name.charCodeAt(n - 1) !== 41) return NOT_WEAKMAP;
    const mark = name.lastIndexOf(TABLE_TEXT);
    if (mark <= 0 || !WEAKMAP_EDGE_NAME.test(name)) return NOT_WEAKMAP;
    // the table id: the digits between the mark and the final ')' (the regex checked them)
    let id = 0;
    for (let i = mark + TABLE_TEXT.length; i < n - 1; i++) id = id * 10 + (name.charCodeAt(i) - 48);
    let h = pairHashStart(n - dupStart(name), id);
    for (let i = Math.max(0, mark - HASHED_CHARS); i < mark; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
    return this.store(s, id, h);
  }

  /** Records a WeakMap name's table id and pair hash (see pairHashStart); its state. */
  private store(s: number, id: number, h: number): number {
    const result = id <= 0xffffffff ? WEAKMAP : WEAKMAP_BIG_TABLE;
    this.tableIds[s] = result === WEAKMAP ? id : 0;
    // murmur3's finalizer: the polynomial alone leaves the low bits (the table index) clustered
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    this.hashes[s] = h & 0x3fffffff;
    return result;
  }

  /** The parse state of string s (parsing it now if needed): NOT_WEAKMAP, WEAKMAP or WEAKMAP_BIG_TABLE. */
  stateOf(s: number): number {
    return this.parse(s);
  }

  /**
   * The cache itself, for hot loops: per string its state (NOT_PARSED until stateOf or prepare) and
   * the table ids (valid where the state is WEAKMAP). Read-only for callers.
   */
  raw(): { state: Uint8Array; tableIds: Uint32Array } {
    return { state: this.state, tableIds: this.tableIds };
  }

  /** True when string s is a WeakMap key/value edge name. */
  isPairName(s: number): boolean {
    return this.parse(s) >= WEAKMAP;
  }

  /** Table node id named in edge name s, or -1 if it is not a WeakMap edge name (or not a 32-bit id). */
  tableId(s: number): number {
    return this.parse(s) === WEAKMAP ? this.tableIds[s] : -1;
  }

  /**
   * The table ids that WeakMap edge names name (parsing every string not parsed yet), as a set:
   * the table → value rule can only hold for an edge whose owner's id is one of them (a 1 GB Node
   * heap's 1 M WeakMap edge names name one table).
   */
  tableIdSet(): IdSet {
    this.prepare(0, this.state.length);
    const { state, tableIds } = this;
    const ids: number[] = [];
    let last = -1;
    for (let s = 0; s < state.length; s++) {
      // (names of one table come in runs: a cheap filter before the set)
      if (state[s] === WEAKMAP && tableIds[s] !== last) ids.push(last = tableIds[s]);
    }
    return new IdSet(ids);
  }

  /** Hash of the duplicated part of WeakMap edge name s (0 when s is not one). */
  pairHash(s: number): number {
    return this.parse(s) >= WEAKMAP ? this.hashes[s] : 0;
  }

  /** True when WeakMap edge names a and b have the same duplicated part (both must be pair names). */
  samePair(a: number, b: number): boolean {
    if (a === b) return true;
    const strings = this.strings;
    // the stored bytes are the text unless escaped: compare them in place, after the leading digits
    if (!strings.isEscaped(a) && !strings.isEscaped(b)) return strings.sameAfterDigits(a, b);
    const x = strings.get(a);
    const y = strings.get(b);
    const i0 = dupStart(x);
    const j0 = dupStart(y);
    if (x.length - i0 !== y.length - j0) return false;
    return x.substring(i0) === y.substring(j0);
  }

  /** The duplicated part of edge name s, or undefined (allocates; for tests and reports). */
  pairKey(s: number): string | undefined {
    if (!this.isPairName(s)) return undefined;
    const name = this.strings.get(s);
    return name.slice(dupStart(name));
  }
}

const byStrings = new WeakMap<StringTable, WeakMapEdgeNames>();

/** A set of 32-bit ids: open addressing over an Int32Array (a JS Set lookup costs several times more in a hot loop). */
export class IdSet {
  private readonly slots: Int32Array;
  private readonly shift: number;
  /** 0 marks a free slot: whether the id 0 is in the set is kept apart */
  private readonly zero: boolean;
  readonly size: number;
  /** the smallest and largest id (a range test before the probe: most lookups miss) */
  private readonly lo: number;
  private readonly hi: number;

  constructor(ids: readonly number[]) {
    const distinct = new Set(ids);
    this.size = distinct.size;
    let bits = 2;
    while ((1 << bits) < 2 * distinct.size) bits++;
    this.shift = 32 - bits;
    this.slots = new Int32Array(1 << bits);
    this.zero = distinct.has(0);
    let lo = Infinity;
    let hi = -Infinity;
    for (const id of distinct) {
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    }
    this.lo = lo;
    this.hi = hi;
    const mask = (1 << bits) - 1;
    for (const id of distinct) {
      if (id === 0) continue;
      let i = Math.imul(id, 0x9e3779b1) >>> this.shift;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = id | 0;
    }
  }

  has(id: number): boolean {
    if (id < this.lo || id > this.hi) return false;
    if (id === 0) return this.zero;
    const slots = this.slots;
    const mask = slots.length - 1;
    const want = id | 0;
    for (let i = Math.imul(id, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const x = slots[i];
      if (x === want) return true;
      if (x === 0) return false;
    }
  }
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** True when b[at, at + lit.length) equals lit and lies before `end`. */
function bytesAt(b: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  if (at < 0 || at + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

/**
 * Start of a WeakMap name's pair hash: the duplicated part's length and the table id; then the
 * HASHED_CHARS characters before the table phrase (the end of the value's id) go in. All are
 * functions of the duplicated part, so equal parts hash equally; samePair settles collisions.
 */
function pairHashStart(dupLength: number, id: number): number {
  return dupLength ^ Math.imul(id % 0x40000000, 0x9e3779b1);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index after the leading decimal number of a WeakMap edge name. */
function dupStart(name: string): number {
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/**
 * DevTools' pendingEphemeronEdges for the distance BFS: the first edge of a WeakMap pair met is
 * skipped and remembered, the second (same duplicated part) is followed and forgotten. A set of
 * string indexes keyed by the duplicated part: open addressing over an Int32Array (a JS Map of
 * ~1 M entries costs several times more), linear probing, tombstones on delete.
 */
export class PendingWeakMapPairs {
  private table = new Int32Array(1024).fill(EMPTY);
  /** the pair hash of each occupied slot: probes compare these before touching any string */
  private tableHashes = new Int32Array(1024);
  /** live entries + tombstones */
  private used = 0;

  constructor(private readonly names: WeakMapEdgeNames) {}

  /** For WeakMap edge name s: true = skip this edge (first of its pair), false = follow it. */
  skip(s: number): boolean {
    const names = this.names;
    const table = this.table;
    const hashes = this.tableHashes;
    const mask = table.length - 1;
    const h = names.pairHash(s);
    let i = h & mask;
    let free = -1;
    while (true) {
      const v = table[i];
      if (v === EMPTY) break;
      if (v === DELETED) {
        if (free < 0) free = i;
      } else if (hashes[i] === h && names.samePair(v, s)) {
        table[i] = DELETED;
        return false;
      }
      i = (i + 1) & mask;
    }
    if (free >= 0) {
      table[free] = s;
      hashes[free] = h;
    } else {
      table[i] = s;
      hashes[i] = h;
      if (++this.used * 2 > table.length) this.rehash();
    }
    return true;
  }

  private rehash(): void {
    const old = this.table;
    const oldHashes = this.tableHashes;
    let live = 0;
    for (let i = 0; i < old.length; i++) if (old[i] >= 0) live++;
    let size = 1024;
    while (size < live * 4) size *= 2;
    const table = new Int32Array(size).fill(EMPTY);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < old.length; k++) {
      const v = old[k];
      if (v < 0) continue;
      const h = oldHashes[k];
      let i = h & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = v;
      hashes[i] = h;
    }
    this.table = table;
    this.tableHashes = hashes;
    this.used = live;
  }
}
const EMPTY = -1;
const DELETED = -2;

/**
 * Page-owned flags (a bit per node, set = page-owned), DevTools' markPageOwnedNodes: everything reachable over non-weak
 * edges from the root's shortcut targets and its "(Document DOM trees)" element targets.
 */
export function computePageOwned(snap: HeapSnapshot): NodeBits {
  const { firstEdge, edgeTo, edgeType } = snap;
  const { edgeShortcut, edgeElement } = snap.types;
  const root = snap.rootOrdinal;
  const starts: number[] = [];
  for (let e = firstEdge[root], end = firstEdge[root + 1]; e < end; e++) {
    const t = edgeTo[e];
    const ty = edgeType[e];
    if (ty === edgeShortcut || (ty === edgeElement && isDocumentDOMTreesRoot(snap, t))) starts.push(t);
  }
  const owned = newNodeBits(snap.nodeCount);
  markNonWeakReachable(snap, owned, starts, starts.length);
  return owned;
}

/** A bit per node ordinal: bit n is bit n & 31 of word n >>> 5 (page-owned flags: 1.5 MB at 1 GB, not 12). */
export type NodeBits = Uint32Array;

/** All-zero NodeBits for nodeCount nodes. */
export function newNodeBits(nodeCount: number): NodeBits {
  return new Uint32Array((nodeCount + 31) >>> 5);
}

/** Set bits in a 32-bit word. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** True when bit n is set. */
export function nodeBit(bits: NodeBits, n: number): boolean {
  return ((bits[n >>> 5] >>> (n & 31)) & 1) !== 0;
}

/** Set bits below bit n; `base[w]` holds the set bits in the words before w. */
export function bitRank(bits: NodeBits, base: Uint32Array, n: number): number {
  return base[n >>> 5] + popcount(bits[n >>> 5] & ((1 << (n & 31)) - 1));
}

/**
 * Sets the bits of the first `count` seeds and of every node reachable from them over non-weak
 * edges (nodes already marked are not entered again). Iterative DFS.
 */
export function markNonWeakReachable(snap: HeapSnapshot, marks: NodeBits, seeds: ArrayLike<number>, count: number): void {
  const { firstEdge, edgeTo, edgeType } = snap;
  const weak = snap.types.edgeWeak;
  // each node is pushed at most once (marked when pushed); mapped: only the pages used are written
  const stack = new Uint32Array(mappedBuffer(4 * snap.nodeCount), 0, snap.nodeCount);
  let sp = 0;
  for (let i = 0; i < count; i++) {
    const t = seeds[i];
    if (nodeBit(marks, t)) continue;
    marks[t >>> 5] |= 1 << (t & 31);
    stack[sp++] = t;
    while (sp > 0) {
      const n = stack[--sp];
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const u = edgeTo[e];
        if (nodeBit(marks, u) || edgeType[e] === weak) continue;
        marks[u >>> 5] |= 1 << (u & 31);
        stack[sp++] = u;
      }
    }
  }
}

/** Bit vector over edge ordinals: test bit e with `(bits[e >>> 5] >>> (e & 31)) & 1`. */
export type EdgeBits = Uint32Array;

/** True when bit e of the edge bit vector is set. */
export function edgeBit(bits: EdgeBits, e: number): boolean {
  return ((bits[e >>> 5] >>> (e & 31)) & 1) !== 0;
}

/**
 * Edges that count for dominators (DevTools' computeIsEssentialEdge), as a bit vector over edge
 * ordinals. `pageOwned` comes from computePageOwned; null: its rule is left out (an edge from a
 * node that is not page-owned into a page-owned one counts only from the root; the dominators'
 * search applies it itself).
 */
export function computeEssentialEdges(snap: HeapSnapshot, pageOwned: NodeBits | null,
  weakMapNames: WeakMapEdgeNames = new WeakMapEdgeNames(snap.strings), opts: { shared?: boolean } = {}): EdgeBits {
  const { nodeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId } = snap;
  const { edgeInternal, edgeWeak, edgeShortcut } = snap.types;
  const root = snap.rootOrdinal;
  // mapped: dropped after the dominators' DFS, and its memory should go back then (scratch.ts)
  const words = (snap.edgeCount + 31) >>> 5;
  const bits = new Uint32Array(opts.shared ? mappedSharedBuffer(4 * words) : mappedBuffer(4 * words), 0, words);
  // the WeakMap name cache read in place, for the internal edges of the nodes whose id a WeakMap
  // edge name names as its table (over half of a V8 heap's edges are internal; the names name few
  // tables)
  const { state, tableIds } = weakMapNames.raw();
  const tables = weakMapNames.tableIdSet();
  // edges come in ascending order: each word of bits is built in `acc` and stored once
  let word = 0;
  let acc = 0;
  for (let n = 0; n < nodeCount; n++) {
    const isRoot = n === root;
    const fromOwned = pageOwned === null ? 1 : (pageOwned[n >>> 5] >>> (n & 31)) & 1;
    const id = nodeId[n];
    const table = tables.size > 0 && tables.has(id);
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const ty = edgeType[e];
      if (ty === edgeWeak) continue;
      if (table && ty === edgeInternal) {
        const s = edgeNameOrIndex[e];
        if (state[s] === WEAKMAP && tableIds[s] === id) continue;
      }
      const t = edgeTo[e];
      if (t === n) continue;
      if (!isRoot) {
        if (ty === edgeShortcut) continue;
        // (the owner's flag first: most owners are page-owned, which spares a random read)
        if (fromOwned === 0 && ((pageOwned![t >>> 5] >>> (t & 31)) & 1) !== 0) continue;
      }
      const w = e >>> 5;
      if (w !== word) {
        bits[word] = acc;
        word = w;
        acc = 0;
      }
      acc |= 1 << (e & 31);
    }
  }
  if (bits.length > 0) bits[word] |= acc;
  return bits;
}

export interface ShallowSizeOptions {
  /**
   * Move the sizes inside snap.nodeSelfSize and return it, when its element type can hold every
   * sum (else a new array as without the option): no second per-node array (45 MB on a 1 GB heap).
   * Safe to repeat: the owners do not depend on the sizes, and a node that gave its size away
   * gives 0 the next time.
   */
  inPlace?: boolean;
}

/**
 * DevTools' displayed shallow sizes in bytes (calculateShallowSizes): owned hidden/array/
 * ExternalStringData nodes give their self size to their single owner. Without user roots, the file's
 * self sizes unchanged. Returns a new array (snap.nodeSelfSize not modified) unless opts.inPlace.
 */
export function computeShallowSizes(snap: HeapSnapshot, opts: ShallowSizeOptions = {}): SizeArray {
  // sums of self sizes: the total bounds each one (Uint32 when it fits)
  const total = snap.totalSelfSize();
  const own = snap.nodeSelfSize;
  let sizes: SizeArray;
  if (opts.inPlace === true && (own instanceof Float64Array || total <= 0xffffffff)) {
    sizes = own;
  } else {
    sizes = sizeArrayFor(snap.nodeCount, total);
    sizes.set(own);
  }
  if (!hasUserRoots(snap)) return sizes;
  const { nodeCount, firstEdge, edgeTo, edgeType, nodeType, nodeName, strings } = snap;
  const { nodeHidden, nodeArray, nodeNative, nodeSynthetic, edgeWeak } = snap.types;
  const UNVISITED = 0xffffffff;
  const MULTIPLE = 0xfffffffe;
  // The owned nodes (hidden, array, ExternalStringData) as bits, and an owner entry for each of them
  // only, found by rank: 1.4 M entries instead of one per node at 1 GB (45 MB of working memory
  // less, on the helper thread while the main thread runs the dominators).
  const owned = newNodeBits(nodeCount);
  const words = owned.length;
  const rankBase = new Uint32Array(words);
  let ownedCount = 0;
  for (let n = 0; n < nodeCount; n++) {
    if ((n & 31) === 0) rankBase[n >>> 5] = ownedCount;
    const t = nodeType[n];
    if (t === nodeHidden || t === nodeArray || (t === nodeNative && strings.equals(nodeName[n], 'system / ExternalStringData'))) {
      owned[n >>> 5] |= 1 << (n & 31);
      ownedCount++;
    }
  }
  const owners = new Uint32Array(mappedBuffer(4 * ownedCount), 0, ownedCount).fill(UNVISITED);
  // Each owned node enters the stack at most twice (unvisited → one owner → multiple owners); the
  // fixpoint does not depend on the visiting order. From a node that is not owned, its own ordinal.
  const stack = new Uint32Array(mappedBuffer(4 * (2 * ownedCount + 1)), 0, 2 * ownedCount + 1);
  const visit = (start: number): void => {
    let sp = 0;
    stack[sp++] = start;
    while (sp > 0) {
      const n = stack[--sp];
      const owner = nodeBit(owned, n) ? owners[bitRank(owned, rankBase, n)] : n;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        if (edgeType[e] === edgeWeak) continue;
        const t = edgeTo[e];
        if (!nodeBit(owned, t)) continue;
        const r = bitRank(owned, rankBase, t);
        const o = owners[r];
        if (o === UNVISITED) {
          owners[r] = owner;
          stack[sp++] = t;
        } else if (o !== owner && o !== MULTIPLE) {
          owners[r] = MULTIPLE;
          stack[sp++] = t;
        }
      }
    }
  };
  for (let n = 0; n < nodeCount; n++) if (!nodeBit(owned, n)) visit(n);
  const root = snap.rootOrdinal;
  for (let w = 0, r = 0; w < words; w++) {
    for (let bits = owned[w]; bits !== 0; bits &= bits - 1) {
      const n = (w << 5) + 31 - Math.clz32(bits & -bits);
      const o = owners[r++];
      if (o === UNVISITED || o === MULTIPLE) continue;
      if (o === root || nodeType[o] === nodeSynthetic) continue;
      sizes[o] += sizes[n];
      sizes[n] = 0;
    }
  }
  return sizes;
}
