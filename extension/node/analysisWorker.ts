// worker_threads entry (bundled as dist/analysisWorker.js): the helper thread of a parallel analysis
// (parallelAnalysis.ts). It sees the snapshot's numeric columns and its string table through
// SharedArrayBuffers, computes retainers, shallow sizes and (if asked) the cycles, and
// posts each result as soon as it is done, its arrays transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { HeapSnapshot, StringTable } from '../core/model';
import { computeRetainers } from '../core/retainers';
import { computeShallowSizes } from '../core/edgeRules';
import { computeCycles } from '../core/cycles';
import { computeHubIndexes } from '../core/retainerPaths';
import type { Retainers } from '../core/retainers';
import type { AnalysisHelperData, FromAnalysisHelper, ToAnalysisHelper } from '../protocol';
import { collectGarbage } from './collectGarbage';

function snapshotOf(data: AnalysisHelperData): HeapSnapshot {
  const strings = new StringTable({ parts: data.strings, shared: true });
  return new HeapSnapshot({
    meta: data.meta, ...data.columns, strings, locations: null, traceFunctionInfos: null, traceTree: null,
  });
}

function post(m: FromAnalysisHelper, transfer: ArrayBuffer[]): void {
  parentPort!.postMessage(m, transfer);
}

function run(data: AnalysisHelperData): { snap: HeapSnapshot; retainers: Retainers } {
  const snap = snapshotOf(data);
  let t = performance.now();
  // Shared, not transferred: the hub indexes (below) read them too. Without the WeakMap table →
  // value flags, which need the edge names (1.5 s more here on a 1 GB heap): the main thread meets
  // those edges anyway (essential edges) and flags their slots (retainers.flagWeakMapSlots).
  const r = computeRetainers(snap, { shared: true, weakMapFlags: false });
  post({ kind: 'retainers', ms: performance.now() - t, ...r }, []);
  t = performance.now();
  // in place in the shared self-size column (the main thread reads none of it meanwhile)
  const sizes = computeShallowSizes(snap, { inPlace: true });
  const inPlace = sizes === snap.nodeSelfSize;
  post({ kind: 'shallowSizes', ms: performance.now() - t, sizes, inPlace }, inPlace ? [] : [sizes.buffer as ArrayBuffer]);
  // dead working arrays are collected at once: they would stay resident into the main thread's
  // dominators, the analysis' peak of memory use (see collectGarbage)
  collectGarbage();
  if (data.cycleEdgeTypes) {
    t = performance.now();
    const cycles = computeCycles(snap, data.cycleEdgeTypes);
    const transfer = [cycles.cycleComponent.buffer, cycles.cycleRank.buffer, cycles.inCycle.buffer].filter((b) => !(b instanceof SharedArrayBuffer));
    post({ kind: 'cycles', ms: performance.now() - t, cycles }, transfer as ArrayBuffer[]);
    collectGarbage();
  }

  return { snap, retainers: r };
}

/** The retainer-path hub indexes once the main thread sends the distances. */
function hubs(state: { snap: HeapSnapshot; retainers: Retainers }, m: ToAnalysisHelper): void {
  const t = performance.now();
  const map = computeHubIndexes({
    retainers: state.retainers, weakType: state.snap.types.edgeWeak,
    distances: m.distances, root: m.root, nodeCount: state.snap.nodeCount,
  });
  const list = [...map];
  const transfer: ArrayBuffer[] = [];
  for (const [, h] of list) {
    transfer.push(h.hs.buffer as ArrayBuffer, h.offs.buffer as ArrayBuffer);
    if (h.slots) transfer.push(h.slots.buffer as ArrayBuffer);
  }
  post({ kind: 'hubs', ms: performance.now() - t, hubs: list }, transfer);
}

try {
  const state = run(workerData as AnalysisHelperData);
  parentPort!.on('message', (m: ToAnalysisHelper) => {
    try {
      if (m.kind === 'hubs') hubs(state, m);
    } catch (e) {
      post({ kind: 'error', message: e instanceof Error ? e.message : String(e) }, []);
    }
  });
} catch (e) {
  post({ kind: 'error', message: e instanceof Error ? e.message : String(e) }, []);
}
