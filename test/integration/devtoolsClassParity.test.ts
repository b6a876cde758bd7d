// Class summary parity with Chrome DevTools' Summary view: on real heap snapshots written at test
// time by real programs (Node servers, a Chromium page with detached DOM nodes, a Node program built
// to exercise every naming rule) and on random graphs, every class DevTools' heap snapshot worker
// reports (chrome-devtools-frontend, bundled for Node by bench/devtoolsBundle.mjs and run in this
// process) must be one of our classes with the same name, count, self size and retained size, and we
// must report no class DevTools does not.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { parseSnapshotBytes } from '../../extension/core/parser';
import { analyze } from '../../extension/core/analysis';
import type { HeapSnapshot } from '../../extension/core/model';
import { classSummary, computeClassIds, computeClassTotals, detachedNodes, type ClassIds } from '../../extension/core/classSummary';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts } from '../helpers/random';
import { buildDevToolsBundle, withDevToolsSnapshot } from '../helpers/devtoolsWorker';
import {
  chromiumDetachedSnapshot, hasChromium, leaky404Snapshots, listenerLeakSnapshot, snapshotDir,
} from '../helpers/realSnapshots';


/** One row of DevTools' aggregates (HeapSnapshot.aggregatesWithFilter({}), the Summary view). */
interface DevToolsClass {
  name: string;
  count: number;
  self: number;
  maxRet: number;
}

let bundle = '';

/** DevTools' Summary aggregates of a snapshot given as JSON text chunks, by DevTools' public class key. */
async function devtoolsAggregates(chunks: AsyncIterable<string> | Iterable<string>): Promise<Record<string, DevToolsClass>> {
  return withDevToolsSnapshot(bundle, chunks, (snap) => snap.aggregatesWithFilter({}) as Record<string, DevToolsClass>);
}

/** DevTools' public class key of one of our classes: "scriptId,line,column,name" when split by location, else ",name". */
function devtoolsKey(ids: ClassIds, c: number): string {
  const loc = ids.locations?.[c];
  return loc ? `${loc.scriptId},${loc.line},${loc.column},${ids.names[c]}` : `,${ids.names[c]}`;
}

interface Comparison {
  devtools: number;
  matching: number;
  diffs: string[];
}

/** Compares every DevTools class with ours (by DevTools' key) and lists our classes DevTools lacks. */
function compareClasses(snap: HeapSnapshot, dt: Record<string, DevToolsClass>): Comparison {
  const a = analyze(snap);
  const ids = computeClassIds(snap);
  const t = computeClassTotals(a, ids);
  const ours = new Map<string, { count: number; self: number; ret: number }>();
  for (let c = 0; c < ids.names.length; c++) {
    if (t.count[c] === 0) continue;
    const k = devtoolsKey(ids, c);
    assert.ok(!ours.has(k), `two classes with key ${k}`);
    ours.set(k, { count: t.count[c], self: t.selfSize[c], ret: t.retainedSize[c] });
  }
  const diffs: string[] = [];
  let matching = 0;
  for (const [k, d] of Object.entries(dt)) {
    const o = ours.get(k);
    if (!o) diffs.push(`missing ${JSON.stringify(k)} (DevTools ${d.count} objects, ${d.self} B self, ${d.maxRet} B retained)`);
    else if (o.count !== d.count || o.self !== d.self || o.ret !== d.maxRet) {
      diffs.push(`${JSON.stringify(k)}: count/self/retained ours ${o.count}/${o.self}/${o.ret}, DevTools ${d.count}/${d.self}/${d.maxRet}`);
    } else matching++;
    ours.delete(k);
  }
  for (const [k, o] of ours) diffs.push(`extra ${JSON.stringify(k)} (ours ${o.count} objects)`);
  return { devtools: Object.keys(dt).length, matching, diffs };
}

function assertSame(what: string, r: Comparison): void {
  if (process.env.CLASS_PARITY_VERBOSE) console.log(`${what}: ${r.matching} of ${r.devtools} DevTools classes equal; ${r.diffs.length} differences`);
  assert.equal(r.diffs.length, 0, `${what}: ${r.matching} of ${r.devtools} DevTools classes equal; differences:\n${r.diffs.slice(0, 40).join('\n')}`);
}

/**
 * The report's rows (classSummary): one per class, names unique; a name DevTools splits by
 * constructor location keeps the bare name on at most one row, the others say where the
 * constructor is ("Job (jobs-b.js:1:2)"); sizes as DevTools'.
 */
