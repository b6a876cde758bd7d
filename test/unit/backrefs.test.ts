import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze } from '../../extension/core/analysis';
import { buildBackrefGraph, expandRetainers, rankedReferrers, referrerFilter } from '../../extension/core/backrefs';
import { HeapSnapshot, V8_EDGE_TYPES, V8_NODE_TYPES } from '../../extension/core/model';
import type { BackrefGraph } from '../../extension/core/results';
import { cyclesOf } from '../../extension/core/cycles';
import { PythonSnapshotBuilder } from '../helpers/pythonSnapshot';

const keyOf = (s: HeapSnapshot, n: number) => String(s.nodeId[n]);
const edge = (g: BackrefGraph, from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);

describe('backrefs: objgraph show_backrefs semantics', () => {
  it('folds referrers beyond tooMany into one "N more" node, keeping the closest to the roots', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('Target');
    const near: number[] = [];
    const far: number[] = [];
    for (let i = 0; i < 25; i++) {
      const h = b.obj(`Holder${i}`);
      b.prop(h, t, `ref${i}`);
      if (i % 5 === 0) { b.gcRoot(h); near.push(h); } else {
        const mid = b.obj('Mid');
        b.gcRoot(mid).prop(mid, h, 'h');
        far.push(h);
      }
    }
    const s = b.build();
    const a = analyze(s);
    const g = buildBackrefGraph(a, [t], { maxDepth: 1, includeRootPath: false, includeCycle: false });
    const shown = g.edges.filter((e) => e.to === keyOf(s, t) && e.type !== 'more').map((e) => e.from);
    assert.equal(shown.length, 10);
    // all 5 near holders (distance 2) come before the 20 far ones (distance 3)
    for (const h of near) assert.ok(shown.includes(keyOf(s, h)), `near holder ${h} shown`);
    const more = g.nodes.filter((n) => n.kind === 'more');
    assert.equal(more.length, 1);
    assert.equal(more[0].moreCount, 15);
    assert.equal(more[0].label, '15 more');
    assert.equal(more[0].key, `more:${keyOf(s, t)}`);
    assert.equal(more[0].moreIds!.length, 15);
    const all = new Set([...shown, ...more[0].moreIds!.map(String)]);
    assert.equal(all.size, 25, 'shown and folded ids partition the referrers');
    assert.ok(edge(g, more[0].key, keyOf(s, t)));
    assert.equal(g.truncated, true);
    assert.equal(g.nodes.length, 12);
  });

  it('cuts the walk at maxDepth but includes the whole shortest root path', () => {
    const b = new SnapshotBuilder();
    const chain = [b.obj('A1'), b.obj('A2'), b.obj('A3'), b.obj('A4'), b.obj('A5')];
    const t = b.obj('Target');
    b.gcRoot(chain[0]);
    for (let i = 0; i + 1 < chain.length; i++) b.prop(chain[i], chain[i + 1], `next${i}`);
    b.prop(chain[4], t, 'target');
    const s = b.build();
    const a = analyze(s);
    const cut = buildBackrefGraph(a, [t], { maxDepth: 2, includeRootPath: false });
    assert.deepEqual(cut.nodes.map((n) => n.className).sort(), ['A4', 'A5', 'Target']);
    assert.deepEqual(cut.nodes.map((n) => n.depth).sort(), [0, 1, 2]);
    assert.equal(cut.edges.some((e) => e.onRootPath), false);

    const full = buildBackrefGraph(a, [t], { maxDepth: 2 });
    const names = full.nodes.map((n) => n.className);
    for (const c of ['A1', 'A2', 'A3', 'A4', 'A5', 'Target', '(synthetic)']) assert.ok(names.includes(c), `${c} in graph`);
    // the synthetic root itself is trimmed: the path starts at (GC roots)
    const synth = full.nodes.filter((n) => n.type === 'synthetic');
    assert.equal(synth.length, 1);
    assert.equal(synth[0].label, '(GC roots)');
    assert.equal(synth[0].isRoot, true);
    const pathEdges = full.edges.filter((e) => e.onRootPath);
    assert.equal(pathEdges.length, 6);
    assert.deepEqual(pathEdges.map((e) => e.name).sort(), ['1', 'next0', 'next1', 'next2', 'next3', 'target'].sort());
    const depthOf = (c: string) => full.nodes.find((n) => n.className === c)!.depth;
    assert.equal(depthOf('A1'), 5);
    assert.equal(depthOf('Target'), 0);
    assert.equal(full.nodes.find((n) => n.className === 'Target')!.isTarget, true);
  });

  it('marks every edge of displayed cycles through the target, including ones the depth walk found', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('Target');
    const c = b.obj('C');
    const x = b.obj('A');
    const y = b.obj('B');
    const h = b.obj('Holder');
    b.gcRoot(h).prop(h, t, 'held');
    b.prop(t, c, 'c').prop(c, t, 'back'); // 2-cycle
    b.prop(t, x, 'a').prop(x, y, 'b').prop(y, t, 't'); // 3-cycle
    const s = b.build();
    const a = analyze(s);
    const g = buildBackrefGraph(a, [t]);
    const K = (n: number) => keyOf(s, n);
    for (const [f, to] of [[t, c], [c, t], [t, x], [x, y], [y, t]]) {
      const e = edge(g, K(f), K(to));
      assert.ok(e, `edge ${s.name(f)}→${s.name(to)} shown`);
      assert.equal(e!.onCycle, true, `edge ${s.name(f)}→${s.name(to)} on cycle`);
    }
    const held = edge(g, K(h), K(t))!;
    assert.equal(held.onCycle, false);
    assert.equal(held.onRootPath, true);
    // without the depth walk, the shortest cycle alone is still complete and marked
    const only = buildBackrefGraph(a, [t], { maxDepth: 0, includeRootPath: false });
    assert.deepEqual(only.edges.filter((e) => e.onCycle).map((e) => e.name).sort(), ['back', 'c']);
    // ignoring an edge of that cycle drops it from the drawing
    const ign = buildBackrefGraph(a, [t], { maxDepth: 0, includeRootPath: false, ignoredEdges: ['back'] });
    assert.equal(ign.edges.length, 0);
  });

  it('an edge out of the target\'s cycle into a referrer reached over a non-cycle edge is not marked', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('Target');
    const a = b.obj('A');
    const v = b.obj('V');
    b.gcRoot(a).prop(t, a, 'a').prop(a, t, 't'); // 2-cycle
    b.prop(a, v, 'v').edge(v, t, 'internal', 'hold'); // V refers to the target over an internal edge
    const s = b.build();
    const g = buildBackrefGraph(analyze(s), [t]);
    const K = (n: number) => keyOf(s, n);
    assert.equal(edge(g, K(a), K(t))!.onCycle, true);
    assert.equal(edge(g, K(t), K(a))!.onCycle, true);
    const av = edge(g, K(a), K(v));
    assert.ok(av, 'A→V shown');
    assert.equal(av!.onCycle, false);
    assert.equal(edge(g, K(v), K(t))!.onCycle, false);
  });

  it('does not follow weak edges and honours the ignore lists', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('Target');
    const weak = b.obj('WeakHolder');
    const bad = b.obj('ViaBadEdge');
    const byId = b.obj('IgnoredById');
    const byClass = b.obj('Noisy');
    const ok = b.obj('Kept');
    for (const n of [weak, bad, byId, byClass, ok]) b.gcRoot(n);
    b.edge(weak, t, 'weak', 'w').prop(bad, t, 'bad').prop(byId, t, 'x').prop(byClass, t, 'y').prop(ok, t, 'z');
    const s = b.build();
    const a = analyze(s);
    const plain = buildBackrefGraph(a, [t], { maxDepth: 1, includeRootPath: false });
    const names = (g: BackrefGraph) => g.nodes.map((n) => n.className).sort();
    assert.deepEqual(names(plain), ['IgnoredById', 'Kept', 'Noisy', 'Target', 'ViaBadEdge']);
    const ign = buildBackrefGraph(a, [t], {
      maxDepth: 1, includeRootPath: false,
      ignoredEdges: ['bad'], ignoredNodeIds: [s.nodeId[byId]], ignoredClasses: ['Noisy'],
    });
    assert.deepEqual(names(ign), ['Kept', 'Target']);
  });

  it('is deterministic and stops at roots', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('T');
    const hs = [];
    for (let i = 0; i < 30; i++) { const h = b.obj(`H${i % 7}`); b.gcRoot(h).prop(h, t, `p${i}`); hs.push(h); }
    for (let i = 0; i + 1 < hs.length; i++) b.prop(hs[i + 1], hs[i], 'prev');
    const s = b.build();
    const a = analyze(s);
    const g1 = buildBackrefGraph(a, [t], { tooMany: 7 });
    const g2 = buildBackrefGraph(analyze(b.build()), [t], { tooMany: 7 });
    assert.deepEqual(g1, g2);
    assert.equal(JSON.stringify(g1), JSON.stringify(buildBackrefGraph(a, [t], { tooMany: 7 })));
    // (GC roots) is drawn as a root and nothing above it
    const gc = g1.nodes.filter((n) => n.label === '(GC roots)');
    assert.equal(gc.length, 1);
    assert.equal(gc[0].isRoot, true);
    assert.equal(g1.nodes.some((n) => n.label === '(root)'), false);
  });

  it('caps the node count and folds the rest', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('T');
    for (let i = 0; i < 100; i++) { const h = b.obj('H'); b.gcRoot(h).prop(h, t, `p${i}`); }
    const a = analyze(b.build());
    const g = buildBackrefGraph(a, [t], { tooMany: 50, maxNodes: 20 });
    assert.ok(g.nodes.length <= 20, `${g.nodes.length} nodes`);
    assert.equal(g.truncated, true);
    const more = g.nodes.find((n) => n.kind === 'more')!;
    const shown = g.edges.filter((e) => e.type !== 'more' && e.to === String(a.snap.nodeId[t])).length;
    assert.equal(more.moreCount! + shown, 100);
    // a bushy graph: every node has 5 referrers, folds at every level; the cap is never exceeded
    const b2 = new SnapshotBuilder();
    const t2 = b2.obj('T');
    let level = [t2];
    for (let d = 0; d < 4; d++) {
      const next: number[] = [];
      for (const n of level) for (let i = 0; i < 5; i++) { const r = b2.obj(`L${d}`); b2.prop(r, n, `r${i}`); next.push(r); }
      level = next;
    }
    for (const n of level) b2.gcRoot(n);
    const a2 = analyze(b2.build());
    for (const cap of [5, 9, 17, 30, 60]) {
      const g2 = buildBackrefGraph(a2, [t2], { maxDepth: 4, tooMany: 3, maxNodes: cap });
      assert.ok(g2.nodes.length <= cap, `cap ${cap}: ${g2.nodes.length} nodes`);
      assert.equal(g2.truncated, true);
      const keys = new Set(g2.nodes.map((n) => n.key));
      assert.ok(g2.edges.every((e) => keys.has(e.from) && keys.has(e.to)), 'edges only between drawn nodes');
    }
  });

  it('expandRetainers returns the next layer of one node', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('T');
    const mid = b.obj('Mid');
    b.prop(mid, t, 'm');
    for (let i = 0; i < 12; i++) { const h = b.obj('H'); b.gcRoot(h).prop(h, mid, `p${i}`); }
    const s = b.build();
    const a = analyze(s);
    const g = expandRetainers(a, mid, { tooMany: 5 });
    assert.equal(g.nodes.filter((n) => n.kind === 'node').length, 6);
    assert.equal(g.nodes.find((n) => n.kind === 'more')!.moreCount, 7);
    assert.equal(g.nodes.some((n) => n.isTarget), false);
    assert.equal(g.nodes.some((n) => n.className === 'T'), false);
  });

  it('shows a Python garbage cycle through its own references, gc.garbage only on the root path', () => {
    const b = new PythonSnapshotBuilder();
    const req = b.obj('aiohttp.web_request.Request');
    const mi = b.obj('aiohttp.web_urldispatcher.MatchInfoError');
    const exc = b.obj('aiohttp.web_exceptions.HTTPNotFound');
    const tb = b.obj('traceback');
    const frame = b.obj('frame RequestHandler._handle_request web_protocol.py:467');
    b.prop(req, mi, '_match_info').prop(mi, exc, '_exception').prop(exc, tb, '__traceback__').prop(tb, frame, 'tb_frame');
    b.local(frame, req, 'request').local(frame, exc, 'resp');
    b.inGarbage(req, mi, exc, tb, frame);
    const s = b.build();
    const g = buildBackrefGraph(analyze(s), [req], { maxDepth: 10 });
    const K = (n: number) => keyOf(s, n);
    const chain: [number, number, string][] = [[req, mi, '_match_info'], [mi, exc, '_exception'], [exc, tb, '__traceback__'], [tb, frame, 'tb_frame'], [frame, req, 'request']];
    for (const [f, t, name] of chain) {
      const e = edge(g, K(f), K(t));
      assert.ok(e && e.name === name && e.onCycle, `${name} on the cycle`);
    }
    // the exception's own cycle (frame local `resp`) shares the component with the Request: marked too
    assert.equal(edge(g, K(frame), K(exc))!.onCycle, true);
    const fromGarbage = g.edges.filter((e) => e.from === K(b.garbage));
    assert.equal(fromGarbage.length, 1, 'gc.garbage holds everything, but only its edge to the target is drawn');
    assert.equal(fromGarbage[0].to, K(req));
    assert.equal(fromGarbage[0].onRootPath, true);
    assert.equal(g.nodes.find((n) => n.key === K(b.garbage))!.isRoot, true);
    const fr = g.nodes.find((n) => n.key === K(frame))!;
    assert.equal(fr.label, 'web_protocol.py:467');
    assert.deepEqual(fr.location, { file: 'web_protocol.py', line: 467, column: 0, kind: 'frame' });
  });

  it('stops at Python modules and marks them as roots', () => {
    const b = new PythonSnapshotBuilder();
    const mod = b.module('app');
    const other = b.module('other');
    const cache = b.obj('dict');
    const t = b.obj('app.Thing');
    b.prop(mod, cache, 'cache').prop(cache, t, 'thing').prop(other, mod, 'app');
    const s = b.build();
    const g = buildBackrefGraph(analyze(s), [t], { maxDepth: 5 });
    const m = g.nodes.find((n) => n.key === keyOf(s, mod))!;
    assert.equal(m.isRoot, true);
    assert.equal(m.label, 'app');
    // nothing above the module: neither the module that imports it nor "(Python modules)"
    assert.equal(g.nodes.some((n) => n.key === keyOf(s, other)), false);
    assert.equal(g.nodes.some((n) => n.label === '(Python modules)'), false);
    assert.deepEqual(g.edges.filter((e) => e.onRootPath).map((e) => e.name).sort(), ['cache', 'thing']);
  });

  // Speed is measured by `npm run bench` (bench/analysesPerf.ts), not asserted here; this test checks
  // that a 1.5 M node graph with a 300 000-referrer hub gives complete, bounded results.
  it('handles a 1.5 M node graph, also an object with 300 000 referrers', function () {
    this.timeout(120000);
    const s = bigSnapshot(1_500_000, 300_000);
    const a = analyze(s);
    cyclesOf(a); // the SCC phase runs once at load, before any query
    const best = (target: number, maxNodes = 400): { g: BackrefGraph } => ({ g: buildBackrefGraph(a, [target], { maxNodes }) });
    // an ordinary object deep in a long chain: its whole root path (~1000 hops) is included
    const deep = best(1_400_999, 1500);
    // (GC roots) holds every 1000th node from 3: the path is (GC roots) → 1 400 003 → … → 1 400 999
    assert.equal(deep.g.edges.filter((e) => e.onRootPath).length, 1 + (1_400_999 - 1_400_003));
    // the walk over 300 000 referrers, the root path and cycle searches included
    const fan = best(2);
    assert.equal(fan.g.nodes.find((n) => n.kind === 'more')!.moreCount, 300_000 - 10);
    const r = rankedReferrers(a, 2, referrerFilter({}), 10);
    assert.equal(r.total, 300_000);
    // the bounded selection agrees with a full sort by (distance, ordinal)
    const all: number[] = [];
    for (let i = a.retainers.firstRetainer[2]; i < a.retainers.firstRetainer[3]; i++) all.push(a.retainers.retainerNode[i]);
    all.sort((x, y) => a.distances[x] - a.distances[y] || x - y);
    assert.deepEqual(r.shown, all.slice(0, 10));
    assert.deepEqual(r.rest, all.slice(10, 1010));
  });
});

