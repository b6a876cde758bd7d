import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { PythonSnapshotBuilder } from '../helpers/pythonSnapshot';
import { HeapSnapshot, type HeapSnapshotInit } from '../../extension/core/model';
import { analyze } from '../../extension/core/analysis';
import { buildSummary } from '../../extension/core/report';
import { chainText, computeSourceHints } from '../../extension/core/sourceHints';
import type { PathEdge } from '../../extension/core/results';

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

/** The Node 404 leak: a module variable recentErrors → Error.context → IncomingMessage, plus a listener closure capturing `req`. */
function nodeLeak(requests: number): { snap: HeapSnapshot; reqs: number[] } {
  const b = new SnapshotBuilder();
  const ctx = b.node('hidden', 'system / Context');
  b.gcRoot(ctx);
  const arr = b.node('object', 'Array');
  b.edge(ctx, arr, 'context', 'recentErrors');
  const reqs: number[] = [];
  for (let i = 0; i < requests; i++) {
    const err = b.obj('Error');
    const req = b.obj('IncomingMessage', 100);
    b.edge(arr, err, 'element', i).prop(err, req, 'context');
    reqs.push(req);
  }
  // function onData(){ … req … } — not itself reachable, it only shows who captured the request
  const listener = b.node('closure', 'onData');
  const lctx = b.node('hidden', 'system / Context');
  const sfi = b.node('code', 'onData');
  const script = b.node('hidden', '/app/server.js');
  b.edge(listener, lctx, 'internal', 'context').edge(lctx, reqs[0], 'context', 'req');
  b.edge(listener, sfi, 'internal', 'shared').edge(sfi, script, 'internal', 'script_or_debug_info');
  const s0 = b.build();
  // locations: the listener (script 7, 0-based line 9 col 4) and each IncomingMessage's constructor (line 2)
  const rows = [[listener, 7, 9, 4], ...reqs.map((r) => [r, 7, 2, 0])].sort((x, y) => x[0] - y[0]);
  const base = s0.strings.length;
  const snap = withExtras(s0, {
    locations: {
      count: rows.length,
      node: Uint32Array.from(rows.map((r) => r[0])),
      scriptId: Uint32Array.from(rows.map((r) => r[1])),
      line: Uint32Array.from(rows.map((r) => r[2])),
      column: Uint32Array.from(rows.map((r) => r[3])),
    },
    nodeTraceId: Uint32Array.from({ length: s0.nodeCount }, (_, i) => (reqs.includes(i) ? 3 : 0)),
    traceFunctionInfos: {
      count: 3, name: Uint32Array.of(base, base + 1, base + 2), scriptName: Uint32Array.of(0, base + 3, base + 4),
      scriptId: Uint32Array.of(0, 7, 8), line: Int32Array.of(0, 16, 50), column: Int32Array.of(0, 3, 9),
    },
    // (root) → handle (server.js:16) → IncomingMessage ctor (node:_http_incoming:50), innermost last
    traceTree: { ids: Uint32Array.of(1, 2, 3), functionInfo: Uint32Array.of(0, 1, 2), parent: Int32Array.of(-1, 0, 1) },
  }, ['(root)', 'handle', 'IncomingMessage', '/app/server.js', 'node:_http_incoming']);
  return { snap, reqs };
}

