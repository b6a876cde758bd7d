// Real Node programs leaking requests, snapshotted at test time (v8.writeHeapSnapshot), analysed by
// the real CLI with --json: the dominant retainer path must name the exact edges of the leak.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { snapshotFromObject } from '../helpers/snapshotBuilder';
import {
  leaky404Snapshots, listenerLeakSnapshot, runCliProcess, type Leaky404Snapshots,
} from '../helpers/realSnapshots';

interface Edge { from: string; type: string; name: string; to: string; fromId: number | null; toId: number | null }
interface Group { count: number; edges: Edge[]; exampleIds: number[] }

const hop = (e: Edge) => `${e.from} -[${e.type} ${e.name}]-> ${e.to}`;

/** Checks that a path is a chain: each edge starts at the class where the previous one ended. */
function assertChain(edges: Edge[], what: string) {
  assert.ok(edges.length > 0, `${what}: no edges`);
  for (let i = 1; i < edges.length; i++) {
    assert.equal(edges[i].from, edges[i - 1].to, `${what}: hop ${i} starts where hop ${i - 1} ends\n${edges.map(hop).join('\n')}`);
    if (edges[i].fromId !== null && edges[i - 1].toId !== null) assert.equal(edges[i].fromId, edges[i - 1].toId, `${what}: ids chain at hop ${i}`);
  }
}

async function analyzeJson(file: string, extra: string[] = []) {
  const r = await runCliProcess(['analyze', file, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
}

describe('Node http server leaking 404 requests through Error.context', function () {
  this.timeout(60000);
  let snaps: Leaky404Snapshots;
  let report: any;
  before(async () => {
    snaps = await leaky404Snapshots();
    report = await analyzeJson(snaps.before);
  });

  it('counts exactly the leaked requests (404s), not the finished 200s', () => {
    const im = report.suspects.find((s: any) => s.name === 'IncomingMessage');
    assert.ok(im, 'IncomingMessage is a suspect');
    assert.equal(im.count, snaps.notFoundBefore);
    assert.equal(im.reachable, snaps.notFoundBefore);
    assert.equal(im.cyclicGarbage, 0);
    assert.ok(im.selfSize > 0 && im.retainedSize >= im.selfSize);
    assert.ok(im.inCycle >= 0 && im.inCycle <= im.count);
    const ctx = report.classes.find((c: any) => c.name === 'RequestContext');
    assert.equal(ctx?.count, snaps.notFoundBefore);
    // cross-check the class table against the snapshot read independently (JSON.parse)
    const snap = snapshotFromObject(JSON.parse(readFileSync(snaps.before, 'utf8')));
    let n = 0;
    let self = 0;
    for (let i = 0; i < snap.nodeCount; i++) {
      if (snap.className(i) === 'IncomingMessage') { n++; self += snap.nodeSelfSize[i]; }
    }
    assert.equal(n, im.count);
    assert.equal(self, im.selfSize);
    assert.equal(report.totals.nodeCount, snap.nodeCount);
    assert.equal(report.totals.edgeCount, snap.edgeCount);
  });

  it('the dominant path ends … recentErrors → element → Error.context → RequestContext.req → IncomingMessage', () => {
    const im = report.suspects.find((s: any) => s.name === 'IncomingMessage');
    const top: Group = im.paths[0];
    assert.equal(top.count, snaps.notFoundBefore, 'every leaked request has this path shape');
    assertChain(top.edges, 'IncomingMessage path');
    const tail = top.edges.slice(-4);
    assert.deepEqual(tail.map((e) => [e.type, e.name, e.to]), [
      ['context', 'recentErrors', 'Array'],
      ['element', '[]', 'Error'],
      ['property', 'context', 'RequestContext'],
      ['property', 'req', 'IncomingMessage'],
    ], top.edges.map(hop).join('\n'));
    assert.equal(tail[1].name, '[]', 'element indexes are normalised in path shapes');
    assert.equal(tail[1].from, 'Array');
    assert.equal(top.edges[top.edges.length - 1].toId, top.exampleIds[0]);
  });

  it('explains the dominant path in one sentence', () => {
    const im = report.suspects.find((s: any) => s.name === 'IncomingMessage');
    const n = snaps.notFoundBefore;
    assert.match(im.explanation, new RegExp(`^${n} of ${n} IncomingMessage\\b`));
    assert.match(im.explanation, /recentErrors[\s\S]*Error[\s\S]*context[\s\S]*RequestContext[\s\S]*req/);
  });

  it('the responses leak through the same context object', () => {
    const sr = report.suspects.find((s: any) => s.name === 'ServerResponse');
    assert.ok(sr, 'ServerResponse is a suspect');
    assert.equal(sr.count, snaps.notFoundBefore);
    const top: Group = sr.paths[0];
    assert.equal(top.count, snaps.notFoundBefore);
    assertChain(top.edges, 'ServerResponse path');
    assert.deepEqual(top.edges.slice(-2).map((e) => [e.from, e.type, e.name, e.to]), [
      ['Error', 'property', 'context', 'RequestContext'],
      ['RequestContext', 'property', 'res', 'ServerResponse'],
    ]);
  });

  it('cycles start and end at the instance', () => {
    for (const s of report.suspects) {
      for (const c of s.cycles as Group[]) {
        assertChain(c.edges, `${s.name} cycle`);
        assert.equal(c.edges[0].from, s.name);
        assert.equal(c.edges[c.edges.length - 1].to, s.name);
        assert.ok(c.count >= 1 && c.count <= s.count);
      }
    }
  });

  it('--paths bounds the number of path groups', async () => {
    const one = await analyzeJson(snaps.before, ['--paths', '1']);
    for (const s of one.suspects) assert.ok(s.paths.length <= 1, `${s.name}: ${s.paths.length} groups`);
  });
});

describe('Node http server leaking requests through an EventEmitter listener closure', function () {
  this.timeout(60000);
  let snap: { path: string; requests: number };
  let report: any;
  before(async () => {
    snap = await listenerLeakSnapshot();
    report = await analyzeJson(snap.path);
  });

  it('finds every request, retained through _events and the closure context', () => {
    const im = report.suspects.find((s: any) => s.name === 'IncomingMessage');
    assert.ok(im, 'IncomingMessage is a suspect');
    assert.equal(im.count, snap.requests);
    const top: Group = im.paths[0];
    assert.equal(top.count, snap.requests);
    assertChain(top.edges, 'listener path');
    const text = top.edges.map(hop).join('\n');
    const events = top.edges.findIndex((e) => e.from === 'EventEmitter' && e.name === '_events');
    assert.ok(events >= 0, `path goes through the emitter's _events:\n${text}`);
    const closure = top.edges.findIndex((e) => e.from === '(closure)' && e.name === 'context');
    assert.ok(closure > events, `then through a closure's context:\n${text}`);
    const last = top.edges[top.edges.length - 1];
    assert.deepEqual([last.type, last.name, last.to], ['context', 'req', 'IncomingMessage'], text);
    assert.match(im.explanation, new RegExp(`^${snap.requests} of ${snap.requests} IncomingMessage\\b`));
  });
});
