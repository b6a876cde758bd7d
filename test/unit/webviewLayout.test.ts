import { strict as assert } from 'node:assert';
import { canonicalNodeOrder, edgeKeys, layoutGraph, type Measure, type Positioned } from '../../webview/layout';
import {
  capGraph, expansionOptions, graphOptions, graphStats, mergeExpansion, moreKeyOf, nextTooMany, parentKeyOfMore,
  shownRetainerCount, EXPAND_STEP,
} from '../../webview/graphModel';
import { aiohttpLikeSnapshot } from '../helpers/webviewFixtures';
import { snapshotFromObject } from '../helpers/snapshotBuilder';
import { analyze, type Analysis } from '../../extension/core/analysis';
import { buildBackrefGraph } from '../../extension/core/backrefs';
import type { BackrefGraph, GraphNode } from '../../extension/core/results';
import { edgeLabel, nodeLines } from '../../webview/format';

// fixed-width text rule instead of a canvas: 7 px per character
const measure: Measure = {
  node: (n) => {
    const [a, b] = nodeLines(n);
    return { width: Math.max(60, 7 * Math.max(a.length, b.length) + 20), height: 42 };
  },
  edgeLabel: (t) => ({ width: 6 * t.length + 4, height: 16 }),
};

function engineGraph(json: string, className: string, options = graphOptions(undefined)): { a: Analysis; g: BackrefGraph } {
  const a = analyze(snapshotFromObject(JSON.parse(json)));
  const targets: number[] = [];
  for (let n = 0; n < a.snap.nodeCount; n++) if (a.snap.className(n) === className) targets.push(n);
  return { a, g: buildBackrefGraph(a, targets.slice(0, 1), options) };
}

