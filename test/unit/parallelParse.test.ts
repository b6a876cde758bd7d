// The two-thread loader (worker parses "nodes" and "edges", main thread the rest) against the
// one-thread loader on builder snapshots: same columns for every block size, the same SnapshotError
// (code, message, offset) for bad input in and around the nodes and edges arrays, clean fallback for
// gzip, odd key orders and a missing worker bundle, and cancellation ends the worker.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { assertSameSnapshot } from '../helpers/snapshotCompare';
import { loadSnapshotFile, type LoadOptions, type LoadStats } from '../../extension/node/loadSnapshot';
import { defaultParseWorkerPath } from '../../extension/node/parallelParse';
import { SnapshotError } from '../../extension/core/errors';
import type { HeapSnapshot } from '../../extension/core/model';

const root = path.resolve(__dirname, '../..');
let dir = '';
let workerPath = '';

/** The parse worker bundled fresh from the TS sources (tests run the sources under tsx). */
async function buildWorker(outDir: string): Promise<string> {
  const out = path.join(outDir, 'parseWorker.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'extension/node/parseWorker.ts')], outfile: out, bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
  });
  return out;
}

function sample(): SnapshotBuilder {
  const b = new SnapshotBuilder();
  const a = b.obj('A', 16);
  const c = b.obj('C', 24);
  const s = b.node('string', 'text ü ] [ "edges":[', { selfSize: 20 });
  b.gcRoot(a).prop(a, c, 'child').prop(c, a, 'parent').edge(c, s, 'element', 0).edge(a, s, 'hidden', 1);
  return b;
}

/** A pseudo-random graph of n nodes (deterministic LCG) with ~4 edges per node. */
function randomBuilder(n: number): SnapshotBuilder {
  const b = new SnapshotBuilder();
  let seed = 12345;
  const rnd = (m: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % m;
  };
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(b.obj(`C${rnd(50)}`, 8 + rnd(1000)));
  b.gcRoot(ids[0]);
  for (let i = 0; i < n; i++) {
    for (let k = rnd(8); k > 0; k--) {
      const t = ids[rnd(n)];
      if (rnd(3) === 0) b.edge(ids[i], t, 'element', rnd(100));
      else b.prop(ids[i], t, `p${rnd(200)}`);
    }
  }
  return b;
}

/** JSON text with the top-level values in `order`, raw text replacing some values. */
function assemble(o: Record<string, unknown>, raw: Record<string, string> = {}, order = Object.keys(o)): string {
  return `{${order.map((k) => `${JSON.stringify(k)}:${raw[k] ?? JSON.stringify(o[k])}`).join(',\n')}}`;
}

/**
 * JSON text laid out as V8 writes it: one node or edge record per line (`\n,` between records), so
 * that the loader's probes find where those arrays end (arrayEnd.ts); `after`: raw `"key":value`
 * members put right after the edges.
 */
function v8Text(o: Record<string, unknown>, after: string[] = []): string {
  const meta = (o.snapshot as { meta: { node_fields: string[]; edge_fields: string[] } }).meta;
  const lines = (values: number[], width: number) => {
    const out: string[] = [];
    for (let i = 0; i < values.length; i += width) out.push(values.slice(i, i + width).join(','));
    return `[${out.join('\n,')}]`;
  };
  const members = Object.keys(o).map((k) => {
    if (k === 'nodes') return `"nodes":${lines(o.nodes as number[], meta.node_fields.length)}`;
    if (k === 'edges') return [`"edges":${lines(o.edges as number[], meta.edge_fields.length)}`, ...after].join(',\n');
    return `${JSON.stringify(k)}:${JSON.stringify(o[k])}`;
  });
  return `{${members.join(',\n')}}`;
}

/** A raw `"name":[...]` member of `count` records of `width` numbers, one per line. */
function recordSection(name: string, count: number, width: number): string {
  const out: string[] = [];
  for (let r = 0; r < count; r++) out.push(Array.from({ length: width }, (_, f) => (r * 7 + f * 13) % 1000).join(','));
  return `"${name}":[${out.join('\n,')}]`;
}

let fileNo = 0;
function write(text: string | Uint8Array): string {
  const f = path.join(dir, `s${fileNo++}.heapsnapshot`);
  fs.writeFileSync(f, text);
  return f;
}

