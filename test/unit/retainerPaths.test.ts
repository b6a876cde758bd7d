import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze, type Analysis } from '../../extension/core/analysis';
import { chainFromAnchor, computeHubIndexes, eagerHubs, prepareRetainerPaths, retainerPaths, type HubIndex } from '../../extension/core/retainerPaths';
import { BASE_SYSTEM_DISTANCE } from '../../extension/core/edgeRules';
import { seededInts } from '../helpers/random';
import { pathsForNode } from '../../extension/core/report';
import { NEVER_ESSENTIAL } from '../../extension/core/retainers';

/** A path as "Owner.edge" hops, for readable assertions. */
function show(an: Analysis, edges: number[]): string {
  const s = an.snap;
  return edges.map((e) => `${s.edgeFrom(e) === 0 ? 'root' : s.name(s.edgeFrom(e)) || 'root'}.${s.edgeName(e)}`).join(' ');
}

/** All simple paths root → target over non-weak edges, by brute force (small graphs only). */
function allSimplePaths(an: Analysis, target: number): number[][] {
  const s = an.snap;
  const out: number[][] = [];
  const onPath = new Set<number>([0]);
  const walk = (v: number, acc: number[]) => {
    if (v === target) { out.push([...acc]); return; }
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
      if (s.edgeTypeName(e) === 'weak') continue;
      const w = s.edgeTo[e];
      if (onPath.has(w)) continue;
      onPath.add(w); acc.push(e);
      walk(w, acc);
      acc.pop(); onPath.delete(w);
    }
  };
  walk(0, []);
  return out;
}

