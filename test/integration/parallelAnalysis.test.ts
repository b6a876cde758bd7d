// Analysis on two threads (extension/node/parallelAnalysis.ts) against analyze() on one thread, on
// snapshots written at test time by real programs (Node, Python through our exporter, a Chromium
// page): every per-node array, the retainer index and the cycles must be identical; a helper that
// fails falls back to one thread; cancellation ends the analysis.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { analyzeSnapshot, sharedColumns } from '../../extension/node/parallelAnalysis';
import { analyze, type Analysis } from '../../extension/core/analysis';
import { computeCycles, cyclesOf } from '../../extension/core/cycles';
import { isPythonSnapshot } from '../../extension/core/python';
import { SnapshotError } from '../../extension/core/errors';
import { cachedHubIndexes, computeHubIndexes, retainerPaths } from '../../extension/core/retainerPaths';
import { classTotalsOf, computeClassTotals } from '../../extension/core/classSummary';
import { chromiumDetachedSnapshot, hasChromium } from '../helpers/realSnapshots';
import { checkRetainerIndex } from '../helpers/retainerIndex';

const root = path.resolve(__dirname, '../..');

const NODE_PROGRAM = `
const v8 = require('node:v8');
class Request { constructor(i) { this.url = '/item/' + i; this.headers = { host: 'h' + (i % 7) }; } }
globalThis.keep = [];
const wm = new WeakMap();
for (let i = 0; i < 30000; i++) {
  const r = new Request(i);
  r.self = r;
  r.onDone = () => r.url;
  if (i % 5 === 0) wm.set(r, { owner: r });
  keep.push(i % 3 ? r : new Map([[i, r]]));
}
// 70 000 objects of one shape: their hidden class is a retainer hub (fan-in >= 65 536)
globalThis.points = Array.from({ length: 70000 }, (_, i) => ({ x: i, y: -i }));
v8.writeHeapSnapshot(process.argv[1]);
`;

