// Checks a retainer index against the snapshot's edges: every slot names a real edge of its owner
// into its node (RetainerEdges finds it), the slots of a node list its retaining edges in edge order,
// every edge has exactly one slot, the slot's type byte is the edge's type, and the slot's
// dominator rule (isEssentialSlot) agrees with computeEssentialEdges for that edge.
import { strict as assert } from 'node:assert';
import type { HeapSnapshot } from '../../extension/core/model';
import { computeEssentialEdges, computePageOwned, edgeBit, WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { isEssentialSlot, RETAINER_TYPE, RetainerEdges, type Retainers } from '../../extension/core/retainers';

/** Asserts the retainer index of `snap` (see the file comment); returns how many slots are essential. */
export function checkRetainerIndex(snap: HeapSnapshot, ret: Retainers, pageOwned: Uint8Array = computePageOwned(snap)): number {
  const bits = computeEssentialEdges(snap, pageOwned, new WeakMapEdgeNames(snap.strings));
  const { firstRetainer, retainerNode, retainerType } = ret;
  const { firstEdge, edgeTo, nodeCount, edgeCount } = snap;
  const root = snap.rootOrdinal;
  assert.equal(firstRetainer[nodeCount], edgeCount, 'one slot per edge');
  // the slot of each edge, by the index's definition: per target, its retaining edges in edge order
  const cursor = firstRetainer.slice(0, nodeCount);
  const slotOfEdge = new Uint32Array(edgeCount);
  for (let n = 0; n < nodeCount; n++) {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) slotOfEdge[e] = cursor[edgeTo[e]]++;
  }
  for (let t = 0; t < nodeCount; t++) if (cursor[t] !== firstRetainer[t + 1]) assert.fail(`node ${t}: slot count`);
  const edges = new RetainerEdges(snap, ret);
  let essential = 0;
  for (let n = 0; n < nodeCount; n++) {
    // RetainerEdges scans the owner's edges: asked for every slot of an owner with a huge number of
    // edges that is quadratic, so such owners are sampled
    const degree = firstEdge[n + 1] - firstEdge[n];
    const every = degree <= 512 ? 1 : Math.ceil(degree / 64);
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
      const s = slotOfEdge[e];
      const t = edgeTo[e];
      if (retainerNode[s] !== n) assert.fail(`slot ${s} of edge ${e}: owner ${retainerNode[s]}, want ${n}`);
      if ((retainerType[s] & RETAINER_TYPE) !== snap.edgeType[e]) assert.fail(`slot ${s}: type byte`);
      const want = edgeBit(bits, e);
      if (isEssentialSlot(ret, pageOwned, root, t, s) !== want) {
        assert.fail(`slot ${s} (edge ${e}, ${snap.edgeTypeName(e)} ${String(snap.edgeName(e))}): essential should be ${want}`);
      }
      if (want) essential++;
      if ((e - firstEdge[n]) % every === 0 && edges.edgeAt(t, s) !== e) assert.fail(`slot ${s}: edgeAt gives ${edges.edgeAt(t, s)}, want ${e}`);
    }
  }
  return essential;
}