/** A graph built directly in typed arrays: root → (GC roots) → every 1000th node from 3; each node
 *  i ≥ 3 holds i+1 (a long chain); nodes 3 .. 3+fanIn-1 also hold node 2. No per-node objects, so the
 *  timed calls do not pay for collecting the builder's garbage. */
function bigSnapshot(nodeCount: number, fanIn: number): HeapSnapshot {
  const firstEdge = new Uint32Array(nodeCount + 1);
  const degree = (i: number) => {
    if (i === 0) return 1;
    if (i === 1) return Math.ceil((nodeCount - 3) / 1000);
    if (i < 3) return 0;
    return (i + 1 < nodeCount ? 1 : 0) + (i < 3 + fanIn ? 1 : 0);
  };
  for (let i = 0; i < nodeCount; i++) firstEdge[i + 1] = firstEdge[i] + degree(i);
  const edgeCount = firstEdge[nodeCount];
  const edgeTo = new Uint32Array(edgeCount);
  edgeTo[0] = 1;
  let e = firstEdge[1];
  for (let i = 3; i < nodeCount; i += 1000) edgeTo[e++] = i;
  for (let i = 3; i < nodeCount; i++) {
    e = firstEdge[i];
    if (i + 1 < nodeCount) edgeTo[e++] = i + 1;
    if (i < 3 + fanIn) edgeTo[e++] = 2;
  }
  const nodeType = new Uint8Array(nodeCount).fill(V8_NODE_TYPES.indexOf('object'));
  nodeType[0] = nodeType[1] = V8_NODE_TYPES.indexOf('synthetic');
  const edgeType = new Uint8Array(edgeCount).fill(V8_EDGE_TYPES.indexOf('property'));
  const nodeId = new Uint32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) nodeId[i] = 2 * i + 1;
  return new HeapSnapshot({
    meta: { nodeFields: [], nodeTypes: V8_NODE_TYPES, edgeFields: [], edgeTypes: V8_EDGE_TYPES, locationFields: [], traceFunctionInfoFields: [], traceNodeFields: [], sampleFields: [] },
    nodeType, nodeName: new Uint32Array(nodeCount).fill(1), nodeId, nodeSelfSize: new Float64Array(nodeCount).fill(16),
    nodeTraceId: null, nodeDetachedness: null, firstEdge, edgeType, edgeNameOrIndex: new Uint32Array(edgeCount).fill(2),
    edgeTo, strings: ['', 'Obj', 'p'], locations: null, traceFunctionInfos: null, traceTree: null,
  });
}
