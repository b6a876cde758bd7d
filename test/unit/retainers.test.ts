import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts } from '../helpers/random';
import { checkRetainerIndex } from '../helpers/retainerIndex';
import { computeRetainers, isEssentialSlot, NEVER_ESSENTIAL, RETAINER_TYPE, RetainerEdges } from '../../extension/core/retainers';
import { computeEssentialEdges, computePageOwned, edgeBit, nodeBit, WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { computeDominators } from '../../extension/core/dominators';
import { analyze } from '../../extension/core/analysis';

/** Slot of the k-th retainer of t owned by `from` (k counts from 0). */
function slotOf(ret: ReturnType<typeof computeRetainers>, t: number, from: number, k = 0): number {
  for (let s = ret.firstRetainer[t]; s < ret.firstRetainer[t + 1]; s++) if (ret.retainerNode[s] === from && k-- === 0) return s;
  throw new Error('no such slot');
}

describe('retainer index (owners and type bytes; edges found on demand)', () => {
  it('flags every edge-only dominator rule and finds each slot\'s edge', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('Global');
    const a = b.obj('A');
    const v = b.obj('Value');
    const table = b.node('array', 'WeakMap table');
    const key = b.obj('Key');
    const sys = b.obj('SystemThing');
    const arr = b.node('array', '');
    b.edge(b.root, g, 'shortcut', 'global').prop(g, a, 'a').prop(g, table, 'wm').prop(g, key, 'k');
    b.prop(a, a, 'self'); // self edge
    b.edge(a, v, 'shortcut', 'sc'); // shortcut from a node that is not the root
    b.edge(a, v, 'weak', 'w');
    b.gcRoot(sys);
    b.prop(sys, a, 'intoPageOwned'); // from a node that is not page-owned into a page-owned one
    b.prop(sys, arr, 'arr');
    // parallel edges: the same owner holds the same target three times
    b.edge(arr, a, 'element', 0).edge(arr, v, 'element', 1).edge(arr, a, 'element', 2).edge(arr, a, 'element', 3);
    const snap0 = b.build();
    const tableId = snap0.nodeId[table];
    const keyId = snap0.nodeId[key];
    const valueId = snap0.nodeId[v];
    const name = `1 / part of key (Key @${keyId}) -> value (Value @${valueId}) pair in WeakMap (table @${tableId})`;
    b.edge(table, v, 'internal', name).edge(key, v, 'internal', name);
    const snap = b.build();
    const ret = computeRetainers(snap);
    const owned = computePageOwned(snap);
    assert.equal(nodeBit(owned, a), true);
    assert.equal(nodeBit(owned, sys), false);
    const flagged = (t: number, from: number, k = 0) => (ret.retainerType[slotOf(ret, t, from, k)] & NEVER_ESSENTIAL) !== 0;
    assert.equal(flagged(a, a), true, 'self edge');
    assert.equal(flagged(v, a, 0), true, 'shortcut from a non-root node');
    assert.equal(flagged(v, a, 1), true, 'weak edge');
    assert.equal(flagged(v, table), true, 'WeakMap table -> value');
    assert.equal(flagged(v, key), false, 'WeakMap key -> value stays');
    assert.equal(flagged(g, b.root), false, 'shortcut from the root');
    assert.equal(flagged(a, sys), false, 'the page-owned rule is not an edge-only rule');
    assert.equal(isEssentialSlot(ret, owned, snap.rootOrdinal, a, slotOf(ret, a, sys)), false, 'not page-owned into page-owned');
    assert.equal(isEssentialSlot(ret, owned, snap.rootOrdinal, a, slotOf(ret, a, g)), true);
    // the three parallel slots name elements 0, 2 and 3, in that order
    const edges = new RetainerEdges(snap, ret);
    const names = [0, 1, 2].map((k) => snap.edgeName(edges.edgeAt(a, slotOf(ret, a, arr, k))));
    assert.deepEqual(names, [0, 2, 3]);
    // asked out of order (the cache must not mix owners or targets up)
    assert.equal(snap.edgeName(edges.edgeAt(v, slotOf(ret, v, arr))), 1);
    assert.equal(snap.edgeName(edges.edgeAt(a, slotOf(ret, a, arr, 1))), 2);
    assert.equal(snap.edgeName(edges.edgeAt(a, slotOf(ret, a, g))), 'a');
    assert.throws(() => edges.edgeAt(v, slotOf(ret, a, g)), /not a retainer of node/);
    assert.ok(checkRetainerIndex(snap, ret, owned) > 0);
  });

  it('random graphs: every slot maps to its own edge, in edge order, and agrees with the essential-edge bits', () => {
    const rnd = seededInts(4242);
    const types = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
    for (let round = 0; round < 60; round++) {
      const b = new SnapshotBuilder();
      const g = b.obj('Global');
      b.edge(b.root, g, 'shortcut', 'global');
      const nodes = [g];
      const count = 2 + rnd(40);
      for (let i = 0; i < count; i++) nodes.push(rnd(3) === 0 ? b.node('array', '') : b.obj(`N${i % 5}`));
      for (let i = 0; i < count; i++) b.gcRoot(nodes[1 + rnd(count)]);
      const edges = rnd(4 * count + 1);
      const pick = () => nodes[rnd(nodes.length)];
      for (let i = 0; i < edges; i++) {
        const ty = types[rnd(types.length)];
        const from = pick();
        const to = rnd(5) === 0 ? from : pick();
        b.edge(from, to, ty, ty === 'element' || ty === 'hidden' ? rnd(4) : `p${rnd(3)}`);
      }
      const snap = b.build();
      const ret = computeRetainers(snap);
      checkRetainerIndex(snap, ret);
      // weak slots are always flagged; the type byte never exceeds the type mask
      for (let s = 0; s < snap.edgeCount; s++) {
        if ((ret.retainerType[s] & RETAINER_TYPE) === snap.types.edgeWeak) assert.ok(ret.retainerType[s] & NEVER_ESSENTIAL);
      }
      // the analysis' own index is the same
      const a = analyze(snap);
      assert.deepEqual(a.retainers.retainerType, ret.retainerType, `round ${round}`);
    }
  });

  it('reads the slot flags from the essential edges but for the page-owned rule; the dominators\' search adds that rule', () => {
    const rnd = seededInts(777);
    const types = ['property', 'element', 'context', 'internal', 'hidden', 'shortcut', 'weak'];
    let ruleMattered = 0;
    for (let round = 0; round < 60; round++) {
      const b = new SnapshotBuilder();
      const g = b.obj('Global');
      b.edge(b.root, g, 'shortcut', 'global');
      const nodes: number[] = [g];
      for (let i = 0; i < 4 + rnd(20); i++) nodes.push(b.obj(`N${rnd(3)}`));
      // reached from a GC root only: not page-owned (their edges into page-owned nodes do not count)
      const system: number[] = [];
      for (let i = 0; i < 1 + rnd(4); i++) { const s = b.node('hidden', `system / S${i}`); system.push(s); b.gcRoot(s); }
      const values: number[] = [];
      for (let i = 0; i < 4; i++) values.push(b.obj('V'));
      const tables: number[] = [];
      for (let i = 0; i < 2; i++) { const t = b.node('array', 'system / EphemeronHashTable'); tables.push(t); nodes.push(t); }
      const snap0 = b.build();
      const id = (n: number) => snap0.nodeId[n];
      const all = [...nodes, ...system, ...values];
      for (let i = 0; i < 3 * all.length; i++) {
        const from = all[rnd(all.length)];
        const to = rnd(8) === 0 ? from : all[rnd(all.length)];
        const ty = types[rnd(types.length)];
        b.edge(from, to, ty, ty === 'element' || ty === 'hidden' ? rnd(5) : `e${rnd(4)}`);
      }
      for (let i = 0; i < rnd(12); i++) {
        const table = tables[rnd(tables.length)];
        const key = nodes[rnd(nodes.length)];
        const value = values[rnd(values.length)]; // values repeat: a table may hold one twice
        const name = `${i} / part of key (K @${id(key)}) -> value (V @${id(value)}) pair in WeakMap (table @${id(table)})`;
        b.edge(table, value, 'internal', name).edge(key, value, 'internal', name);
      }
      const snap = b.build();
      const pageOwned = computePageOwned(snap);
      const full = computeEssentialEdges(snap, pageOwned, new WeakMapEdgeNames(snap.strings));
      const bits = computeEssentialEdges(snap, null, new WeakMapEdgeNames(snap.strings));
      let asked = 0;
      let named = 0;
      const ret = computeRetainers(snap, {
        essential: () => { asked++; return bits; },
        weakMapNames: () => { named++; return new WeakMapEdgeNames(snap.strings); },
      });
      assert.equal(asked, 1, 'the bits are asked for once');
      assert.equal(named, 0, 'no WeakMap name is needed when the bits are given');
      // the flags by DevTools' rules, written out here: weak, self, a shortcut not from the root,
      // the WeakMap table → value edge (the table id in the name is the owner's id)
      const names = new WeakMapEdgeNames(snap.strings);
      const flag = new Uint8Array(snap.edgeCount);
      for (let u = 0; u < snap.nodeCount; u++) {
        for (let e = snap.firstEdge[u]; e < snap.firstEdge[u + 1]; e++) {
          const ty = snap.edgeTypeName(e);
          const never = ty === 'weak' || snap.edgeTo[e] === u || (ty === 'shortcut' && u !== snap.rootOrdinal)
            || (ty === 'internal' && names.tableId(snap.edgeNameOrIndex[e]) === snap.nodeId[u]);
          flag[e] = snap.edgeType[e] | (never ? NEVER_ESSENTIAL : 0);
        }
      }
      const want = new Uint8Array(snap.edgeCount);
      const at = ret.firstRetainer.slice(0, snap.nodeCount);
      for (let u = 0; u < snap.nodeCount; u++) for (let e = snap.firstEdge[u]; e < snap.firstEdge[u + 1]; e++) want[at[snap.edgeTo[e]]++] = flag[e];
      assert.deepEqual(ret.retainerType, want, `round ${round}: the flags the rules give`);
      assert.deepEqual(computeRetainers(snap).retainerType, want, `round ${round}: the same without the bits given`);
      checkRetainerIndex(snap, ret);
      // the page-owned rule is what the two bit vectors differ by; the search applies it itself
      if (full.some((w, i) => w !== bits[i])) ruleMattered++;
      for (let e = 0; e < snap.edgeCount; e++) if (edgeBit(full, e)) assert.ok(edgeBit(bits, e), `round ${round}: edge ${e}`);
      const withRule = computeDominators(snap, ret, full, pageOwned);
      const withoutRule = computeDominators(snap, ret, bits, pageOwned);
      assert.deepEqual(withoutRule.dominators, withRule.dominators, `round ${round}: dominators`);
      assert.deepEqual(withoutRule.order, withRule.order, `round ${round}: DFS order`);
    }
    assert.ok(ruleMattered >= 10, `the page-owned rule cleared bits in ${ruleMattered} of 60 rounds`);
  });

  it('refuses a snapshot declaring more edge types than the type byte holds', () => {
    const b = new SnapshotBuilder();
    b.gcRoot(b.obj('A'));
    const snap = b.build();
    const many = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const wide = Object.create(snap) as typeof snap;
    Object.defineProperty(wide, 'meta', { value: { ...snap.meta, edgeTypes: many } });
    assert.throws(() => computeRetainers(wide), /200 edge types: at most 128/);
  });
});
