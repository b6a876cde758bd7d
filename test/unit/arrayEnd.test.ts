// Finding where a number array ends from a few probes (arrayEnd.ts): exact on V8's one-record-per-
// line layout for every array length and probe size, -1 where the layout gives no answer, and the
// documented wrong guess when a section of the same record width follows (the loader checks it).
import { strict as assert } from 'node:assert';
import { findArrayEnd, recordLinesIn, type ReadAt } from '../../extension/core/arrayEnd';

/** A deterministic pseudo-random generator (LCG). */
function rng(seed: number): (m: number) => number {
  return (m: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % m;
  };
}

/** `"name":[` and `count` records of `fields` numbers, one per line as V8 writes them, then `]`. */
function records(name: string, count: number, fields: number, rnd: (m: number) => number): string {
  const lines: string[] = [];
  for (let r = 0; r < count; r++) {
    const nums: number[] = [];
    for (let f = 0; f < fields; f++) nums.push(rnd(4) === 0 ? rnd(10) : rnd(100_000_000));
    lines.push(nums.join(','));
  }
  return `"${name}":[${lines.join('\n,')}]`;
}

function reader(text: string): { read: ReadAt; reads: number[] } {
  const bytes = Buffer.from(text, 'latin1');
  const reads: number[] = [];
  return {
    reads,
    read: (at, length) => {
      reads.push(length);
      return bytes.subarray(at, Math.min(bytes.length, at + length));
    },
  };
}

describe('arrayEnd: where a number array ends, from probes', () => {
  it('recordLinesIn: three whole record lines of the given width after the first newline', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    assert.equal(recordLinesIn(b('7,8\n,1,2,3\n,4,5,6\n,7,8,9\n,1'), 3), true);
    assert.equal(recordLinesIn(b('7,8\n,1,2,3\n,4,5,6\n,7,8,9\n,1'), 4), false, 'another width');
    assert.equal(recordLinesIn(b('7,8\n,1,2,3\n,4,5,6]\n'), 3), false, 'the array ends');
    assert.equal(recordLinesIn(b('7,8\n,1,2,3\n,4,5,6\n,7,8'), 3), false, 'a line cut off by the probe');
    assert.equal(recordLinesIn(b('1,2,3,4,5,6,7,8,9'), 3), false, 'no newline');
    assert.equal(recordLinesIn(b('x\n,1,a,3\n,4,5,6\n,7,8,9\n'), 3), false, 'not digits');
    assert.equal(recordLinesIn(b('x\n1,2,3\n,4,5,6\n,7,8,9\n'), 3), false, 'no leading comma');
  });

  it('finds the exact ]: every array length and probe size', () => {
    const rnd = rng(7);
    for (const count of [1, 2, 3, 5, 40, 700, 9000]) {
      for (const probe of [32, 256, 4096, 1 << 16]) {
        const text = `{"snapshot":{},${records('nodes', 200, 7, rnd)},${records('edges', count, 3, rnd)},"strings":["]",","]}`;
        const open = text.indexOf('"edges":[') + 8;
        const want = text.indexOf(']', open);
        const { read, reads } = reader(text);
        const got = findArrayEnd(read, open, text.length, 3, probe);
        // tiny arrays hold too few whole lines for a probe, and probes of 32 bytes hold too few
        // whole lines of up to 27 bytes: no answer, never a wrong one
        if (count >= 5 && probe > 32) assert.equal(got, want, `${count} records, probes of ${probe}`);
        else assert.ok(got === want || got === -1, `${count} records, probes of ${probe}: ${got}`);
        if (probe === 256 && count === 9000) {
          const bytes = reads.reduce((x, y) => x + y, 0);
          assert.ok(bytes < text.length / 20, `read ${bytes} of ${text.length} bytes`);
        }
      }
    }
  });

  it('no answer without a line per record, or where no key follows the ]', () => {
    const rnd = rng(3);
    const flat = `{"edges":[${Array.from({ length: 3000 }, () => rnd(1000)).join(',')}],"strings":[]}`;
    assert.equal(findArrayEnd(reader(flat).read, flat.indexOf('['), flat.length, 3, 256), -1);
    const odd = `{${records('edges', 3000, 3, rnd)} x}`;
    assert.equal(findArrayEnd(reader(odd).read, odd.indexOf('['), odd.length, 3, 256), -1);
    const last = `{${records('edges', 3000, 3, rnd)} \n }`;
    assert.equal(findArrayEnd(reader(last).read, last.indexOf('['), last.length, 3, 256), last.lastIndexOf(']'));
  });

  it('a later section of the same width can mislead it (which is why the loader checks)', () => {
    const rnd = rng(11);
    const text = `{${records('edges', 500, 3, rnd)},${records('samples', 20000, 3, rnd)},"strings":[]}`;
    const got = findArrayEnd(reader(text).read, text.indexOf('['), text.length, 3, 256);
    assert.equal(got, text.lastIndexOf(']', text.indexOf('"strings"')), 'the end of "samples", not of "edges"');
  });
});