const PYTHON_PROGRAM = `
import sys, gc
sys.path.insert(0, sys.argv[2])
import retention_graph_export as rge
class Request:
    def __init__(self, i):
        self.path = '/r/%d' % i
        self.me = self
gc.disable()
keep = [Request(i) for i in range(3000)]
for i in range(2000):
    Request(i)
rge.dump(sys.argv[1])
`;

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}[${i}]: ${a[i]} (two threads) vs ${b[i]} (one)`);
}

function assertSameAnalysis(two: Analysis, one: Analysis): void {
  sameArray(two.distances, one.distances, 'distances');
  sameArray(two.dominators, one.dominators, 'dominators');
  sameArray(two.dominatorOrder, one.dominatorOrder, 'dominatorOrder');
  sameArray(two.retainedSizes, one.retainedSizes, 'retainedSizes');
  sameArray(two.shallowSizes, one.shallowSizes, 'shallowSizes');
  sameArray(two.pageOwned, one.pageOwned, 'pageOwned');
  sameArray(two.retainers.firstRetainer, one.retainers.firstRetainer, 'firstRetainer');
  sameArray(two.retainers.retainerType, one.retainers.retainerType, 'retainerType');
  sameArray(two.retainers.retainerNode, one.retainers.retainerNode, 'retainerNode');
  // each slot's edge, found on demand, and its dominator rule, against the edges themselves
  checkRetainerIndex(one.snap, one.retainers, one.pageOwned);
  // the helper's index, its WeakMap slots flagged from this thread's shared name cache, is the same
  // (sameArray above) and passes too
  checkRetainerIndex(two.snap, two.retainers, two.pageOwned);
  const c2 = cyclesOf(two);
  const c1 = computeCycles(one.snap);
  assert.deepEqual(c2.edgeTypes, c1.edgeTypes);
  assert.equal(c2.dictName, c1.dictName, 'dictName');
  sameArray(c2.cycleComponent, c1.cycleComponent, 'cycle components');
  sameArray(c2.cycleRank, c1.cycleRank, 'cycle ranks');
  sameArray(c2.inCycle, c1.inCycle, 'inCycle');
  assert.equal(c2.nodesInCycles, c1.nodesInCycles);
  assert.equal(c2.largestComponent, c1.largestComponent);
  // the class totals equal the ones computed here
  const t2 = classTotalsOf(two);
  const t1 = computeClassTotals(one);
  sameArray(t2.classIds.ids, t1.classIds.ids, 'class ids');
  assert.deepEqual(t2.classIds.names, t1.classIds.names, 'class names');
  assert.deepEqual(t2.classIds.locations, t1.classIds.locations, 'class locations');
  assert.deepEqual(t2.classIds.interfaces, t1.classIds.interfaces, 'interfaces');
  sameArray(t2.count, t1.count, 'class counts');
  sameArray(t2.selfSize, t1.selfSize, 'class self sizes');
  sameArray(t2.retainedSize, t1.retainedSize, 'class retained sizes');
  sameArray(t2.classTop, t1.classTop, 'classTop');
  // the retainer-path hub indexes the helper built equal the ones built here
  const want = computeHubIndexes({
    retainers: one.retainers, weakType: one.snap.types.edgeWeak,
    distances: one.distances, root: one.snap.rootOrdinal, nodeCount: one.snap.nodeCount,
  });
  // (built by the helper, or by this thread when it failed: every analysis groups the biggest hubs)
  const got = cachedHubIndexes(two);
  assert.deepEqual([...got.keys()].sort((x, y) => x - y), [...want.keys()].sort((x, y) => x - y), 'hub nodes');
  for (const [u, h] of want) {
    const g = got.get(u)!;
    sameArray(g.hs, h.hs, `hub ${u} hs`);
    sameArray(g.offs, h.offs, `hub ${u} offs`);
    assert.equal(g.slots, null, `hub ${u}: grouped in place`);
    assert.equal(h.slots, null);
  }
  // and paths through them read the same
  for (let n = 1; n < one.snap.nodeCount; n += Math.floor(one.snap.nodeCount / 50)) {
    assert.deepEqual(retainerPaths(two, n, { k: 2 }), retainerPaths(one, n, { k: 2 }), `paths of node ${n}`);
  }
}

describe('analysis on two threads', function () {
  this.timeout(300_000);
  let dir = '';
  let workerPath = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-parallel-analysis-'));
    workerPath = path.join(dir, 'analysisWorker.js');
    await esbuild.build({
      entryPoints: [path.join(root, 'extension/node/analysisWorker.ts')], outfile: workerPath, bundle: true,
      platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
    });
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function check(file: string): Promise<Analysis> {
    const snap = await loadSnapshotFile(file, { shared: true, parallel: false });
    assert.ok(sharedColumns(snap), 'columns on SharedArrayBuffers');
    const stats: { helper?: boolean; classIdsOn?: 'main' | 'helper'; classTopByNumber?: boolean } = {};
    const two = await analyzeSnapshot(snap, { workerPath, minNodes: 0, stats, sizesBeforeDominators: true });
    assert.equal(stats.helper, true, 'the helper thread computed retainers, shallow sizes and cycles');
    // the class-top flags from the dominators: the class ids were there by then, from either thread
    assert.equal(stats.classTopByNumber, true, `class ids on ${stats.classIdsOn}`);
    assert.ok(two.timings.waitForHelper !== undefined);
    const one = analyze(await loadSnapshotFile(file, { parallel: false }));
    // handed to the helper for the hub indexes: shared, not copied
    assert.ok(two.distances.buffer instanceof SharedArrayBuffer, 'distances on a SharedArrayBuffer');
    assert.ok(!(one.distances.buffer instanceof SharedArrayBuffer));
    // the helper moved the shallow sizes inside the shared self-size column: no second array
    assert.equal(two.shallowSizes, snap.nodeSelfSize, 'shallow sizes in place');
    assert.equal(one.shallowSizes, one.snap.nodeSelfSize);
    assertSameAnalysis(two, one);
    // the class ids from the helper (beside the dominators, split by location there), read in
    // place by the dominators for the class-top flags; the hub indexes all from this thread (the
    // helper claims none)
    const byHelper: { helper?: boolean; classIdsOn?: 'main' | 'helper'; hubsOnMain?: number; classTopByNumber?: boolean } = {};
    const three = await analyzeSnapshot(await loadSnapshotFile(file, { shared: true, parallel: false }),
      { workerPath, minNodes: 0, stats: byHelper, classIdsOnHelper: true, hubsOnMain: true, sizesBeforeDominators: true });
    assert.equal(byHelper.classIdsOn, 'helper');
    assert.equal(byHelper.classTopByNumber, true, 'class-top flags from the helper\'s class ids');
    assert.equal(byHelper.hubsOnMain, cachedHubIndexes(three).size, 'every hub grouped on this thread');
    assertSameAnalysis(three, one);
    return two;
  }

  it('a real Node heap (objects, closures, Maps, WeakMaps, self cycles)', async () => {
    const file = path.join(dir, 'node.heapsnapshot');
    execFileSync(process.execPath, ['-e', NODE_PROGRAM, file], { stdio: 'inherit', timeout: 120_000 });
    const a = await check(file);
    assert.ok(a.snap.nodeCount > 100_000, `${a.snap.nodeCount} nodes`);
    assert.ok(cachedHubIndexes(a).size > 0, 'the heap has retainer hubs (fan-in >= 65 536)');
    assert.ok(cyclesOf(a).nodesInCycles >= 30000, 'every Request is on its self cycle');
  });

  it('a real Python heap from our exporter (hidden edges and __dict__ count for cycles)', async () => {
    const file = path.join(dir, 'python.heapsnapshot');
    execFileSync('/usr/bin/python3', ['-c', PYTHON_PROGRAM, file, path.join(root, 'python')], { stdio: 'inherit', timeout: 120_000 });
    const a = await check(file);
    assert.ok(isPythonSnapshot(a.snap));
    assert.deepEqual(cyclesOf(a).edgeTypes, computeCycles(a.snap).edgeTypes);
    assert.ok(cyclesOf(a).nodesInCycles >= 5000, `${cyclesOf(a).nodesInCycles} nodes on cycles`);
  });

  it('a Chromium page with detached DOM (CDP)', async function () {
    if (!hasChromium()) this.skip();
    const { path: file } = await chromiumDetachedSnapshot();
    await check(file);
  });

  it('a helper that fails: the same results from one thread', async () => {
    const file = path.join(dir, 'node.heapsnapshot');
    const broken = path.join(dir, 'broken.js');
    fs.writeFileSync(broken, 'throw new Error("helper fails to start");');
    const snap = await loadSnapshotFile(file, { shared: true, parallel: false });
    const stats: { helper?: boolean } = {};
    const two = await analyzeSnapshot(snap, { workerPath: broken, minNodes: 0, stats });
    assert.equal(stats.helper, false);
    assert.ok(cachedHubIndexes(two).size > 0, 'the hub indexes built on this thread');
    assertSameAnalysis(two, analyze(await loadSnapshotFile(file, { parallel: false })));
  });

  it('a helper that dies after the essential edges or the retainers: the rest from this thread, same results', async () => {
    const file = path.join(dir, 'node.heapsnapshot');
    const one = analyze(await loadSnapshotFile(file, { parallel: false }));
    // dies after the essential edges (this thread fills the retainers from them), after the
    // retainers, or after the hub list (before it claims any hub)
    for (const after of ['essential', 'retainers', 'hubList']) {
      const dying = path.join(dir, `dying-${after}.js`);
      fs.writeFileSync(dying, `const wt = require('node:worker_threads');
