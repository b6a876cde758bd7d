// AssemblyScript: the parser's fast paths over JSON text in linear memory (wasmRecords.ts lays it
// out and calls them). V8 node and edge records (the contract of parser.ts fastNodesV8 /
// fastEdgesV8: take whole records while they start before `stop` and every check passes; stop at
// the first record that does not, without taking it), and strings without escapes with DevTools'
// WeakMap edge-name parse of each (edgeRules.ts WeakMapEdgeNames). Every position is an address
// in linear memory (i32); results go to the given addresses and to the last*() getters.

/** records taken by the last call */
let taken: i32 = 0;
/** nodes: the running edge sum after the last call */
let edgeSumOut: f64 = 0;
/** edges: the largest string name seen (see EdgeColumns.maxName) */
let maxNameOut: f64 = 0;
/** nodes: how many detachedness values taken were not zero */
let detCount: i32 = 0;

export function lastTaken(): i32 { return taken; }
export function lastEdgeSum(): f64 { return edgeSumOut; }
export function lastMaxName(): f64 { return maxNameOut; }
export function lastDetCount(): i32 { return detCount; }

const MAX_U32: u64 = 0xffffffff;
/** more digits than this: no value any check accepts */
const MAX_DIGITS: i32 = 19;

let pos: i32 = 0;

/** The start of the next record after a record's last number ending at j (`,` `,\n` or `\n,`); -1 for anything else. */
@inline function afterRecord(j: i32): i32 {
  const c = load<u8>(j);
  if (c == 44) return j + (load<u8>(j + 1) == 10 ? 2 : 1);
  if (c == 10 && load<u8>(j + 1) == 44) return j + 2;
  return -1;
}

/** Digits at pos (any count up to MAX_DIGITS, a zero only alone: "0" then a non-digit); u64.MAX_VALUE for none / too many. */
@inline function plain(): u64 {
  let j = pos;
  let d = <u32>load<u8>(j) - 48;
  if (d > 9) return u64.MAX_VALUE;
  let v = <u64>d;
  j++;
  if (d != 0) {
    let k = 1;
    d = <u32>load<u8>(j) - 48;
    while (d < 10) {
      if (++k > MAX_DIGITS) return u64.MAX_VALUE;
      v = v * 10 + d;
      j++;
      d = <u32>load<u8>(j) - 48;
    }
  }
  pos = j;
  return v;
}

/** As plain() for the numbers parser.ts reads four bytes at a time: 1 to 11 digits, no leading zero. */
@inline function short(): u64 {
  let j = pos;
  let d = <u32>load<u8>(j) - 48;
  if (d > 9) return u64.MAX_VALUE;
  let v = <u64>d;
  j++;
  let k = 1;
  d = <u32>load<u8>(j) - 48;
  while (d < 10) {
    if (++k > 11) return u64.MAX_VALUE;
    v = v * 10 + d;
    j++;
    d = <u32>load<u8>(j) - 48;
  }
  if (k > 1 && load<u8>(pos) == 48) return u64.MAX_VALUE;
  pos = j;
  return v;
}

export function edges(end: i32, i: i32, stop: i32, cap: i32, nf: u32, maxType: u32, maxTo: f64, element: u32, hidden: u32,
  maxName: f64, outType: i32, outName: i32, outTo: i32): i32 {
  const last = end - 16;
  let n: i32 = 0;
  let mx = <u64>maxName;
  while (i < stop && n < cap) {
    pos = i;
    const t = plain();
    if (t == u64.MAX_VALUE || load<u8>(pos) != 44) break;
    pos++;
    const nm = plain();
    if (nm == u64.MAX_VALUE || load<u8>(pos) != 44 || pos > last) break;
    pos++;
    const to = short();
    if (to == u64.MAX_VALUE) break;
    const j = afterRecord(pos);
    if (j < 0) break;
    const q = to / nf;
    if (t > <u64>maxType || nm > MAX_U32 || q * nf != to || q > MAX_U32 || <f64>to >= maxTo) break;
    store<u8>(outType + n, <u8>t);
    store<u32>(outName + (n << 2), <u32>nm);
    store<u32>(outTo + (n << 2), <u32>q);
    if (nm > mx && <u32>t != element && <u32>t != hidden) mx = nm;
    n++;
    i = j;
  }
  taken = n;
  maxNameOut = <f64>mx;
  return i;
}

