import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { HeapSnapshot, type HeapSnapshotInit } from '../../extension/core/model';
import { edgeLabelText, nodeLabel, shortClassName, truncateText, visibleText } from '../../extension/core/labels';
import { allocationStack, formatLocation, nodeLocation } from '../../extension/core/locations';

/** The same snapshot with locations / allocation traces added (the builder writes none). */
function withExtras(s: HeapSnapshot, extra: Partial<HeapSnapshotInit>, strings: string[] = []): HeapSnapshot {
  return new HeapSnapshot({
    meta: s.meta, title: s.title, nodeType: s.nodeType, nodeName: s.nodeName, nodeId: s.nodeId,
    nodeSelfSize: s.nodeSelfSize, nodeTraceId: s.nodeTraceId, nodeDetachedness: s.nodeDetachedness,
    firstEdge: s.firstEdge, edgeType: s.edgeType, edgeNameOrIndex: s.edgeNameOrIndex, edgeTo: s.edgeTo,
    strings: [...s.strings.toArray(), ...strings], locations: s.locations, traceFunctionInfos: s.traceFunctionInfos,
    traceTree: s.traceTree, ...extra,
  });
}

describe('labels: short node values as objgraph draws them', () => {
  it('previews strings quoted, one line, truncated', () => {
    const b = new SnapshotBuilder();
    const short = b.node('string', 'hello\nworld');
    const long = b.node('string', 'x'.repeat(100));
    const cons = b.node('concatenated string', 'ab');
    const s = b.build();
    assert.equal(nodeLabel(s, short), '"hello\\nworld"');
    const l = nodeLabel(s, long);
    assert.equal(l.length, 40);
    assert.ok(l.startsWith('"xxx') && l.endsWith('…'));
    assert.equal(nodeLabel(s, cons), '"ab"');
  });

  it('counts items of arrays, lists, dicts and objects', () => {
    const b = new SnapshotBuilder();
    const arr = b.node('object', 'Array');
    const list = b.node('object', 'list');
    const dict = b.node('object', 'dict');
    const obj = b.node('object', 'Object');
    const internal = b.node('array', '');
    const leaf = b.obj('Leaf');
    for (let i = 0; i < 3; i++) b.edge(arr, leaf, 'element', i);
    b.prop(arr, leaf, 'length').edge(arr, leaf, 'internal', 'map');
    b.edge(list, leaf, 'element', 0);
    for (const k of ['a', 'b', 'c', 'd', 'e']) b.prop(dict, leaf, k);
    b.edge(dict, leaf, 'internal', '__class__');
    b.prop(obj, leaf, 'x').prop(obj, leaf, '__proto__');
    b.edge(internal, leaf, 'element', 0).edge(internal, leaf, 'element', 1);
    const props = b.node('array', '(object properties)');
    b.edge(props, leaf, 'internal', '0').edge(props, leaf, 'internal', '1').edge(props, leaf, 'internal', '2').edge(props, leaf, 'internal', 'map');
    const s = b.build();
    assert.equal(nodeLabel(s, arr), '3 items');
    assert.equal(nodeLabel(s, list), '1 item');
    assert.equal(nodeLabel(s, dict), '5 items');
    assert.equal(nodeLabel(s, obj), '1 item');
    assert.equal(nodeLabel(s, internal), '2 items');
    assert.equal(nodeLabel(s, props), '(object properties) 3 items');
    assert.equal(nodeLabel(s, leaf), `@${s.nodeId[leaf]}`);
    const ctx = b.node('hidden', 'system / Context');
    const s2 = b.build();
    assert.equal(nodeLabel(s2, ctx), 'system / Context');
    assert.equal(s2.className(ctx), '(hidden)');
  });

  it('labels Python frames file:line, functions, modules, numbers', () => {
    const b = new SnapshotBuilder();
    const frame = b.obj('frame RequestHandler._handle_request web_protocol.py:467');
    const fn = b.node('closure', 'function handler app.py:12');
    const mod = b.obj('module aiohttp.web');
    const coro = b.obj('coroutine RequestHandler.start web_protocol.py:469');
    const exc = b.obj('aiohttp.web_exceptions.HTTPNotFound');
    const args = b.obj('tuple');
    const msg = b.node('string', 'Not Found');
    b.prop(exc, args, 'args').edge(args, msg, 'element', 0);
    const tb = b.obj('traceback');
    b.prop(tb, frame, 'tb_frame');
    const num = b.node('number', '42');
    const heapNum = b.node('number', 'heap number');
    const val = b.node('string', '3.5');
    b.edge(heapNum, val, 'internal', 'value');
    const s = b.build();
    assert.equal(nodeLabel(s, frame), 'web_protocol.py:467');
    assert.equal(nodeLabel(s, fn), 'handler() app.py:12');
    assert.equal(nodeLabel(s, mod), 'aiohttp.web');
    assert.equal(nodeLabel(s, num), '42');
    assert.equal(nodeLabel(s, exc), '"Not Found"');
    assert.equal(nodeLabel(s, tb), 'web_protocol.py:467');
    assert.equal(nodeLabel(s, coro), 'RequestHandler.start() web_protocol.py:469');
    assert.deepEqual(nodeLocation(s, coro), { file: 'web_protocol.py', line: 469, column: 0, kind: 'function' });
    assert.equal(nodeLabel(s, heapNum), '3.5');
    assert.deepEqual(nodeLocation(s, frame), { file: 'web_protocol.py', line: 467, column: 0, kind: 'frame' });
    assert.deepEqual(nodeLocation(s, fn), { file: 'app.py', line: 12, column: 0, kind: 'function' });
    assert.equal(shortClassName(s.className(frame)), 'frame');
    assert.equal(shortClassName('coroutine RequestHandler.start web_protocol.py:469'), 'coroutine');
    assert.equal(shortClassName('aiohttp.web_request.Request'), 'Request');
    assert.equal(shortClassName('system / Context'), 'system / Context');
    assert.equal(nodeLabel(s, b.root), '(root)');
    assert.equal(nodeLabel(s, b.gcRoots), '(GC roots)');
  });

  it('gives closures their script location through shared → script_or_debug_info', () => {
    const b = new SnapshotBuilder();
    const closure = b.node('closure', 'leaky');
    const sfi = b.node('code', 'leaky');
    const script = b.node('code', '/srv/app/server.js');
    const other = b.node('closure', '');
    const ctor = b.obj('Foo');
    b.edge(closure, sfi, 'internal', 'shared').edge(sfi, script, 'internal', 'script_or_debug_info');
    const s0 = b.build();
    // locations rows: node ordinal, script id, 0-based line, 0-based column (out of node order on purpose)
    const rows = [[ctor, 7, 3, 23], [closure, 7, 1, 44], [other, 9, 0, 0]];
    const s = withExtras(s0, {
      locations: {
        count: rows.length,
        node: Uint32Array.from(rows.map((r) => r[0])),
        scriptId: Uint32Array.from(rows.map((r) => r[1])),
        line: Uint32Array.from(rows.map((r) => r[2])),
        column: Uint32Array.from(rows.map((r) => r[3])),
      },
    });
    assert.deepEqual(nodeLocation(s, closure), { file: '/srv/app/server.js', line: 2, column: 45, kind: 'function' });
    assert.equal(nodeLabel(s, closure), 'leaky() server.js:2');
    // an object's constructor location, script named via another closure of script 7
    assert.deepEqual(nodeLocation(s, ctor), { file: '/srv/app/server.js', line: 4, column: 24, kind: 'class' });
    // script 9 has no resolvable name
    assert.deepEqual(nodeLocation(s, other), { file: '', line: 1, column: 1, kind: 'function' });
    assert.equal(nodeLabel(s, other), '(anonymous)()');
    assert.equal(formatLocation(nodeLocation(s, closure)!, true, true), 'server.js:2:45');
  });

  it('reads allocation stacks from the trace tree, innermost frame first', () => {
    const b = new SnapshotBuilder();
    const obj = b.node('object', 'aiohttp.web_request.Request', { traceNodeId: 12 });
    const bare = b.node('object', 'Other', { traceNodeId: 0 });
    const s0 = b.build();
    const base = s0.strings.length;
    // function infos: 0 (root), 1 handle_request web_protocol.py:467, 2 _make_request web_app.py:504
    const s = withExtras(s0, {
      traceFunctionInfos: {
        count: 3,
        name: Uint32Array.from([base, base + 1, base + 2]),
        scriptName: Uint32Array.from([base + 3, base + 4, base + 5]),
        scriptId: Uint32Array.from([0, 1, 2]),
        line: Int32Array.from([0, 467, 504]),
        column: Int32Array.from([0, 0, 0]),
      },
      // pre-order: id 1 (root) → id 5 (handle_request) → id 12 (_make_request)
      traceTree: { ids: Uint32Array.from([1, 5, 12]), functionInfo: Uint32Array.from([0, 1, 2]), parent: Int32Array.from([-1, 0, 1]) },
    }, ['(root)', 'handle_request', '_make_request', '', 'web_protocol.py', 'web_app.py']);
    assert.deepEqual(allocationStack(s, obj), [
      { functionName: '_make_request', file: 'web_app.py', line: 504, column: 0 },
      { functionName: 'handle_request', file: 'web_protocol.py', line: 467, column: 0 },
    ]);
    assert.equal(allocationStack(s, bare), undefined);
    assert.deepEqual(nodeLocation(s, obj), { file: 'web_app.py', line: 504, column: 0, kind: 'allocation' });
  });

  it('keeps text on one line and edge labels short', () => {
    assert.equal(visibleText('a\tb\u0000c\u202e'), 'a\\tb\\u0000c\\u202e');
    assert.equal(visibleText('ok \ud83d\ude00'), 'ok \ud83d\ude00');
    assert.equal(visibleText('bad \ud83d'), 'bad \ufffd');
    assert.equal(truncateText('abcdef', 4), 'abc…');
    assert.equal(truncateText('ab\ud83d\ude00cd', 4), 'ab…');
    assert.equal(edgeLabelText('element', '3'), '[3]');
    assert.equal(edgeLabelText('hidden', '3'), '');
    assert.equal(edgeLabelText('property', '_match_info'), '_match_info');
  });
});
