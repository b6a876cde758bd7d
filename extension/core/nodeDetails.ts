// Details of one node for the UI's side panel and `details` requests: identity, sizes, distance,
// dominator, Python liveness, its retainers (closest to the roots first), source location and
// allocation stack.
import type { Analysis } from './analysis';
import type { NodeDetails, RetainerInfo } from './results';
import { edgeNameString, nodeLabel } from './labels';
import { allocationStack, nodeLocation } from './locations';
import { PyStatus, pythonLivenessOf } from './python';

/** Most retainers listed in NodeDetails. */
export const MAX_DETAIL_RETAINERS = 200;

/** Sort rank of a retainer: strong before weak, then by distance (unreachable last), then ordinals. */
function retainerRank(analysis: Analysis, src: number, e: number): number {
  const d = analysis.distances[src];
  const weak = analysis.snap.edgeType[e] === analysis.snap.types.edgeWeak ? 2 ** 30 : 0;
  return weak + (d < 0 ? 2 ** 29 : Math.min(d, 2 ** 29 - 1));
}

/** Details of node ordinal n: sizes in bytes (DevTools' shallow and retained sizes), snapshot ids, up to 200 retainers. */
export function getNodeDetails(analysis: Analysis, ordinal: number): NodeDetails {
  const { snap, retainers } = analysis;
  if (!(ordinal >= 0 && ordinal < snap.nodeCount)) throw new RangeError(`node ordinal ${ordinal} out of range`);
  const a = retainers.firstRetainer[ordinal];
  const b = retainers.firstRetainer[ordinal + 1];
  // choose the first MAX_DETAIL_RETAINERS by (rank, owner ordinal, edge ordinal); a full sort only of small lists
  let slots: number[] = [];
  for (let i = a; i < b; i++) slots.push(i);
  const cmp = (x: number, y: number): number => {
    const rx = retainerRank(analysis, retainers.retainerNode[x], retainers.retainerEdge[x]);
    const ry = retainerRank(analysis, retainers.retainerNode[y], retainers.retainerEdge[y]);
    return rx - ry || retainers.retainerNode[x] - retainers.retainerNode[y] || retainers.retainerEdge[x] - retainers.retainerEdge[y];
  };
  if (slots.length > 4 * MAX_DETAIL_RETAINERS) {
    // bounded selection: keep the best MAX_DETAIL_RETAINERS seen so far, skip anything worse
    let best: number[] = [];
    let worst = -1;
    for (const s of slots) {
      if (worst >= 0 && cmp(s, worst) >= 0) continue;
      best.push(s);
      if (best.length === 2 * MAX_DETAIL_RETAINERS) {
        best = best.sort(cmp).slice(0, MAX_DETAIL_RETAINERS);
        worst = best[MAX_DETAIL_RETAINERS - 1];
      }
    }
    slots = best;
  }
  slots.sort(cmp);
  const list: RetainerInfo[] = [];
  for (const i of slots.slice(0, MAX_DETAIL_RETAINERS)) {
    const src = retainers.retainerNode[i];
    const e = retainers.retainerEdge[i];
    list.push({
      fromId: snap.nodeId[src],
      fromClass: snap.className(src),
      fromLabel: nodeLabel(snap, src),
      edgeType: snap.edgeTypeName(e),
      edgeName: edgeNameString(snap, e),
      fromDistance: analysis.distances[src],
    });
  }
  const liveness = pythonLivenessOf(analysis);
  const details: NodeDetails = {
    id: snap.nodeId[ordinal],
    type: snap.nodeTypeName(ordinal),
    className: snap.className(ordinal),
    name: snap.name(ordinal),
    label: nodeLabel(snap, ordinal),
    selfSize: analysis.shallowSizes[ordinal],
    retainedSize: analysis.retainedSizes[ordinal],
    distance: analysis.distances[ordinal],
    dominatorId: snap.nodeId[analysis.dominators[ordinal]],
    cyclicGarbage: liveness !== null && liveness.status[ordinal] === PyStatus.CyclicGarbage,
    retainers: list,
    retainerCount: b - a,
  };
  const location = nodeLocation(snap, ordinal);
  if (location) details.location = location;
  const stack = allocationStack(snap, ordinal);
  if (stack) details.allocationStack = stack;
  return details;
}
