import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts } from '../helpers/random';
import { checkRetainerIndex } from '../helpers/retainerIndex';
import { computeRetainers, flagWeakMapSlots, isEssentialSlot, NEVER_ESSENTIAL, RETAINER_TYPE, RetainerEdges } from '../../extension/core/retainers';
import { computeEssentialEdges, computePageOwned, nodeBit, WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { U32List } from '../../extension/core/u32List';
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

  it('WeakMap table slots flagged afterwards (flagWeakMapSlots) equal the flags set while building', () => {
    const rnd = seededInts(777);
    for (let round = 0; round < 40; round++) {
      const b = new SnapshotBuilder();
      const g = b.obj('Global');
      b.edge(b.root, g, 'shortcut', 'global');
      const values: number[] = [];
      for (let i = 0; i < 6; i++) values.push(b.obj('V'));
      const tables: number[] = [];
      for (let i = 0; i < 3; i++) { const t = b.node('array', 'system / EphemeronHashTable'); tables.push(t); b.prop(g, t, `t${i}`); }
      const keys: number[] = [];
      for (let i = 0; i < 4; i++) { const k = b.obj('K'); keys.push(k); b.prop(g, k, `k${i}`); }
      const snap0 = b.build();
      const id = (n: number) => snap0.nodeId[n];
      const edges = 1 + rnd(30);
      for (let i = 0; i < edges; i++) {
        const table = tables[rnd(tables.length)];
        const key = keys[rnd(keys.length)];
        const value = values[rnd(values.length)]; // values repeat: a table may hold one twice
        const name = `${i} / part of key (K @${id(key)}) -> value (V @${id(value)}) pair in WeakMap (table @${id(table)})`;
        b.edge(table, value, 'internal', name).edge(key, value, 'internal', name);
        // other edges from the table to the same value shift the rank of the WeakMap ones
        if (rnd(4) === 0) b.edge(table, value, 'hidden', rnd(9));
      }
      const snap = b.build();
      const full = computeRetainers(snap);
      const later = computeRetainers(snap, { weakMapFlags: false });
      const pairs = new U32List();
      computeEssentialEdges(snap, computePageOwned(snap), new WeakMapEdgeNames(snap.strings), pairs);
      assert.ok(pairs.length > 0);
      assert.notDeepEqual(later.retainerType, full.retainerType, `round ${round}: the table slots start unflagged`);
      flagWeakMapSlots(snap, later, pairs);
      assert.deepEqual(later.retainerType, full.retainerType, `round ${round}`);
      checkRetainerIndex(snap, later);
    }
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
