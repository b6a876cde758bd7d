import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { PythonSnapshotBuilder } from '../helpers/pythonSnapshot';
import { analyze } from '../../extension/core/analysis';
import { componentOf, computeCycles, onCycle, defaultCycleEdgeTypes, inCycle, PYTHON_CYCLE_EDGE_TYPES, shortestCycleThrough, V8_CYCLE_EDGE_TYPES } from '../../extension/core/cycles';
import type { HeapSnapshot } from '../../extension/core/model';

/** Names of the edges of a cycle, for readable assertions. */
function names(snap: HeapSnapshot, edges: number[] | null): string[] | null {
  return edges && edges.map((e) => String(snap.edgeName(e)));
}

/** Reference SCCs by a recursive Kosaraju on small graphs (independent of the engine's algorithm). */
function referenceComponents(snap: HeapSnapshot, types: string[], dictEdges = false): number[] {
  const n = snap.nodeCount;
  const ok = (e: number) => (types.includes(snap.edgeTypeName(e)) || (dictEdges && snap.edgeTypeName(e) === 'internal' && snap.edgeName(e) === '__dict__'))
    && snap.nodeTypeName(snap.edgeFrom(e)) !== 'synthetic' && snap.nodeTypeName(snap.edgeTo[e]) !== 'synthetic';
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  for (let e = 0; e < snap.edgeCount; e++) {
    if (!ok(e)) continue;
    out[snap.edgeFrom(e)].push(snap.edgeTo[e]);
    inn[snap.edgeTo[e]].push(snap.edgeFrom(e));
  }
  const seen = new Array(n).fill(false);
  const order: number[] = [];
  const dfs1 = (v: number) => { seen[v] = true; for (const w of out[v]) if (!seen[w]) dfs1(w); order.push(v); };
  for (let v = 0; v < n; v++) if (!seen[v]) dfs1(v);
  const comp = new Array(n).fill(-1);
  const dfs2 = (v: number, c: number) => { comp[v] = c; for (const w of inn[v]) if (comp[w] < 0) dfs2(w, c); };
  let c = 0;
  for (let i = n - 1; i >= 0; i--) if (comp[order[i]] < 0) dfs2(order[i], c++);
  return comp;
}

/** Deterministic PRNG (LCG) for the random graphs. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/**
 * computeCycles' components and inCycle flags against the reference: same partition, and inCycle =
 * a component of more than one node or a self-loop in the edge set (dictEdges: internal "__dict__").
 */
function assertMatchesReference(snap: HeapSnapshot, types: string[], dictEdges: boolean, seed: number): void {
  const cy = computeCycles(snap); // the default edge set of the snapshot's kind: `types` must be it
  const ref = referenceComponents(snap, types, dictEdges);
  // a node on no cycle is a component of its own
  const comp = (x: number) => (componentOf(cy, x) >= 0 ? componentOf(cy, x) : -1 - x);
  for (let x = 0; x < snap.nodeCount; x++) {
    for (let y = 0; y < snap.nodeCount; y++) {
      assert.equal(comp(x) === comp(y), ref[x] === ref[y], `seed ${seed}: nodes ${x}, ${y}`);
    }
    const size = ref.filter((c) => c === ref[x]).length;
    let selfLoop = false;
    for (let e = snap.firstEdge[x]; e < snap.firstEdge[x + 1]; e++) {
      const t = snap.edgeTypeName(e);
      const counts = types.includes(t) || (dictEdges && t === 'internal' && snap.edgeName(e) === '__dict__');
      // V8 native nodes' self-loops (Blink's DOM nodes have element edges to themselves) do not count
      const v8Native = snap.nodeTypeName(x) === 'native' && !types.includes('hidden');
      if (snap.edgeTo[e] === x && counts && snap.nodeTypeName(x) !== 'synthetic' && !v8Native) selfLoop = true;
    }
    assert.equal(onCycle(cy, x), size > 1 || selfLoop, `seed ${seed}: inCycle of ${x}`);
  }
}

