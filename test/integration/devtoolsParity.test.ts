// Parity with Chrome DevTools: on real heap snapshots written at test time by real programs, every
// node's distance, immediate dominator, shallow size and retained size must equal what DevTools' own
// heap snapshot worker computes (chrome-devtools-frontend, bundled for Node by
// bench/devtoolsBundle.mjs and run in a child process by bench/runners/devtools.mjs).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { analyze, type Analysis } from '../../extension/core/analysis';
import type { HeapSnapshot } from '../../extension/core/model';
import { BASE_SYSTEM_DISTANCE, nodeBit, WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts } from '../helpers/random';
import { buildDevToolsBundle, withDevToolsSnapshot } from '../helpers/devtoolsWorker';
import {
  chromiumDetachedSnapshot, hasChromium, leaky404Snapshots, listenerLeakSnapshot, snapshotDir,
} from '../helpers/realSnapshots';

const ROOT = path.join(__dirname, '..', '..');

/** Programs that build a varied heap and write a snapshot to process.argv[1]. */
const PROGRAMS: Record<string, string> = {
  // classes, plain objects, arrays, closures, cycles, Map/Set, WeakMap/WeakSet/WeakRef, strings
  mixed: `
    const v8 = require('v8');
    class Node2 { constructor(i) { this.i = i; this.next = null; this.label = 'n' + (i % 97); } }
    const ring = []; for (let i = 0; i < 3000; i++) ring.push(new Node2(i));
    for (let i = 0; i < ring.length; i++) ring[i].next = ring[(i + 1) % ring.length];
    const map = new Map(); const set = new Set();
    const wm = new WeakMap(); const ws = new WeakSet(); const refs = [];
    const keys = [];
    for (let i = 0; i < 20000; i++) {
      const o = { id: i, tags: ['a' + (i % 13), 'b'], nested: { deep: { v: i * 1.5 } } };
      const k = { k: i };
      if (i % 3 === 0) keys.push(k);            // some keys live, some die (values collectable)
      wm.set(k, { valueOf: i, payload: 'p'.repeat(i % 40) });
      if (i % 5 === 0) ws.add(o);
      if (i % 7 === 0) refs.push(new WeakRef(o));
      if (i % 2 === 0) map.set('key' + i, o); else set.add(o);
      if (i % 11 === 0) o.self = o;
      if (i % 17 === 0) { const f = () => o.id + k.k; map.set('fn' + i, f); }
    }
    const shared = { shared: true };
    const holders = Array.from({ length: 50 }, (_, i) => ({ i, shared }));
    globalThis.keep = { ring, map, set, wm, ws, refs, keys, holders };
    v8.writeHeapSnapshot(process.argv[1]);`,
  // a WeakMap whose table and keys sit at different depths; values reachable only through it
  weakmaps: `
    const v8 = require('v8');
    const wm = new WeakMap();
    const chainHead = { depth: 0 }; let cur = chainHead;
    const keys = [];
    for (let i = 0; i < 5000; i++) {
      const key = { key: i };
      // keys deeper than the table for half of them, shallower for the rest
      if (i % 2) { cur.next = { depth: cur.depth + 1, key }; cur = cur.next; } else keys.push(key);
      wm.set(key, { value: i, more: [i, { x: i }] });
    }
    globalThis.holder = { chainHead, keys, box: { inner: { wm } } };
    v8.writeHeapSnapshot(process.argv[1]);`,
};

interface DevToolsResult {
  distances: Int32Array;
  dominators: Uint32Array;
  retained: Float64Array;
  shallow: Float64Array;
}

let bundle = '';

function readArray<T>(file: string, make: (b: ArrayBuffer) => T): T {
  const buf = fs.readFileSync(file);
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return make(copy as ArrayBuffer);
}

/** Runs DevTools' worker on the file in a child process and reads back its per-node arrays. */
function runDevTools(file: string): DevToolsResult {
  const dump = fs.mkdtempSync(path.join(snapshotDir(), 'devtools-'));
  const out = execFileSync(process.execPath, [path.join(ROOT, 'bench', 'runners', 'devtools.mjs'), bundle, file,
    '--threads', '1', '--dump', dump], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 300_000 });
  const line = JSON.parse(out.trim().split('\n').pop() as string);
  assert.equal(line.ok, true, `DevTools worker failed: ${line.error}`);
  return {
    distances: readArray(path.join(dump, 'distances.i32'), (b) => new Int32Array(b)),
    dominators: readArray(path.join(dump, 'dominators.u32'), (b) => new Uint32Array(b)),
    retained: readArray(path.join(dump, 'retained.f64'), (b) => new Float64Array(b)),
    shallow: readArray(path.join(dump, 'shallow.f64'), (b) => new Float64Array(b)),
  };
}

