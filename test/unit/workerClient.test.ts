// The analysis worker thread and the host's WorkerClient: request/reply by id, progress, errors as
// {err} values with the engine's codes, cancellation, termination. Runs the real worker bundle
// (built here from extension/worker/worker.ts) on tiny snapshots written by the builder.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { WorkerClient, type WorkerProgress } from '../../extension/host/workerClient';
import { DEFAULT_SETTINGS } from '../../extension/worker/engine';

describe('analysis worker and WorkerClient', function () {
  this.timeout(30_000);
  let dir = '';
  let workerJs = '';
  let good = '';
  let ids: { req: number; holder: number } = { req: 0, holder: 0 };
  const clients: WorkerClient[] = [];
  const client = (): WorkerClient => {
    const c = new WorkerClient(workerJs);
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-worker-'));
    workerJs = path.join(dir, 'worker.js');
    await esbuild.build({
      entryPoints: [path.join(__dirname, '..', '..', 'extension', 'worker', 'worker.ts')],
      outfile: workerJs, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    });
    const b = new SnapshotBuilder();
    const holder = b.obj('Holder', 20);
    const req = b.obj('IncomingMessage', 100);
    const ctx = b.obj('RequestContext', 30);
    b.gcRoot(holder).prop(holder, ctx, 'current').prop(ctx, req, 'req').prop(req, ctx, 'context');
    good = path.join(dir, 'good.heapsnapshot');
    writeFileSync(good, b.toJSON());
    const s = b.build();
    ids = { req: s.nodeId[req], holder: s.nodeId[holder] };
  });

  after(() => {
    for (const c of clients) c.terminate();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a snapshot in the worker and answers queries matched by id', async () => {
    const c = client();
    const progress: WorkerProgress[] = [];
    const loaded = await c.request({ kind: 'load', path: good, settings: DEFAULT_SETTINGS }, { onProgress: (p) => progress.push(p) });
    assert.ok('ok' in loaded, JSON.stringify(loaded));
    assert.equal(loaded.ok.nodeCount, 5);
    assert.deepEqual(loaded.ok.suspects.map((s) => [s.name, s.count, s.inCycle]), [['IncomingMessage', 1, 1]]);
    assert.ok(progress.some((p) => p.phase === 'parse'), `phases: ${progress.map((p) => p.phase).join(',')}`);
    // several requests in flight at once, each reply reaches its own caller
    const [details, graph, paths] = await Promise.all([
      c.request({ kind: 'details', id: ids.req }),
      c.request({ kind: 'backrefs', ids: [ids.req], options: {} }),
      c.request({ kind: 'paths', id: ids.req, k: 1 }),
    ]);
    assert.ok('ok' in details && 'ok' in graph && 'ok' in paths);
    assert.equal(details.ok.className, 'IncomingMessage');
    assert.deepEqual(details.ok.retainers.map((r) => [r.fromClass, r.edgeName]), [['RequestContext', 'req']]);
    assert.ok(graph.ok.edges.some((e) => e.name === 'req' && e.onCycle));
    assert.deepEqual(paths.ok[0].edges.map((e) => e.name).slice(-2), ['current', 'req']);
  });

  it('applies new settings and re-reports the summary', async () => {
    const c = client();
    await c.request({ kind: 'load', path: good, settings: DEFAULT_SETTINGS });
    const r = await c.request({ kind: 'settings', settings: { ...DEFAULT_SETTINGS, requestLikePatterns: ['^Holder$'] } });
    assert.ok('ok' in r);
    assert.ok(r.ok.suspects.some((s) => s.name === 'Holder'), r.ok.suspects.map((s) => s.name).join(','));
  });

  it('returns the engine\'s errors as values: bad file, unknown id, missing file', async () => {
    const bad = path.join(dir, 'bad.heapsnapshot');
    const text = readFileSync(good, 'utf8');
    writeFileSync(bad, text.slice(0, Math.floor(text.length * 0.6)));
    const c = client();
    const r = await c.request({ kind: 'load', path: bad, settings: DEFAULT_SETTINGS });
    assert.ok('err' in r);
    assert.equal(r.err.code, 'truncated');
    assert.match(r.err.message, /byte offset \d+/);

    const c2 = client();
    await c2.request({ kind: 'load', path: good, settings: DEFAULT_SETTINGS });
    const unknown = await c2.request({ kind: 'details', id: 999_999 });
    assert.ok('err' in unknown);
    assert.match(unknown.err.message, /@999999/);

    const missing = await client().request({ kind: 'load', path: path.join(dir, 'nope.heapsnapshot'), settings: DEFAULT_SETTINGS });
    assert.ok('err' in missing);
    assert.equal(missing.err.code, 'ENOENT');
  });

  it('terminate() ends the thread and resolves pending requests with the given reason', async () => {
    let onExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => { onExit = resolve; });
    const c = new WorkerClient(workerJs, (code) => onExit(code));
    clients.push(c);
    const pending = c.request({ kind: 'load', path: good, settings: DEFAULT_SETTINGS });
    c.terminate({ message: 'Loading was cancelled.', code: 'cancelled' });
    assert.deepEqual(await pending, { err: { message: 'Loading was cancelled.', code: 'cancelled' } });
    assert.ok(c.isEnded);
    // later requests fail at once with the same reason
    assert.deepEqual(await c.request({ kind: 'summary' }), { err: { message: 'Loading was cancelled.', code: 'cancelled' } });
    assert.equal(typeof (await exited), 'number');
  });
});
