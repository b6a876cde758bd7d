import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze } from '../../extension/core/analysis';
import { diffSnapshots } from '../../extension/core/diff';
import { HeapSnapshot, V8_EDGE_TYPES, V8_NODE_TYPES } from '../../extension/core/model';
import { radixOrder } from '../../extension/core/radixSort';

describe('diff: comparison of two snapshots (show_growth / DevTools Comparison)', () => {
  it('names rows as the class summary does (DevTools Summary classes: Function, (system), <tag>)', () => {
    const build = (extra: number) => {
      const b = new SnapshotBuilder();
      const g = b.obj('global', 8);
      b.gcRoot(g);
      for (let i = 0; i < 2 + extra; i++) {
        b.prop(g, b.node('closure', `handler${i}`, { selfSize: 32 }), `h${i}`);
        b.prop(g, b.node('hidden', 'system / Context', { selfSize: 16 }), `c${i}`);
        b.prop(g, b.node('native', `<div id="d${i}">`, { selfSize: 64 }), `d${i}`);
      }
      return b.build();
    };
    const d = diffSnapshots(build(0), build(3));
    const names = d.rows.map((r) => r.name);
    for (const want of ['Function', '(system)', '<div>']) {
      assert.ok(names.includes(want), `${want} in ${JSON.stringify(names)}`);
      assert.equal(d.rows.find((r) => r.name === want)!.countDelta, 3, want);
    }
    assert.ok(!names.includes('(closure)') && !names.includes('(hidden)'), JSON.stringify(names));
  });

  it('an id reused by an object of another class (snapshots of two processes) counts as deleted and new, as in DevTools', () => {
    const b1 = new SnapshotBuilder();
    b1.gcRoot(b1.node('object', 'Foo', { id: 101, selfSize: 10 }));
    b1.gcRoot(b1.node('object', 'Request', { id: 103, selfSize: 100 }));
    const b2 = new SnapshotBuilder();
    b2.gcRoot(b2.node('object', 'Request', { id: 101, selfSize: 100 }));
    b2.gcRoot(b2.node('object', 'Request', { id: 103, selfSize: 100 }));
    const d = diffSnapshots(b1.build(), b2.build());
    const row = (name: string) => d.rows.find((r) => r.name === name)!;
    assert.equal(row('Request').newCount, 1);
    assert.equal(row('Request').deletedCount, 0);
    assert.deepEqual(d.newIds.Request, [101]);
    assert.equal(row('Foo').deletedCount, 1);
    assert.equal(row('Foo').newCount, 0);
  });

  it("names the older snapshot's plain objects by the newer one's interfaces, as DevTools' Comparison does", () => {
    const plain = (b: SnapshotBuilder, id: number, props: string[]) => {
      const o = b.node('object', 'Object', { id, selfSize: 20 });
      b.gcRoot(o);
      for (const p of props) b.prop(o, b.node('number', 'heap number', { selfSize: 8 }), p);
      return o;
    };
    const b1 = new SnapshotBuilder();
    for (const id of [201, 203, 205]) plain(b1, id, ['a', 'b']);
    for (const id of [301, 303]) plain(b1, id, ['host', 'port', 'extra']);
    const b2 = new SnapshotBuilder();
    for (const id of [401, 403]) plain(b2, id, ['host', 'port']);
    const d = diffSnapshots(b1.build(), b2.build());
    const row = (name: string) => d.rows.find((r) => r.name === name);
    // the newer snapshot defines only {host, port}: {a, b} objects stay Object, {host, port, extra} joins {host, port}
    assert.equal(row('{a, b}'), undefined, JSON.stringify(d.rows.map((r) => r.name)));
    assert.equal(row('{host, port, extra}'), undefined);
    assert.deepEqual([row('Object')!.countBefore, row('Object')!.countAfter, row('Object')!.deletedCount], [3, 0, 3]);
    const hp = row('{host, port}')!;
    assert.deepEqual([hp.countBefore, hp.countAfter, hp.newCount, hp.deletedCount], [2, 2, 2, 2]);
  });

  it('counts per-class deltas and new / deleted objects by node id', () => {
    // "before": 3 Request (ids 101, 103, 105), 2 Buffer, 1 Gone
    const b1 = new SnapshotBuilder();
    const reqs1 = [101, 103, 105].map((id) => b1.node('object', 'Request', { id, selfSize: 100 }));
    b1.node('object', 'Buffer', { id: 201, selfSize: 1000 });
    b1.node('object', 'Buffer', { id: 203, selfSize: 1000 });
    b1.node('object', 'Gone', { id: 301, selfSize: 50 });
    for (const r of reqs1) b1.gcRoot(r);
    // "after": Request 103 and 105 survive, 4 new (107..113); Buffer 201 replaced by 205 (same count); Gone freed; 1 new string
    const b2 = new SnapshotBuilder();
    for (const id of [103, 105, 107, 109, 111, 113]) b2.node('object', 'Request', { id, selfSize: 100 });
    b2.node('object', 'Buffer', { id: 203, selfSize: 1000 });
    b2.node('object', 'Buffer', { id: 205, selfSize: 1000 });
    b2.node('string', 'hello', { id: 401, selfSize: 24 });
    const before = b1.build();
    const d = diffSnapshots(before, analyze(b2.build()));
    const row = (name: string) => d.rows.find((r) => r.name === name)!;
    assert.deepEqual(row('Request'), {
      name: 'Request', countBefore: 3, countAfter: 6, countDelta: 3, sizeBefore: 300, sizeAfter: 600, sizeDelta: 300,
      newCount: 4, deletedCount: 1,
    });
    assert.deepEqual(d.newIds.Request, [107, 109, 111, 113]);
    assert.deepEqual(row('Buffer'), {
      name: 'Buffer', countBefore: 2, countAfter: 2, countDelta: 0, sizeBefore: 2000, sizeAfter: 2000, sizeDelta: 0,
      newCount: 1, deletedCount: 1,
    });
    assert.deepEqual(d.newIds.Buffer, [205]);
    assert.equal(row('Gone').countDelta, -1);
    assert.equal(row('Gone').deletedCount, 1);
    assert.equal(d.newIds.Gone, undefined);
    assert.equal(row('(string)').newCount, 1);
    // sorted by size delta, largest growth first
    const deltas = d.rows.map((r) => r.sizeDelta);
    assert.deepEqual(deltas, [...deltas].sort((x, y) => y - x));
    assert.equal(d.rows[0].name, 'Request');
    // the synthetic root and (GC roots) have the same ids in both: unchanged, not listed
    assert.equal(d.rows.some((r) => r.name === '(synthetic)'), false);
  });

  it('keeps at most 100 new ids per class and treats hostile class names as plain keys', () => {
    const b1 = new SnapshotBuilder();
    const b2 = new SnapshotBuilder();
    for (let i = 0; i < 150; i++) b2.node('object', '__proto__', { id: 1001 + 2 * i });
    b2.node('object', 'constructor', { id: 5001 });
    const d = diffSnapshots(b1.build(), b2.build());
    assert.equal(Object.getPrototypeOf(d.newIds), null);
    assert.ok(Array.isArray(d.newIds['__proto__']));
    assert.equal(d.newIds['__proto__'].length, 100);
    assert.equal(d.newIds['__proto__'][0], 1001);
    assert.deepEqual(d.newIds['constructor'], [5001]);
    assert.equal(d.rows.find((r) => r.name === '__proto__')!.newCount, 150);
    // survives JSON and structured clone (the CLI's --json and the worker's postMessage)
    assert.equal(JSON.parse(JSON.stringify(d)).newIds['__proto__'].length, 100);
    assert.equal(structuredClone(d).newIds['__proto__'].length, 100);
  });

  it('joins a million nodes with shuffled ids in under a second of CPU (linear merge join after radix sorts)', function () {
    this.timeout(60000);
    const n = 1_000_000;
    const make = (ids: Uint32Array, names: Uint32Array) => new HeapSnapshot({
      meta: { nodeFields: [], nodeTypes: V8_NODE_TYPES, edgeFields: [], edgeTypes: V8_EDGE_TYPES, locationFields: [], traceFunctionInfoFields: [], traceNodeFields: [], sampleFields: [] },
      nodeType: new Uint8Array(ids.length).fill(3), nodeName: names, nodeId: ids, nodeSelfSize: new Float64Array(ids.length).fill(8),
      nodeTraceId: null, nodeDetachedness: null, firstEdge: new Uint32Array(ids.length + 1), edgeType: new Uint8Array(0),
      edgeNameOrIndex: new Uint32Array(0), edgeTo: new Uint32Array(0), strings: ['', 'A', 'B'], locations: null, traceFunctionInfos: null, traceTree: null,
    });
    // before: ids 1, 3, 5, ... in a scrambled order; after: the even-indexed half survives plus n/2 new ids
    const idsA = new Uint32Array(n);
    for (let i = 0; i < n; i++) idsA[i] = 2 * ((i * 7919) % n) + 1;
    const namesA = new Uint32Array(n).fill(1);
    const idsB = new Uint32Array(n);
    const namesB = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) { idsB[i] = idsA[i]; namesB[i] = 1; } else { idsB[i] = 4_000_001 + 2 * i; namesB[i] = 2; }
    }
    const sa = make(idsA, namesA);
    const sb = make(idsB, namesB);
    const d = diffSnapshots(sa, sb);
    const A = d.rows.find((r) => r.name === 'A')!;
    const B = d.rows.find((r) => r.name === 'B')!;
    assert.equal(A.deletedCount, n / 2);
    assert.equal(A.newCount, 0);
    assert.equal(B.newCount, n / 2);
    assert.equal(d.newIds.B[0], 4_000_003);
  });

  it('radixOrder is a stable sort by unsigned 32-bit keys', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (const n of [0, 1, 2, 1000, 70000]) {
      const keys = new Uint32Array(n);
      for (let i = 0; i < n; i++) keys[i] = i % 3 === 0 ? rnd() : rnd() % 50; // big keys and many ties
      const expected = Array.from({ length: n }, (_, i) => i).sort((x, y) => keys[x] - keys[y] || x - y);
      assert.deepEqual(Array.from(radixOrder(keys)), expected);
    }
    assert.deepEqual(Array.from(radixOrder(Uint32Array.from([0xffffffff, 0, 0x80000000]))), [1, 2, 0]);
  });
});