export function nodes(end: i32, i: i32, stop: i32, cap: i32, nf: i32, maxType: u32, maxSelf: f64, wideSelf: bool,
  hasTrace: bool, hasDet: bool, edgeSum: f64,
  outType: i32, outName: i32, outId: i32, outSelf: i32, outFirst: i32, outTrace: i32, outDet: i32): i32 {
  const last = end - 16;
  let n: i32 = 0;
  let dets: i32 = 0;
  let sum = <u64>edgeSum;
  while (i < stop && n < cap) {
    pos = i;
    const t = plain();
    if (t == u64.MAX_VALUE || load<u8>(pos) != 44 || pos > last) break;
    pos++;
    const nm = short();
    if (nm == u64.MAX_VALUE || load<u8>(pos) != 44 || pos > last) break;
    pos++;
    const id = short();
    if (id == u64.MAX_VALUE || load<u8>(pos) != 44) break;
    pos++;
    const ss = plain();
    if (ss == u64.MAX_VALUE || load<u8>(pos) != 44) break;
    pos++;
    const ec = plain();
    if (ec == u64.MAX_VALUE) break;
    let tr: u64 = 0;
    if (nf >= 6) {
      if (load<u8>(pos) != 44) break;
      pos++;
      tr = plain();
      if (tr == u64.MAX_VALUE) break;
    }
    let det: u64 = 0;
    if (nf == 7) {
      if (load<u8>(pos) != 44) break;
      pos++;
      det = plain();
      if (det == u64.MAX_VALUE) break;
    }
    const j = afterRecord(pos);
    if (j < 0) break;
    if (t > <u64>maxType || nm > MAX_U32 || id > MAX_U32 || <f64>ss > maxSelf || ec > MAX_U32 || sum + ec > MAX_U32
      || tr > MAX_U32 || det > 255) break;
    if ((tr != 0 && !hasTrace) || (det != 0 && !hasDet)) break;
    store<u8>(outType + n, <u8>t);
    store<u32>(outName + (n << 2), <u32>nm);
    store<u32>(outId + (n << 2), <u32>id);
    if (wideSelf) store<f64>(outSelf + (n << 3), <f64>ss);
    else store<u32>(outSelf + (n << 2), <u32>ss);
    store<u32>(outFirst + (n << 2), <u32>sum);
    sum += ec;
    if (hasTrace) store<u32>(outTrace + (n << 2), <u32>tr);
    if (hasDet) {
      store<u8>(outDet + n, <u8>det);
      if (det != 0) dets++;
    }
    n++;
    i = j;
  }
  taken = n;
  edgeSumOut = <f64>sum;
  detCount = dets;
  return i;
}

// ---------------------------------------------------------------- strings

/** states of the strings array, as parser.ts numbers them */
const S_AFTER: i32 = 1;
const S_EXPECT: i32 = 2;

/** strings(): bytes written, the state after the last token taken, and why it stopped */
let bytesOut: i32 = 0;
let stateOut: i32 = 0;
/** 1: it needs the bytes after `end` (a string runs past it); 0: a token it leaves to the caller */
let needMore: i32 = 0;

export function lastBytes(): i32 { return bytesOut; }
export function lastState(): i32 { return stateOut; }
export function lastNeedMore(): i32 { return needMore; }

/** a byte of x is '"', a backslash or below 0x20 (false alarms only after such a byte) */
@inline function special8(x: u64): bool {
  const q = x ^ 0x2222222222222222;
  const b = x ^ 0x5C5C5C5C5C5C5C5C;
  const t = ((q - 0x0101010101010101) & ~q) | ((b - 0x0101010101010101) & ~b) | ((x - 0x2020202020202020) & ~x);
  return (t & 0x8080808080808080) != 0;
}

// ------------------------------------------------ WeakMap edge names (edgeRules.ts WeakMapEdgeNames)

// The parse of edgeRules.ts WeakMapEdgeNames.prepare/parseBytes on a string's stored bytes, with the
// same results: NOT_WEAKMAP, WEAKMAP or WEAKMAP_BIG_TABLE with the table id and the pair hash, or
// NOT_PARSED where parseBytes would fall back to the decoded text (non-ASCII names).
const NOT_PARSED: u8 = 0;
const NOT_WEAKMAP: u8 = 1;
const WEAKMAP: u8 = 2;
const WEAKMAP_BIG_TABLE: u8 = 3;
const HASHED_CHARS: i32 = 16;
// The phrases " / part of key (" (16 bytes), ") -> value (" (12) and " pair in WeakMap (table @" (25),
// compared as little-endian words: no static data in linear memory, whose every byte is the
// caller's (wasmRecords.ts lays out the windows from 0).
const KEY_LENGTH: i32 = 16;
const VALUE_LENGTH: i32 = 12;
const TABLE_LENGTH: i32 = 25;

@inline function keyPhraseAt(at: i32, end: i32): bool {
  return at + KEY_LENGTH <= end && load<u64>(at) == 2338619869330681632 && load<u64>(at, 8) == 2891444437267801711;
}
@inline function valuePhraseAt(at: i32, end: i32): bool {
  return at + VALUE_LENGTH <= end && load<u64>(at) == 7809653109691326505 && load<u32>(at, 8) == 673211765;
}
@inline function tableMarkAt(at: i32, end: i32): bool {
  return at >= 0 && at + TABLE_LENGTH <= end && load<u64>(at) == 7955925892493045792 && load<u64>(at, 8) == 8097838728579733280
    && load<u64>(at, 16) == 2334391151659067424 && load<u8>(at, 24) == 64;
}

let nameTable: u32 = 0;
let nameHash: i32 = 0;

@inline function isDigit(c: u32): bool { return c - 48 < 10; }

