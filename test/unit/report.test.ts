import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { PythonSnapshotBuilder } from '../helpers/pythonSnapshot';
import { analyze } from '../../extension/core/analysis';
import { buildSummary, DEFAULT_SETTINGS } from '../../extension/core/report';
import { isPythonSnapshot, pythonLiveness, PyStatus, pythonNodeLabel, pythonSubjectName } from '../../extension/core/python';

/**
 * aiohttp 3.8.4's 404 chain (BACKGROUND.md case 1) for `n` requests, all in gc.garbage as under
 * gc.DEBUG_SAVEALL: Request `_match_info` → MatchInfoError `_exception` → HTTPNotFound
 * `__traceback__` → traceback `tb_frame` → frame(_handle_request) local `request` → Request, plus the
 * exception's own cycle through the frame's `resp` local and the frame's internal links.
 */
function add404(b: PythonSnapshotBuilder, n: number, mod: number) {
  const reqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const req = b.obj('aiohttp.web_request.Request', 120);
    const mi = b.obj('aiohttp.web_urldispatcher.MatchInfoError', 56);
    const exc = b.obj('aiohttp.web_exceptions.HTTPNotFound', 88);
    const tb = b.obj('traceback', 64);
    const frame = b.obj('frame RequestHandler._handle_request web_protocol.py:433', 400);
    const headers = b.obj('multidict._multidict.CIMultiDictProxy', 48);
    b.prop(req, mi, '_match_info').prop(mi, exc, '_exception').prop(exc, tb, '__traceback__').prop(tb, frame, 'tb_frame');
    b.local(frame, req, 'request').local(frame, exc, 'resp').prop(req, headers, '_headers');
    b.edge(frame, mod, 'internal', 'f_globals');
    b.inGarbage(req, mi, exc, tb, frame, headers);
    reqs.push(req);
  }
  return reqs;
}

/** BACKGROUND.md case 3: a refused client connection's ClientRequest held through the error's traceback. */
function addRefused(b: PythonSnapshotBuilder) {
  const creq = b.obj('aiohttp.client_reqrep.ClientRequest', 200);
  const err = b.obj('ConnectionRefusedError', 80);
  const tb = b.obj('traceback', 64);
  const frame = b.obj('frame TCPConnector._create_direct_connection connector.py:1175', 500);
  b.prop(err, tb, '__traceback__').prop(tb, frame, 'tb_frame').local(frame, creq, 'req').local(frame, err, 'last_exc');
  b.inGarbage(creq, err, tb, frame);
  return creq;
}