/** Asserts equality for every node; reports the first few differences with node names. */
function assertParity(snap: HeapSnapshot, a: Analysis, dt: DevToolsResult): void {
  const n = snap.nodeCount;
  assert.equal(dt.distances.length, n, 'node count');
  const diffs: string[] = [];
  let count = 0;
  const note = (what: string, i: number, ours: number, theirs: number) => {
    count++;
    if (diffs.length < 10) diffs.push(`${what} of node ${i} (${snap.nodeTypeName(i)} ${JSON.stringify(snap.name(i).slice(0, 60))} @${snap.nodeId[i]}): ours ${ours}, DevTools ${theirs}`);
  };
  for (let i = 0; i < n; i++) {
    // DevTools marks "no distance" as -5; ours is UNREACHABLE (-1)
    const d = dt.distances[i] === -5 ? -1 : dt.distances[i];
    if (a.distances[i] !== d) note('distance', i, a.distances[i], dt.distances[i]);
    if (a.dominators[i] !== dt.dominators[i]) note('dominator', i, a.dominators[i], dt.dominators[i]);
    if (a.shallowSizes[i] !== dt.shallow[i]) note('shallow size', i, a.shallowSizes[i], dt.shallow[i]);
    if (a.retainedSizes[i] !== dt.retained[i]) note('retained size', i, a.retainedSizes[i], dt.retained[i]);
  }
  assert.equal(count, 0, `${count} differences from DevTools:\n${diffs.join('\n')}`);
}

interface Expect {
  /**
   * Node snapshots have a user root (root -shortcut-> global): then some nodes hang only off system
   * roots, owned arrays give their shallow size to their owner, and page-owned nodes exist. (The
   * Chromium 156 page snapshot here has only "(GC roots)" under the root, so none of that applies.)
   */
  userRoots?: boolean;
  /** at least this many WeakMap key/value edge pairs */
  weakMapEdges?: number;
}

/** Sanity on the snapshot itself, so a trivially small or degenerate file cannot pass unnoticed. */
function assertInteresting(snap: HeapSnapshot, a: Analysis, fileSelfSizes: ArrayLike<number>, expect: Expect): void {
  let system = 0;
  let moved = 0;
  let deepDominator = 0;
  let pageOwned = 0;
  for (let i = 0; i < snap.nodeCount; i++) {
    if (a.distances[i] >= BASE_SYSTEM_DISTANCE) system++;
    if (a.shallowSizes[i] !== fileSelfSizes[i]) moved++;
    if (a.dominators[i] !== snap.rootOrdinal) deepDominator++;
    if (nodeBit(a.pageOwned, i)) pageOwned++;
  }
  assert.ok(snap.nodeCount > 20000, `only ${snap.nodeCount} nodes`);
  assert.ok(deepDominator > snap.nodeCount / 2, 'most nodes have a non-root dominator');
  if (expect.userRoots) {
    assert.ok(system > 0, 'some nodes are reached only from system roots');
    assert.ok(moved > 100, 'DevTools moves shallow sizes of owned arrays/hidden nodes');
    assert.ok(pageOwned > 1000, 'page-owned nodes exist (the page-owned edge rule is exercised)');
  }
  if (expect.weakMapEdges) {
    const names = new WeakMapEdgeNames(snap.strings);
    let pairs = 0;
    for (let e = 0; e < snap.edgeCount; e++) {
      if (snap.edgeType[e] === snap.types.edgeInternal && names.pairKey(snap.edgeNameOrIndex[e]) !== undefined) pairs++;
    }
    assert.ok(pairs >= expect.weakMapEdges, `${pairs} WeakMap edges`);
  }
}

async function check(file: string, expect: Expect = {}): Promise<void> {
  const size = fs.statSync(file).size;
  assert.ok(size > 1e6, `${file} is only ${size} bytes`);
  const dt = runDevTools(file);
  const snap = await loadSnapshotFile(file);
  // the file's self sizes (the analysis turns the column into the shallow sizes in place)
  const fileSelfSizes = snap.nodeSelfSize.slice();
  const a = analyze(snap);
  assertParity(snap, a, dt);
  assertInteresting(snap, a, fileSelfSizes, expect);
}