describe('retainer paths: k shortest distinct paths from the root', () => {
  // root → (GC roots) → A → X (short) and (GC roots) → B → C → X (long); W holds X only weakly
  function twoPaths() {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const bb = b.obj('B');
    const c = b.obj('C');
    const x = b.obj('X');
    const w = b.obj('W');
    b.gcRoot(a).gcRoot(bb).gcRoot(w);
    b.prop(a, x, 'viaA').prop(bb, c, 'toC').prop(c, x, 'viaC').edge(w, x, 'weak', 'weakRef');
    return { an: analyze(b.build()), a, bb, c, x, w };
  }

  it('a node retained by two paths: k=1 gives the shortest, k=2 both, shortest first', () => {
    const { an, x } = twoPaths();
    assert.deepEqual(retainerPaths(an, x).map((p) => show(an, p)), ['root.1 (GC roots).1 A.viaA']);
    assert.deepEqual(retainerPaths(an, x, { k: 5 }).map((p) => show(an, p)), [
      'root.1 (GC roots).1 A.viaA',
      'root.1 (GC roots).2 B.toC C.viaC',
    ]);
  });

  it('weak edges never make a path', () => {
    const { an, x } = twoPaths();
    for (const p of retainerPaths(an, x, { k: 10 })) for (const e of p) assert.notEqual(an.snap.edgeTypeName(e), 'weak');
  });

  it('ignore lists: by edge name, by node id, by class', () => {
    const { an, x, a, c } = twoPaths();
    const s = an.snap;
    assert.deepEqual(retainerPaths(an, x, { ignoredEdges: ['viaA'] }).map((p) => show(an, p)), ['root.1 (GC roots).2 B.toC C.viaC']);
    assert.deepEqual(retainerPaths(an, x, { k: 3, ignoredNodeIds: [s.nodeId[a]] }).map((p) => show(an, p)), ['root.1 (GC roots).2 B.toC C.viaC']);
    assert.deepEqual(retainerPaths(an, x, { k: 3, ignoredClasses: ['C'] }).map((p) => show(an, p)), ['root.1 (GC roots).1 A.viaA']);
    assert.deepEqual(retainerPaths(an, x, { k: 3, ignoredNodeIds: [s.nodeId[a], s.nodeId[c]] }), [], 'every path ignored');
    // element indexes can be ignored by their digits
    assert.deepEqual(retainerPaths(an, x, { k: 3, ignoredEdges: ['1'] }).map((p) => show(an, p)), [], '(GC roots) is reached by element 1');
  });

  it('unreachable nodes have no path; the root has the empty path', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A');
    const lost = b.obj('Lost');
    const lost2 = b.obj('Lost2');
    b.gcRoot(a).prop(lost, lost2, 'x').prop(lost2, lost, 'y').edge(a, lost, 'weak', 'w');
    const an = analyze(b.build());
    assert.deepEqual(retainerPaths(an, lost, { k: 3 }), []);
    assert.deepEqual(retainerPaths(an, 0), [[]]);
  });

  it('paths are simple, distinct, in nondecreasing length, and are the k shortest (brute force check)', () => {
    // a layered DAG with back edges: many alternative paths of different lengths
    const b = new SnapshotBuilder();
    const layers: number[][] = [];
    for (let l = 0; l < 5; l++) layers.push([0, 1, 2].map((i) => b.obj(`L${l}_${i}`)));
    for (const n of layers[0]) b.gcRoot(n);
    for (let l = 0; l < 4; l++) {
      for (const u of layers[l]) for (const v of layers[l + 1]) if ((u + v) % 3 !== 0) b.prop(u, v, `to${v}`);
    }
    b.prop(layers[0][0], layers[4][1], 'jump');
    b.prop(layers[3][2], layers[1][0], 'back');
    const target = layers[4][1];
    const an = analyze(b.build());
    const k = 6;
    const got = retainerPaths(an, target, { k, maxExtraHops: 10 });
    const all = allSimplePaths(an, target).map((p) => p.length).sort((x, y) => x - y);
    assert.equal(got.length, Math.min(k, all.length));
    assert.deepEqual(got.map((p) => p.length), all.slice(0, got.length));
    const keys = new Set(got.map((p) => p.join(',')));
    assert.equal(keys.size, got.length, 'distinct');
    for (const p of got) {
      assert.equal(an.snap.edgeFrom(p[0]), 0);
      assert.equal(an.snap.edgeTo[p[p.length - 1]], target);
      const nodes = [0, ...p.map((e) => an.snap.edgeTo[e])];
      assert.equal(new Set(nodes).size, nodes.length, 'simple');
      for (let i = 1; i < p.length; i++) assert.equal(an.snap.edgeFrom(p[i]), an.snap.edgeTo[p[i - 1]]);
    }
  });

  it('pathsForNode returns PathGroups with class names and real element indexes', () => {
    const { an, x } = twoPaths();
    const groups = pathsForNode(an, an.snap.nodeId[x], { k: 2 });
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0].edges.map((e) => [e.from, e.type, e.name, e.to]), [
      ['(root)', 'element', '1', '(GC roots)'],
      ['(GC roots)', 'element', '1', 'A'],
      ['A', 'property', 'viaA', 'X'],
    ]);
    assert.equal(groups[0].edges[2].toId, an.snap.nodeId[x]);
    assert.deepEqual(pathsForNode(an, 999999), []);
  });

  it('chainFromAnchor walks referrers back to the nearest anchor, never through synthetic nodes', () => {
    const { an, x, a, c } = twoPaths();
    const chain = chainFromAnchor(an, x, (n) => n === c)!;
    assert.deepEqual(chain.map((e) => an.snap.edgeName(e)), ['viaC']);
    const chain2 = chainFromAnchor(an, x, (n) => n === 0 || n === a);
    assert.deepEqual(chain2!.map((e) => an.snap.edgeName(e)), ['viaA']);
    assert.equal(chainFromAnchor(an, x, (n) => n === 0), null, 'the root is never an anchor');
  });

  it('handles hubs (more than 512 retainers) with lazy, grouped expansion', () => {
    const b = new SnapshotBuilder();
    const hub = b.obj('Hub');
    const x = b.obj('X');
    b.prop(hub, x, 'x');
    const mids = Array.from({ length: 10 }, () => b.obj('Mid'));
    for (const m of mids) b.gcRoot(m);
    for (let i = 0; i < 1000; i++) { const a = b.obj('A'); b.gcRoot(a).prop(a, hub, `a${i}`); }
    for (let i = 0; i < 1000; i++) { const c = b.obj('B'); b.prop(mids[i % 10], c, `m${i}`).prop(c, hub, `b${i}`); }
    for (let i = 0; i < 300; i++) { const w = b.obj('W'); b.gcRoot(w).edge(w, hub, 'weak', `w${i}`); }
    const an = analyze(b.build());
    const st = { expansions: 0, records: 0 };
    const five = retainerPaths(an, x, { k: 5, stats: st });
    assert.equal(five.length, 5);
    for (const p of five) assert.equal(p.length, 4, show(an, p));
    // lazy by level: the 1000 equally short A holders are pushed, the 1000 longer B holders and the weak ones are not
    assert.ok(st.records > 1000 && st.records < 1100, `lazy: ${st.records} records for 5 paths`);
    // ignoring class A leaves the deeper B holders; the grouped index is reused across queries
    const viaB = retainerPaths(an, x, { k: 3, ignoredClasses: ['A'] });
    assert.equal(viaB.length, 3);
    for (const p of viaB) {
      assert.equal(p.length, 5);
      assert.equal(an.snap.name(an.snap.edgeFrom(p[3])), 'B');
    }
    assert.deepEqual(retainerPaths(an, x, { k: 2, ignoredClasses: ['A', 'B'] }), [], 'weak holders never count');
  });

  it('prepareRetainerPaths groups the biggest hubs ahead of the first query', () => {
    const b = new SnapshotBuilder();
    const hub = b.obj('Hub');
    const x = b.obj('X');
    b.prop(hub, x, 'x');
    const mid = b.obj('Mid');
    b.gcRoot(mid);
    for (let i = 0; i < 70_000; i++) { const a = b.obj('A'); b.prop(mid, a, `a${i}`).prop(a, hub, 'h'); }
    const direct = b.obj('Direct');
    b.gcRoot(direct).prop(direct, hub, 'short');
    const an = analyze(b.build());
    assert.equal(prepareRetainerPaths(an), 1);
    const [p] = retainerPaths(an, x);
    assert.deepEqual(p.map((e) => an.snap.edgeName(e)), [1, 2, 'short', 'x']);
  });

  it('hub indexes group a hub\'s retainer slots by hop bound in place: a stable reorder, ascending groups (checked against a sort)', () => {
    const rnd = seededInts(9177);
    // 3 nodes: two hubs of 70 000 and 90 000 retainers and one below the eager fan-in; owners have
    // distances from 1 to 30, system distances, chains past 65 536 hops, or none (unreachable)
    const owners = 5000;
    const distances = new Int32Array(owners + 4);
    for (let p = 0; p < distances.length; p++) {
      const r = rnd(20);
      distances[p] = r === 0 ? -1 : r === 1 ? BASE_SYSTEM_DISTANCE + 1 + rnd(5) : 1 + rnd(30);
    }
    const fanIn = [70_000, 100, 90_000];
    const total = fanIn.reduce((a, b) => a + b, 0);
    const firstRetainer = new Uint32Array(owners + 5);
    // the retained nodes are ordinals owners+1 .. owners+3; every other node has no retainers
    let at = 0;
    for (let u = 0; u < firstRetainer.length - 1; u++) {
      firstRetainer[u] = at;
      const k = u - owners - 1;
      if (k >= 0 && k < 3) at += fanIn[k];
    }
    firstRetainer[firstRetainer.length - 1] = at;
    const retainerNode = new Uint32Array(total);
    const retainerType = new Uint8Array(total);
    const WEAK = 6;
    for (let s = 0; s < total; s++) {
      retainerNode[s] = rnd(500) === 0 ? 0 : 1 + rnd(owners); // now and then the root 0 (h = 0)
      // weak slots carry the never-essential flag, as computeRetainers sets it; the type byte also
      // tells the slots of one owner apart (it must travel with the owner)
      retainerType[s] = rnd(10) === 0 ? WEAK | NEVER_ESSENTIAL : 1 + rnd(4);
    }
    const check = (dist: Int32Array, wantWide: boolean, shared = false) => {
      const hop = (p: number) => {
        if (p === 0) return 0;
        const d = dist[p];
        if (d < 0) return -1;
        return Math.max(1, d >= BASE_SYSTEM_DISTANCE ? d - BASE_SYSTEM_DISTANCE : d);
      };
      // expected: each hub's slots stably sorted by the owner's hop bound, unreachable owners last
      const expected = new Map<number, [number, number][]>();
      for (const u of [owners + 1, owners + 3]) {
        const slots: [number, number, number][] = [];
        for (let s = firstRetainer[u]; s < firstRetainer[u + 1]; s++) {
          const hp = hop(retainerNode[s]);
          slots.push([hp < 0 ? Infinity : hp, retainerNode[s], retainerType[s]]);
        }
        expected.set(u, slots.map((x, i) => [x, i] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([x]) => [x[1], x[2]]));
      }
      const small = retainerNode.slice(firstRetainer[owners + 2], firstRetainer[owners + 3]);
      const x = {
        retainers: { firstRetainer, retainerNode, retainerType }, weakType: WEAK, distances: dist, root: 0,
        nodeCount: firstRetainer.length - 1,
      };
      let hubs: Map<number, HubIndex>;
      if (shared) {
        // two claimers on one counter, as two threads: the first takes one hub, the second the rest
        const list = eagerHubs(x.retainers.firstRetainer, x.nodeCount);
        let next = 0;
        const first = computeHubIndexes(x, { hubs: list, claim: () => (next < 1 ? next++ : list.length) });
        const second = computeHubIndexes(x, { hubs: list, claim: () => next++ });
        assert.deepEqual([first.size, second.size], [1, 1]);
        hubs = new Map([...first, ...second]);
      } else {
        hubs = computeHubIndexes(x);
      }
      assert.deepEqual([...hubs.keys()].sort((a, b) => a - b), [owners + 1, owners + 3]);
      assert.deepEqual(retainerNode.slice(firstRetainer[owners + 2], firstRetainer[owners + 3]), small, 'a small node keeps its order');
      let wide = false;
      for (const [u, index] of hubs) {
        assert.equal(index.slots, null, 'grouped in place');
        const lo = firstRetainer[u];
        const got: [number, number][] = [];
        for (let s = lo; s < firstRetainer[u + 1]; s++) got.push([retainerNode[s], retainerType[s]]);
        assert.deepEqual(got, expected.get(u), `hub ${u}: a stable reorder by hop bound`);
        assert.equal(index.offs[0], lo);
        for (let g = 0; g < index.hs.length; g++) {
          if (g > 0) assert.ok(index.hs[g] > index.hs[g - 1], 'groups in ascending hop bound');
          assert.ok(index.offs[g + 1] > index.offs[g], 'no empty group');
          for (let s = index.offs[g]; s < index.offs[g + 1]; s++) {
            if (hop(retainerNode[s]) !== index.hs[g]) assert.fail(`hub ${u} slot ${s}: not in its group`);
          }
        }
        // after the last group: the unreachable owners' slots
        for (let s = index.offs[index.hs.length]; s < firstRetainer[u + 1]; s++) assert.equal(hop(retainerNode[s]), -1);
        if (index.hs[index.hs.length - 1] >= 1 << 16) wide = true;
      }
      assert.equal(wide, wantWide);
    };
    check(distances, false);
    // owners at the end of chains longer than 65 536 hops: the wide path
    const far = distances.slice();
    for (let p = 1; p < far.length; p += 7) far[p] = 70_000 + rnd(3);
    check(far, true);
    check(distances, false); // and the narrow path again (its counts are cleared after each hub)
    // nine in ten owners at one hop bound (as in real heaps: long runs of equal h, one big group)
    const runs = distances.map((d) => (rnd(10) === 0 ? d : 7));
    check(runs, false);
    assert.deepEqual([...eagerHubs(firstRetainer, firstRetainer.length - 1)], [owners + 3, owners + 1], 'largest fan-in first');
    // shared between two claimers (as two threads do): the same groups
    check(distances, false, true);
    check(far, true, true);
  });

  it('bounds the work on a wide graph with a deep target', () => {
    const b = new SnapshotBuilder();
    const hubs = Array.from({ length: 200 }, (_, i) => b.obj(`Hub${i}`));
    for (const h of hubs) b.gcRoot(h);
    let prev = hubs[0];
    const chain: number[] = [];
    for (let i = 0; i < 50; i++) {
      const n = b.obj(`C${i}`);
      chain.push(n);
      b.prop(prev, n, 'next');
      for (let j = 1; j < 40; j++) b.prop(hubs[(i * 7 + j) % 200], n, `h${j}`);
      prev = n;
    }
    const an = analyze(b.build());
    const st = { expansions: 0, records: 0 };
    const ps = retainerPaths(an, chain[49], { k: 10, stats: st });
    assert.equal(ps.length, 10);
    // bounded work (each node expanded at most k times), not a timing assertion
    assert.ok(st.expansions <= 10 * (an.snap.nodeCount), `${st.expansions} expansions`);
  });
});