function parallel(extra: LoadOptions = {}): LoadOptions {
  return { parallel: { workerPath, minBytes: 0 }, ...extra };
}

async function outcome(f: string, opts: LoadOptions): Promise<HeapSnapshot | SnapshotError> {
  try {
    return await loadSnapshotFile(f, opts);
  } catch (e) {
    if (e instanceof SnapshotError) return e;
    throw e;
  }
}

/**
 * Loads f on one thread and on two with several block sizes, the worker parsing the edges only (the
 * default) and the nodes too; asserts the same snapshot or the same error, and whether the worker
 * held the edges array (onWorker; a function of whether the worker was asked to parse the nodes
 * too) and, when it was asked to, the nodes array (nodesOnWorker, when given).
 * Returns the one-thread outcome.
 */
async function same(f: string, onWorker: boolean | ((workerNodes: boolean) => boolean), sizes = [1, 7, 64, 4 << 20], nodesOnWorker?: boolean): Promise<HeapSnapshot | SnapshotError> {
  const want = await outcome(f, { parallel: false });
  for (const nodes of [false, true]) {
    for (const readSize of sizes) {
      const stats: { edgesOnWorker?: boolean; nodesOnWorker?: boolean } = {};
      const got = await outcome(f, { parallel: { workerPath, minBytes: 0, nodes }, readSize, stats });
      const label = `readSize ${readSize}, worker ${nodes ? 'nodes and edges' : 'edges'}`;
      if (want instanceof SnapshotError) {
        assert.ok(got instanceof SnapshotError, `${label}: expected ${want.message}`);
        assert.equal(got.code, want.code, label);
        assert.equal(got.message, want.message, label);
        assert.equal(got.offset, want.offset, label);
        assert.equal(got.field, want.field, label);
      } else {
        assert.ok(!(got instanceof SnapshotError), `${label}: ${String(got)}`);
        assertSameSnapshot(got, want, label);
      }
      const edgesOnWorker = typeof onWorker === 'function' ? onWorker(nodes) : onWorker;
      assert.equal(stats.edgesOnWorker, edgesOnWorker, `${label}: edges on the worker`);
      if (!nodes) assert.equal(stats.nodesOnWorker, false, `${label}: nodes on this thread`);
      else if (nodesOnWorker !== undefined) assert.equal(stats.nodesOnWorker, nodesOnWorker, `${label}: nodes on the worker`);
    }
  }
  return want;
}

