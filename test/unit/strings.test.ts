// The string table: strings stored as their JSON bytes outside the JS heap, decoded on read.
import { strict as assert } from 'node:assert';
import { StringTable, decodeJsonStringBody } from '../../extension/core/strings';
import { SnapshotParser } from '../../extension/core/parser';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts } from '../helpers/random';

const enc = new TextEncoder();

/** Strings that need every storage form: plain ASCII, UTF-8, escapes, lone surrogates, empty. */
const samples = [
  '', 'a', 'plain ASCII text', 'ünïcödé 日本語 😀', 'quote " and backslash \\', 'tab\tnew\nline\r',
  'nul\u0000 and \u001f', 'lone high \ud800 end', 'lone low \udc00', '\ud83d', 'pair \ud83d\ude00 ok',
  '12 / part of key (Foo @3) -> value (Bar @5) pair in WeakMap (table @7)', 'x'.repeat(5000),
];

describe('string table', () => {
  it('reads back every string it was given, by index and as an array', () => {
    const t = StringTable.from(samples);
    assert.equal(t.length, samples.length);
    samples.forEach((s, i) => assert.equal(t.get(i), s, `string ${i}`));
    // again, from the cache
    samples.forEach((s, i) => assert.equal(t.get(i), s, `string ${i} (cached)`));
    assert.deepEqual(t.toArray(), samples);
    assert.equal(t.get(samples.length), '');
    assert.equal(t.get(-1), '');
  });

  it('stores strings that need escapes escaped, the others as their UTF-8 bytes', () => {
    const t = StringTable.from(samples);
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      // a quote, a backslash, a control character or a lone surrogate
      const escaped = [...s].some((ch) => ch === '"' || ch === '\\' || ch.charCodeAt(0) < 32
        || (ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff));
      assert.equal(t.isEscaped(i), escaped, `escaped flag of ${JSON.stringify(s)}`);
      assert.equal(t.byteLength(i), escaped ? enc.encode(JSON.stringify(s)).length - 2 : enc.encode(s).length, `bytes of ${i}`);
    }
  });

  it('compares a string with a text without decoding it, with the same answers as decoding', () => {
    const t = StringTable.from(samples);
    const probes = [...samples, 'plain ASCII tex', 'plain ASCII textt', 'A', 'quote \' and', '日本語'];
    for (let i = 0; i < samples.length; i++) {
      for (const p of probes) assert.equal(t.equals(i, p), samples[i] === p, `${i} vs ${JSON.stringify(p)}`);
    }
    assert.equal(t.equals(samples.length, ''), false, 'out of range');
    assert.equal(t.indexOf('plain ASCII text'), 2);
    assert.equal(t.indexOf('quote " and backslash \\'), 4);
    assert.equal(t.indexOf('nope'), -1);
    const dup = StringTable.from(['a', 'b', 'a']);
    assert.equal(dup.indexOf('a', 1), 2);
  });

  it('compares two strings after their leading digits, and tells digit-only strings', () => {
    const t = StringTable.from(['12 / same tail', '7 / same tail', '7 / other tail', '12 / same tai', '', '0', '9876543210', '12a', ' 1', '1/', ':']);
    assert.equal(t.sameAfterDigits(0, 1), true);
    assert.equal(t.sameAfterDigits(0, 2), false);
    assert.equal(t.sameAfterDigits(0, 3), false, 'different lengths');
    assert.deepEqual([4, 5, 6, 7, 8, 9, 10, 99].map((i) => t.isDigits(i)), [false, true, true, false, false, false, false, false]);
    // every tail length (words and the bytes after them), a difference at every position, at any
    // alignment (the leading numbers shift where the tails start)
    const list: string[] = [];
    const pairs: Array<[number, number, boolean]> = [];
    for (let len = 0; len <= 13; len++) {
      const tail = Array.from({ length: len }, (_, k) => String.fromCharCode(97 + ((len + k) % 26))).join('');
      for (const [x, y] of [['1', '22'], ['333', '4'], ['55', '66666']]) {
        list.push(x + tail, y + tail);
        pairs.push([list.length - 2, list.length - 1, true]);
        for (let at = 0; at < len; at++) {
          list.push(y + tail.slice(0, at) + 'Z' + tail.slice(at + 1));
          pairs.push([list.length - 3 - at, list.length - 1, false]);
        }
      }
    }
    const words = StringTable.from(list);
    for (const [a, b, same] of pairs) assert.equal(words.sameAfterDigits(a, b), same, `${list[a]} / ${list[b]}`);
    const escaped = new StringTable();
    const body = new TextEncoder().encode(String.raw`12`);
    escaped.addBytes(body, 0, body.length, true);
    assert.equal(escaped.isDigits(0), true, 'decoded when escaped');
  });

  it('grows its arrays past their first sizes, and hands its shared buffers to another table', () => {
    const rnd = seededInts(7);
    const list: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const k = rnd(5);
      list.push(k === 0 ? `s${i}` : k === 1 ? `"${i}"\n` : k === 2 ? 'é'.repeat(rnd(40)) : k === 3 ? '' : `${i} \ud800`);
    }
    const t = StringTable.from(list, { shared: true });
    assert.equal(t.isShared, true);
    const parts = t.parts();
    for (const a of [parts.bytes, parts.offsets, parts.escaped]) assert.ok(a.buffer instanceof SharedArrayBuffer);
    const other = new StringTable({ parts, shared: true });
    assert.deepEqual(other.toArray(), list);
    assert.deepEqual(t.toArray(), list);
    assert.ok(!(StringTable.from(['x']).parts().bytes.buffer instanceof SharedArrayBuffer), 'not shared unless asked');
  });

  it('decodes JSON string bodies and rejects bad escapes', () => {
    const body = (s: string) => enc.encode(s);
    const ok = String.raw`a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800`;
    const b = body(ok);
    assert.equal(decodeJsonStringBody(b, 0, b.length), JSON.parse(`"${ok}"`));
    for (const bad of [String.raw`ab\x`, String.raw`\u12`, String.raw`x\u12G4`, String.raw`\'`, '\\']) {
      const bb = body(bad);
      assert.equal(decodeJsonStringBody(bb, 0, bb.length), null, bad);
    }
  });

  it('the parser fills it from the file bytes, in one piece or cut anywhere, shared when asked', () => {
    const b = new SnapshotBuilder();
    for (const s of samples) b.node('string', s);
    const o = b.toObject() as { strings: string[] };
    const bytes = enc.encode(JSON.stringify(o));
    for (const chunk of [bytes.length, 1, 3, 7, 64]) {
      for (const shared of [false, true]) {
        const p = new SnapshotParser({ shared, totalBytes: chunk === 7 ? undefined : bytes.length });
        for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
        const snap = p.end();
        assert.deepEqual(snap.strings.toArray(), o.strings, `chunk ${chunk}, shared ${shared}`);
        assert.equal(snap.strings.isShared, shared);
        assert.equal(snap.strings.parts().bytes.buffer instanceof SharedArrayBuffer, shared);
      }
    }
  });

  it('compares strings a file spells with needless escapes by their text', () => {
    const b = new SnapshotBuilder();
    b.node('string', 'PLACEHOLDER');
    const text = b.toJSON().replace('"PLACEHOLDER"', String.raw`"\u0041B\/C"`);
    const p = new SnapshotParser();
    p.write(enc.encode(text));
    const t = p.end().strings;
    const i = t.toArray().indexOf('AB/C');
    assert.ok(i > 0, 'decoded');
    assert.equal(t.isEscaped(i), true);
    assert.equal(t.equals(i, 'AB/C'), true);
    assert.equal(t.indexOf('AB/C'), i);
  });
});