describe('summary (buildSummary) and Python heaps', () => {
  it('explains aiohttp 404 Requests as cyclic garbage by their cycle, edge for edge', () => {
    const b = new PythonSnapshotBuilder();
    const mod = b.module('aiohttp.web_protocol');
    add404(b, 20, mod);
    const an = analyze(b.build());
    assert.equal(isPythonSnapshot(an.snap), true);
    const sum = buildSummary(an, DEFAULT_SETTINGS);
    assert.equal(sum.isPython, true);
    const req = sum.suspects.find((s) => s.name === 'aiohttp.web_request.Request')!;
    assert.equal(req.count, 20);
    assert.equal(req.cyclicGarbage, 20);
    assert.equal(req.reachable, 0);
    assert.equal(req.inCycle, 20);
    assert.equal(req.explanation, '20 of 20 aiohttp Request are cyclic garbage: Request `._match_info` → MatchInfoError `._exception` → '
      + 'HTTPNotFound `.__traceback__` → traceback `.tb_frame` → frame `_handle_request` (web_protocol.py) local `request` → Request');
    assert.equal(req.cycles.length, 1);
    assert.equal(req.cycles[0].count, 20);
    assert.deepEqual(req.cycles[0].edges.map((e) => [e.from, e.type, e.name, e.to]), [
      ['aiohttp.web_request.Request', 'property', '_match_info', 'aiohttp.web_urldispatcher.MatchInfoError'],
      ['aiohttp.web_urldispatcher.MatchInfoError', 'property', '_exception', 'aiohttp.web_exceptions.HTTPNotFound'],
      ['aiohttp.web_exceptions.HTTPNotFound', 'property', '__traceback__', 'traceback'],
      ['traceback', 'property', 'tb_frame', 'frame RequestHandler._handle_request web_protocol.py:433'],
      ['frame RequestHandler._handle_request web_protocol.py:433', 'context', 'request', 'aiohttp.web_request.Request'],
    ]);
    // the root path goes through the gc.garbage group (kept in data, uninformative in words)
    assert.deepEqual(req.paths[0].edges.map((e) => e.from), ['(root)', '(Python gc.garbage)']);
  });

  it('explains a ClientRequest on no cycle by the chain from the cycle that holds it', () => {
    const b = new PythonSnapshotBuilder();
    b.module('app');
    addRefused(b);
    const an = analyze(b.build());
    const sum = buildSummary(an, DEFAULT_SETTINGS);
    const cr = sum.suspects.find((s) => s.name === 'aiohttp.client_reqrep.ClientRequest')!;
    assert.equal(cr.cyclicGarbage, 1);
    assert.equal(cr.inCycle, 0);
    assert.deepEqual(cr.cycles, []);
    assert.equal(cr.explanation, '1 of 1 aiohttp ClientRequest is cyclic garbage, held by ConnectionRefusedError `.__traceback__` → '
      + 'traceback `.tb_frame` → frame `_create_direct_connection` (connector.py) local `req`');
    assert.deepEqual(cr.paths[0].edges.map((e) => e.name), ['__traceback__', 'tb_frame', 'req']);
  });

  it('reads an unmerged instance dict (owner -internal __dict__-> dict) as the owner\'s attribute in words and data, and counts it for cycles', () => {
    // what the exporter writes when an exception's dict was met before its owner
    const b = new PythonSnapshotBuilder();
    const req = b.obj('aiohttp.web_request.Request', 120);
    const mi = b.obj('aiohttp.web_urldispatcher.MatchInfoError', 56);
    const miDict = b.obj('dict', 100);
    const exc = b.obj('aiohttp.web_exceptions.HTTPNotFound', 88);
    const tb1 = b.obj('traceback', 64);
    const tb2 = b.obj('traceback', 64);
    const tb3 = b.obj('traceback', 64);
    const frame = b.obj('frame RequestHandler._handle_request web_protocol.py:433', 400);
    b.prop(req, mi, '_match_info').edge(mi, miDict, 'internal', '__dict__').prop(miDict, exc, '_exception');
    b.prop(exc, tb1, '__traceback__').prop(tb1, tb2, 'tb_next').prop(tb2, tb3, 'tb_next').prop(tb3, frame, 'tb_frame').local(frame, req, 'request');
    b.inGarbage(req, mi, miDict, exc, tb1, tb2, tb3, frame);
    const sum = buildSummary(analyze(b.build()), DEFAULT_SETTINGS);
    const s = sum.suspects[0];
    assert.equal(s.inCycle, 1);
    assert.equal(s.explanation, '1 of 1 aiohttp Request is cyclic garbage: Request `._match_info` → MatchInfoError `._exception` → '
      + 'HTTPNotFound `.__traceback__` → traceback `.tb_next` → traceback `.tb_next` → traceback `.tb_frame` → frame `_handle_request` (web_protocol.py) local `request` → Request');
    // the data reads as if the exporter had merged the dict: one property hop, ids still chained
    assert.deepEqual(s.cycles[0].edges.map((e) => [e.from, e.type, e.name, e.to]).slice(0, 3), [
      ['aiohttp.web_request.Request', 'property', '_match_info', 'aiohttp.web_urldispatcher.MatchInfoError'],
      ['aiohttp.web_urldispatcher.MatchInfoError', 'property', '_exception', 'aiohttp.web_exceptions.HTTPNotFound'],
      ['aiohttp.web_exceptions.HTTPNotFound', 'property', '__traceback__', 'traceback'],
    ]);
    const ids = s.cycles[0].edges;
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i].fromId, ids[i - 1].toId);
  });

  it('collapses a long run of identical hops and names coroutine locals', () => {
    const b = new PythonSnapshotBuilder();
    const asyncio = b.module('asyncio.tasks');
    const tasks = b.obj('dict', 200);
    const task = b.obj('_asyncio.Task', 100);
    const coro = b.obj('coroutine main app.py:11', 100);
    const err = b.obj('ConnectionRefusedError', 80);
    const tbs = [0, 1, 2, 3, 4].map(() => b.obj('traceback', 64));
    const frame = b.obj('frame TCPConnector._wrap_create_connection connector.py:1000', 400);
    b.prop(asyncio, tasks, '_current_tasks').prop(tasks, task, 'loop').prop(task, coro, '_coro').local(coro, err, 'exc');
    b.prop(err, tbs[0], '__traceback__');
    for (let i = 0; i < 4; i++) b.prop(tbs[i], tbs[i + 1], 'tb_next');
    b.prop(tbs[4], frame, 'tb_frame').local(frame, b.obj('aiohttp.client_reqrep.ClientRequest', 200), 'req');
    const sum = buildSummary(analyze(b.build()), DEFAULT_SETTINGS);
    assert.equal(sum.suspects[0].explanation, '1 of 1 aiohttp ClientRequest is retained by dict `_current_tasks[\'loop\']` → Task `._coro` → '
      + 'coroutine `main` (app.py) local `exc` → ConnectionRefusedError `.__traceback__` → traceback `.tb_next` (×4) → traceback `.tb_frame` → '
      + 'frame `_wrap_create_connection` (connector.py) local `req`');
  });

  it('classifies reachable, cyclic garbage and held-by-unknown objects', () => {
    const b = new PythonSnapshotBuilder();
    const app = b.module('app');
    const leaked = b.obj('list', 72);
    b.prop(app, leaked, 'leaked');
    const live = b.obj('aiohttp.web_request.Request', 120);
    b.edge(leaked, live, 'element', 0);
    const garbage = add404(b, 2, app);
    const fromC = b.obj('aiohttp.web_request.Request', 120);
    const child = b.obj('dict', 100);
    b.prop(fromC, child, 'state');
    b.inUnreachable(fromC);
    // gc.garbage also lists the live Request: it stays reachable
    b.inGarbage(live);
    const snap = b.build();
    const l = pythonLiveness(snap);
    assert.equal(l.status[live], PyStatus.Reachable);
    assert.equal(l.status[garbage[0]], PyStatus.CyclicGarbage);
    assert.equal(l.status[fromC], PyStatus.UnknownReferrers);
    assert.equal(l.status[child], PyStatus.UnknownReferrers);
    assert.equal(l.status[app], PyStatus.Reachable);
    const sum = buildSummary(analyze(snap), DEFAULT_SETTINGS);
    const req = sum.suspects.find((s) => s.name === 'aiohttp.web_request.Request')!;
    assert.equal(req.count, 4);
    assert.equal(req.reachable, 1);
    assert.equal(req.cyclicGarbage, 2);
    assert.equal(req.heldByUnknown, 1);
    assert.match(req.explanation, /^2 of 4 aiohttp Request are cyclic garbage: Request `\._match_info` → /);
  });

  it('explains a reachable Python Request by its root path, starting at the module variable', () => {
    const b = new PythonSnapshotBuilder();
    const app = b.module('app');
    const leaked = b.obj('list', 72);
    b.prop(app, leaked, 'leaked');
    for (let i = 0; i < 3; i++) b.edge(leaked, b.obj('aiohttp.web_request.Request', 120), 'element', i);
    const sum = buildSummary(analyze(b.build()), DEFAULT_SETTINGS);
    assert.equal(sum.suspects[0].explanation, '3 of 3 aiohttp Request are retained by list `leaked`');
    assert.equal(sum.suspects[0].cyclicGarbage, 0);
    assert.equal(sum.suspects[0].reachable, 3);
  });

  it('V8 summary: classes sorted by retained size, totals, timings, no Python fields', () => {
    const b = new SnapshotBuilder();
    const big = b.obj('Big', 1000);
    const small = b.obj('Small', 1);
    const req = b.obj('ClientRequest', 50);
    b.gcRoot(big).gcRoot(small).prop(small, req, 'pending');
    const sum = buildSummary(analyze(b.build()), DEFAULT_SETTINGS);
    assert.equal(sum.isPython, false);
    assert.deepEqual(sum.classes.map((c) => c.name), ['Big', 'Small', 'ClientRequest']);
    assert.equal(sum.classes[1].retainedSize, 51);
    assert.equal(sum.totalSize, 1051);
    assert.equal(sum.nodeCount, 5);
    assert.equal(sum.suspects[0].cyclicGarbage, 0);
    assert.equal(sum.suspects[0].explanation, '1 of 1 ClientRequest is retained by Small `.pending`');
    for (const phase of ['retainers', 'distances', 'cycles', 'classSummary', 'requestLike']) {
      assert.equal(typeof sum.timings[phase], 'number', phase);
    }
    // plain data: survives JSON
    assert.deepEqual(JSON.parse(JSON.stringify(sum)), sum);
  });

  it('objects only under "(Python unreachable)" are held by unknown referrers, not cyclic garbage', () => {
    const b = new PythonSnapshotBuilder();
    b.module('app');
    const reqs = [0, 1, 2].map(() => b.obj('aiohttp.web_request.Request', 120));
    b.prop(reqs[0], reqs[1], '_peer').prop(reqs[1], reqs[0], '_peer');
    b.inUnreachable(reqs[0], reqs[2]);
    const sum = buildSummary(analyze(b.build()), DEFAULT_SETTINGS);
    const s = sum.suspects[0];
    assert.equal(s.heldByUnknown, 3);
    assert.equal(s.cyclicGarbage, 0);
    assert.equal(s.reachable, 0);
    assert.equal(s.explanation, '2 of 3 aiohttp Request are held only by referrers the exporter could not see: Request `._peer` → Request `._peer` → Request');
    assert.equal(isPythonSnapshot(new SnapshotBuilder().build()), false);
  });

  it('shortens Python names for sentences', () => {
    assert.equal(pythonSubjectName('aiohttp.web_request.Request'), 'aiohttp Request');
    assert.equal(pythonSubjectName('__main__.Leak'), 'Leak');
    assert.equal(pythonSubjectName('dict'), 'dict');
    assert.equal(pythonNodeLabel('frame RequestHandler._handle_request web_protocol.py:433'), 'frame `_handle_request` (web_protocol.py)');
    assert.equal(pythonNodeLabel('frame <module> /srv/app/main.py:3'), 'frame `<module>` (main.py)');
    assert.equal(pythonNodeLabel('function handler app.py:12'), 'function `handler` (app.py)');
    assert.equal(pythonNodeLabel('module aiohttp.web'), 'module `aiohttp.web`');
    assert.equal(pythonNodeLabel('aiohttp.web_exceptions.HTTPNotFound'), 'HTTPNotFound');
  });
});