describe('cycles: strongly connected components over the cycle edge set', () => {
  it('finds a 2-cycle and returns it starting and ending at the object', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const c = b.obj('B');
    const d = b.obj('D');
    b.gcRoot(a).prop(a, c, 'next').prop(c, a, 'prev').prop(c, d, 'leaf');
    const an = analyze(b.build());
    assert.equal(inCycle(an, a), true);
    assert.equal(inCycle(an, c), true);
    assert.equal(inCycle(an, d), false);
    const cyc = shortestCycleThrough(an, a)!;
    assert.deepEqual(names(an.snap, cyc), ['next', 'prev']);
    assert.equal(an.snap.edgeFrom(cyc[0]), a);
    assert.equal(an.snap.edgeTo[cyc[cyc.length - 1]], a);
    assert.equal(shortestCycleThrough(an, d), null);
  });

  it('treats a self-loop as a cycle of one edge', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const x = b.obj('X');
    b.gcRoot(a).prop(a, a, 'self').prop(a, x, 'x');
    const an = analyze(b.build());
    assert.equal(inCycle(an, a), true);
    assert.equal(inCycle(an, x), false);
    assert.deepEqual(names(an.snap, shortestCycleThrough(an, a)), ['self']);
  });

  it('a V8 native node\'s element edge to itself is no cycle (Blink DOM nodes have one); a JS object\'s is', () => {
    const b = new SnapshotBuilder();
    const div = b.node('native', '<div class="item">', { selfSize: 96 });
    const text = b.node('native', 'Text', { selfSize: 40 });
    const obj = b.obj('Holder');
    b.gcRoot(obj).prop(obj, div, 'div').edge(div, div, 'element', 3).prop(obj, obj, 'me');
    b.edge(div, text, 'element', 1);
    const an = analyze(b.build());
    assert.equal(inCycle(an, div), false);
    assert.equal(shortestCycleThrough(an, div), null);
    assert.equal(inCycle(an, obj), true);
    assert.deepEqual(names(an.snap, shortestCycleThrough(an, obj)), ['me']);
    // a real cycle through the native node still counts: the Text child's parent edge back
    const b2 = new SnapshotBuilder();
    const div2 = b2.node('native', '<div>', { selfSize: 96 });
    const text2 = b2.node('native', 'Text', { selfSize: 40 });
    b2.gcRoot(div2).edge(div2, div2, 'element', 3).edge(div2, text2, 'element', 1).edge(text2, div2, 'element', 2);
    const an2 = analyze(b2.build());
    assert.equal(inCycle(an2, div2), true);
    assert.equal(shortestCycleThrough(an2, div2)!.length, 2, 'the 2-cycle, not the self-loop');
  });

  it('returns the shortest of several cycles through a node in a long ring with a chord', () => {
    const b = new SnapshotBuilder();
    const ring = Array.from({ length: 8 }, (_, i) => b.obj(`R${i}`));
    b.gcRoot(ring[0]);
    for (let i = 0; i < 8; i++) b.prop(ring[i], ring[(i + 1) % 8], `n${i}`);
    b.prop(ring[3], ring[0], 'chord'); // 0→1→2→3→0 is 4 edges; the ring is 8
    const an = analyze(b.build());
    assert.deepEqual(names(an.snap, shortestCycleThrough(an, ring[0])), ['n0', 'n1', 'n2', 'chord']);
    assert.equal(shortestCycleThrough(an, ring[5])!.length, 8);
    assert.equal(shortestCycleThrough(an, ring[5], { maxLen: 6 }), null, 'maxLen bounds the search');
    for (const r of ring) assert.equal(inCycle(an, r), true);
  });

  it('a cycle only through weak edges is no cycle', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const c = b.obj('B');
    b.gcRoot(a).prop(a, c, 'strong').edge(c, a, 'weak', 'back');
    const an = analyze(b.build());
    assert.equal(inCycle(an, a), false);
    assert.equal(inCycle(an, c), false);
    // even when the caller asks for weak edges
    const cy = computeCycles(an.snap, ['property', 'weak']);
    assert.equal(cy.nodesInCycles, 0);
  });

  it('ignores edges through the synthetic root and group nodes', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    b.gcRoot(a).edge(a, b.gcRoots, 'element', 0).edge(a, b.root, 'property', 'up');
    const cy = computeCycles(b.build());
    assert.equal(cy.nodesInCycles, 0);
  });

  it('edge set: V8 hidden/internal edges do not count by default, but can be configured', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const c = b.obj('B');
    b.gcRoot(a).prop(a, c, 'p').edge(c, a, 'hidden', 0);
    const snap = b.build();
    assert.deepEqual(defaultCycleEdgeTypes(snap), V8_CYCLE_EDGE_TYPES);
    assert.equal(onCycle(computeCycles(snap), a), false);
    assert.equal(onCycle(computeCycles(snap, [...V8_CYCLE_EDGE_TYPES, 'hidden']), a), true);
    assert.equal(onCycle(computeCycles(snap, ['element']), a), false);
  });

  it('context edges count (a closure variable holding its owner)', () => {
    const b = new SnapshotBuilder();
    const ctx = b.node('hidden', 'system / Context');
    const o = b.obj('Handler');
    b.gcRoot(o).prop(o, ctx, 'scope').edge(ctx, o, 'context', 'self');
    assert.equal(onCycle(computeCycles(b.build()), o), true);
  });

  it('Python snapshots: hidden edges (unnamed C references, e.g. Task → CancelledError) count', () => {
    const b = new PythonSnapshotBuilder();
    const req = b.obj('aiohttp.web_request.Request');
    const task = b.obj('_asyncio.Task');
    const err = b.obj('asyncio.exceptions.CancelledError');
    const tb = b.obj('traceback');
    const frame = b.obj('frame RequestHandler.start web_protocol.py:467');
    b.prop(req, task, '_task').edge(task, err, 'hidden', 0).prop(err, tb, '__traceback__').prop(tb, frame, 'tb_frame');
    b.local(frame, req, 'request');
    b.inGarbage(req, task, err, tb, frame);
    const an = analyze(b.build());
    assert.deepEqual(defaultCycleEdgeTypes(an.snap), PYTHON_CYCLE_EDGE_TYPES);
    const cyc = shortestCycleThrough(an, req)!;
    assert.deepEqual(names(an.snap, cyc), ['_task', '0', '__traceback__', 'tb_frame', 'request']);
    assert.equal(onCycle(computeCycles(an.snap, V8_CYCLE_EDGE_TYPES), req), false, 'without hidden edges the chain is open');
  });

  it('agrees with a reference Kosaraju on random Python graphs (hidden edges, internal __dict__ edges count)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = lcg(1000 + seed);
      const b = new PythonSnapshotBuilder();
      const n = 5 + Math.floor(rnd() * 60);
      const nodes = Array.from({ length: n }, (_, i) => b.obj(`mod.C${i % 5}`));
      const m = Math.floor(rnd() * n * 2.2);
      const types = ['property', 'element', 'hidden', 'weak', 'internal', 'internal'];
      for (let j = 0; j < m; j++) {
        const t = types[Math.floor(rnd() * types.length)];
        const from = nodes[Math.floor(rnd() * n)];
        const to = nodes[Math.floor(rnd() * n)];
        b.edge(from, to, t, t === 'element' || t === 'hidden' ? j : t === 'internal' && rnd() < 0.6 ? '__dict__' : `e${j}`);
      }
      b.inGarbage(...nodes.slice(0, 3));
      assertMatchesReference(b.build(), PYTHON_CYCLE_EDGE_TYPES, true, seed);
    }
  });

  it('handles a 100 000-node ring and a 100 000-deep chain without recursion', () => {
    const N = 100_000;
    const b = new SnapshotBuilder();
    const first = b.obj('N0');
    for (let i = 1; i < N; i++) b.obj(`N${i}`);
    b.gcRoot(first);
    for (let i = 0; i < N - 1; i++) b.prop(first + i, first + i + 1, 'next');
    b.prop(first + N - 1, first, 'wrap');
    const cy = computeCycles(b.build());
    assert.equal(cy.largestComponent, N);
    assert.equal(cy.nodesInCycles, N);
    const chain = new SnapshotBuilder();
    const f2 = chain.obj('C0');
    for (let i = 1; i < N; i++) chain.obj(`C${i}`);
    for (let i = 0; i < N - 1; i++) chain.prop(f2 + i, f2 + i + 1, 'next');
    const cy2 = computeCycles(chain.build());
    assert.equal(cy2.nodesInCycles, 0);
    assert.equal(cy2.largestComponent, 1);
  });

  it('agrees with a reference Kosaraju on random graphs', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = lcg(seed);
      const b = new SnapshotBuilder();
      const n = 5 + Math.floor(rnd() * 60);
      const nodes = Array.from({ length: n }, (_, i) => b.obj(`O${i % 7}`));
      b.gcRoot(nodes[0]);
      const m = Math.floor(rnd() * n * 2.2);
      const types = ['property', 'element', 'context', 'hidden', 'weak', 'internal'];
      for (let j = 0; j < m; j++) {
        const t = types[Math.floor(rnd() * types.length)];
        const from = nodes[Math.floor(rnd() * n)];
        const to = nodes[Math.floor(rnd() * n)];
        b.edge(from, to, t, t === 'element' || t === 'hidden' ? j : `e${j}`);
      }
      const snap = b.build();
      assertMatchesReference(snap, V8_CYCLE_EDGE_TYPES, false, seed);
      // every reported shortest cycle is a real cycle over the edge set
      const an = analyze(snap);
      for (let x = 0; x < snap.nodeCount; x++) {
        const c = shortestCycleThrough(an, x);
        if (!c) continue;
        assert.equal(snap.edgeFrom(c[0]), x);
        assert.equal(snap.edgeTo[c[c.length - 1]], x);
        for (let i = 1; i < c.length; i++) assert.equal(snap.edgeFrom(c[i]), snap.edgeTo[c[i - 1]]);
        for (const e of c) assert.ok(V8_CYCLE_EDGE_TYPES.includes(snap.edgeTypeName(e)));
      }
    }
  });
});
