// Dominators and retained sizes on tiny graphs (expected values worked out by hand from DevTools'
// rules), a 200 000-node chain, and random graphs checked against the definition of dominance.
import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze, UNREACHABLE } from '../../extension/core/analysis';
import { computeRetainers } from '../../extension/core/retainers';
import { computeDominatorsAndRetainedSizes } from '../../extension/core/dominators';
import { computeEssentialEdges, computePageOwned, computeShallowSizes, edgeBit, nodeBit, WeakMapEdgeNames, type NodeBits } from '../../extension/core/edgeRules';
import { parseSnapshotBytes } from '../../extension/core/parser';
import type { HeapSnapshot, SizeArray } from '../../extension/core/model';

/** A builder with a user root: root -shortcut-> global (page-owned, distance 1). */
function withGlobal(): { b: SnapshotBuilder; g: number } {
  const b = new SnapshotBuilder();
  const g = b.obj('global', 0);
  b.edge(b.root, g, 'shortcut', 'global');
  return { b, g };
}

describe('dominators and retained sizes', () => {
  it('diamond: the join is dominated by the fork, which retains all four', () => {
    const b = new SnapshotBuilder();
    const top = b.obj('Top', 1);
    const l = b.obj('L', 2);
    const r = b.obj('R', 4);
    const bottom = b.obj('Bottom', 8);
    b.gcRoot(top).prop(top, l, 'l').prop(top, r, 'r').prop(l, bottom, 'x').prop(r, bottom, 'y');
    const a = analyze(b.build());
    assert.equal(a.dominators[bottom], top);
    assert.equal(a.dominators[l], top);
    assert.equal(a.dominators[top], b.gcRoots);
    assert.equal(a.dominators[b.root], b.root);
    assert.equal(a.retainedSizes[top], 15);
    assert.equal(a.retainedSizes[l], 2);
    assert.equal(a.retainedSizes[r], 4);
    assert.equal(a.retainedSizes[b.root], 15);
  });

  it('keeps sizes in 32-bit arrays only while every sum fits: exact past 4 GiB in total and per node', () => {
    // small heap: every array is 32-bit (half the memory)
    const small = new SnapshotBuilder();
    const s1 = small.obj('S', 7);
    small.gcRoot(s1);
    const as = analyze(parseSnapshotBytes(new TextEncoder().encode(small.toJSON())));
    assert.ok(as.snap.nodeSelfSize instanceof Uint32Array, 'self sizes');
    assert.ok(as.shallowSizes instanceof Uint32Array, 'shallow sizes');
    assert.ok(as.retainedSizes instanceof Uint32Array, 'retained sizes');
    assert.equal(as.retainedSizes[small.root], 7);
    // three objects of 3 GiB each: each self size fits 32 bits, their sum (the root's) does not
    const big = new SnapshotBuilder();
    const gib3 = 3 * 2 ** 30;
    const holder = big.obj('Holder', gib3);
    const p = big.obj('Part', gib3);
    const q = big.obj('Part', gib3);
    big.gcRoot(holder).prop(holder, p, 'p').prop(holder, q, 'q');
    for (const snap of [big.build(), parseSnapshotBytes(new TextEncoder().encode(big.toJSON()))]) {
      const a = analyze(snap);
      assert.ok(snap.nodeSelfSize instanceof Uint32Array);
      assert.equal(a.retainedSizes[holder], 3 * gib3);
      assert.equal(a.retainedSizes[big.root], 3 * gib3);
      assert.equal(a.shallowSizes[p], gib3);
    }
    // one object of 2^40 bytes: the self sizes stay 64-bit
    const huge = new SnapshotBuilder();
    const h = huge.obj('Huge', 2 ** 40);
    const k = huge.obj('Kid', 5);
    huge.gcRoot(h).prop(h, k, 'kid');
    const snap = parseSnapshotBytes(new TextEncoder().encode(huge.toJSON()));
    assert.ok(snap.nodeSelfSize instanceof Float64Array);
    const a = analyze(snap);
    assert.equal(snap.nodeSelfSize[h], 2 ** 40);
    assert.equal(a.retainedSizes[h], 2 ** 40 + 5);
  });

  it('essential edges: the WeakMap table -> value edge is left out, whether its name was parsed before or not', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('global');
    const table = b.node('array', 'system / EphemeronHashTable', { id: 501 });
    const value = b.obj('Value');
    const other = b.obj('Other');
    const pair = 'part of key (Key @7) -> value (Value @9) pair in WeakMap (table @501)';
    b.edge(b.root, g, 'shortcut', 'global').edge(g, table, 'internal', 'table');
    b.edge(table, value, 'internal', `3 / ${pair}`).edge(table, other, 'internal', 'elements');
    const snap = b.build();
    const edgeTo = (from: number, to: number) => {
      for (let e = snap.firstEdge[from]; e < snap.firstEdge[from + 1]; e++) if (snap.edgeTo[e] === to) return e;
      throw new Error('no edge');
    };
    const owned = computePageOwned(snap);
    const parsed = new WeakMapEdgeNames(snap.strings);
    parsed.prepare(0, snap.strings.length);
    for (const names of [new WeakMapEdgeNames(snap.strings), parsed]) {
      const bits = computeEssentialEdges(snap, owned, names);
      assert.equal(edgeBit(bits, edgeTo(table, value)), false, 'table -> value');
      assert.equal(edgeBit(bits, edgeTo(table, other)), true, 'an ordinary internal edge');
      assert.equal(edgeBit(bits, edgeTo(g, table)), true);
    }
  });

  it('cycle: entry dominates the ring, each member its successor', () => {
    const b = new SnapshotBuilder();
    const x = b.obj('X', 1);
    const y = b.obj('Y', 2);
    const z = b.obj('Z', 4);
    b.gcRoot(x).prop(x, y, 'next').prop(y, z, 'next').prop(z, x, 'next');
    const a = analyze(b.build());
    assert.equal(a.dominators[y], x);
    assert.equal(a.dominators[z], y);
    assert.equal(a.retainedSizes[x], 7);
    assert.equal(a.retainedSizes[y], 6);
    assert.equal(a.retainedSizes[z], 4);
  });

  it('weak edges do not retain; a weak-only node is unreachable and hangs off the root', () => {
    const b = new SnapshotBuilder();
    const owner = b.obj('Owner', 10);
    const weakOnly = b.obj('WeakOnly', 100);
    const child = b.obj('ChildOfWeakOnly', 1000);
    const both = b.obj('Both', 7);
    b.gcRoot(owner).edge(owner, weakOnly, 'weak', 'w').prop(weakOnly, child, 'c');
    b.prop(owner, both, 'strong').edge(b.gcRoots, both, 'weak', 'w2');
    const a = analyze(b.build());
    assert.equal(a.distances[weakOnly], UNREACHABLE);
    assert.equal(a.distances[child], UNREACHABLE);
    assert.equal(a.dominators[weakOnly], b.root);
    // DevTools runs a DFS from each weak-only node: its subtree is dominated by it
    assert.equal(a.dominators[child], weakOnly);
    assert.equal(a.retainedSizes[weakOnly], 1100);
    assert.equal(a.retainedSizes[owner], 17, 'Owner retains Both (weak edge from (GC roots) ignored) but not WeakOnly');
    assert.equal(a.dominators[both], owner);
    assert.equal(a.retainedSizes[b.root], 10 + 100 + 1000 + 7);
  });

  it('self edges are ignored', () => {
    const b = new SnapshotBuilder();
    const p = b.obj('P', 3);
    const q = b.obj('Q', 5);
    const selfOnly = b.obj('SelfOnly', 11);
    b.gcRoot(p).prop(p, q, 'q').prop(q, q, 'me').prop(p, p, 'me').prop(selfOnly, selfOnly, 'me');
    const a = analyze(b.build());
    assert.equal(a.dominators[q], p);
    assert.equal(a.retainedSizes[p], 8);
    assert.equal(a.dominators[selfOnly], b.root, 'a node retained only by itself is attached to the root');
    assert.equal(a.distances[selfOnly], UNREACHABLE);
  });

  it('shortcut edges count only from the root', () => {
    const { b, g } = withGlobal();
    const holder = b.obj('Holder', 2);
    const target = b.obj('Target', 40);
    b.prop(g, holder, 'holder').prop(holder, target, 't').edge(g, target, 'shortcut', 'alias');
    const a = analyze(b.build());
    assert.equal(a.dominators[g], b.root, 'root -shortcut-> global is essential');
    assert.equal(a.dominators[target], holder, 'global -shortcut-> Target is ignored');
    assert.equal(a.retainedSizes[holder], 42);
    assert.equal(a.distances[g], 1);
    assert.equal(a.distances[target], 2, 'distances do follow shortcut edges');
  });

  it('a node retained by two paths is dominated by their common ancestor only', () => {
    const b = new SnapshotBuilder();
    const a1 = b.obj('A1', 1);
    const a2 = b.obj('A2', 2);
    const shared = b.obj('Shared', 64);
    b.gcRoot(a1).gcRoot(a2).prop(a1, shared, 's').prop(a2, shared, 's');
    const a = analyze(b.build());
    assert.equal(a.dominators[shared], b.gcRoots);
    assert.equal(a.retainedSizes[a1], 1);
    assert.equal(a.retainedSizes[a2], 2);
    assert.equal(a.retainedSizes[b.gcRoots], 67);
  });

  it('a semidominator below the DFS parent: retainers read after an early low candidate still reach the root', () => {
    // DFS numbers: root 1, (GC roots) 2, B 3, W 4, X 5, C 6, Y 7. W's retainers in slice order
    // (owner ordinals): [(GC roots) directly,] B (the tree parent), X (semidominator 2), Y (whose
    // path goes up to C, semidominator 1). Only the last one shows that W's semidominator is the
    // root, so the reading of W's retainers may stop at the root only, not at any low number.
    for (const direct of [true, false]) {
      const b = new SnapshotBuilder();
      const bb = b.obj('B', 1);
      const w = b.obj('W', 2);
      const x = b.obj('X', 4);
      const c = b.obj('C', 8);
      const y = b.obj('Y', 16);
      b.gcRoot(bb).gcRoot(x).prop(bb, w, 'w').prop(x, w, 'w').prop(c, y, 'y').prop(y, w, 'w');
      if (direct) b.prop(b.gcRoots, w, 'w');
      b.edge(b.root, c, 'element', 2);
      const s = b.build();
      const a = analyze(s);
      const what = direct ? 'with (GC roots) -> W' : 'without';
      assert.equal(a.dominators[w], b.root, what);
      assert.equal(a.dominators[y], c, what);
      assert.equal(a.retainedSizes[c], 24, what);
      checkAgainstDefinition(s, a.dominators, a.retainedSizes, a.shallowSizes, a.pageOwned, what);
    }
  });

  it('an unreachable subgraph: a clique retaining itself is attached to the root node by node', () => {
    const b = new SnapshotBuilder();
    const live = b.obj('Live', 1);
    const u1 = b.obj('U1', 10);
    const u2 = b.obj('U2', 20);
    const u3 = b.obj('U3', 40);
    b.gcRoot(live).prop(u1, u2, 'a').prop(u2, u1, 'b').prop(u2, u3, 'c');
    const a = analyze(b.build());
    for (const u of [u1, u2, u3]) assert.equal(a.distances[u], UNREACHABLE);
    assert.equal(a.dominators[u1], b.root);
    assert.equal(a.dominators[u2], b.root);
    assert.equal(a.dominators[u3], b.root);
    assert.equal(a.retainedSizes[u1], 10);
    assert.equal(a.retainedSizes[b.root], 71);
  });

  it('WeakMap: the table → value edge is ignored, the key → value edge retains', () => {
    const { b, g } = withGlobal();
    const map = b.obj('WeakMap', 8);
    const tableId = 9001;
    const table = b.node('array', 'system / EphemeronHashTable', { id: tableId, selfSize: 16 });
    const key = b.obj('Key', 4);
    const value = b.obj('Value', 128);
    const pair = `part of key (Key @${tableId + 2}) -> value (Value @${tableId + 4}) pair in WeakMap (table @${tableId})`;
    b.prop(g, map, 'wm').prop(g, key, 'key').edge(map, table, 'internal', 'table');
    b.edge(table, value, 'internal', `1 / ${pair}`).edge(key, value, 'internal', `2 / ${pair}`);
    const a = analyze(b.build());
    assert.equal(a.dominators[value], key);
    assert.equal(a.retainedSizes[key], 4 + 128);
    assert.equal(a.retainedSizes[map], 8 + 16);
    // A table edge whose name names another table is an ordinary edge.
    const { b: b2, g: g2 } = withGlobal();
    const t2 = b2.node('array', 'system / EphemeronHashTable', { id: 77, selfSize: 16 });
    const k2 = b2.obj('Key', 4);
    const v2 = b2.obj('Value', 128);
    const other = `part of key (Key @1) -> value (Value @3) pair in WeakMap (table @78)`;
    b2.prop(g2, t2, 't').prop(g2, k2, 'k').edge(t2, v2, 'internal', `1 / ${other}`).edge(k2, v2, 'internal', `2 / ${other}`);
    const a2 = analyze(b2.build());
    assert.equal(a2.dominators[v2], g2);
  });

  it('edges from non-page-owned into page-owned nodes are ignored (except from the root)', () => {
    const { b, g } = withGlobal();
    const pageObj = b.obj('PageObject', 30);
    const sys = b.node('hidden', 'system / Debugger', { selfSize: 1 });
    const sysOnly = b.obj('SystemOnly', 5);
    b.prop(g, pageObj, 'p').gcRoot(sys).edge(sys, pageObj, 'internal', 'debugger').edge(sys, sysOnly, 'internal', 'x');
    const a = analyze(b.build());
    assert.equal(nodeBit(a.pageOwned, pageObj), true);
    assert.equal(nodeBit(a.pageOwned, sys), false);
    assert.equal(a.dominators[pageObj], g, 'the (GC roots) → Debugger → PageObject path does not count');
    assert.equal(a.dominators[sysOnly], sys);
    assert.equal(a.retainedSizes[g], 30);
  });

  it('retained sizes sum DevTools shallow sizes: owned arrays give their size to their single owner', () => {
    const { b, g } = withGlobal();
    const obj = b.obj('Obj', 24);
    const elements = b.node('array', '', { selfSize: 100 });
    const other = b.obj('Other', 16);
    const sharedArr = b.node('array', '', { selfSize: 1000 });
    b.prop(g, obj, 'o').prop(g, other, 'x').edge(obj, elements, 'internal', 'elements');
    b.edge(obj, sharedArr, 'internal', 'a').edge(other, sharedArr, 'internal', 'a');
    const s = b.build();
    const shallow = computeShallowSizes(s);
    assert.equal(shallow[obj], 124);
    assert.equal(shallow[elements], 0);
    assert.equal(shallow[sharedArr], 1000, 'an array with two owners keeps its size');
    assert.equal(s.nodeSelfSize[elements], 100, 'without inPlace the snapshot is not modified');
    const a = analyze(s);
    assert.equal(a.retainedSizes[obj], 124);
    assert.equal(a.retainedSizes[elements], 0);
    assert.equal(a.retainedSizes[g], 124 + 16 + 1000);
    // the analysis moves the sizes inside the snapshot's column: no second per-node array
    assert.equal(a.shallowSizes, s.nodeSelfSize);
    assert.deepEqual([...s.nodeSelfSize], [...shallow]);
    // and a second analysis of the same snapshot gives the same numbers (moving again moves zeros)
    const again = analyze(s);
    assert.deepEqual([...again.shallowSizes], [...shallow]);
    assert.deepEqual([...again.retainedSizes], [...a.retainedSizes]);
    // 32-bit self sizes whose total passes 2^32 could overflow an owner: a Float64 copy instead
    const { b: b3, g: g3 } = withGlobal();
    const big = b3.obj('Big', 0xffff0000);
    const arr = b3.node('array', '', { selfSize: 0x20000 });
    b3.prop(g3, big, 'b').edge(big, arr, 'internal', 'elements');
    const s3 = b3.build();
    assert.ok(s3.nodeSelfSize instanceof Uint32Array);
    const a3 = analyze(s3);
    assert.notEqual(a3.shallowSizes, s3.nodeSelfSize);
    assert.equal(a3.shallowSizes[big], 0xffff0000 + 0x20000);
    assert.equal(s3.nodeSelfSize[arr], 0x20000);
    // No user roots (only (GC roots)): sizes are the file's.
    const b2 = new SnapshotBuilder();
    const o2 = b2.obj('Obj', 24);
    const e2 = b2.node('array', '', { selfSize: 100 });
    b2.gcRoot(o2).edge(o2, e2, 'internal', 'elements');
    const a2 = analyze(b2.build());
    assert.equal(a2.shallowSizes[o2], 24);
    assert.equal(a2.retainedSizes[o2], 124);
  });

  it('a 200 000-node chain: no stack overflow, every link dominates the next', () => {
    const n = 200_000;
    const b = new SnapshotBuilder();
    const first = b.obj('Link', 1);
    let prev = first;
    b.gcRoot(first);
    for (let i = 1; i < n; i++) {
      const x = b.obj('Link', 1);
      b.prop(prev, x, 'next');
      prev = x;
    }
    const s = b.build();
    const ret = computeRetainers(s);
    const { dominators, retainedSizes } = computeDominatorsAndRetainedSizes(s, ret);
    for (let i = first + 1; i < s.nodeCount; i++) {
      if (dominators[i] !== i - 1) assert.fail(`node ${i}: dominator ${dominators[i]}`);
    }
    assert.equal(retainedSizes[first], n);
    assert.equal(retainedSizes[prev], 1);
    const a = analyze(s);
    assert.equal(a.distances[prev], n + 1);
  });

  it('random graphs: equals the definition of dominance (iterative set intersection)', () => {
    let seed = 12345;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % k;
    };
    for (let round = 0; round < 200; round++) {
      const { b, g } = withGlobal();
      const count = 3 + rnd(25);
      const nodes: number[] = [];
      for (let i = 0; i < count; i++) nodes.push(rnd(4) === 0 ? b.node('array', '', { selfSize: 1 + rnd(50) }) : b.obj(`N${i}`, 1 + rnd(50)));
      const pick = () => nodes[rnd(nodes.length)];
      b.prop(g, pick(), 'entry');
      if (rnd(2)) b.gcRoot(pick());
      const m = rnd(3 * count);
      const types = ['property', 'property', 'element', 'internal', 'hidden', 'weak', 'shortcut'];
      for (let i = 0; i < m; i++) {
        const ty = types[rnd(types.length)];
        const from = rnd(5) === 0 ? g : pick();
        b.edge(from, pick(), ty, ty === 'element' || ty === 'hidden' ? i : `e${i}`);
      }
      const s = b.build();
      const a = analyze(s);
      checkAgainstDefinition(s, a.dominators, a.retainedSizes, a.shallowSizes, a.pageOwned, `round ${round}`);
    }
  });
});

