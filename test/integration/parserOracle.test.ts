// Real snapshots written at test time by `v8.writeHeapSnapshot()` in child Node processes, loaded
// through extension/node/loadSnapshot.ts and checked against npm `heapsnapshot-parser` (an
// independent implementation) node by node and edge by edge; gzip'd copies must load identically.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { SnapshotError } from '../../extension/core/errors';
import type { HeapSnapshot } from '../../extension/core/model';
import { assertSameSnapshot } from '../helpers/snapshotCompare';

const requireCjs = createRequire(__filename);
const oracle = requireCjs('heapsnapshot-parser') as { parse(text: string): OracleSnapshot };

interface OracleNode {
  type: string;
  name: string;
  id: number;
  self_size: number;
  edge_count: number;
  references: OracleEdge[];
}
interface OracleEdge {
  type: string;
  name: string | undefined;
  toNodeIndex: number;
  toNode: OracleNode;
  fromNode: OracleNode;
}
interface OracleSnapshot {
  nodes: OracleNode[];
  edges: OracleEdge[];
}

/** Programs that shape the heap before writing a snapshot to process.argv[1]. */
const PROGRAMS: Record<string, string> = {
  requests: `
    const v8 = require('v8');
    class IncomingMessage { constructor(i) { this.url = '/items/' + i + '?q="x"&s=\\\\'; this.headers = { host: 'h' + i, 'x-ü': 'ñ' }; } }
    const recentErrors = [];
    for (let i = 0; i < 300; i++) {
      const err = new Error('not found ' + i);
      err.context = { req: new IncomingMessage(i), emoji: '😀'.repeat(i % 3), nl: 'a\\nb\\t"c"' };
      recentErrors.push(err);
    }
    globalThis.recentErrors = recentErrors;
    globalThis.map = new Map([[1, { a: 1 }], ['k', [1, 2, 3]]]);
    globalThis.weak = new WeakMap([[recentErrors, 'w']]);
    v8.writeHeapSnapshot(process.argv[1]);
  `,
  closures: `
    const v8 = require('v8');
    const { EventEmitter } = require('events');
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    for (let i = 0; i < 200; i++) { const big = new Array(50).fill(i); bus.on('tick', () => big.length + i); }
    globalThis.bus = bus;
    globalThis.typed = new Float64Array(1000);
    globalThis.sym = Symbol('tag'); globalThis.bi = 12345678901234567890n;
    v8.writeHeapSnapshot(process.argv[1]);
  `,
};

let dir = '';
const files: Record<string, string> = {};

function writeSnapshot(name: string): string {
  const file = path.join(dir, `${name}.heapsnapshot`);
  const r = spawnSync(process.execPath, ['-e', PROGRAMS[name], file], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `snapshot program ${name} failed: ${r.stderr}`);
  return file;
}

/** Checks every node and edge of ours against heapsnapshot-parser's reading of the same file. */
function compareWithOracle(s: HeapSnapshot, o: OracleSnapshot): void {
  assert.equal(s.nodeCount, o.nodes.length, 'node count');
  assert.equal(s.edgeCount, o.edges.length, 'edge count');
  const ordinal = new Map<OracleNode, number>();
  o.nodes.forEach((n, i) => ordinal.set(n, i));
  for (let i = 0; i < s.nodeCount; i++) {
    const n = o.nodes[i];
    if (s.nodeTypeName(i) !== n.type || s.name(i) !== n.name || s.nodeId[i] !== n.id || s.nodeSelfSize[i] !== n.self_size) {
      assert.fail(`node ${i}: ours ${s.nodeTypeName(i)} ${JSON.stringify(s.name(i))} @${s.nodeId[i]} ${s.nodeSelfSize[i]}; ` +
        `oracle ${n.type} ${JSON.stringify(n.name)} @${n.id} ${n.self_size}`);
    }
    const out = s.firstEdge[i + 1] - s.firstEdge[i];
    assert.equal(out, n.references.length, `node ${i} edge count`);
    for (let k = 0; k < out; k++) {
      if (n.references[k] !== o.edges[s.firstEdge[i] + k]) assert.fail(`node ${i} edge ${k} is not edge ${s.firstEdge[i] + k}`);
    }
  }
  let named = 0;
  for (let e = 0; e < s.edgeCount; e++) {
    const oe = o.edges[e];
    // heapsnapshot-parser looks every name_or_index up in the string table, element/hidden indexes too
    const ourName = s.edgeHasStringName(e) ? s.edgeName(e) : (s.edgeNameOrIndex[e] < s.strings.length ? s.strings.get(s.edgeNameOrIndex[e]) : undefined);
    if (s.edgeHasStringName(e)) named++;
    if (s.edgeTypeName(e) !== oe.type || ourName !== oe.name || s.edgeTo[e] !== oe.toNodeIndex ||
      ordinal.get(oe.toNode) !== s.edgeTo[e] || ordinal.get(oe.fromNode) !== s.edgeFrom(e)) {
      assert.fail(`edge ${e}: ours ${s.edgeTypeName(e)} ${JSON.stringify(ourName)} ${s.edgeFrom(e)}->${s.edgeTo[e]}; ` +
        `oracle ${oe.type} ${JSON.stringify(oe.name)} ${ordinal.get(oe.fromNode)}->${oe.toNodeIndex}`);
    }
  }
  assert.ok(named > 1000, `expected many string-named edges, saw ${named}`);
}

