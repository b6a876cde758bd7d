import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze } from '../../extension/core/analysis';
import { DEFAULT_REQUEST_LIKE_PATTERNS, findRequestLike, compilePatterns } from '../../extension/core/requestLike';
import { DEFAULT_SETTINGS } from '../../extension/core/report';
import { classSummary } from '../../extension/core/classSummary';
import { parseSnapshotBytes } from '../../extension/core/parser';

/**
 * The 404 leak of the Node integration fixture, in miniature: a module-level `recentErrors` array
 * (a context variable of the handler's closure) holds 200 Errors, each carrying a RequestContext
 * whose `.req` is an IncomingMessage; 20 more IncomingMessages sit in a Server's `pending` list.
 * Every IncomingMessage also cycles with its socket: IM `.socket` → Socket `.parser` → HTTPParser
 * `.incoming` → IM.
 */
function leakyServer() {
  const b = new SnapshotBuilder();
  const handler = b.node('closure', 'onRequest');
  const ctx = b.node('hidden', 'system / Context', { selfSize: 40 });
  const recent = b.obj('Array', 16);
  const server = b.obj('Server', 100);
  const pending = b.obj('Array', 16);
  b.gcRoot(handler).edge(handler, ctx, 'internal', 'context').edge(ctx, recent, 'context', 'recentErrors');
  b.gcRoot(server).prop(server, pending, 'pending');
  const ims: number[] = [];
  const addIM = () => {
    const im = b.obj('IncomingMessage', 200);
    const sock = b.obj('Socket', 100);
    const parser = b.obj('HTTPParser', 50);
    b.prop(im, sock, 'socket').prop(sock, parser, 'parser').prop(parser, im, 'incoming');
    ims.push(im);
    return im;
  };
  for (let i = 0; i < 200; i++) {
    const err = b.obj('Error', 30);
    const rc = b.obj('RequestContext', 20);
    b.edge(recent, err, 'element', i).prop(err, rc, 'context').prop(rc, addIM(), 'req');
  }
  for (let i = 0; i < 20; i++) b.edge(pending, addIM(), 'element', i);
  // V8-internal-looking classes that must not match the anchored defaults
  const internal = b.obj('InternalRequestQueue', 10);
  const ctxLike = b.obj('RequestContext', 20);
  b.gcRoot(internal).gcRoot(ctxLike);
  return { b, ims, recent };
}