function overlaps(p: Positioned): string[] {
  const bad: string[] = [];
  for (let i = 0; i < p.nodes.length; i++) {
    for (let j = i + 1; j < p.nodes.length; j++) {
      const a = p.nodes[i];
      const b = p.nodes[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) bad.push(`${a.key}/${b.key}`);
    }
  }
  return bad;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('webview layout (ELK layered, top-down)', function () {
  this.timeout(60000);
  const { g } = engineGraph(aiohttpLikeSnapshot(), 'Request');

  it('takes the engine graph of the aiohttp-like cycle and places every box without overlap', async () => {
    assert.ok(g.nodes.length >= 6, 'the engine graph has the chain');
    const p = await layoutGraph(g, measure);
    assert.equal(p.nodes.length, g.nodes.length);
    assert.deepEqual(overlaps(p), []);
    for (const n of p.nodes) {
      assert.ok(n.x >= 0 && n.y >= 0 && n.x + n.width <= p.width && n.y + n.height <= p.height, `${n.key} inside the drawing`);
    }
    // every edge routed, with its label text from the engine's edge names
    assert.equal(p.edges.length, g.edges.length);
    const labels = new Set(p.edges.map((e) => e.label?.text));
    for (const name of ['_match_info', '_exception', '__traceback__', 'tb_frame', 'request']) assert.ok(labels.has(name), name);
    for (const e of p.edges) assert.ok(e.points.length >= 2, `${e.key} has a route`);
  });

  it('puts the target at the bottom and roots at the top; the cycle-closing edge points up', async () => {
    const p = await layoutGraph(g, measure);
    const pos = new Map(p.nodes.map((n) => [n.key, n]));
    const target = g.nodes.find((n) => n.isTarget)!;
    const ty = pos.get(target.key)!.y;
    for (const n of p.nodes) if (n.key !== target.key) assert.ok(n.y < ty, `${n.key} above the target`);
    const roots = g.nodes.filter((n) => n.isRoot && !n.isTarget);
    assert.ok(roots.length > 0, 'the root path reaches a root');
    const top = Math.min(...p.nodes.map((n) => n.y));
    for (const r of roots) assert.equal(pos.get(r.key)!.y, top, `root ${r.key} on the top layer`);
    // Request -_match_info-> MatchInfoError leaves the target: drawn upwards, as in objgraph's picture
    const up = p.edges.find((e) => e.from === target.key && g.edges[e.index].name === '_match_info');
    assert.ok(up, 'the edge leaving the target is drawn');
    assert.ok(up.points[up.points.length - 1].y < up.points[0].y, 'goes up');
    // other edges of the chain go down
    const down = p.edges.filter((e) => e.to === target.key);
    assert.ok(down.length > 0);
    for (const e of down) assert.ok(e.points[e.points.length - 1].y > e.points[0].y, `${e.key} goes down`);
  });

  it('is deterministic: same graph, any input order, same positions', async () => {
    const a = await layoutGraph(g, measure);
    const b = await layoutGraph(g, measure);
    assert.deepEqual(a, b);
    const c = await layoutGraph({ ...g, nodes: shuffled(g.nodes, 7), edges: shuffled(g.edges, 11) }, measure);
    const norm = (p: Positioned) => ({
      nodes: [...p.nodes].sort((x, y) => (x.key < y.key ? -1 : 1)),
      edges: p.edges.map((e) => ({ key: e.key, points: e.points, label: e.label })).sort((x, y) => (x.key < y.key ? -1 : 1)),
      width: p.width,
      height: p.height,
    });
    assert.deepEqual(norm(c), norm(a));
  });

  it('drops edges whose ends are missing and keys parallel edges apart', async () => {
    const n = (key: string, depth: number, isTarget = false): GraphNode => ({
      key, id: Number(key), kind: 'node', type: 'object', className: `C${key}`, label: '', selfSize: 1, retainedSize: 1,
      distance: 1, depth, isTarget, isRoot: false,
    });
    const graph: BackrefGraph = {
      nodes: [n('1', 0, true), n('2', 1)],
      edges: [
        { from: '2', to: '1', type: 'property', name: 'a', onCycle: false, onRootPath: false },
        { from: '2', to: '1', type: 'property', name: 'a', onCycle: false, onRootPath: false },
        { from: '9', to: '1', type: 'property', name: 'ghost', onCycle: false, onRootPath: false },
      ],
      targetIds: [1],
      truncated: false,
    };
    assert.deepEqual(edgeKeys(graph.edges), ['2->1:property:a', '2->1:property:a#1', '9->1:property:ghost']);
    const p = await layoutGraph(graph, measure);
    assert.deepEqual(p.edges.map((e) => e.key).sort(), ['2->1:property:a', '2->1:property:a#1']);
    assert.deepEqual(canonicalNodeOrder(graph.nodes).map((x) => x.key), ['2', '1'], 'target last');
  });

  it('lays out a capped 400-node engine graph without overlaps', async () => {
    const nodes: GraphNode[] = [];
    const edges: BackrefGraph['edges'] = [];
    for (let i = 0; i < 400; i++) {
      nodes.push({ key: String(i), id: i, kind: 'node', type: 'object', className: `K${i % 17}`, label: `${i} items`, selfSize: 8, retainedSize: 8, distance: 20 - Math.floor(i / 20), depth: Math.floor(i / 20), isTarget: i === 0, isRoot: i >= 380 });
      if (i > 0) edges.push({ from: String(i), to: String(Math.floor((i - 1) / 2)), type: 'property', name: `p${i}`, onCycle: false, onRootPath: false });
      if (i > 40 && i % 9 === 0) edges.push({ from: String(i - 30), to: String(i), type: 'element', name: String(i), onCycle: true, onRootPath: false });
    }
    const p = await layoutGraph({ nodes, edges, targetIds: [0], truncated: true }, measure);
    assert.equal(p.nodes.length, 400);
    assert.deepEqual(overlaps(p), []);
  });
});

describe('webview graph state (folding and expansion)', () => {
  it('expands a "N more" box step by step with the engine and merges the new retainers', () => {
    const { a, g } = engineGraph(aiohttpLikeSnapshot({ fanIn: 40, requests: 1 }), 'SharedRequestContext');
    const target = g.nodes.find((n) => n.isTarget)!;
    const more = g.nodes.find((n) => n.kind === 'more' && parentKeyOfMore(n.key) === target.key);
    assert.ok(more, 'the 41 referrers are folded beyond tooMany=10');
    assert.equal(more.key, moreKeyOf(target.key));
    const shown0 = shownRetainerCount(g, target.key);
    assert.equal(shown0, 10);
    assert.equal(shown0 + more.moreCount!, 41);
    const stats0 = graphStats(g);
    assert.equal(stats0.folded, 31);

    const tooMany = nextTooMany(g, target.key, 10);
    assert.equal(tooMany, 10 + EXPAND_STEP);
    const reply = buildBackrefGraph(a, [a.snap.ordinalOfId(target.id)], expansionOptions(undefined, tooMany));
    const before = JSON.stringify(g);
    const merged = mergeExpansion(g, reply, target.key);
    assert.equal(JSON.stringify(g), before, 'inputs untouched');
    assert.equal(shownRetainerCount(merged, target.key), 35);
    const more2 = merged.nodes.filter((n) => n.kind === 'more' && n.key === moreKeyOf(target.key));
    assert.equal(more2.length, 1, 'one fold box left for the anchor');
    assert.equal(more2[0].moreCount, 6);
    assert.deepEqual(merged.nodes.filter((n) => n.isTarget).map((n) => n.key), [target.key], 'targets unchanged');
    const ids = merged.edges.map((e) => `${e.from}|${e.to}|${e.type}|${e.name}`);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate edges');
    for (const e of merged.edges) {
      assert.ok(merged.nodes.some((n) => n.key === e.from) && merged.nodes.some((n) => n.key === e.to), 'edges join shown boxes');
    }
    // new retainers sit one level above the anchor
    const added = merged.nodes.filter((n) => !g.nodes.some((m) => m.key === n.key));
    assert.ok(added.length >= 25);
    for (const n of added) assert.equal(n.depth, target.depth + 1);

    // expanding again shows all 41 and the fold disappears
    const reply2 = buildBackrefGraph(a, [a.snap.ordinalOfId(target.id)], expansionOptions(undefined, nextTooMany(merged, target.key, 10)));
    const merged2 = mergeExpansion(merged, reply2, target.key);
    assert.equal(shownRetainerCount(merged2, target.key), 41);
    assert.equal(merged2.nodes.some((n) => n.key === moreKeyOf(target.key)), false);
  });

  it('caps merged graphs, keeping targets and near nodes, and says so', () => {
    const nodes: GraphNode[] = [];
    for (let i = 0; i < 50; i++) {
      nodes.push({ key: String(i), id: i, kind: 'node', type: 'object', className: 'X', label: '', selfSize: 1, retainedSize: 1, distance: 1, depth: 49 - i, isTarget: i === 49, isRoot: false });
    }
    const edges = nodes.slice(1).map((n, i) => ({ from: String(i), to: n.key, type: 'property', name: 'x', onCycle: false, onRootPath: false }));
    const g: BackrefGraph = { nodes, edges, targetIds: [49], truncated: false };
    assert.equal(capGraph(g, 100), g);
    const c = capGraph(g, 10);
    assert.equal(c.nodes.length, 10);
    assert.equal(c.truncated, true);
    assert.ok(c.nodes.some((n) => n.isTarget));
    assert.ok(c.nodes.every((n) => n.depth < 10));
    assert.ok(c.edges.every((e) => c.nodes.some((n) => n.key === e.from) && c.nodes.some((n) => n.key === e.to)));
  });

  it('builds engine options from the settings', () => {
    const s = { requestLikePatterns: [], maxDepth: 5, tooMany: 4, ignoredEdges: ['__proto__'], paths: 3 };
    assert.deepEqual(graphOptions(s), { maxDepth: 5, tooMany: 4, ignoredEdges: ['__proto__'], includeRootPath: true, includeCycle: true, maxNodes: 400 });
    const x = expansionOptions(s, 30);
    assert.equal(x.maxDepth, 1);
    assert.equal(x.tooMany, 30);
    assert.equal(x.includeRootPath, false);
    assert.deepEqual(x.ignoredEdges, ['__proto__']);
    assert.equal(edgeLabel('element', '4'), '[4]');
  });
});