describe('parser against heapsnapshot-parser on real Node snapshots', function () {
  this.timeout(300_000);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-parser-'));
    for (const name of Object.keys(PROGRAMS)) files[name] = writeSnapshot(name);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const name of Object.keys(PROGRAMS)) {
    it(`${name}: every node and edge agrees with the oracle`, async () => {
      const file = files[name];
      const size = fs.statSync(file).size;
      assert.ok(size > 1_000_000, `snapshot is ${size} bytes`);
      const s = await loadSnapshotFile(file);
      compareWithOracle(s, oracle.parse(fs.readFileSync(file, 'utf8')));
      // and with the whole-file JSON.parse reading of the strings and meta
      const whole = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(s.strings.toArray(), whole.strings);
      assert.equal(s.locations?.count, whole.locations.length / whole.snapshot.meta.location_fields.length);
      // trace_node_id and detachedness: the file's values, or null when they are all zero (model.ts drops those)
      const nf = whole.snapshot.meta.node_fields.length as number;
      for (const [field, col] of [['trace_node_id', s.nodeTraceId], ['detachedness', s.nodeDetachedness]] as const) {
        const k = (whole.snapshot.meta.node_fields as string[]).indexOf(field);
        assert.ok(k >= 0, `the file has ${field}`);
        const values = (whole.nodes as number[]).filter((_, j) => j % nf === k);
        if (col === null) assert.ok(values.every((v) => v === 0), `${field} dropped but not all zero`);
        else assert.deepEqual([...col], values, field);
      }
    });
  }

  it('the objects the program made are there with exact names', async () => {
    const s = await loadSnapshotFile(files.requests);
    let msgs = 0;
    for (let n = 0; n < s.nodeCount; n++) if (s.className(n) === 'IncomingMessage') msgs++;
    assert.equal(msgs, 300);
    // V8 writes non-ASCII as \uXXXX escapes (astral characters lose their high bits: its quirk, not ours)
    const all = s.strings.toArray();
    assert.ok(all.includes('x-ü') && all.includes('ñ'), 'non-ASCII strings');
    assert.ok(all.includes('a\nb\t"c"'), 'escaped string');
  });

  it('a gzip-compressed copy loads identically', async () => {
    for (const name of Object.keys(PROGRAMS)) {
      const gz = `${files[name]}.gz`;
      fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(files[name])));
      assertSameSnapshot(await loadSnapshotFile(gz), await loadSnapshotFile(files[name]), name);
    }
  });

  it('reports progress in file bytes and honours an AbortSignal', async () => {
    const file = files.requests;
    const size = fs.statSync(file).size;
    const seen: { phase: string; done: number; total: number }[] = [];
    await loadSnapshotFile(file, { onProgress: (p) => seen.push(p) });
    assert.ok(seen.length >= 2);
    assert.ok(seen.every((p) => p.phase === 'parse' && p.total === size));
    assert.equal(seen[seen.length - 1].done, size);
    for (let k = 1; k < seen.length; k++) assert.ok(seen[k].done >= seen[k - 1].done);
    const ac = new AbortController();
    await assert.rejects(loadSnapshotFile(file, { signal: ac.signal, onProgress: () => ac.abort() }),
      (e: unknown) => e instanceof SnapshotError && e.code === 'cancelled');
    const gz = `${file}.abort.gz`;
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file)));
    const ac2 = new AbortController();
    await assert.rejects(loadSnapshotFile(gz, { signal: ac2.signal, onProgress: () => ac2.abort() }),
      (e: unknown) => e instanceof SnapshotError && e.code === 'cancelled');
  });

  it('bad files: empty, truncated, truncated gzip, corrupt gzip', async () => {
    const empty = path.join(dir, 'empty.heapsnapshot');
    fs.writeFileSync(empty, '');
    await assert.rejects(loadSnapshotFile(empty), (e: unknown) => e instanceof SnapshotError && e.code === 'empty');
    const bytes = fs.readFileSync(files.closures);
    const cut = path.join(dir, 'cut.heapsnapshot');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await assert.rejects(loadSnapshotFile(cut), (e: unknown) =>
      e instanceof SnapshotError && e.code === 'truncated' && e.message.includes(`byte offset ${Math.floor(bytes.length * 0.6)}`));
    const gz = zlib.gzipSync(bytes);
    const cutGz = path.join(dir, 'cut.heapsnapshot.gz');
    fs.writeFileSync(cutGz, gz.subarray(0, Math.floor(gz.length / 2)));
    await assert.rejects(loadSnapshotFile(cutGz), (e: unknown) =>
      e instanceof SnapshotError && (e.code === 'bad-gzip' || e.code === 'truncated') && e.offset !== undefined);
    const badGz = Buffer.from(gz);
    badGz.fill(0x55, 100, 400);
    const badGzFile = path.join(dir, 'bad.heapsnapshot.gz');
    fs.writeFileSync(badGzFile, badGz);
    await assert.rejects(loadSnapshotFile(badGzFile), (e: unknown) => e instanceof SnapshotError && e.code === 'bad-gzip');
    await assert.rejects(loadSnapshotFile(path.join(dir, 'missing.heapsnapshot')), (e: any) => e.code === 'ENOENT');
  });
});