describe('Request-like objects', () => {
  it('clusters 200 array-held requests into one shape and explains the dominant group in one sentence', () => {
    const { b } = leakyServer();
    const an = analyze(b.build());
    const suspects = findRequestLike(an, DEFAULT_SETTINGS);
    assert.deepEqual(suspects.map((s) => s.name), ['IncomingMessage']);
    const im = suspects[0];
    assert.equal(im.count, 220);
    assert.equal(im.selfSize, 220 * 200);
    // each IncomingMessage dominates its socket and parser; none is inside another
    assert.equal(im.retainedSize, 220 * 350);
    assert.equal(im.inCycle, 220);
    assert.equal(im.reachable, 220);
    assert.equal(im.cyclicGarbage, 0);
    assert.equal(im.sampled, 220);
    assert.equal(im.pattern, DEFAULT_REQUEST_LIKE_PATTERNS[0]);
    assert.deepEqual(im.paths.map((p) => p.count), [200, 20]);
    assert.deepEqual(im.paths[0].edges.map((e) => `${e.from} -${e.type}:${e.name}-> ${e.to}`), [
      '(root) -element:[]-> (GC roots)',
      '(GC roots) -element:[]-> (closure)',
      '(closure) -internal:context-> system / Context',
      'system / Context -context:recentErrors-> Array',
      'Array -element:[]-> Error',
      'Error -property:context-> RequestContext',
      'RequestContext -property:req-> IncomingMessage',
    ]);
    assert.equal(im.explanation,
      '200 of 220 IncomingMessage are retained by Array `recentErrors` → Error `.context` → RequestContext `.req`');
    assert.equal(im.cycles.length, 1);
    assert.equal(im.cycles[0].count, 220);
    assert.deepEqual(im.cycles[0].edges.map((e) => [e.from, e.name, e.to]), [
      ['IncomingMessage', 'socket', 'Socket'], ['Socket', 'parser', 'HTTPParser'], ['HTTPParser', 'incoming', 'IncomingMessage'],
    ]);
    assert.equal(im.paths[0].exampleIds.length, 5);
  });

  it('anchored defaults do not match internals; user regexes add classes', () => {
    const { b } = leakyServer();
    const an = analyze(b.build());
    const names = findRequestLike(an, { ...DEFAULT_SETTINGS, requestLikePatterns: ['^RequestContext$'] }).map((s) => s.name).sort();
    assert.deepEqual(names, ['IncomingMessage', 'RequestContext']);
    const rc = findRequestLike(an, { ...DEFAULT_SETTINGS, requestLikePatterns: ['^RequestContext$'] }).find((s) => s.name === 'RequestContext')!;
    assert.equal(rc.count, 201);
    assert.equal(rc.pattern, '^RequestContext$');
    const re = compilePatterns(DEFAULT_REQUEST_LIKE_PATTERNS);
    const matches = (n: string) => re.some((r) => r.test(n));
    for (const yes of ['IncomingMessage', 'ServerResponse', 'ClientRequest', 'Request', 'Response', 'Http2ServerRequest',
      'aiohttp.web_request.Request', 'aiohttp.web_request.BaseRequest', 'aiohttp.client_reqrep.ClientRequest',
      'aiohttp.client_reqrep.ClientResponse', 'Context']) assert.ok(matches(yes), yes);
    for (const no of ['InternalRequestQueue', 'RequestContext', 'system / Context', 'XMLHttpRequestUpload', '(closure)',
      'aiohttp.web_request.RequestHandler', 'MyRequest']) assert.ok(!matches(no), no);
    assert.throws(() => findRequestLike(an, { ...DEFAULT_SETTINGS, requestLikePatterns: ['(unclosed'] }), /invalid Request-like pattern/);
  });

  it('samples a bounded number of instances and says so', () => {
    const { b } = leakyServer();
    const an = analyze(b.build());
    const im = findRequestLike(an, DEFAULT_SETTINGS, { sampleSize: 50 })[0];
    assert.equal(im.sampled, 50);
    assert.equal(im.count, 220);
    assert.equal(im.paths.reduce((s, p) => s + p.count, 0), 50);
    assert.match(im.explanation, /^\d+ of 50 sampled IncomingMessage \(220 in all\) are retained by Array `recentErrors` → Error `\.context` → RequestContext `\.req`$/);
  });

  it('two classes of one name defined at two places are two suspects, each named with its place', () => {
    const b = new SnapshotBuilder();
    const mine = [b.obj('Request', 10), b.obj('Request', 10)];
    const theirs = [b.obj('Request', 30)];
    const list = b.obj('Array');
    b.gcRoot(list);
    [...mine, ...theirs].forEach((r, i) => b.edge(list, r, 'element', i));
    const nf = b.nodeFields.length;
    const json = b.toJSON({ locations: [mine[0] * nf, 4, 9, 2, mine[1] * nf, 4, 9, 2, theirs[0] * nf, 5, 0, 0] });
    const an = analyze(parseSnapshotBytes(new TextEncoder().encode(json)));
    const suspects = findRequestLike(an, DEFAULT_SETTINGS);
    assert.deepEqual(suspects.map((s) => `${s.name} ${s.count} ${s.selfSize}`).sort(),
      ['Request (script 4:10:3) 2 20', 'Request (script 5:1:1) 1 30']);
    const rows = classSummary(an).map((r) => r.name);
    for (const s of suspects) assert.ok(rows.includes(s.name), `${s.name} is a Summary row`);
    const two = suspects.find((s) => s.count === 2)!;
    assert.match(two.explanation, /^2 of 2 Request \(script 4:10:3\) are retained by Array/);
  });

  it('says when instances have no retainer path', () => {
    const b = new SnapshotBuilder();
    const r = b.obj('ServerResponse', 10);
    const w = b.obj('WeakRef', 10);
    b.gcRoot(w).edge(w, r, 'weak', 'target');
    const an = analyze(b.build());
    const s = findRequestLike(an, DEFAULT_SETTINGS)[0];
    assert.equal(s.reachable, 0);
    assert.deepEqual(s.paths, []);
    assert.equal(s.explanation, '1 ServerResponse has no retainer path from the GC roots');
  });

  it('starts the sentence at the global variable and folds the next property into it', () => {
    const b = new SnapshotBuilder();
    const global = b.obj('global', 50);
    const state = b.obj('Object', 20);
    const pending = b.obj('Array', 16);
    b.edge(b.root, global, 'shortcut', 'global').gcRoot(global).prop(global, state, 'appState').prop(state, pending, 'pending');
    for (let i = 0; i < 3; i++) b.edge(pending, b.obj('ClientRequest', 40), 'element', i);
    const an = analyze(b.build());
    const s = findRequestLike(an, DEFAULT_SETTINGS)[0];
    assert.equal(s.explanation, '3 of 3 ClientRequest are retained by Object `appState.pending` → Array');
    assert.equal(s.paths[0].edges[0].type, 'shortcut', 'user roots first, as DevTools');
  });

  it('an element-index-only difference does not split groups, a different holder does', () => {
    const b = new SnapshotBuilder();
    const list = b.obj('Array');
    const map = b.obj('Object');
    b.gcRoot(list).gcRoot(map);
    for (let i = 0; i < 30; i++) b.edge(list, b.obj('Request'), 'element', i);
    for (let i = 0; i < 3; i++) b.prop(map, b.obj('Request'), `k${i}`);
    const an = analyze(b.build());
    const s = findRequestLike(an, DEFAULT_SETTINGS)[0];
    assert.deepEqual(s.paths.map((p) => p.count), [30, 1, 1, 1]);
    assert.equal(s.explanation, '30 of 33 Request are retained by Array');
  });
});