/**
 * Dominator sets by the textbook fixpoint over the essential edges (plus DevTools' root → orphan
 * edges), compared with ours; nodes still unreachable must hang off the root and retain only themselves.
 */
function checkAgainstDefinition(s: HeapSnapshot, dom: Uint32Array, retained: SizeArray, shallow: SizeArray,
  pageOwned: NodeBits, what: string): void {
  const n = s.nodeCount;
  const essential = (from: number, e: number): boolean => {
    const ty = s.edgeTypeName(e);
    const to = s.edgeTo[e];
    if (ty === 'weak' || to === from) return false;
    if (from !== 0 && (ty === 'shortcut' || (nodeBit(pageOwned, to) && !nodeBit(pageOwned, from)))) return false;
    return true;
  };
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++) {
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
      if (essential(v, e)) {
        preds[s.edgeTo[e]].push(v);
        succ[v].push(s.edgeTo[e]);
      }
    }
  }
  // DevTools attaches nodes without any essential retainer (weak-only, shortcut-only, ...) to the root.
  for (let v = 1; v < n; v++) {
    if (preds[v].length === 0) {
      preds[v].push(0);
      succ[0].push(v);
    }
  }
  const reach = new Array<boolean>(n).fill(false);
  const stack = [0];
  reach[0] = true;
  while (stack.length) for (const t of succ[stack.pop()!]) if (!reach[t]) { reach[t] = true; stack.push(t); }
  const all = new Set<number>();
  for (let v = 0; v < n; v++) if (reach[v]) all.add(v);
  const D: Set<number>[] = Array.from({ length: n }, (_, v) => (v === 0 ? new Set([0]) : new Set(all)));
  let changed = true;
  while (changed) {
    changed = false;
    for (let v = 1; v < n; v++) {
      if (!reach[v]) continue;
      let inter: number[] | null = null;
      for (const p of preds[v]) {
        if (!reach[p]) continue;
        const dp = D[p];
        inter = inter === null ? [...dp] : inter.filter((x) => dp.has(x));
      }
      const next = new Set<number>(inter ?? []);
      next.add(v);
      if (next.size !== D[v].size || [...next].some((x) => !D[v].has(x))) {
        D[v] = next;
        changed = true;
      }
    }
  }
  let total = 0;
  for (let v = 0; v < n; v++) total += shallow[v];
  for (let v = 1; v < n; v++) {
    if (!reach[v]) {
      // retained only by nodes that nothing reaches (a clique): attached to the root alone
      assert.equal(dom[v], 0, `${what}: idom of unreachable ${v}`);
      assert.equal(retained[v], shallow[v], `${what}: retained size of unreachable ${v}`);
      continue;
    }
    // idom = the strict dominator dominated by all other strict dominators (the one with most dominators)
    let idom = -1;
    for (const d of D[v]) if (d !== v && (idom === -1 || D[d].size > D[idom].size)) idom = d;
    assert.equal(dom[v], idom, `${what}: idom of ${v}`);
  }
  for (let d = 0; d < n; d++) {
    if (!reach[d]) continue;
    let sum = 0;
    if (d === 0) sum = total;
    else for (let v = 0; v < n; v++) if (reach[v] && D[v].has(d)) sum += shallow[v];
    assert.equal(retained[d], sum, `${what}: retained size of ${d}`);
  }
}