describe('parallel parse (two threads)', function () {
  this.timeout(120_000);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-parallel-'));
    workerPath = await buildWorker(dir);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same columns as one thread for every block size', async () => {
    const o = sample().toObject();
    const r = await same(write(assemble(o)), true, undefined, true);
    assert.ok(!(r instanceof SnapshotError));
    assert.equal(r.edgeCount, (o.edges as number[]).length / 3);
  });

  it('gives the same columns on a larger random graph, with whitespace between numbers', async () => {
    const o = randomBuilder(3000).toObject();
    const spaced = `[\n${(o.edges as number[]).join(' ,\n ')}\n]`;
    await same(write(assemble(o)), true, [4096, 1 << 20]);
    await same(write(assemble(o, { edges: spaced })), true, [1000, 1 << 20]);
  });

  it('without node_count and edge_count (to_node checked at the end)', async () => {
    const o = sample().toObject();
    const snap = { ...(o.snapshot as object), node_count: undefined, edge_count: undefined };
    await same(write(assemble({ ...o, snapshot: snap })), true);
    const bad = [...(o.edges as number[])];
    bad[2] = 99 * 7;
    await same(write(assemble({ ...o, snapshot: snap }, { edges: JSON.stringify(bad) })), true);
  });

  describe('errors inside the edges array are the one-thread errors', () => {
    const o = sample().toObject();
    const edges = o.edges as number[];
    const cases: [string, string][] = [
      ['edge type out of range', JSON.stringify([...edges.slice(0, 3), 99, ...edges.slice(4)])],
      ['to_node not a multiple of the field count', JSON.stringify([...edges.slice(0, 5), 8, ...edges.slice(6)])],
      ['to_node past the last node', JSON.stringify([...edges.slice(0, 5), 700, ...edges.slice(6)])],
      ['a string in the array', `[${edges.slice(0, 4).join(',')},"x",${edges.slice(5).join(',')}]`],
      ['a string holding "]" in the array', `[${edges.slice(0, 4).join(',')},"]",${edges.slice(5).join(',')}]`],
      ['a nested array', `[${edges.slice(0, 4).join(',')},[1],${edges.slice(5).join(',')}]`],
      ['a fraction', `[${edges.slice(0, 4).join(',')},1.5,${edges.slice(5).join(',')}]`],
      ['a negative number', `[${edges.slice(0, 4).join(',')},-3,${edges.slice(5).join(',')}]`],
      ['not a multiple of the edge fields', JSON.stringify(edges.slice(0, edges.length - 1))],
      ['more edges than edge_count', JSON.stringify([...edges, 2, 0, 0])],
      ['fewer edges than edge_count', JSON.stringify(edges.slice(0, edges.length - 3))],
      ['a comma before ]', `[${edges.join(',')},]`],
      ['two commas', `[${edges.slice(0, 4).join(',')},,${edges.slice(4).join(',')}]`],
      ['name string index out of range', JSON.stringify([edges[0], edges[1], edges[2], 2, 1000, edges[5], ...edges.slice(6)])],
    ];
    for (const [name, rawEdges] of cases) {
      it(name, async () => {
        const r = await same(write(assemble(o, { edges: rawEdges })), true);
        assert.ok(r instanceof SnapshotError, 'the input is bad');
      });
    }

    it('an edges error wins over a later error in the strings', async () => {
      const r = await same(write(assemble(o, { edges: cases[0][1], strings: '["a", 3]' })), true);
      assert.ok(r instanceof SnapshotError && /Edge 1/.test(r.message), String(r));
    });

    it('a nodes error wins over an edges error', async () => {
      const nodes = [...(o.nodes as number[])];
      nodes[0] = 999;
      // a main thread parsing the nodes stops at the error, before the edges
      const r = await same(write(assemble(o, { nodes: JSON.stringify(nodes), edges: cases[0][1] })), (workerNodes) => workerNodes, undefined, true);
      assert.ok(r instanceof SnapshotError && /Node 0/.test(r.message), String(r));
    });

    it('an error after the edges array alone is the main thread\'s', async () => {
      const r = await same(write(assemble(o, { strings: '["a", 3]' })), true);
      assert.ok(r instanceof SnapshotError && r.code === 'bad-value', String(r));
    });

    it('truncated inside and right after the edges array', async () => {
      const text = assemble(o);
      const at = text.indexOf('"edges"') + 15;
      const r = await same(write(text.slice(0, at)), true);
      assert.ok(r instanceof SnapshotError && r.code === 'truncated', String(r));
      const end = text.indexOf(']', text.indexOf('"edges"')) + 1;
      const r2 = await same(write(text.slice(0, end)), true);
      assert.ok(r2 instanceof SnapshotError && r2.code === 'truncated', String(r2));
    });
  });

  describe('errors inside the nodes array are the one-thread errors', () => {
    const o = sample().toObject();
    const nodes = o.nodes as number[];
    // [name, nodes text, whether the error is found in the array (so a main thread parsing the nodes
    // stops before the edges), whether the main thread got as far as claiming the edges when the
    // worker parses the nodes (default true)]
    const cases: [string, string, boolean, boolean?][] = [
      ['node type out of range', JSON.stringify([...nodes.slice(0, 7), 99, ...nodes.slice(8)]), true],
      ['a fraction', `[${nodes.slice(0, 9).join(',')},1.5,${nodes.slice(10).join(',')}]`, true],
      // the main thread skips to the "]" in the string and fails on what follows; the worker's error wins
      ['a string holding "]" in the array', `[${nodes.slice(0, 9).join(',')},"]",${nodes.slice(10).join(',')}]`, true, false],
      ['not a multiple of the node fields', JSON.stringify(nodes.slice(0, nodes.length - 1)), true],
      ['more nodes than node_count', JSON.stringify([...nodes, ...nodes.slice(0, 7)]), true],
      // found once everything is read
      ['edge counts not adding up to the edges', JSON.stringify([...nodes.slice(0, 4), nodes[4] + 1, ...nodes.slice(5)]), false],
      ['name string index out of range', JSON.stringify([...nodes.slice(0, 8), 1000, ...nodes.slice(9)]), false],
    ];
    for (const [name, rawNodes, inArray, edgesClaimed] of cases) {
      it(name, async () => {
        const claimed = (workerNodes: boolean) => (workerNodes ? edgesClaimed ?? true : !inArray);
        const r = await same(write(assemble(o, { nodes: rawNodes })), claimed, undefined, true);
        assert.ok(r instanceof SnapshotError, 'the input is bad');
      });
    }

    it('a nodes error wins over a later error in the strings', async () => {
      const r = await same(write(assemble(o, { nodes: cases[0][1], strings: '["a", 3]' })), (workerNodes) => workerNodes, undefined, true);
      assert.ok(r instanceof SnapshotError && /Node 1/.test(r.message), String(r));
    });

    it('truncated inside the nodes array', async () => {
      const text = assemble(o);
      const r = await same(write(text.slice(0, text.indexOf('"nodes"') + 20)), false, undefined, true);
      assert.ok(r instanceof SnapshotError && r.code === 'truncated', String(r));
    });
  });

  describe('V8 layout (a record per line): neither thread reads the array the other parses', () => {
    const o = randomBuilder(3000).toObject();

    it('same columns, the edges skipped here and the nodes on the worker, for every block size', async () => {
      const f = write(v8Text(o));
      const want = await loadSnapshotFile(f, { parallel: false });
      for (const readSize of [7, 4096, 1 << 20]) {
        for (const probeBytes of [256, 1 << 16]) {
          const stats: LoadStats = {};
          const got = await loadSnapshotFile(f, parallel({ readSize, probeBytes, stats }));
          const label = `readSize ${readSize}, probes of ${probeBytes}`;
          assertSameSnapshot(got, want, label);
          assert.deepEqual(stats, { edgesOnWorker: true, nodesOnWorker: false, edgesJumped: true, nodesJumpedOnWorker: true }, label);
        }
      }
    });

    it('the same errors: inside the edges the main thread jumped over, and after them', async () => {
      const edges = [...(o.edges as number[])];
      const k = Math.floor(edges.length / 3 * 0.7);
      edges[3 * k + 2] = 8; // to_node of edge k: no multiple of the node fields
      const bad = { ...o, edges };
      const r = await same(write(v8Text(bad)), true, [4096, 1 << 20]);
      assert.ok(r instanceof SnapshotError && r.message.startsWith(`Edge ${k}:`), String(r));
      // the edges error wins over the strings error after it
      const r2 = await same(write(v8Text({ ...bad, strings: 7 })), true, [4096, 1 << 20]);
      assert.ok(r2 instanceof SnapshotError && r2.message.startsWith(`Edge ${k}:`), String(r2));
      const r3 = await same(write(v8Text({ ...o, strings: 7 })), true, [4096, 1 << 20]);
      assert.ok(r3 instanceof SnapshotError && /"strings" must be an array/.test(r3.message), String(r3));
    });

    /** Loads a file with a big section of `width` numbers per line after the edges; the load's stats. */
    async function withWideSection(width: number): Promise<LoadStats> {
      const f = write(v8Text(o, [recordSection('extra', 60_000, width)]));
      const want = await loadSnapshotFile(f, { parallel: false });
      const stats: LoadStats = {};
      const got = await loadSnapshotFile(f, parallel({ probeBytes: 256, stats }));
      assertSameSnapshot(got, want, `a section of width ${width}`);
      return stats;
    }

    it('a wrong guess for the end of the edges (a later section as wide): the one-thread result', async () => {
      // the main thread jumped to the end of "extra", the worker's edges ended earlier: read again on one thread
      assert.equal((await withWideSection(3)).edgesOnWorker, false);
    });

    it('a wrong guess for the end of the nodes (a later section as wide): this thread parses the edges', async () => {
      // the worker jumped past the edges and never found them
      assert.equal((await withWideSection(7)).edgesOnWorker, false);
    });
  });

  describe('falls back to one thread', () => {
    it('when the edges come before the meta', async () => {
      const o = sample().toObject();
      await same(write(assemble(o, {}, ['nodes', 'edges', 'snapshot', 'strings'])), false, [7, 4 << 20]);
    });

    it('reads other key orders on two threads: strings first, edges before nodes', async () => {
      const o = sample().toObject();
      await same(write(assemble(o, {}, ['snapshot', 'strings', 'edges', 'nodes'])), true, [7, 4 << 20]);
    });

    it('when "edges":[ appears earlier in the title (offsets must agree)', async () => {
      const o = sample().toObject();
      const snap = { ...(o.snapshot as object), title: '"edges":[1,2]' };
      await same(write(assemble({ ...o, snapshot: snap })), true, [7, 4 << 20]);
    });

    it('for a duplicate edges key (one-thread error)', async () => {
      const o = sample().toObject();
      const text = assemble(o).replace(/\}$/, `,"edges":[]}`);
      const r = await same(write(text), true, [7]);
      assert.ok(r instanceof SnapshotError && /appears twice/.test(r.message), String(r));
    });

    it('for gzip files (decompression is sequential)', async () => {
      const f = write(gzipSync(sample().toJSON()));
      await same(f, false, [4 << 20]);
    });

    it('when the worker bundle is missing (sources under tsx) or the file is small', async () => {
      assert.equal(defaultParseWorkerPath(), null, 'no parseWorker.js next to the TS sources');
      const stats: { edgesOnWorker?: boolean } = {};
      await loadSnapshotFile(write(sample().toJSON()), { stats });
      assert.equal(stats.edgesOnWorker, false);
      await loadSnapshotFile(write(sample().toJSON()), { parallel: { workerPath }, stats });
      assert.equal(stats.edgesOnWorker, false, 'below PARALLEL_MIN_BYTES');
    });

    it('when the worker cannot start (bad script): the one-thread result', async () => {
      const bad = path.join(dir, 'broken.js');
      fs.writeFileSync(bad, 'throw new Error("boom")');
      const f = write(sample().toJSON());
      const stats: { edgesOnWorker?: boolean } = {};
      const snap = await loadSnapshotFile(f, { parallel: { workerPath: bad, minBytes: 0 }, stats });
      assertSameSnapshot(snap, await loadSnapshotFile(f, { parallel: false }), 'broken worker');
      assert.equal(stats.edgesOnWorker, false);
    });
  });

  it('cancellation while waiting for the worker\'s edges rejects at once', async () => {
    // a worker whose reply is held back for a minute: the main thread waits for it after its loop
    const slow = path.join(dir, 'slowWorker.js');
    fs.writeFileSync(slow, `const wt = require('node:worker_threads');
const post = wt.parentPort.postMessage.bind(wt.parentPort);
wt.parentPort.postMessage = (...a) => setTimeout(() => post(...a), 60000);
require(${JSON.stringify(workerPath)});`);
    const f = write(sample().toJSON());
    const ac = new AbortController();
    const started = Date.now();
    const stats: { edgesOnWorker?: boolean } = {};
    const p = loadSnapshotFile(f, { parallel: { workerPath: slow, minBytes: 0 }, signal: ac.signal, stats });
    const timer = setTimeout(() => ac.abort(), 3000);
    await assert.rejects(p, (e: unknown) => e instanceof SnapshotError && e.code === 'cancelled');
    clearTimeout(timer);
    assert.equal(stats.edgesOnWorker, true, 'the worker held the edges');
    assert.ok(Date.now() - started < 30_000, 'did not wait for the worker');
  });

  it('cancellation rejects with "cancelled" and ends the worker', async () => {
    const f = write(randomBuilder(20000).toJSON());
    // threads of this process (Linux): a worker is one more
    const workers = () => fs.readdirSync('/proc/self/task').length;
    await loadSnapshotFile(f, { parallel: false }); // starts libuv's thread pool
    const before = workers();
    const ac = new AbortController();
    let running = -1;
    const timer = setInterval(() => {
      running = Math.max(running, workers());
      if (running > before) ac.abort(); // once the worker thread is up
    }, 2);
    const p = loadSnapshotFile(f, parallel({ signal: ac.signal, readSize: 256 }));
    await assert.rejects(p, (e: unknown) => e instanceof SnapshotError && e.code === 'cancelled');
    clearInterval(timer);
    assert.ok(running > before, `a worker was running when cancelled (${running} vs ${before} handles)`);
    for (let i = 0; i < 50 && workers() > before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(workers(), before, 'no worker left running');
  });
});
