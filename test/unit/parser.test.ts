// The streaming parser against the plain JSON.parse path (snapshotFromObject), for every chunking,
// field order, escape and layout variant the format allows.
import { strict as assert } from 'node:assert';
import { SnapshotBuilder, snapshotFromObject } from '../helpers/snapshotBuilder';
import { SnapshotParser, parseSnapshotBytes, parseSnapshotChunks } from '../../extension/core/parser';
import type { HeapSnapshot } from '../../extension/core/model';
import { assertSameSnapshot } from '../helpers/snapshotCompare';

const enc = new TextEncoder();
/** A small graph with every edge type, shared objects, a cycle and non-ASCII names. */
function sampleBuilder(opts: ConstructorParameters<typeof SnapshotBuilder>[0] = {}): SnapshotBuilder {
  const b = new SnapshotBuilder(opts);
  const req = b.obj('IncomingMessage', 120);
  const ctx = b.node('closure', 'handler', { selfSize: 32, traceNodeId: 3 });
  const arr = b.node('array', '', { selfSize: 4096 });
  const s1 = b.node('string', 'héllo wörld – 日本 😀', { selfSize: 40 });
  const det = b.node('native', 'HTMLDivElement', { selfSize: 100, detachedness: 2 });
  const big = b.node('object', 'Big', { selfSize: 2 ** 40, id: 0xFFFFFF01 });
  b.gcRoot(req).gcRoot(ctx);
  b.prop(req, ctx, 'onData').edge(ctx, req, 'context', 'req').edge(req, arr, 'internal', 'elements');
  b.edge(arr, s1, 'element', 0).edge(arr, det, 'element', 7).edge(det, big, 'hidden', 3);
  b.edge(big, req, 'weak', 'back').edge(ctx, arr, 'shortcut', 'sc').prop(req, s1, 'url');
  return b;
}

function expectFrom(text: string): HeapSnapshot {
  return snapshotFromObject(JSON.parse(text));
}

function parseInChunks(bytes: Uint8Array, sizes: number[]): HeapSnapshot {
  const p = new SnapshotParser();
  let off = 0;
  let k = 0;
  while (off < bytes.length) {
    const n = sizes[k++ % sizes.length];
    p.write(bytes.subarray(off, off + n));
    off += n;
  }
  return p.end();
}

