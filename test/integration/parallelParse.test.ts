// The two-thread loader on real snapshots written at test time by v8.writeHeapSnapshot: the same
// columns as the one-thread loader, and the same errors when the file is cut or damaged inside the
// edges array.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { assertSameSnapshot } from '../helpers/snapshotCompare';
import { loadSnapshotFile, type LoadOptions, type LoadStats } from '../../extension/node/loadSnapshot';
import { SnapshotError } from '../../extension/core/errors';

const root = path.resolve(__dirname, '../..');

/** A real Node program that builds a graph of objects, arrays, closures and Maps, then writes its heap. */
const PROGRAM = `
const v8 = require('node:v8');
class Request { constructor(i) { this.url = '/item/' + i; this.headers = { host: 'h' + (i % 7) }; } }
globalThis.keep = [];
for (let i = 0; i < 40000; i++) {
  const r = new Request(i);
  r.self = r;
  r.onDone = () => r.url;
  keep.push(i % 3 ? r : new Map([[i, r]]));
}
v8.writeHeapSnapshot(process.argv[1]);
`;

describe('parallel parse on real snapshots', function () {
  this.timeout(300_000);
  let dir = '';
  let file = '';
  let workerPath = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-parallel-real-'));
    file = path.join(dir, 'real.heapsnapshot');
    execFileSync(process.execPath, ['-e', PROGRAM, file], { stdio: 'inherit', timeout: 120_000 });
    workerPath = path.join(dir, 'parseWorker.js');
    await esbuild.build({
      entryPoints: [path.join(root, 'extension/node/parseWorker.ts')], outfile: workerPath, bundle: true,
      platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
    });
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const two = (extra: LoadOptions = {}): LoadOptions => ({ parallel: { workerPath, minBytes: 0 }, ...extra });

  it('same columns as one thread, the edges parsed on the worker', async () => {
    const one = await loadSnapshotFile(file, { parallel: false });
    assert.ok(one.edgeCount > 100_000, `a real heap (${one.edgeCount} edges)`);
    for (const readSize of [4 << 20, 65536, 4093]) {
      const stats: LoadStats = {};
      const snap = await loadSnapshotFile(file, two({ readSize, stats }));
      assert.equal(stats.edgesOnWorker, true, `readSize ${readSize}`);
      // V8 writes a record per line: each thread jumped over the array the other one parsed
      assert.equal(stats.edgesJumped, true, `readSize ${readSize}: edges not read here`);
      assert.equal(stats.nodesJumpedOnWorker, true, `readSize ${readSize}: nodes not read by the worker`);
      assertSameSnapshot(snap, one, `readSize ${readSize}`);
    }
  });

  it('shared columns: every node and edge column on a SharedArrayBuffer, same values (one and two threads)', async () => {
    const one = await loadSnapshotFile(file, { parallel: false });
    for (const opts of [{ parallel: false as const, shared: true }, two({ shared: true })]) {
      const snap = await loadSnapshotFile(file, opts);
      assertSameSnapshot(snap, one, `parallel ${opts.parallel !== false}`);
      const cols = { nodeType: snap.nodeType, nodeName: snap.nodeName, nodeId: snap.nodeId, nodeSelfSize: snap.nodeSelfSize,
        firstEdge: snap.firstEdge, edgeType: snap.edgeType, edgeNameOrIndex: snap.edgeNameOrIndex, edgeTo: snap.edgeTo };
      for (const [name, a] of Object.entries(cols)) assert.ok(a.buffer instanceof SharedArrayBuffer, `${name} is shared`);
      assert.ok(!(one.edgeTo.buffer instanceof SharedArrayBuffer), 'not shared unless asked');
    }
  });

  /** Asserts the one- and two-thread loaders fail on f with the same error; returns it. */
  async function sameError(f: string): Promise<SnapshotError> {
    const errOf = async (o: LoadOptions) => {
      try {
        await loadSnapshotFile(f, o);
      } catch (e) {
        if (e instanceof SnapshotError) return e;
        throw e;
      }
      throw new Error('expected a SnapshotError');
    };
    const want = await errOf({ parallel: false });
    for (const readSize of [4 << 20, 65536]) {
      const stats: { edgesOnWorker?: boolean } = {};
      const got = await errOf(two({ readSize, stats }));
      assert.equal(stats.edgesOnWorker, true, 'the worker held the edges');
      assert.deepEqual([got.code, got.message, got.offset, got.field], [want.code, want.message, want.offset, want.field]);
    }
    return want;
  }

  it('the same error when the file ends inside the edges array', async () => {
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('"edges":[');
    const cut = path.join(dir, 'cut.heapsnapshot');
    fs.writeFileSync(cut, bytes.subarray(0, at + Math.floor((bytes.indexOf(']', at) - at) * 0.6)));
    const e = await sameError(cut);
    assert.equal(e.code, 'truncated');
  });

  it('the same error for a damaged to_node deep in the edges array (and damage after it)', async () => {
    const bytes = Buffer.from(fs.readFileSync(file));
    const at = bytes.indexOf('"edges":[');
    const end = bytes.indexOf(']', at);
    // the to_node of a record two thirds in
    let p = at + Math.floor((end - at) * 0.66);
    while (bytes[p] !== 0x0a) p++; // V8 writes one edge record per line
    p++;
    if (bytes[p] === 0x2c) p++; // V8 puts the separating comma at the start of the line
    let commas = 0;
    while (commas < 2) if (bytes[p++] === 0x2c) commas++;
    const nfStart = bytes.indexOf('"node_fields":[') + 14;
    const nf = (JSON.parse(bytes.subarray(nfStart, bytes.indexOf(']', nfStart) + 1).toString()) as string[]).length;
    let q = p;
    while (bytes[q] >= 0x30 && bytes[q] <= 0x39) q++;
    // a first digit that makes it no multiple of the node field count
    for (let d = 1; d <= 9; d++) {
      bytes[p] = 0x30 + d;
      if (Number(bytes.subarray(p, q).toString()) % nf !== 0) break;
    }
    const damaged = path.join(dir, 'damaged.heapsnapshot');
    fs.writeFileSync(damaged, bytes);
    const e1 = await sameError(damaged);
    assert.equal(e1.code, 'bad-edge');
    // damage after the edges array too: the edges error still comes first
    const s = bytes.indexOf('"strings":[');
    bytes[s + 11] = 0x39;
    fs.writeFileSync(damaged, bytes);
    const e2 = await sameError(damaged);
    assert.equal(e2.message, e1.message);
  });
});