function assertRows(snap: HeapSnapshot, dt: Record<string, DevToolsClass>): void {
  const rows = classSummary(analyze(snap));
  const names = new Set(rows.map((r) => r.name));
  assert.equal(names.size, rows.length, 'row names are unique');
  assert.equal(rows.length, Object.keys(dt).length, 'one row per DevTools class');
  const perName = new Map<string, DevToolsClass[]>();
  for (const d of Object.values(dt)) perName.set(d.name, [...(perName.get(d.name) ?? []), d]);
  const sig = (count: number, self: number, ret: number) => `${count}/${self}/${ret}`;
  for (const [name, list] of perName) {
    const mine = rows.filter((r) => r.name === name || (list.length > 1 && r.name.startsWith(`${name} (`)));
    assert.deepEqual(mine.map((r) => sig(r.count, r.selfSize, r.retainedSize)).sort(),
      list.map((d) => sig(d.count, d.self, d.maxRet)).sort(), `rows of ${JSON.stringify(name)}: ${mine.map((r) => r.name).join(' | ')}`);
  }
}

async function checkFile(file: string, expect: (snap: HeapSnapshot, dt: Record<string, DevToolsClass>) => void = () => {}): Promise<void> {
  assert.ok(fs.statSync(file).size > 1e6, `${file} is a real snapshot`);
  const dt = await devtoolsAggregates(fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>);
  const snap = await loadSnapshotFile(file);
  expect(snap, dt);
  assertSame(path.basename(file), compareClasses(snap, dt));
  assertRows(snap, dt);
}

/** Names of DevTools' classes, for sanity checks that the snapshot exercises a rule. */
function dtNames(dt: Record<string, DevToolsClass>): string[] {
  return Object.values(dt).map((d) => d.name);
}

/** A Node program whose heap has every kind of class DevTools names specially; writes a snapshot to argv[1]. */
const CLASSES_PROGRAM = `
  const v8 = require('v8');
  const vm = require('vm');
  // two constructors named Job in two scripts: DevTools splits them by constructor location;
  // a JobA holding a JobB nests one class inside the other in the dominator tree
  const JobA = vm.runInThisContext('(class Job { constructor(i) { this.i = i; } })', { filename: 'jobs-a.js' });
  const JobB = vm.runInThisContext('(class Job { constructor(i) { this.k = i; this.more = [i, i + 1]; } })', { filename: 'jobs-b.js' });
  const jobs = [];
  for (let i = 0; i < 300; i++) { const a = new JobA(i); a.inner = new JobB(i); jobs.push(a, new JobB(-i)); }
  // plain objects (property values on the heap, Smis have no edges): popular property lists become
  // "{host, port}"-style classes, objects with extra properties join the largest interface they
  // contain, rare lists stay Object
  const plain = [];
  for (let i = 0; i < 4000; i++) {
    plain.push({ host: 'h' + i, port: 'p' + (i % 100) }, { msg: 'm' + (i % 50) },
      i % 2 ? { a: 'a' + i, b: [i], c: 'c' } : { c: 'c', b: [i], a: 'a' + i });
    if (i % 40 === 0) {
      plain.push({ host: 'x', port: 'y', ['extra' + i]: 'z' }, { ['odd' + i]: 'v' + i },
        { 'needs, quoting': 'v' + i, 'q"': 'w' + i });
    }
  }
  function* gen() { yield 1; }
  function* gen2() { yield 2; }
  const gens = [gen(), gen(), gen2()];
  const regexps = Array.from({ length: 30 }, (_, i) => new RegExp('a' + i + 'b*'));
  const long = 'x'.repeat(2000) + Math.random();
  const strings = [];
  for (let i = 0; i < 200; i++) strings.push('prefix-'.repeat(3) + i + '-' + 'suffix'.repeat(4), long.slice(i, 900 + i));
  const symbols = Array.from({ length: 20 }, (_, i) => Symbol('s' + i));
  const bigints = Array.from({ length: 20 }, (_, i) => BigInt(i + 2) ** 70n);
  const closures = Array.from({ length: 100 }, (_, i) => () => i);
  const typed = [new Uint8Array(100), new Float64Array(10), new Map([[1, 2]]), new Set([1]), new WeakMap(), Promise.resolve(1)];
  globalThis.keep = { jobs, plain, gens, regexps, strings, symbols, bigints, closures, typed };
  v8.writeHeapSnapshot(process.argv[1]);`;

