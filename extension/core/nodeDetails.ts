// Details of one node for the UI's side panel and `details` requests: identity, sizes, distance,
// dominator, Python liveness, its retainers (closest to the roots first), source location and
// allocation stack.
import type { Analysis } from './analysis';
import type { NodeDetails, RetainerInfo } from './results';
import { edgeNameString, nodeLabel } from './labels';
import { allocationStack, nodeLocation } from './locations';
import { PyStatus, pythonLivenessOf } from './python';
import { BASE_SYSTEM_DISTANCE } from './edgeRules';
import { RETAINER_TYPE, RetainerEdges } from './retainers';

// a plain constant: imported bindings can compile to property reads in hot loops
const SYSTEM_BASE: number = BASE_SYSTEM_DISTANCE;

/** Most retainers listed in NodeDetails. */
export const MAX_DETAIL_RETAINERS = 200;

/** Sort rank of a retainer (< 2^26): strong before weak, then by distance (system-root-only
 *  distances after user-root ones, unreachable last). */
function retainerRank(analysis: Analysis, src: number, edgeType: number): number {
  const d = analysis.distances[src];
  const weak = edgeType === analysis.snap.types.edgeWeak ? 2 ** 25 : 0;
  let r: number;
  if (d < 0) r = 2 ** 25 - 1;
  else if (d < SYSTEM_BASE) r = Math.min(d, 2 ** 24 - 1);
  else r = 2 ** 24 + Math.min(d - SYSTEM_BASE, 2 ** 24 - 2);
  return weak + r;
}

/** Details of node ordinal n: sizes in bytes (DevTools' shallow and retained sizes), snapshot ids, up to 200 retainers. */
export function getNodeDetails(analysis: Analysis, ordinal: number): NodeDetails {
  const { snap, retainers } = analysis;
  if (!(ordinal >= 0 && ordinal < snap.nodeCount)) throw new RangeError(`node ordinal ${ordinal} out of range`);
  const a = retainers.firstRetainer[ordinal];
  const b = retainers.firstRetainer[ordinal + 1];
  // the first MAX_DETAIL_RETAINERS by (rank, slot): slots of one node are ordered by owner ordinal
  // then edge, so the slot breaks ties the same way. key = rank * 2^27 + slot offset, exact in a double.
  const count = b - a;
  const exact = count < 2 ** 27;
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const slot = a + i;
    keys[i] = exact ? retainerRank(analysis, retainers.retainerNode[slot], retainers.retainerType[slot] & RETAINER_TYPE) * 2 ** 27 + i : i;
  }
  let chosen: Float64Array;
  if (count <= 4 * MAX_DETAIL_RETAINERS) {
    chosen = keys.sort();
  } else {
    // bounded selection: keep the best MAX_DETAIL_RETAINERS seen so far, skip anything worse
    const buf = new Float64Array(2 * MAX_DETAIL_RETAINERS);
    let n = 0;
    let worst = Infinity;
    for (let i = 0; i < count; i++) {
      const k = keys[i];
      if (k >= worst) continue;
      buf[n++] = k;
      if (n === buf.length) {
        buf.sort();
        n = MAX_DETAIL_RETAINERS;
        worst = buf[n - 1];
      }
    }
    chosen = buf.subarray(0, n).sort();
  }
  const slots: number[] = [];
  for (let i = 0; i < chosen.length && i < MAX_DETAIL_RETAINERS; i++) slots.push(a + (exact ? chosen[i] % 2 ** 27 : chosen[i]));
  const list: RetainerInfo[] = [];
  const slotEdges = new RetainerEdges(snap, retainers);
  for (const i of slots) {
    const src = retainers.retainerNode[i];
    const e = slotEdges.edgeAt(ordinal, i);
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
