// worker_threads entry (bundled as dist/analysisWorker.js): the helper thread of a parallel analysis
// (parallelAnalysis.ts). It sees the snapshot's numeric columns through SharedArrayBuffers and only
// the few strings its phases read, computes retainers, shallow sizes and (if asked) the cycles, and
// posts each result as soon as it is done, its arrays transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { HeapSnapshot } from '../core/model';
import { computeRetainers } from '../core/retainers';
import { computeShallowSizes } from '../core/edgeRules';
import { computeCycles } from '../core/cycles';
import type { AnalysisHelperData, FromAnalysisHelper } from '../protocol';

function snapshotOf(data: AnalysisHelperData): HeapSnapshot {
  // a sparse strings array: every other index reads as undefined, which none of these phases asks for
  const strings: string[] = new Array<string>(data.stringCount);
  for (const [i, text] of data.strings) strings[i] = text;
  return new HeapSnapshot({
    meta: data.meta, ...data.columns, strings, locations: null, traceFunctionInfos: null, traceTree: null,
  });
}

function post(m: FromAnalysisHelper, transfer: ArrayBuffer[]): void {
  parentPort!.postMessage(m, transfer);
}

function run(data: AnalysisHelperData): void {
  const snap = snapshotOf(data);
  let t = performance.now();
  const r = computeRetainers(snap);
  post({ kind: 'retainers', ms: performance.now() - t, ...r },
    [r.firstRetainer.buffer, r.retainerEdge.buffer, r.retainerNode.buffer] as ArrayBuffer[]);
  t = performance.now();
  const sizes = computeShallowSizes(snap);
  post({ kind: 'shallowSizes', ms: performance.now() - t, sizes }, [sizes.buffer as ArrayBuffer]);
  if (data.cycleEdgeTypes) {
    t = performance.now();
    const cycles = computeCycles(snap, data.cycleEdgeTypes);
    const transfer = [cycles.component.buffer, cycles.inCycle.buffer].filter((b) => !(b instanceof SharedArrayBuffer));
    post({ kind: 'cycles', ms: performance.now() - t, cycles }, transfer as ArrayBuffer[]);
  }
}

try {
  run(workerData as AnalysisHelperData);
} catch (e) {
  post({ kind: 'error', message: e instanceof Error ? e.message : String(e) }, []);
}
