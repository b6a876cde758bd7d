import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { PythonSnapshotBuilder } from '../helpers/pythonSnapshot';
import { parseSnapshotBytes } from '../../extension/core/parser';
import { analyze, type Analysis } from '../../extension/core/analysis';
import { classSummary, computeClassIds, computeClassTotals, withClassLocations } from '../../extension/core/classSummary';
import type { HeapSnapshot } from '../../extension/core/model';
import { computeDominators } from '../../extension/core/dominators';
import { computeEssentialEdges } from '../../extension/core/edgeRules';

/** The snapshot as the analysis helper thread sees it: no locations. */
function withoutLocations(snap: HeapSnapshot): HeapSnapshot {
  const copy = Object.create(snap) as HeapSnapshot;
  Object.defineProperty(copy, 'locations', { value: null });
  return copy;
}

function row(an: Analysis, name: string) {
  return classSummary(an).find((r) => r.name === name);
}

/** Class retained size by the definition, walking each node's dominator chain (quadratic; small graphs). */
function referenceClassRetained(an: Analysis): Map<string, number> {
  const s = an.snap;
  const out = new Map<string, number>();
  for (let n = 0; n < s.nodeCount; n++) {
    if (an.shallowSizes[n] === 0) continue;
    const cls = s.className(n);
    let hidden = false;
    for (let d = an.dominators[n], guard = 0; guard < s.nodeCount; d = an.dominators[d], guard++) {
      if (an.shallowSizes[d] !== 0 && d !== n && s.className(d) === cls) { hidden = true; break; }
      if (d === an.dominators[d]) break;
    }
    if (!hidden) out.set(cls, (out.get(cls) ?? 0) + an.retainedSizes[n]);
  }
  return out;
}

/**
 * A seeded random graph of objects of classes K0..K(classes-1): 10 to 10 + maxExtra of them, the
 * first three GC roots, about `edges` property edges per node (a `weak` share of them weak).
 */
function randomClassGraph(seed: number, o: { maxExtra: number; classes: number; size: (i: number) => number; edges: number; weak?: number }): SnapshotBuilder {
  let s = seed;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
  const b = new SnapshotBuilder();
  const n = 10 + Math.floor(rnd() * o.maxExtra);
  const nodes = Array.from({ length: n }, (_, i) => b.obj(`K${Math.floor(rnd() * o.classes)}`, o.size(i)));
  for (let i = 0; i < 3; i++) b.gcRoot(nodes[i]);
  for (let j = 0; j < n * o.edges; j++) {
    const from = nodes[Math.floor(rnd() * n)];
    const to = nodes[Math.floor(rnd() * n)];
    if (o.weak !== undefined && rnd() < o.weak) b.edge(from, to, 'weak', `w${j}`);
    else b.prop(from, to, `e${j}`);
  }
  return b;
}

