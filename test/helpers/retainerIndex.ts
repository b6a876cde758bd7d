// Checks a retainer index against the snapshot's edges:
// - each node's slots hold exactly its retaining edges: the same multiset of (owner, type byte,
//   essential for dominators) as the edges into it, where the slot's rule (isEssentialSlot) must give
//   computeEssentialEdges' bit of the edge;
// - each owner's slots of a node are one run (the order within a slice is edge order, or, for the
//   hubs grouped in place, a stable reorder by owner: see retainerPaths.HubIndex);
// - RetainerEdges finds each slot's own edge: pointing at the node, from the owner, of the type,
//   in edge order along a run (sampled for owners with many edges: each lookup scans the owner's edges).
import { strict as assert } from 'node:assert';
import type { HeapSnapshot } from '../../extension/core/model';
import { computeEssentialEdges, computePageOwned, edgeBit, WeakMapEdgeNames, type NodeBits } from '../../extension/core/edgeRules';
import { isEssentialSlot, RETAINER_TYPE, RetainerEdges, type Retainers } from '../../extension/core/retainers';

/** Asserts the retainer index of `snap` (see the file comment); returns how many slots are essential. */
export function checkRetainerIndex(snap: HeapSnapshot, ret: Retainers, pageOwned: NodeBits = computePageOwned(snap)): number {
  const bits = computeEssentialEdges(snap, pageOwned, new WeakMapEdgeNames(snap.strings));
  const { firstRetainer, retainerNode, retainerType } = ret;
  const { firstEdge, edgeTo, nodeCount, edgeCount } = snap;
  const root = snap.rootOrdinal;
  assert.equal(firstRetainer[nodeCount], edgeCount, 'one slot per edge');
  // what each slice must hold: (owner, type, essential) of the edges into the node, as keys
  const key = (owner: number, type: number, essential: boolean) => owner * 512 + type * 2 + (essential ? 1 : 0);
  const cursor = firstRetainer.slice(0, nodeCount);
  const want = new Float64Array(edgeCount);
  for (let n = 0; n < nodeCount; n++) {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) want[cursor[edgeTo[e]]++] = key(n, snap.edgeType[e], edgeBit(bits, e));
  }
  for (let t = 0; t < nodeCount; t++) if (cursor[t] !== firstRetainer[t + 1]) assert.fail(`node ${t}: slot count`);
  const edges = new RetainerEdges(snap, ret);
  let essential = 0;
  for (let t = 0; t < nodeCount; t++) {
    const lo = firstRetainer[t];
    const hi = firstRetainer[t + 1];
    const got = new Float64Array(hi - lo);
    const owners = new Set<number>();
    let prevEdge = -1;
    for (let s = lo; s < hi; s++) {
      const u = retainerNode[s];
      const ess = isEssentialSlot(ret, pageOwned, root, t, s);
      if (ess) essential++;
      got[s - lo] = key(u, retainerType[s] & RETAINER_TYPE, ess);
      const newRun = s === lo || retainerNode[s - 1] !== u;
      if (newRun) {
        if (owners.has(u)) assert.fail(`node ${t}: the slots of owner ${u} are not one run`);
        owners.add(u);
        prevEdge = -1;
      }
      const degree = firstEdge[u + 1] - firstEdge[u];
      if (degree > 512 && s % 61 !== 0) continue;
      const e = edges.edgeAt(t, s);
      if (edgeTo[e] !== t || snap.edgeFrom(e) !== u) assert.fail(`slot ${s}: edge ${e} is not ${u} -> ${t}`);
      if ((retainerType[s] & RETAINER_TYPE) !== snap.edgeType[e]) assert.fail(`slot ${s}: type byte`);
      if (ess !== edgeBit(bits, e)) {
        assert.fail(`slot ${s} (edge ${e}, ${snap.edgeTypeName(e)} ${String(snap.edgeName(e))}): essential should be ${edgeBit(bits, e)}`);
      }
      if (e <= prevEdge) assert.fail(`slot ${s}: edge ${e} out of edge order in its run`);
      prevEdge = e;
    }
    const w = want.subarray(lo, hi);
    if (got.some((v, i) => v !== w[i])) {
      got.sort();
      const ws = Float64Array.from(w).sort();
      if (got.some((v, i) => v !== ws[i])) assert.fail(`node ${t}: the slots are not the edges into it (owner, type, essential)`);
    }
  }
  return essential;
}