describe('class summary parity with Chrome DevTools Summary (every class: name, count, self and retained size)', function () {
  this.timeout(600_000);

  before(() => {
    bundle = buildDevToolsBundle('devtools-worker-classes.mjs');
  });

  it('Node program with every special class (located same-named constructors, plain-object interfaces, generators, strings)', async () => {
    const file = path.join(snapshotDir(), 'class-parity-classes.heapsnapshot');
    execFileSync(process.execPath, ['-e', CLASSES_PROGRAM, file], { stdio: 'ignore', timeout: 120_000 });
    await checkFile(file, (snap, dt) => {
      const names = dtNames(dt);
      for (const n of ['{host, port}', '{msg}', '{"needs, quoting", "q\\""}', 'Function', 'RegExp', '(system)', '(concatenated string)', '(sliced string)', '(string)', '(symbol)', '(bigint)', '(compiled code)']) {
        assert.ok(names.includes(n), `DevTools has class ${n}`);
      }
      assert.equal(names.filter((n) => n === 'Job').length, 2, 'DevTools splits Job by constructor location');
      // the same properties in another order: one class, named by the order seen first
      assert.equal(names.filter((n) => n === '{a, b, c}' || n === '{c, b, a}').length, 1, 'one class for {a, b, c} in either order');
      assert.ok(snap.locations && snap.locations.count > 0, 'the snapshot has locations');
    });
  });

  it('leaky 404 server (http, Errors holding request contexts)', async () => {
    const { after } = await leaky404Snapshots();
    await checkFile(after);
  });

  it('listener-leak server (closures on a long-lived EventEmitter)', async () => {
    const { path: file } = await listenerLeakSnapshot();
    await checkFile(file);
  });

  it('Chromium page with detached DOM (Detached prefix, <tag> names)', async function () {
    if (!hasChromium()) this.skip();
    const { path: file, count } = await chromiumDetachedSnapshot();
    await checkFile(file, (snap, dt) => {
      assert.ok(snap.nodeDetachedness, 'the Chrome snapshot has detachedness');
      const div = Object.values(dt).find((d) => d.name === 'Detached <div>');
      assert.equal(div?.count, count, 'DevTools counts the detached divs as "Detached <div>"');
    });
  });

  it('300 random graphs: DOM state propagation, <tag> names, plain-object interfaces, constructor locations', async () => {
    const rnd = seededInts(424242);
    const props = ['a', 'b', 'c', 'd', '__proto__', 'x, y', 'q"', 'z{'];
    const natives = ['<div id="a">', '<div>', '<span class="x y">', 'HTMLDivElement', 'Detached <p id=q>', 'Detached Thing',
      'system / NativeContext', 'Text', 'InternalNode'];
    const seen = { interfaces: 0, located: 0, detachedTags: 0, propagated: 0 };
    for (let round = 0; round < 300; round++) {
      const withDetachedness = rnd(5) !== 0;
      const fields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'];
      const b = new SnapshotBuilder({ nodeFields: withDetachedness ? [...fields, 'detachedness'] : fields });
      const g = b.obj('global', 8);
      b.edge(b.root, g, 'shortcut', 'global');
      const nodes: number[] = [g];
      const count = 5 + rnd(60);
      const objects: number[] = [];
      for (let i = 0; i < count; i++) {
        const kind = rnd(12);
        const size = rnd(6) === 0 ? 0 : 1 + rnd(64);
        let v: number;
        if (kind < 4) { v = b.node('object', 'Object', { selfSize: size }); objects.push(v); }
        else if (kind < 5) { v = b.node('object', `C${rnd(3)}`, { selfSize: size }); objects.push(v); }
        else if (kind < 8) v = b.node('native', natives[rnd(natives.length)], { selfSize: size, detachedness: rnd(4) === 0 ? 0 : rnd(3) });
        else {
          const types = ['hidden', 'array', 'string', 'code', 'closure', 'regexp', 'number', 'synthetic', 'concatenated string',
            'sliced string', 'symbol', 'bigint', 'object shape'];
          v = b.node(types[rnd(types.length)], `n${rnd(3)}`, { selfSize: size });
        }
        nodes.push(v);
      }
      const pick = () => nodes[rnd(nodes.length)];
      for (let i = 0; i < 1 + rnd(3); i++) b.gcRoot(pick());
      for (let i = 0; i < 3 * count; i++) {
        const types = ['property', 'property', 'element', 'internal', 'hidden', 'weak', 'context'];
        const ty = types[rnd(types.length)];
        const from = rnd(3) === 0 ? objects[rnd(objects.length)] ?? pick() : pick();
        b.edge(from, pick(), ty, ty === 'element' || ty === 'hidden' ? rnd(9) : (ty === 'property' ? props[rnd(props.length)] : `e${rnd(4)}`));
      }
      // constructor locations for some objects: a few (script, line, column) sites
      const locations: number[] = [];
      for (const o of objects) {
        if (rnd(2) === 0) locations.push(o * b.nodeFields.length, 1 + rnd(2), rnd(2), rnd(3));
      }
      const json = b.toJSON({ locations });
      const dt = await devtoolsAggregates([json]);
      const snap = parseSnapshotBytes(new TextEncoder().encode(json));
      assertSame(`round ${round}`, compareClasses(snap, dt));
      assertRows(snap, dt);
      for (const [k, d] of Object.entries(dt)) {
        if (d.name.startsWith('{')) seen.interfaces++;
        if (!k.startsWith(',')) seen.located++;
        if (/^Detached <\w+>$/.test(d.name)) seen.detachedTags++;
      }
      for (const v of detachedNodes(snap)) if (snap.nodeDetachedness![v] === 0) seen.propagated++;
    }
    // the rounds exercised every rule
    for (const [what, k] of Object.entries(seen)) assert.ok(k >= 20, `${what}: ${k}`);
    if (process.env.CLASS_PARITY_VERBOSE) console.log(seen);
  });
});