describe('class summary: count, shallow size, DevTools class retained size', () => {
  it('counts nested same-class instances once in the class retained size', () => {
    const b = new SnapshotBuilder();
    // Tree(100) → Tree(10) → Leaf(1); Tree(100) → Box(5) → Tree(20); a separate Tree(7)
    const t1 = b.obj('Tree', 100);
    const t2 = b.obj('Tree', 10);
    const leaf = b.obj('Leaf', 1);
    const box = b.obj('Box', 5);
    const t3 = b.obj('Tree', 20);
    const t4 = b.obj('Tree', 7);
    b.gcRoot(t1).gcRoot(t4).prop(t1, t2, 'left').prop(t2, leaf, 'leaf').prop(t1, box, 'box').prop(box, t3, 'inner');
    const an = analyze(b.build());
    assert.equal(an.retainedSizes[t1], 136);
    const tree = row(an, 'Tree')!;
    assert.equal(tree.count, 4);
    assert.equal(tree.selfSize, 137);
    assert.equal(tree.retainedSize, 136 + 7, 't2 and t3 are inside t1 (t3 through a Box)');
    assert.equal(row(an, 'Box')!.retainedSize, 25);
    assert.equal(row(an, 'Leaf')!.retainedSize, 1);
  });

  it('a shared instance (two retainers) is dominated by their common dominator, not by either', () => {
    const b = new SnapshotBuilder();
    const p = b.obj('Node', 10);
    const q = b.obj('Node', 10);
    const shared = b.obj('Node', 3);
    b.gcRoot(p).gcRoot(q).prop(p, shared, 'a').prop(q, shared, 'b');
    const an = analyze(b.build());
    assert.equal(row(an, 'Node')!.retainedSize, 23);
  });

  it('leaves zero-size nodes out, like DevTools', () => {
    const b = new SnapshotBuilder();
    const z = b.obj('Zero', 0);
    b.gcRoot(z);
    const an = analyze(b.build());
    assert.equal(row(an, 'Zero'), undefined);
    assert.equal(row(an, '(synthetic)'), undefined);
  });

  it('sorts by retained size, largest first, and agrees with the definition on random graphs', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const b = randomClassGraph(seed, { maxExtra: 60, classes: 4, size: (i) => 1 + (i % 9), edges: 1.6 });
      const an = analyze(b.build());
      const rows = classSummary(an);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].retainedSize >= rows[i].retainedSize);
      const ref = referenceClassRetained(an);
      for (const r of rows) assert.equal(r.retainedSize, ref.get(r.name) ?? 0, `seed ${seed} class ${r.name}`);
    }
  });

  it('marks classTop by the definition for any parents-first dominator order (DFS file order, BFS, reversed children)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const b = randomClassGraph(seed * 7919, { maxExtra: 80, classes: 3, size: (i) => i % 5, edges: 1.4 });
      const an = analyze(b.build());
      const N = an.snap.nodeCount;
      const children: number[][] = Array.from({ length: N }, () => []);
      for (let v = 0; v < N; v++) if (v !== an.snap.rootOrdinal) children[an.dominators[v]].push(v);
      const bfs = [an.snap.rootOrdinal];
      for (let i = 0; i < bfs.length; i++) bfs.push(...children[bfs[i]]);
      const dfsReversed: number[] = [];
      const st = [an.snap.rootOrdinal];
      while (st.length) { const v = st.pop()!; dfsReversed.push(v); st.push(...children[v]); }
      for (const order of [an.dominatorOrder, Uint32Array.from(bfs), Uint32Array.from(dfsReversed)]) {
        assert.equal(order.length, N);
        const t = computeClassTotals({ ...an, dominatorOrder: order });
        for (let v = 0; v < N; v++) {
          let top = an.shallowSizes[v] !== 0;
          for (let d = an.dominators[v], w = v; top && d !== w; w = d, d = an.dominators[d]) {
            if (an.shallowSizes[d] !== 0 && t.classIds.ids[d] === t.classIds.ids[v]) top = false;
          }
          assert.equal(t.classTop[v], top ? 1 : 0, `seed ${seed} node ${v}`);
        }
        const ref = referenceClassRetained(an);
        for (let c = 0; c < t.classIds.names.length; c++) {
          assert.equal(t.retainedSize[c], ref.get(t.classIds.names[c]) ?? 0, `seed ${seed} class ${t.classIds.names[c]}`);
        }
      }
    }
  });

  it('the dominators give the same classTop by DFS number, and the class totals from it the same sums', () => {
    let tried = 0;
    for (let seed = 1; seed <= 30; seed++) {
      // some edges weak (nodes only weak edges reach, and cliques no root reaches)
      const b = randomClassGraph(seed * 104729, { maxExtra: 120, classes: 4, size: (i) => i % 6, edges: 1.5, weak: 0.15 });
      const an = analyze(b.build());
      const want = computeClassTotals(an);
      const essential = computeEssentialEdges(an.snap, an.pageOwned);
      const tree = computeDominators(an.snap, an.retainers, essential, an.pageOwned, {
        classTop: () => ({ ids: want.classIds.ids, classCount: want.classIds.names.length, sizes: an.shallowSizes }),
      });
      assert.deepEqual(tree.dominators, an.dominators);
      if (!tree.classTop) continue; // (given up: the path outgrew its scratch)
      tried++;
      assert.deepEqual([...tree.classTop], [...want.classTop], `seed ${seed}`);
      const got = computeClassTotals(an, want.classIds, tree.classTop);
      assert.deepEqual([...got.count], [...want.count]);
      assert.deepEqual([...got.selfSize], [...want.selfSize]);
      assert.deepEqual([...got.retainedSize], [...want.retainedSize], `seed ${seed}`);
    }
    assert.ok(tried >= 25, `${tried} of 30 graphs`);
    // a chain: its dominator path outgrows the scratch, so no classTop (the class totals do it)
    const b = new SnapshotBuilder();
    let prev = b.obj('C0', 4);
    b.gcRoot(prev);
    for (let i = 1; i < 300; i++) { const next = b.obj(`C${i % 3}`, 4); b.prop(prev, next, 'next'); prev = next; }
    const an = analyze(b.build());
    const ids = computeClassIds(an.snap);
    const tree = computeDominators(an.snap, an.retainers, computeEssentialEdges(an.snap, an.pageOwned), an.pageOwned, {
      classTop: () => ({ ids: ids.ids, classCount: ids.names.length, sizes: an.shallowSizes }),
    });
    assert.equal(tree.classTop, undefined);
  });

  it('still counts every node when dominator chains do not reach the root (malformed input)', () => {
    const b = new SnapshotBuilder();
    const x = b.obj('Loop', 5);
    const y = b.obj('Loop', 7);
    const z = b.obj('Other', 3);
    b.gcRoot(z);
    const an = analyze(b.build());
    const dominators = an.dominators.slice();
    dominators[x] = y; // a dominator cycle x ↔ y, cut off from the root
    dominators[y] = x;
    const t = computeClassTotals({ ...an, dominators });
    const loop = t.classIds.ids[x];
    assert.equal(t.count[loop], 2);
    assert.equal(t.classTop[x] + t.classTop[y], 1, 'one of the two is counted, the other is below it');
    assert.equal(t.retainedSize[t.classIds.ids[z]], an.retainedSizes[z]);
  });

  it('marks the instances counted in their class retained size', () => {
    const b = new SnapshotBuilder();
    const outer = b.obj('Req', 10);
    const inner = b.obj('Req', 10);
    b.gcRoot(outer).prop(outer, inner, 'parent');
    const an = analyze(b.build());
    const t = computeClassTotals(an);
    assert.equal(t.classTop[outer], 1);
    assert.equal(t.classTop[inner], 0);
  });

  it('class ids in the narrowest array the class count allows: 8, 16 or 32 bits, same classes', () => {
    for (const classes of [3, 256, 257, 65_536, 65_537]) {
      const b = new SnapshotBuilder();
      const g = b.obj('Global');
      b.edge(b.root, g, 'shortcut', 'global');
      // the builder's root and (GC roots) make one class (synthetic), Global another
      const nodes: number[] = [];
      for (let i = 0; i < classes - 2; i++) { const n = b.obj(`C${i}`, 8); nodes.push(n); b.prop(g, n, `p${i}`); }
      const snap = b.build();
      const ids = computeClassIds(snap);
      assert.equal(ids.names.length, classes);
      const want = classes <= 256 ? Uint8Array : classes <= 65_536 ? Uint16Array : Uint32Array;
      assert.ok(ids.ids instanceof want, `${classes} classes: ${ids.ids.constructor.name}`);
      for (let n = 0; n < snap.nodeCount; n++) assert.equal(ids.names[ids.ids[n]], snap.className(n), `${classes} classes, node ${n}`);
      const an = analyze(snap);
      const last = nodes[nodes.length - 1];
      if (last !== undefined) assert.equal(row(an, snap.className(last))?.count, 1);
    }
  });

  it('Python heaps: frames, functions and modules are grouped by kind', () => {
    const b = new PythonSnapshotBuilder();
    const m = b.module('app');
    const f1 = b.obj('frame main app.py:3');
    const f2 = b.obj('frame handler app.py:9');
    const fn = b.node('closure', 'function handler app.py:8');
    b.prop(m, fn, 'handler').prop(m, f1, 'f').prop(f1, f2, 'f_back');
    const snap = b.build();
    const ids = computeClassIds(snap);
    assert.equal(ids.names[ids.ids[f1]], 'frame');
    assert.equal(ids.ids[f1], ids.ids[f2]);
    assert.equal(ids.names[ids.ids[fn]], 'function');
    assert.equal(ids.names[ids.ids[m]], 'module');
    const an = analyze(snap);
    assert.equal(row(an, 'frame')!.count, 2);
  });
});