describe('sourceHints: source anchors of Request-like suspects', () => {
  it('V8: class location, capturing closure, allocation stack and retaining names, with counts and chain', () => {
    const { snap, reqs } = nodeLeak(3);
    const a = analyze(snap);
    const summary = buildSummary(a);
    const hints = computeSourceHints(a, summary);
    const im = hints.filter((h) => h.className === 'IncomingMessage');
    assert.ok(im.length > 0);
    for (const h of im) {
      assert.equal(h.count, 3);
      assert.equal(h.retainedSize, summary.suspects.find((x) => x.name === 'IncomingMessage')!.retainedSize);
      assert.equal(h.chainText, 'via recentErrors[] → Error.context');
      assert.deepEqual(h.chain.map((x) => x.name).slice(-3), ['recentErrors', '[]', 'context']);
      assert.ok(h.exampleIds.includes(snap.nodeId[reqs[0]]));
    }
    const cls = im.find((h) => h.kind === 'class');
    assert.deepEqual(cls && [cls.file, cls.line, cls.column], ['/app/server.js', 3, 1]);
    const clo = im.filter((h) => h.kind === 'closure');
    assert.equal(clo.length, 1);
    assert.deepEqual([clo[0].file, clo[0].line, clo[0].column, clo[0].label], ['/app/server.js', 10, 5, 'function onData (captures req)']);
    const alloc = im.filter((h) => h.kind === 'allocation');
    assert.deepEqual(alloc.map((h) => [h.file, h.line, h.group]), [
      ['node:_http_incoming', 50, 'allocation:IncomingMessage'], ['/app/server.js', 16, 'allocation:IncomingMessage'],
    ]);
    const terms = im.filter((h) => h.kind === 'property').map((h) => [h.searchTerm, h.searchKind, h.hopIndex]);
    const chainLen = im[0].chain.length;
    assert.deepEqual(terms, [['recentErrors', 'variable', chainLen - 3], ['context', 'property', chainLen - 1]]);
  });

  it('thresholds: minCount and minRetainedBytes drop the suspect entirely', () => {
    const { snap } = nodeLeak(3);
    const a = analyze(snap);
    const summary = buildSummary(a);
    assert.ok(computeSourceHints(a, summary, { minCount: 3 }).length > 0);
    assert.deepEqual(computeSourceHints(a, summary, { minCount: 4 }), []);
    const bytes = summary.suspects[0].retainedSize;
    assert.ok(computeSourceHints(a, summary, { minRetainedBytes: bytes }).length > 0);
    assert.deepEqual(computeSourceHints(a, summary, { minRetainedBytes: bytes + 1 }), []);
  });

  it('Python: frames on the cycle and frames holding the request in a local, with full paths from their code objects', () => {
    const b = new PythonSnapshotBuilder();
    const lib = '/usr/lib/python3/dist-packages/aiohttp/web_protocol.py';
    const handle = b.obj('frame RequestHandler._handle_request web_protocol.py:467');
    b.edge(handle, b.node('code', `code RequestHandler._handle_request ${lib}:400`), 'internal', 'f_code');
    const user = b.obj('frame log_requests app.py:22');
    b.edge(user, b.node('code', 'code log_requests /srv/app/app.py:20'), 'internal', 'f_code');
    for (let i = 0; i < 2; i++) {
      const req = b.obj('aiohttp.web_request.Request', 200);
      const mi = b.obj('aiohttp.web_urldispatcher.MatchInfoError');
      const exc = b.obj('aiohttp.web_exceptions.HTTPNotFound');
      const tb = b.obj('traceback');
      const tb2 = b.obj('traceback');
      b.prop(req, mi, '_match_info').prop(mi, exc, '_exception').prop(exc, tb, '__traceback__').prop(tb, handle, 'tb_frame');
      b.local(handle, req, 'request');
      b.prop(tb, tb2, 'tb_next').prop(tb2, user, 'tb_frame');
      b.local(user, req, 'request');
      b.inGarbage(req, mi, exc, tb, tb2);
    }
    b.inGarbage(handle, user);
    const a = analyze(b.build());
    const hints = computeSourceHints(a, buildSummary(a));
    assert.ok(hints.length > 0);
    assert.ok(hints.every((h) => h.className === 'aiohttp.web_request.Request' && h.count === 2 && h.chainIsCycle));
    const frames = hints.filter((h) => h.kind === 'frame').map((h) => [h.file, h.line, h.label]);
    assert.deepEqual(frames.find((f) => f[0] === lib), [lib, 467, 'frame _handle_request']);
    assert.deepEqual(frames.find((f) => f[0] === '/srv/app/app.py'), ['/srv/app/app.py', 22, 'frame log_requests (local request)']);
    const terms = hints.filter((h) => h.kind === 'property').map((h) => h.searchTerm);
    assert.ok(terms.includes('_match_info') && terms.includes('_exception'));
    for (const t of ['__traceback__', 'tb_frame', 'request']) assert.ok(!terms.includes(t), t);
  });

  it('chainText: scope variables bare, indexes as [], roots left out, long chains cut on the left', () => {
    const e = (from: string, type: string, name: string, to = 'X'): PathEdge => ({ from, type, name, to });
    assert.equal(chainText([
      e('(root)', 'element', '[]'), e('(GC roots)', 'element', '[]'), e('(Stack roots)', 'internal', '28'),
      e('system / Context', 'context', 'recentErrors'), e('Array', 'element', '[]'), e('Error', 'property', 'context'),
    ]), 'via recentErrors[] → Error.context');
    assert.equal(chainText([
      e('aiohttp.web_request.Request', 'property', '_match_info'), e('aiohttp.web_urldispatcher.MatchInfoError', 'property', '_exception'),
      e('traceback', 'property', 'tb_frame'), e('frame RequestHandler._handle_request web_protocol.py:467', 'context', 'request'),
    ]), 'via … → MatchInfoError._exception → traceback.tb_frame → frame _handle_request local request');
    assert.equal(chainText([]), '');
  });
});
