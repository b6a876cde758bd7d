// Where a big number array of a snapshot ends, found without reading the array: V8 (and our Python
// exporter) write the nodes and the edges one record per line (`\n,` before each record after the
// first), so a few kilobytes read anywhere tell whether that spot lies inside the array (whole
// lines of exactly `fields` plain integers) or past it. A binary search over such probes brackets
// the array's end within one probe's length; its ']' is then the first ']' after the last spot found
// inside (a flat number array holds no other). About 15 probes of 64 KB for a 1 GB file.
//
// The answer is a guess for the parallel loader to skip an array another thread parses: that
// thread's own parse of the array says where it really ends, and the loader checks the two agree
// (parallelParse.ts). A file laid out otherwise (no line per record, another section with lines of
// the same width right after the array) gives -1 or a wrong offset, never a wrong snapshot.

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/** Bytes read per probe. */
export const PROBE_BYTES = 1 << 16;
/** Whole record lines a probe must see. */
const PROBE_LINES = 3;

/**
 * True when the first PROBE_LINES whole lines in `buf` (after its first '\n') are records of
 * `fields` plain integers, each line starting with the ',' that separates it from the record before.
 */
export function recordLinesIn(buf: Uint8Array, fields: number): boolean {
  let i = buf.indexOf(10);
  if (i < 0) return false;
  for (let line = 0; line < PROBE_LINES; line++) {
    // i is at a '\n'; a record line follows: `,d+(,d+){fields-1}` then '\n'
    i++;
    for (let f = 0; f < fields; f++) {
      if (buf[i] !== 44) return false;
      i++;
      const s = i;
      while (i < buf.length && buf[i] >= 48 && buf[i] <= 57) i++;
      if (i === s || i === buf.length) return false;
    }
    if (buf[i] !== 10) return false;
  }
  return true;
}

/**
 * Byte offset of the ']' that closes the number array whose '[' is at `open`, in a file of `size`
 * bytes whose records have `fields` numbers each; -1 when the probes cannot tell (see the header).
 */
export function findArrayEnd(read: ReadAt, open: number, size: number, fields: number, probeBytes = PROBE_BYTES): number {
  if (fields < 1 || open < 0 || open >= size) return -1;
  const inside = (at: number) => recordLinesIn(read(at, probeBytes), fields);
  let lo = open + 1;
  if (!inside(lo)) return -1;
  let hi = size;
  while (hi - lo > probeBytes) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (inside(mid)) lo = mid;
    else hi = mid;
  }
  // the ']' lies a few lines past hi at most: the lines after hi are not all records
  const limit = Math.min(size, hi + 2 * probeBytes);
  for (let at = lo; at < limit; at += probeBytes) {
    const buf = read(at, Math.min(probeBytes, limit - at));
    if (buf.length === 0) break;
    const k = buf.indexOf(93);
    if (k < 0) continue;
    // a ']' ends the array only where the top-level object goes on (',') or ends ('}')
    let j = at + k + 1;
    for (;;) {
      const after = read(j, 64);
      let m = 0;
      while (m < after.length && (after[m] === 32 || after[m] === 10 || after[m] === 13 || after[m] === 9)) m++;
      if (m < after.length) return after[m] === 44 || after[m] === 125 ? at + k : -1;
      if (after.length === 0) return -1;
      j += after.length;
    }
  }
  return -1;
}
