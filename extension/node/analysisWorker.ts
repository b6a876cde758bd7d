// worker_threads entry (bundled as dist/analysisWorker.js): the helper thread of a parallel analysis
// (parallelAnalysis.ts). It sees the snapshot's numeric columns and its string table through
// SharedArrayBuffers, computes the essential edges (but for the page-owned rule) and the retainers,
// the class ids (split by the shared locations) unless the main thread took them, the shallow
// sizes, the list of hubs, (if asked) the cycles
// and, once the main thread sends the distances, the retainer-path hub indexes of the hubs it
// claims (the main thread takes the rest); it posts each result as soon as it is done, its arrays
// shared or transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { HeapSnapshot, StringTable } from '../core/model';
import { computeRetainers } from '../core/retainers';
import { computeEssentialEdges, computeShallowSizes, WeakMapEdgeNames } from '../core/edgeRules';
import { computeCycles } from '../core/cycles';
import { computeClassIds, type ClassIds } from '../core/classSummary';
import { computeHubIndexes, eagerHubs } from '../core/retainerPaths';
import type { Retainers } from '../core/retainers';
import { CLASS_COUNT, CLASS_ID_BYTES, CLASS_IDS, CLASS_IDS_HELPER, CLASS_IDS_READY, HUB_NEXT, NAMES_READY, RETAINERS_POSTED, SIZES_IN_PLACE, type AnalysisHelperData, type FromAnalysisHelper, type ToAnalysisHelper } from '../protocol';
import { collectGarbage } from './collectGarbage';

function snapshotOf(data: AnalysisHelperData): HeapSnapshot {
  const strings = new StringTable({ parts: data.strings, shared: true });
  return new HeapSnapshot({
    meta: data.meta, ...data.columns, strings, locations: data.locations, traceFunctionInfos: null, traceTree: null,
  });
}

function post(m: FromAnalysisHelper, transfer: ArrayBuffer[]): void {
  parentPort!.postMessage(m, transfer);
}

/**
 * The main thread's WeakMap name cache once it has prepared every string (it sets
 * signals[NAMES_READY] to 1 and notifies; 2: it gave up, e.g. cancelled). Waits in slices so that
 * terminate() is never stuck.
 */
function preparedNames(snap: HeapSnapshot, buffer: SharedArrayBuffer, signals: Int32Array): WeakMapEdgeNames {
  while (Atomics.load(signals, NAMES_READY) === 0) Atomics.wait(signals, NAMES_READY, 0, 200);
  if (Atomics.load(signals, NAMES_READY) !== 1) throw new Error('the main thread stopped preparing the WeakMap edge names');
  return new WeakMapEdgeNames(snap.strings, buffer);
}

/**
 * The retainers, after the essential-edge bits but for the page-owned rule (from the main thread's
 * WeakMap names), which are posted between the counting pass and the fill (the main thread's
 * dominators start their search with them while the retainers are filled) and give the slots'
 * flags.
 */
function retainersOf(snap: HeapSnapshot, data: AnalysisHelperData): Retainers {
  const { buffer, signals } = data.weakMapNames;
  if (!buffer) throw new Error('internal: no WeakMap edge names to wait for');
  // nothing here reads the names after the essential edges: their memory goes once the main thread drops them
  data.weakMapNames.buffer = null;
  return computeRetainers(snap, {
    shared: true,
    essential: () => {
      const names = preparedNames(snap, buffer, signals);
      const t = performance.now();
      // no page-owned flags: the page-owned rule is left out (the main thread's dominators apply it)
      const bits = computeEssentialEdges(snap, null, names, { shared: true });
      post({ kind: 'essential', ms: performance.now() - t, bits }, []);
      return bits;
    },
  });
}

/**
 * The class ids moved into the main thread's buffer (AnalysisHelperData.classIdBuffer), which the
 * main thread may read from signals[CLASS_IDS_READY] on (the class-top flags of its dominators).
 */