const post = wt.parentPort.postMessage.bind(wt.parentPort);
wt.parentPort.postMessage = (m, t) => { post(m, t); if (m.kind === ${JSON.stringify(after)}) process.exit(3); };
require(${JSON.stringify(workerPath)});`);
      const snap = await loadSnapshotFile(file, { shared: true, parallel: false });
      const stats: { helper?: boolean; hubsOnMain?: number } = {};
      const two = await analyzeSnapshot(snap, { workerPath: dying, minNodes: 0, stats });
      assert.equal(stats.helper, false, after);
      if (after !== 'hubList') assert.ok(two.timings.retainers !== undefined && two.timings.shallowSizes !== undefined);
      // (the hubs grouped here: by the shared claims if the list came before the helper's exit)
      else assert.ok(cachedHubIndexes(two).size > 0, 'the hubs the helper left, grouped here');
      assertSameAnalysis(two, one);
    }
  });

  it('not shared columns or a small snapshot: one thread', async () => {
    const file = path.join(dir, 'node.heapsnapshot');
    const stats: { helper?: boolean } = {};
    await analyzeSnapshot(await loadSnapshotFile(file, { parallel: false }), { workerPath, minNodes: 0, stats });
    assert.equal(stats.helper, false, 'unshared columns');
    await analyzeSnapshot(await loadSnapshotFile(file, { shared: true, parallel: false }), { workerPath, minNodes: 1e9, stats });
    assert.equal(stats.helper, false, 'below minNodes');
  });

  it('cancellation: an aborted signal ends the analysis with SnapshotError cancelled', async () => {
    const file = path.join(dir, 'node.heapsnapshot');
    const snap = await loadSnapshotFile(file, { shared: true, parallel: false });
    const ac = new AbortController();
    let phases = 0;
    const p = analyzeSnapshot(snap, {
      workerPath, minNodes: 0, signal: ac.signal,
      onProgress: () => {
        if (++phases === 2) ac.abort();
      },
    });
    await assert.rejects(p, (e: unknown) => e instanceof SnapshotError && e.code === 'cancelled');
  });
});