describe('parity with Chrome DevTools (every node: distance, dominator, shallow and retained size)', function () {
  this.timeout(600_000);

  before(() => {
    bundle = buildDevToolsBundle('devtools-worker.mjs');
  });

  for (const [name, src] of Object.entries(PROGRAMS)) {
    it(`Node program "${name}"`, async () => {
      const file = path.join(snapshotDir(), `parity-${name}.heapsnapshot`);
      execFileSync(process.execPath, ['-e', src, file], { stdio: 'ignore', timeout: 120_000 });
      await check(file, { userRoots: true, weakMapEdges: name === 'weakmaps' ? 2 * 5000 : 1000 });
    });
  }

  it('200 random graphs with every rule in play (weak, shortcut, WeakMap pairs, owned arrays, cliques, self edges)', async () => {
    const devtools = (json: string): Promise<DevToolsResult> => withDevToolsSnapshot(bundle, [json], (snap) => {
      const n = snap.nodeCount;
      const shallow = new Float64Array(n);
      for (let i = 0; i < n; i++) shallow[i] = snap.nodes.getValue(i * snap.nodeFieldCount + snap.nodeSelfSizeOffset);
      return { distances: Int32Array.from(snap.nodeDistances), dominators: Uint32Array.from(snap.dominatorsTree),
        retained: Float64Array.from(snap.retainedSizes), shallow };
    });
    const rnd = seededInts(987654321);
    for (let round = 0; round < 200; round++) {
      const b = new SnapshotBuilder();
      const withGlobal = rnd(4) !== 0;
      const g = b.obj('global', 8);
      if (withGlobal) b.edge(b.root, g, 'shortcut', 'global');
      else b.gcRoot(g);
      const nodes: number[] = [g];
      const count = 4 + rnd(40);
      for (let i = 0; i < count; i++) {
        const kind = rnd(10);
        if (kind < 5) nodes.push(b.obj(`C${rnd(4)}`, 1 + rnd(64)));
        else if (kind < 7) nodes.push(b.node('array', rnd(3) === 0 ? '(map descriptors)' : '', { selfSize: 1 + rnd(64) }));
        else if (kind < 8) nodes.push(b.node('hidden', rnd(2) ? 'system / NativeContext' : 'system / Other', { selfSize: 1 + rnd(64) }));
        else if (kind < 9) nodes.push(b.node('native', 'system / ExternalStringData', { selfSize: 1 + rnd(64) }));
        else nodes.push(b.node('synthetic', `(S${i})`, { selfSize: 0 }));
      }
      const pick = () => nodes[rnd(nodes.length)];
      for (let i = 0; i < 2 + rnd(3); i++) b.gcRoot(pick());
      if (rnd(3) === 0) b.edge(b.root, pick(), 'shortcut', 'other');
      const types = ['property', 'property', 'element', 'element', 'internal', 'hidden', 'weak', 'shortcut', 'context'];
      const m = rnd(4 * count);
      for (let i = 0; i < m; i++) {
        const ty = types[rnd(types.length)];
        const name = ty === 'element' || ty === 'hidden' ? rnd(9) : (rnd(8) === 0 ? 'sloppy_function_map' : `p${rnd(5)}`);
        b.edge(pick(), pick(), ty, name);
      }
      // WeakMap pairs: table → value and key → value with the same duplicated part
      for (let i = 0; i < rnd(4); i++) {
        const table = pick();
        const key = pick();
        const value = pick();
        const tableId = rnd(3) === 0 ? 99999 : (b.toObject().nodes as number[])[table * b.nodeFields.length + 2];
        const dup = `part of key (K @${key}) -> value (V @${value}) pair in WeakMap (table @${tableId})`;
        b.edge(table, value, 'internal', `${rnd(9)} / ${dup}`).edge(key, value, 'internal', `${rnd(9)} / ${dup}`);
      }
      const json = b.toJSON();
      const dt = await devtools(json);
      const snap = b.build();
      assertParity(snap, analyze(snap), dt);
    }
  });

  it('leaky 404 server (http, Errors holding request contexts)', async () => {
    const { after } = await leaky404Snapshots();
    await check(after, { userRoots: true });
  });

  it('listener-leak server (closures on a long-lived EventEmitter)', async () => {
    const { path: file } = await listenerLeakSnapshot();
    await check(file, { userRoots: true });
  });

  it('Chromium page with detached DOM (CDP HeapProfiler.takeHeapSnapshot)', async function () {
    if (!hasChromium()) this.skip();
    const { path: file } = await chromiumDetachedSnapshot();
    await check(file);
  });
});