/** The WeakMap name state of the unescaped string at bytes [a, e); nameTable / nameHash for a name. */
function weakMapName(a: i32, e: i32): u8 {
  const len = e - a;
  if (len <= 60 || !isDigit(load<u8>(a))) return NOT_WEAKMAP;
  let i = a;
  while (i < e && isDigit(load<u8>(i))) i++;
  const digits = i - a;
  if (!keyPhraseAt(i, e)) return NOT_WEAKMAP;
  const mid = i + KEY_LENGTH;
  if (load<u8>(e - 1) != 41) return NOT_WEAKMAP;
  let k = e - 1;
  while (k > mid && isDigit(load<u8>(k - 1))) k--;
  const mark = k - TABLE_LENGTH;
  if (k == e - 1 || mark < mid || !tableMarkAt(mark, e) || load<u8>(mark - 1) != 41) return NOT_WEAKMAP;
  let u = mark - 1;
  while (u > mid && isDigit(load<u8>(u - 1))) u--;
  if (u == mark - 1 || u - 2 < mid || load<u8>(u - 2) != 32 || load<u8>(u - 1) != 64) return NOT_WEAKMAP;
  const valueEnd = u - 2;
  let q = mid;
  let or: u32 = 0;
  for (; q + VALUE_LENGTH <= valueEnd; q++) {
    const c = <u32>load<u8>(q);
    or |= c;
    if (c != 41 || !valuePhraseAt(q, valueEnd)) continue;
    let w = q;
    while (w > mid && isDigit(load<u8>(w - 1))) w--;
    if (w < q && w - 2 >= mid && load<u8>(w - 2) == 32 && load<u8>(w - 1) == 64) break;
  }
  if (q + VALUE_LENGTH > valueEnd) return NOT_WEAKMAP;
  for (let p = q + VALUE_LENGTH; p < valueEnd; p++) or |= load<u8>(p);
  // non-ASCII: the decoded text decides (edgeRules.ts parseText)
  if (or >= 128) return NOT_PARSED;
  // as JavaScript computes it: a double, whatever the digit count
  let id: f64 = 0;
  for (let p = k; p < e - 1; p++) id = id * 10 + <f64>(<u32>load<u8>(p) - 48);
  let h: i32 = (len - digits) ^ (<i32><i64>(id % 1073741824.0) * <i32>0x9e3779b1);
  for (let p = max(a, mark - HASHED_CHARS); p < mark; p++) h = h * 31 + <i32>load<u8>(p);
  const result = id <= 4294967295.0 ? WEAKMAP : WEAKMAP_BIG_TABLE;
  nameTable = result == WEAKMAP ? <u32>id : 0;
  h ^= <i32>(<u32>h >>> 16);
  h = h * <i32>0x85ebca6b;
  h ^= <i32>(<u32>h >>> 13);
  h = h * <i32>0xc2b2ae35;
  h ^= <i32>(<u32>h >>> 16);
  nameHash = h & 0x3fffffff;
  return result;
}

/**
 * The strings array from byte i (between tokens, in `state`) while the tokens are strings without
 * escapes or control bytes, the separators between them and whitespace: each string's bytes go to
 * outBytes one after the other, its end (bytes so far) to outEnds and its WeakMap edge-name parse
 * to outNameState / outNameTable / outNameHash. Stops at any other token
 * (an escape, ']', an error: the caller reads it) or at a string that runs past `end` (needMore).
 * Returns the index where it stopped; lastTaken/lastBytes/lastState/lastNeedMore tell the rest.
 */
export function strings(end: i32, i: i32, state: i32, outBytes: i32, outEnds: i32, cap: i32,
  outNameState: i32, outNameTable: i32, outNameHash: i32): i32 {
  let n: i32 = 0;
  let o: i32 = 0;
  let st = state;
  needMore = 0;
  while (i < end && n < cap) {
    const c = <u32>load<u8>(i);
    if (c == 32 || c == 10 || c == 13 || c == 9) {
      i++;
      continue;
    }
    if (c == 44 && st == S_AFTER) {
      st = S_EXPECT;
      i++;
      continue;
    }
    if (c != 34 || st == S_AFTER) break;
    let p = i + 1;
    let w = o;
    while (p + 8 <= end) {
      const x = load<u64>(p);
      if (special8(x)) break;
      store<u64>(outBytes + w, x);
      p += 8;
      w += 8;
    }
    let d: u32 = 0;
    while (p < end) {
      d = load<u8>(p);
      if (d == 34 || d == 92 || d < 32) break;
      store<u8>(outBytes + w, <u8>d);
      p++;
      w++;
    }
    if (p >= end) {
      needMore = 1;
      break;
    }
    if (d != 34) break;
    o = w;
    store<u32>(outEnds + (n << 2), <u32>o);
    const ns = weakMapName(i + 1, p);
    store<u8>(outNameState + n, ns);
    if (ns >= WEAKMAP) {
      store<u32>(outNameTable + (n << 2), nameTable);
      store<i32>(outNameHash + (n << 2), nameHash);
    }
    n++;
    st = S_AFTER;
    i = p + 1;
  }
  taken = n;
  bytesOut = o;
  stateOut = st;
  return i;
}
