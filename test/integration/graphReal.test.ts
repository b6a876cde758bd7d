// Back-reference graphs, labels, locations, allocation stacks, DOT and diff on snapshots written at
// test time by real Node programs (the leaky 404 server, and a program with allocation tracking).
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSnapshotBytes } from '../../extension/core/parser';
import { analyze, type Analysis } from '../../extension/core/analysis';
import type { HeapSnapshot } from '../../extension/core/model';
import { buildBackrefGraph } from '../../extension/core/backrefs';
import { backrefGraphToDot } from '../../extension/core/dot';
import { diffSnapshots } from '../../extension/core/diff';
import { getNodeDetails } from '../../extension/core/nodeDetails';
import { nodeLabel } from '../../extension/core/labels';
import { allocationStack, nodeLocation } from '../../extension/core/locations';
import { LEAKY_404, leaky404Snapshots } from '../helpers/realSnapshots';

const load = (file: string): HeapSnapshot => parseSnapshotBytes(readFileSync(file));
const ordinalsOf = (s: HeapSnapshot, type: string, name: string): number[] => {
  const out: number[] = [];
  for (let n = 0; n < s.nodeCount; n++) if (s.nodeTypeName(n) === type && s.name(n) === name) out.push(n);
  return out;
};

describe('graph engine on real Node snapshots', function () {
  this.timeout(120000);

  describe('leaky 404 server', () => {
    let earlier: Analysis;
    let later: Analysis;
    before(async () => {
      const snaps = await leaky404Snapshots();
      earlier = analyze(load(snaps.before));
      later = analyze(load(snaps.after));
    });

    it('diff counts exactly the RequestContexts of the later 404s as new', () => {
      const d = diffSnapshots(earlier, later);
      const row = d.rows.find((r) => r.name === 'RequestContext')!;
      assert.ok(row, 'RequestContext row');
      assert.equal(row.countBefore, LEAKY_404.notFoundBefore);
      assert.equal(row.countAfter, LEAKY_404.notFoundBefore + LEAKY_404.notFoundMore);
      assert.equal(row.newCount, LEAKY_404.notFoundMore);
      assert.equal(row.deletedCount, 0);
      const ids = d.newIds.RequestContext;
      assert.equal(ids.length, LEAKY_404.notFoundMore);
      for (const id of ids) {
        const n = later.snap.ordinalOfId(id);
        assert.equal(later.snap.className(n), 'RequestContext');
        assert.equal(earlier.snap.ordinalOfId(id), -1, 'a new id is absent before');
      }
      // the leaking classes grow; rows are sorted by size delta
      for (let i = 1; i < d.rows.length; i++) assert.ok(d.rows[i - 1].sizeDelta >= d.rows[i].sizeDelta);
    });

    it('draws the Error → RequestContext → IncomingMessage chain with its root path, and Graphviz renders it', () => {
      const s = later.snap;
      const req = ordinalsOf(s, 'object', 'IncomingMessage')
        .find((n) => getNodeDetails(later, n).retainers.some((r) => r.fromClass === 'RequestContext' && r.edgeName === 'req'));
      assert.ok(req !== undefined, 'an IncomingMessage held by a RequestContext');
      const g = buildBackrefGraph(later, [req!]);
      const byKey = new Map(g.nodes.map((n) => [n.key, n]));
      const hops = g.edges.filter((e) => e.onRootPath).map((e) => `${byKey.get(e.from)!.className} -[${e.name}]-> ${byKey.get(e.to)!.className}`);
      assert.ok(hops.includes('RequestContext -[req]-> IncomingMessage'), hops.join('\n'));
      assert.ok(hops.includes('Error -[context]-> RequestContext'), hops.join('\n'));
      assert.ok(hops.some((h) => /^Array -\[\d+\]-> Error$/.test(h)), hops.join('\n'));
      const target = g.nodes.find((n) => n.isTarget)!;
      assert.equal(target.className, 'IncomingMessage');
      assert.equal(target.depth, 0);
      assert.ok(g.nodes.some((n) => n.isRoot), 'the root path ends at a root');
      assert.ok(g.nodes.length <= 400);
      const svg = spawnSync('dot', ['-Tsvg'], { input: backrefGraphToDot(g), encoding: 'utf8' });
      assert.equal(svg.status, 0, svg.stderr);
      for (const label of ['req', 'context', 'IncomingMessage', 'RequestContext']) assert.ok(svg.stdout.includes(`>${label}</text>`), `svg shows ${label}`);
    });
  });

  describe('allocation tracking', () => {
    let dir: string;
    let snap: HeapSnapshot;
    const fixture = path.join(__dirname, 'fixtures', 'allocationTracking.cjs');
    const source = readFileSync(fixture, 'utf8').split('\n');
    const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'rg-alloc-'));
      const out = path.join(dir, 'tracked.heapsnapshot');
      execFileSync(process.execPath, [fixture, out], { timeout: 60000 });
      snap = load(out);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('gives each Widget its constructor location and its allocation stack', () => {
      const widgets = ordinalsOf(snap, 'object', 'Widget');
      assert.equal(widgets.length, 5);
      for (const w of widgets) {
        const loc = nodeLocation(snap, w)!;
        assert.equal(loc.file, fixture);
        assert.equal(loc.kind, 'class');
        // V8 records the constructor function's position
        assert.equal(loc.line, lineOf('constructor(i)'));
        const stack = allocationStack(snap, w)!;
        assert.ok(stack && stack.length >= 2, JSON.stringify(stack));
        // V8 gives the allocating function's own position (its definition), innermost first
        assert.deepEqual([stack[0].functionName, stack[0].file, stack[0].line], ['makeWidget', fixture, lineOf('function makeWidget')]);
        assert.ok(stack.every((f) => f.functionName !== '(root)'));
      }
      const d = getNodeDetails(analyze(snap), widgets[0]);
      assert.equal(d.allocationStack![0].functionName, 'makeWidget');
      assert.equal(d.location!.line, lineOf('constructor(i)'));
    });

    it('labels a closure with its script location and strings with their text', () => {
      const [fn] = ordinalsOf(snap, 'closure', 'leakyHandler');
      const loc = nodeLocation(snap, fn)!;
      assert.deepEqual([loc.file, loc.line, loc.kind], [fixture, lineOf('function leakyHandler'), 'function']);
      assert.equal(nodeLabel(snap, fn), `leakyHandler() allocationTracking.cjs:${lineOf('function leakyHandler')}`);
      const notes = ordinalsOf(snap, 'string', 'line one\nline two');
      assert.ok(notes.length >= 1);
      assert.equal(nodeLabel(snap, notes[0]), '"line one\\nline two"');
    });
  });
});