function sharedClassIds(c: ClassIds, buffer: SharedArrayBuffer, signals: Int32Array): ClassIds {
  const n = c.ids.length;
  const ids = c.ids instanceof Uint8Array ? new Uint8Array(buffer, 0, n)
    : c.ids instanceof Uint16Array ? new Uint16Array(buffer, 0, n) : new Uint32Array(buffer, 0, n);
  ids.set(c.ids);
  Atomics.store(signals, CLASS_COUNT, c.names.length);
  Atomics.store(signals, CLASS_ID_BYTES, ids.BYTES_PER_ELEMENT);
  Atomics.store(signals, CLASS_IDS_READY, 1);
  return { ...c, ids };
}

interface HelperState {
  snap: HeapSnapshot;
  retainers: Retainers;
  hubList: Uint32Array;
  signals: Int32Array;
}

function run(data: AnalysisHelperData): HelperState {
  const snap = snapshotOf(data);
  let t = performance.now();
  // Shared, not transferred: the hub indexes (below) read them too. The essential edges need the
  // WeakMap edge names: the main thread parses them all first (beside the counting pass).
  const { signals } = data.weakMapNames;
  const r = retainersOf(snap, data);
  post({ kind: 'retainers', ms: performance.now() - t, ...r }, []);
  Atomics.store(signals, RETAINERS_POSTED, 1);
  // the WeakMap name cache is shared: its memory goes when both threads have collected their
  // references, and this thread's would otherwise wait for the next collection, after the cycles
  collectGarbage();
  // The class ids (unless the main thread has taken them: it computes them while it waits for the
  // retainers) and the shallow sizes first: with both there by the end of the main thread's
  // dominators, those give the class-top flags (the class totals are then one sequential pass).
  // Then the cycles, which are needed only at the end.
  if (Atomics.compareExchange(signals, CLASS_IDS, 0, CLASS_IDS_HELPER) === 0) {
    t = performance.now();
    const classIds = sharedClassIds(computeClassIds(snap), data.classIdBuffer, signals);
    post({ kind: 'classIds', ms: performance.now() - t, classIds }, []);
    collectGarbage();
  }
  t = performance.now();
  // in place in the shared self-size column (the main thread reads it only once SIZES_IN_PLACE is set)
  const sizes = computeShallowSizes(snap, { inPlace: true });
  const inPlace = sizes === snap.nodeSelfSize;
  if (inPlace) Atomics.store(signals, SIZES_IN_PLACE, 1);
  post({ kind: 'shallowSizes', ms: performance.now() - t, sizes, inPlace }, inPlace ? [] : [sizes.buffer as ArrayBuffer]);
  // dead working arrays are collected at once: they would stay resident through the cycle search,
  // beside the end of the main thread's dominators (the analysis' peak of memory use)
  collectGarbage();
  // the hubs whose retainers the hub indexes group (a pass over the retainer counts): the main
  // thread takes them one by one after its dominators while this thread still searches the cycles
  const hubList = eagerHubs(r.firstRetainer, snap.nodeCount);
  post({ kind: 'hubList', hubs: hubList }, []);
  if (data.cycleEdgeTypes) {
    t = performance.now();
    const cycles = computeCycles(snap, data.cycleEdgeTypes);
    const transfer = [cycles.cycleComponent.buffer, cycles.cycleRank.buffer, cycles.inCycle.buffer].filter((b) => !(b instanceof SharedArrayBuffer));
    post({ kind: 'cycles', ms: performance.now() - t, cycles }, transfer as ArrayBuffer[]);
  }
  // dead working arrays are collected at once (see collectGarbage)
  collectGarbage();
  return { snap, retainers: r, hubList, signals };
}

/**
 * The retainer-path hub indexes once the main thread sends the distances: the hubs this thread
 * claims (the main thread claims the rest once it is done with the class totals).
 */
function hubs(state: HelperState, m: ToAnalysisHelper): void {
  const t = performance.now();
  const { signals } = state;
  const map = computeHubIndexes({
    retainers: state.retainers, weakType: state.snap.types.edgeWeak,
    distances: m.distances, root: m.root, nodeCount: state.snap.nodeCount,
  }, { hubs: state.hubList, claim: m.claim ? () => Atomics.add(signals, HUB_NEXT, 1) : () => Infinity });
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