/** Deterministic pseudo-random numbers (LCG), so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('streaming parser: equals the JSON.parse path', () => {
  it('parses the builder JSON in one chunk, column for column', () => {
    const b = sampleBuilder();
    const maxId = b.node('object', 'MaxId', { id: 0xFFFFFFFF });
    const text = b.toJSON();
    const s = parseSnapshotBytes(enc.encode(text));
    assertSameSnapshot(s, expectFrom(text));
    assert.equal(s.nodeSelfSize[7], 2 ** 40);
    assert.equal(s.nodeId[maxId], 0xFFFFFFFF);
    assert.equal(s.nodeDetachedness![6], 2);
    assert.equal(s.strings.get(s.nodeName[5]), 'héllo wörld – 日本 😀');
    assert.equal(s.edgeName(s.firstEdge[4] + 1), 7); // element index, not a string
  });

  it('gives the same result split in two at every byte boundary', () => {
    const text = sampleBuilder().toJSON();
    const bytes = enc.encode(text);
    const want = expectFrom(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const p = new SnapshotParser();
      p.write(bytes.subarray(0, cut));
      p.write(bytes.subarray(cut));
      assertSameSnapshot(p.end(), want, `cut ${cut}`);
    }
  });

  it('gives the same result for one-byte chunks and random chunk sizes', () => {
    const text = sampleBuilder().toJSON();
    const bytes = enc.encode(text);
    const want = expectFrom(text);
    assertSameSnapshot(parseInChunks(bytes, [1]), want, '1-byte');
    const rnd = lcg(42);
    for (let round = 0; round < 50; round++) {
      const sizes = Array.from({ length: 20 }, () => 1 + Math.floor(rnd() * 40));
      assertSameSnapshot(parseInChunks(bytes, sizes), want, `sizes ${sizes.join(',')}`);
    }
  });

  it('copies what it keeps: callers may reuse one Buffer for every chunk', () => {
    const b = sampleBuilder();
    b.obj('x'.repeat(300) + '\\"escaped\\" ü'.repeat(20));
    const bytes = enc.encode(b.toJSON({ unknown: { deep: ['y'.repeat(500)] } }));
    const want = snapshotFromObject(JSON.parse(new TextDecoder().decode(bytes)));
    for (const size of [1, 5, 64, 333]) {
      const p = new SnapshotParser();
      const reused = Buffer.alloc(size);
      for (let off = 0; off < bytes.length; off += size) {
        const n = Math.min(size, bytes.length - off);
        reused.set(bytes.subarray(off, off + n));
        p.write(reused.subarray(0, n));
        reused.fill(0x41);
      }
      assertSameSnapshot(p.end(), want, `reused buffer of ${size}`);
    }
  });

  it('handles a graph large enough to fill several number batches, in odd chunk sizes', () => {
    const b = new SnapshotBuilder();
    let prev = b.obj('Head');
    b.gcRoot(prev);
    for (let i = 0; i < 30000; i++) {
      const n = b.obj(`C${i % 97}`, i);
      b.prop(prev, n, 'next').edge(n, prev, 'element', i);
      prev = n;
    }
    const text = b.toJSON();
    const want = expectFrom(text);
    assertSameSnapshot(parseSnapshotBytes(enc.encode(text)), want, 'whole');
    assertSameSnapshot(parseInChunks(enc.encode(text), [65537, 3, 999]), want, 'chunked');
  });

  it('reads V8-formatted records (the record fast path) exactly as the general loop does', () => {
    // V8 writes one record per line with the comma first ("\n,"); the fast path takes such records
    // straight into the columns. Random values of every width the fields allow (two-digit types,
    // ids up to 2^32-1, self sizes up to 2^53-1, to_node of 1..7 digits), each separator style, and
    // records the fast path must leave to the general loop (spaces, a leading "+", big numbers).
    const rnd = lcg(7);
    const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
    const widths = (max: number) => Math.floor(rnd() ** 3 * max); // mostly small, some up to max
    for (const nf of [7, 6, 5]) {
      const b = new SnapshotBuilder({ nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'].slice(0, nf) });
      const o = b.toObject() as { snapshot: { node_count: number; edge_count: number }; nodes: number[]; edges: number[]; strings: string[] };
      const nodeCount = 150_000;
      const strings = Array.from({ length: 20_000 }, (_, k) => `s${k}`);
      const nodes: number[] = [];
      const edges: number[] = [];
      for (let n = 0; n < nodeCount; n++) {
        const ec = n % 5 === 0 ? 0 : Math.floor(rnd() * 3);
        const selfSize = pick([0, 1, 10, widths(1e6), widths(2 ** 32), widths(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER]);
        nodes.push(Math.floor(rnd() * 15), pick([0, 7, 123, Math.floor(rnd() * 20_000)]), pick([n * 2 + 1, widths(0xFFFFFFFF), 0xFFFFFFFF]), selfSize, ec);
        if (nf >= 6) nodes.push(pick([0, 0, 0, widths(0xFFFFFFFF)]));
        if (nf >= 7) nodes.push(pick([0, 0, 1, 2, 255]));
        for (let e = 0; e < ec; e++) {
          const type = Math.floor(rnd() * 7);
          const name = type === 1 || type === 4 ? pick([0, 9, widths(0xFFFFFFFF)]) : Math.floor(rnd() * 2000);
          edges.push(type, name, pick([0, Math.floor(rnd() * 10), Math.floor(rnd() * 1000), Math.floor(rnd() * nodeCount)]) * nf);
        }
      }
      Object.assign(o, { nodes, edges, strings: ['', ...strings] });
      o.snapshot.node_count = nodeCount;
      o.snapshot.edge_count = edges.length / 3;
      const want = snapshotFromObject(JSON.parse(JSON.stringify(o)));
      // the text as V8 writes it, with some records in other spellings
      const records = (a: number[], w: number) => {
        const lines: string[] = [];
        for (let k = 0; k < a.length; k += w) {
          let line = a.slice(k, k + w).join(',');
          const r = rnd();
          if (r < 0.002) line = line.replace(',', ' , ');
          else if (r < 0.004) line = line.replace(/^(\d+)/, '$1.0');
          else if (r < 0.006) line = `${a[k]}e0${line.slice(String(a[k]).length)}`;
          lines.push(line);
        }
        return lines.join(rnd() < 0.5 ? '\n,' : ',\n');
      };
      const text = JSON.stringify({ ...o, nodes: 0, edges: 1 })
        .replace('"nodes":0', `"nodes":[${records(nodes, nf)}]`)
        .replace('"edges":1', `"edges":[${records(edges, 3)}]`);
      const bytes = enc.encode(text);
      assertSameSnapshot(parseSnapshotBytes(bytes), want, `nf ${nf} whole`);
      assertSameSnapshot(parseInChunks(bytes, [4 << 20, 65536, 4093, 1 << 20]), want, `nf ${nf} chunked`);
    }
  });

  it('keeps self sizes in 32 bits until one needs more, then widens without losing any', () => {
    const b = new SnapshotBuilder();
    const big = 2 ** 40 + 3;
    const sizes: number[] = [];
    const first = b.gcRoots + 1;
    let prev = b.root;
    for (let i = 0; i < 120_000; i++) {
      // a first size above 2^32 - 1 late in the array (after the columns grew), a second one later
      const size = i === 90_000 ? big : i === 110_000 ? 2 ** 32 : (i * 7919) % 100_000;
      const n = b.obj(`N${i % 50}`, size);
      b.prop(prev, n, 'next');
      sizes.push(size);
      prev = n;
    }
    const small = new SnapshotBuilder();
    const s1 = small.obj('S', 0xffffffff);
    small.gcRoot(s1);
    const smallSnap = parseSnapshotBytes(enc.encode(small.toJSON()));
    assert.ok(smallSnap.nodeSelfSize instanceof Uint32Array, 'all fit: 32 bits');
    assert.equal(smallSnap.nodeSelfSize[s1], 0xffffffff);
    const bytes = enc.encode(b.toJSON());
    for (const snap of [parseSnapshotBytes(bytes), parseInChunks(bytes, [65536, 4093, 1 << 20])]) {
      assert.ok(snap.nodeSelfSize instanceof Float64Array, 'widened');
      for (let i = 0; i < sizes.length; i++) {
        if (snap.nodeSelfSize[first + i] !== sizes[i]) assert.fail(`node ${first + i}: ${snap.nodeSelfSize[first + i]} != ${sizes[i]}`);
      }
    }
  });

  it('reads field order from the meta (shuffled node and edge fields)', () => {
    const orders = [
      { nodeFields: ['id', 'edge_count', 'detachedness', 'name', 'self_size', 'trace_node_id', 'type'], edgeFields: ['to_node', 'type', 'name_or_index'] },
      { nodeFields: ['self_size', 'type', 'edge_count', 'name', 'id'], edgeFields: ['name_or_index', 'to_node', 'type'] },
      { nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count'], edgeFields: ['type', 'name_or_index', 'to_node'] },
      { nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'], edgeFields: ['type', 'name_or_index', 'to_node'] },
      { nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'future_field'], edgeFields: ['type', 'name_or_index', 'to_node', 'extra'] },
    ];
    for (const o of orders) {
      const text = sampleBuilder(o).toJSON();
      const s = parseSnapshotBytes(enc.encode(text));
      assertSameSnapshot(s, expectFrom(text), o.nodeFields.join(','));
      assert.equal(s.nodeTraceId === null, !o.nodeFields.includes('trace_node_id'));
      assert.equal(s.nodeDetachedness === null, !o.nodeFields.includes('detachedness'));
    }
  });

  it('uses the enum values of the file, not built-in constants', () => {
    const b = sampleBuilder();
    const o = b.toObject() as any;
    o.snapshot.meta.node_types[0] = [...o.snapshot.meta.node_types[0], 'wasm object', 'extra kind'];
    o.snapshot.meta.edge_types[0] = [...o.snapshot.meta.edge_types[0], 'invisible'];
    o.nodes[o.snapshot.meta.node_fields.indexOf('type')] = 16; // root becomes "extra kind"
    const s = parseSnapshotBytes(enc.encode(JSON.stringify(o)));
    assert.equal(s.nodeTypeName(0), 'extra kind');
    assert.deepEqual(s.meta.edgeTypes.slice(-1), ['invisible']);
  });

  it('decodes escapes and surrogate pairs, also when split across chunks', () => {
    const b = sampleBuilder();
    b.obj('PLACEHOLDER_A');
    b.obj('PLACEHOLDER_B');
    b.obj('PLACEHOLDER_C');
    let text = b.toJSON();
    const literals = {
      PLACEHOLDER_A: String.raw`"\ud83d\ude00 smile \"quoted\" back\\slash \/ \b\f\n\r\t"`,
      PLACEHOLDER_B: String.raw`"nul\u0000 \u00e9\u00E9 \uD834\uDD1E lone\ud800 end"`,
      PLACEHOLDER_C: '"raw 😀 日本語 ünïcödé"',
    };
    for (const [k, v] of Object.entries(literals)) text = text.replace(`"${k}"`, v);
    const want = expectFrom(text);
    assert.ok(want.strings.toArray().includes('\u{1F600} smile "quoted" back\\slash / \b\f\n\r\t'));
    assert.ok(want.strings.toArray().includes('nul\u0000 \u00e9\u00e9 \u{1D11E} lone\ud800 end'));
    const bytes = enc.encode(text);
    assertSameSnapshot(parseSnapshotBytes(bytes), want, 'whole');
    const start = text.indexOf('"strings"');
    for (let cut = start; cut <= bytes.length; cut++) {
      const p = new SnapshotParser();
      p.write(bytes.subarray(0, cut));
      p.write(bytes.subarray(cut));
      assertSameSnapshot(p.end(), want, `cut ${cut}`);
    }
    assertSameSnapshot(parseInChunks(bytes, [1]), want, '1-byte');
  });

  it('copies strings four bytes at a time exactly: quotes, backslashes, control and UTF-8 bytes at every position', () => {
    // the strings' fast path reads 4-byte words; each special byte is put at every offset in a word
    const rnd = lcg(99);
    const pieces = ['a', 'bc', 'def', 'ghij', 'ü', '日', '😀', '\u007f', '"', '\\', '\n', '\u0001', '\t', ' ', '~'];
    const b = new SnapshotBuilder();
    const names: string[] = [];
    for (let k = 0; k < 400; k++) {
      let s = 'x'.repeat(k % 9);
      const parts = 1 + Math.floor(rnd() * 12);
      for (let p = 0; p < parts; p++) s += pieces[Math.floor(rnd() * pieces.length)];
      names.push(s);
      b.obj(s, 8);
    }
    const text = b.toJSON();
    const want = expectFrom(text);
    for (const n of names) assert.ok(want.strings.toArray().includes(n));
    const bytes = enc.encode(text);
    assertSameSnapshot(parseSnapshotBytes(bytes), want, 'whole');
    for (const sizes of [[1], [3], [4], [5], [7, 13, 64], [4096]]) assertSameSnapshot(parseInChunks(bytes, sizes), want, `chunks ${sizes}`);
    // a raw control byte inside a string without escapes is an error wherever it falls in a word
    const plain = new SnapshotBuilder();
    plain.obj('PLAIN_name_without_escapes', 8);
    const plainText = plain.toJSON();
    for (let at = 0; at < 8; at++) {
      const bad = plainText.replace('"PLAIN', `"${'y'.repeat(at)}\u0001`);
      assert.throws(() => parseSnapshotBytes(enc.encode(bad)), /control/, `control byte at ${at}`);
    }
  });

  it('accepts pretty-printed JSON and numbers in any JSON form with integer values', () => {
    const b = sampleBuilder();
    const o = b.toObject() as any;
    const pretty = JSON.stringify(o, null, '\t').replace(/\n/g, '\r\n');
    assertSameSnapshot(parseSnapshotBytes(enc.encode(pretty)), snapshotFromObject(o), 'pretty');
    // rewrite every number of the nodes/edges arrays in exponent / fraction form
    const forms = [(n: number) => `${n}e0`, (n: number) => `${n * 10}E-1`, (n: number) => `${n}.0`, (n: number) => `${n / 100}e+2`,
      (n: number) => ` \n ${n} \t `];
    forms.forEach((f, fi) => {
      const text = `{"snapshot":${JSON.stringify(o.snapshot)},"nodes":[${o.nodes.map(f).join(',')}],` +
        `"edges":[${o.edges.map(f).join(',')}],"strings":${JSON.stringify(o.strings)}}`;
      assertSameSnapshot(parseSnapshotBytes(enc.encode(text)), snapshotFromObject(o), `form ${fi}`);
    });
  });

  it('skips unknown top-level keys with nested structures wherever they are', () => {
    const o = sampleBuilder().toObject() as any;
    const junk = String.raw`{"a":[1,{"b":"]}\"[{","c":null}],"d":{"e":[[[]]],"f":true,"g":false},"h":-1.5e3,"i":"\u1234"}`;
    const parts = [`"snapshot":${JSON.stringify(o.snapshot)}`, `"nodes":${JSON.stringify(o.nodes)}`,
      `"edges":${JSON.stringify(o.edges)}`, `"strings":${JSON.stringify(o.strings)}`];
    for (let at = 0; at <= parts.length; at++) {
      const withJunk = [...parts];
      withJunk.splice(at, 0, `"x_unknown":${junk}`, '"y":[]', '"z":"just a string"', '"w":0');
      const text = `{${withJunk.join(',')}}`;
      assertSameSnapshot(parseSnapshotBytes(enc.encode(text)), snapshotFromObject(o), `junk at ${at}`);
      assertSameSnapshot(parseInChunks(enc.encode(text), [7, 1, 13]), snapshotFromObject(o), `junk at ${at}, chunked`);
    }
  });

  it('accepts top-level keys in any order, including nodes and edges before the meta', () => {
    const o = sampleBuilder().toObject() as any;
    const want = snapshotFromObject(o);
    const orders = [
      ['strings', 'snapshot', 'edges', 'nodes'],
      ['nodes', 'edges', 'strings', 'snapshot'],
      ['edges', 'snapshot', 'strings', 'nodes'],
      ['snapshot', 'strings', 'nodes', 'edges'],
    ];
    for (const order of orders) {
      const text = `{${order.map((k) => `"${k}":${JSON.stringify(o[k])}`).join(',')}}`;
      assertSameSnapshot(parseSnapshotBytes(enc.encode(text)), want, order.join(','));
      assertSameSnapshot(parseInChunks(enc.encode(text), [5]), want, `${order.join(',')} chunked`);
    }
  });

  it('accepts a file without node_count / edge_count (columns grow as needed)', () => {
    const b = new SnapshotBuilder();
    let prev = b.obj('Head');
    b.gcRoot(prev);
    for (let i = 0; i < 5000; i++) {
      const n = b.obj('N');
      b.prop(prev, n, 'next');
      prev = n;
    }
    const o = b.toObject() as any;
    delete o.snapshot.node_count;
    delete o.snapshot.edge_count;
    assertSameSnapshot(parseSnapshotBytes(enc.encode(JSON.stringify(o))), snapshotFromObject(o));
  });

  it('reads locations, trace_function_infos and the nested trace_tree', () => {
    const b = sampleBuilder();
    const o = b.toObject() as any;
    const nf = o.snapshot.meta.node_fields.length;
    o.strings.push('allocFn', 'file:///app.js', 'otherFn');
    const S = o.strings.length;
    // function_id, name, script_name, script_id, line, column
    o.trace_function_infos = [1, S - 3, S - 2, 42, 10, 5, 2, S - 1, S - 2, 42, 0, 0];
    // id, function_info_index, count, size, children
    o.trace_tree = [1, 0, 0, 0, [2, 1, 3, 300, [4, 0, 1, 16, []], 3, 0, 2, 64, []], 9, 1, 0, 0, []];
    o.locations = [nf * 2, 42, 9, 4, nf * 5, 43, 0, 1];
    o.samples = [1000, 5, 2000, 9];
    const text = JSON.stringify(o);
    for (const s of [parseSnapshotBytes(enc.encode(text)), parseInChunks(enc.encode(text), [3])]) {
      const f = s.traceFunctionInfos!;
      assert.equal(f.count, 2);
      assert.equal(s.strings.get(f.name[0]), 'allocFn');
      assert.equal(s.strings.get(f.scriptName[1]), 'file:///app.js');
      assert.deepEqual([f.scriptId[0], f.line[0], f.column[0]], [42, 10, 5]);
      const t = s.traceTree!;
      assert.deepEqual(Array.from(t.ids), [1, 2, 4, 3, 9]);
      assert.deepEqual(Array.from(t.parent), [-1, 0, 1, 0, -1]);
      assert.deepEqual(Array.from(t.functionInfo), [0, 1, 0, 0, 1]);
      const l = s.locations!;
      assert.equal(l.count, 2);
      assert.deepEqual([l.node[0], l.scriptId[0], l.line[0], l.column[0]], [2, 42, 9, 4]);
      assert.deepEqual([l.node[1], l.scriptId[1]], [5, 43]);
    }
  });

  it('returns null side tables when the file has none', () => {
    const s = parseSnapshotBytes(enc.encode(sampleBuilder().toJSON()));
    assert.equal(s.locations, null);
    assert.equal(s.traceTree, null);
    assert.equal(s.traceFunctionInfos, null);
  });

  it('parses from an async iterable and reports progress in bytes', async () => {
    const text = sampleBuilder().toJSON() + ' '.repeat(9 << 20); // trailing whitespace is valid JSON
    const bytes = enc.encode(text);
    async function* gen() {
      for (let off = 0; off < bytes.length; off += 1 << 20) yield bytes.subarray(off, off + (1 << 20));
    }
    const seen: { phase: string; done: number; total: number }[] = [];
    const s = await parseSnapshotChunks(gen(), { onProgress: (p) => seen.push(p), totalBytes: bytes.length });
    assert.equal(s.nodeCount, 8);
    assert.ok(seen.length >= 2 && seen.length < 10, `progress calls: ${seen.length}`);
    assert.ok(seen.every((p) => p.phase === 'parse' && p.total === bytes.length));
    for (let k = 1; k < seen.length; k++) assert.ok(seen[k].done > seen[k - 1].done);
    assert.equal(seen[seen.length - 1].done, bytes.length);
  });

  it('stops with a cancelled error when the signal fires between chunks', async () => {
    const bytes = enc.encode(sampleBuilder().toJSON());
    const ac = new AbortController();
    let fed = 0;
    async function* gen() {
      for (let off = 0; off < bytes.length; off += 50) {
        fed++;
        if (fed === 3) ac.abort();
        yield bytes.subarray(off, off + 50);
      }
    }
    await assert.rejects(parseSnapshotChunks(gen(), { signal: ac.signal }), (e: any) => e.code === 'cancelled');
    assert.equal(fed, 3);
    const pre = new AbortController();
    pre.abort();
    assert.throws(() => parseSnapshotBytes(bytes, { signal: pre.signal }), (e: any) => e.code === 'cancelled');
  });
});