describe('class names of V8 heaps (DevTools Summary rules)', () => {
  const nameOf = (ids: ReturnType<typeof computeClassIds>, n: number) => ids.names[ids.ids[n]];

  it('names other node types by kind: (system), Function, RegExp, (compiled code), string kinds', () => {
    const b = new SnapshotBuilder();
    const kinds: [string, string][] = [['hidden', '(system)'], ['closure', 'Function'], ['regexp', 'RegExp'],
      ['code', '(compiled code)'], ['string', '(string)'], ['concatenated string', '(concatenated string)'],
      ['sliced string', '(sliced string)'], ['array', '(array)'], ['number', '(number)'], ['symbol', '(symbol)']];
    const nodes = kinds.map(([type]) => b.node(type, 'x'));
    for (const v of nodes) b.gcRoot(v);
    const ids = computeClassIds(b.build());
    kinds.forEach(([, name], i) => assert.equal(nameOf(ids, nodes[i]), name));
  });

  it('cuts <tag …> names to the tag and prefixes "Detached " as DOM state propagates over native nodes', () => {
    const b = new SnapshotBuilder();
    const div = b.node('native', '<div id="a" class="b">', { detachedness: 2 });
    const child = b.node('native', 'Text', { detachedness: 0 }); // unknown: inherits detached
    const shared = b.node('native', 'Shared', { detachedness: 0 }); // also reached from an attached node
    const weakOnly = b.node('native', 'WeakOnly', { detachedness: 0 }); // only over a weak edge
    const js = b.obj('Wrapper'); // not native: stops propagation
    const behindJs = b.node('native', 'BehindJs', { detachedness: 0 });
    const span = b.node('native', '<span class="x">', { detachedness: 1 });
    const plainTag = b.node('native', '<p>', { detachedness: 0 });
    b.gcRoot(div).gcRoot(span).gcRoot(plainTag)
      .prop(div, child, 'firstChild').prop(div, shared, 's').prop(span, shared, 's')
      .edge(div, weakOnly, 'weak', 'w').prop(div, js, 'wrapper').prop(js, behindJs, 'x');
    const ids = computeClassIds(b.build());
    assert.equal(nameOf(ids, div), 'Detached <div>');
    assert.equal(nameOf(ids, child), 'Detached Text');
    assert.equal(nameOf(ids, shared), 'Shared');
    assert.equal(nameOf(ids, weakOnly), 'WeakOnly');
    assert.equal(nameOf(ids, js), 'Wrapper');
    assert.equal(nameOf(ids, behindJs), 'BehindJs');
    assert.equal(nameOf(ids, span), '<span>');
    assert.equal(nameOf(ids, plainTag), '<p>');
  });

  it('names plain objects by popular property lists; others join the longest list they contain or stay Object', () => {
    const b = new SnapshotBuilder();
    const str = b.node('string', 'v');
    const obj = (props: string[]) => {
      const o = b.obj('Object');
      for (const p of props) b.prop(o, str, p);
      b.gcRoot(o);
      return o;
    };
    const hp = [obj(['host', 'port']), obj(['host', 'port']), obj(['port', 'host'])];
    const more = obj(['port', 'x', 'host', '__proto__']);
    const ab = [obj(['b', 'a']), obj(['b', 'a']), obj(['a', 'b'])];
    const rare = obj(['zzz']);
    const empty = obj([]);
    const quoted = [obj(['x, y', 'q"']), obj(['x, y', 'q"'])];
    const ids = computeClassIds(b.build());
    for (const o of [...hp, more]) assert.equal(nameOf(ids, o), '{host, port}');
    for (const o of ab) assert.equal(nameOf(ids, o), '{b, a}');
    assert.equal(nameOf(ids, rare), 'Object');
    assert.equal(nameOf(ids, empty), 'Object');
    for (const o of quoted) assert.equal(nameOf(ids, o), '{"x, y", "q\\""}');
  });

  it('splits objects by constructor location; rows of a split name are told apart by it', () => {
    const b = new SnapshotBuilder();
    const a1 = b.obj('Job', 10);
    const a2 = b.obj('Job', 10);
    const c = b.obj('Job', 20);
    const bare = b.obj('Job', 5);
    const other = b.obj('Solo', 3);
    b.gcRoot(a1).gcRoot(a2).gcRoot(c).gcRoot(bare).gcRoot(other);
    const nf = b.nodeFields.length;
    const json = b.toJSON({ locations: [a1 * nf, 7, 0, 4, a2 * nf, 7, 0, 4, c * nf, 8, 2, 0, other * nf, 9, 1, 1] });
    const snap = parseSnapshotBytes(new TextEncoder().encode(json));
    const ids = computeClassIds(snap);
    assert.equal(ids.ids[a1], ids.ids[a2]);
    assert.notEqual(ids.ids[a1], ids.ids[c]);
    assert.notEqual(ids.ids[a1], ids.ids[bare]);
    assert.deepEqual(ids.locations[ids.ids[c]], { scriptId: 8, line: 2, column: 0 });
    assert.equal(ids.locations[ids.ids[bare]], null);
    const rows = classSummary(analyze(snap)).map((r) => `${r.name} ${r.count} ${r.selfSize}`).sort();
    assert.deepEqual(rows, ['Job (script 7:1:5) 2 20', 'Job (script 8:3:1) 1 20', 'Job 1 5', 'Solo 1 3']);
    // as the analysis helper thread computes them (no locations), then split here: the same ids
    assert.deepEqual(withClassLocations(snap, computeClassIds(withoutLocations(snap))), ids);
  });

  it('class ids widen to 16 bits when the location split or plain-object interfaces pass 256 classes', () => {
    // 300 Jobs at 300 sites: the split makes the ids pass 255 after the first pass chose 8 bits
    const b = new SnapshotBuilder();
    const jobs: number[] = [];
    for (let i = 0; i < 300; i++) { const j = b.obj('Job', 4); jobs.push(j); b.gcRoot(j); }
    const nf = b.nodeFields.length;
    const snap = parseSnapshotBytes(new TextEncoder().encode(b.toJSON({ locations: jobs.flatMap((j, i) => [j * nf, 7, i, 0]) })));
    const ids = computeClassIds(snap);
    assert.ok(ids.ids instanceof Uint16Array);
    assert.equal(new Set(jobs.map((j) => ids.ids[j])).size, 300);
    const base = computeClassIds(withoutLocations(snap));
    assert.ok(base.ids instanceof Uint8Array, 'without locations: 8 bits');
    assert.deepEqual(withClassLocations(snap, base), ids, 'widened while split, as computeClassIds does');
    for (let i = 0; i < 300; i++) assert.deepEqual(ids.locations[ids.ids[jobs[i]]], { scriptId: 7, line: i, column: 0 });
    // 300 interfaces of plain objects (each shape twice, as an interface needs): named in the second pass
    const p = new SnapshotBuilder();
    const objs: number[] = [];
    for (let i = 0; i < 600; i++) {
      const o = p.obj('Object', 4);
      objs.push(o);
      p.gcRoot(o);
      const v = p.obj('V', 1);
      p.prop(o, v, `k${i >> 1}`);
    }
    const ps = p.build();
    const pids = computeClassIds(ps);
    assert.ok(pids.ids instanceof Uint16Array);
    for (let i = 0; i < 600; i++) assert.equal(pids.names[pids.ids[objs[i]]], `{k${i >> 1}}`);
  });
});
