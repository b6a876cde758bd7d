// Analysis on two threads. The main thread runs the phases that need the snapshot's strings
// (distances with DevTools' name-based filter, page-owned flags, essential edges), then dominators
// and retained sizes; a helper thread (analysisWorker.ts) meanwhile builds the retainers, the shallow
// sizes and the cycles, which need only the numeric columns (the dominators wait for the retainers
// only: shallow sizes and cycles are built beside them). The columns must be on
// SharedArrayBuffers (loadSnapshotFile({shared: true})); otherwise, for small snapshots, or when the
// helper fails, everything runs on this thread. The results do not depend on which thread ran what.
// The helper's retainer index leaves the WeakMap table → value slots unflagged (that rule needs the
// edge names); this thread flags them from the list its essential-edge pass collects
// (retainers.flagWeakMapSlots; 0.1–0.2 s for 0.5 M WeakMap entries on a 1 GB heap).
// Once the dominators are done the helper also builds the retainer-path hub indexes
// (retainerPaths.prepareRetainerPaths, which analyze() runs on its one thread) while this thread
// computes the class totals. They reorder the biggest hubs' retainer slices in place, so nothing
// may read the retainer index meanwhile: the class totals do not, and the WeakMap flags (which
// search slices by owner) are set before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeapSnapshot, SizeArray } from '../core/model';
import type { RunOptions } from '../core/progress';
import { analyze, beginAnalysis, completeAnalysis, dominatorPhase, type Analysis } from '../core/analysis';
import { computeRetainers, flagWeakMapSlots, type Retainers } from '../core/retainers';
import { computeShallowSizes, WeakMapEdgeNames } from '../core/edgeRules';
import { defaultCycleEdgeTypes, setCycles, type Cycles } from '../core/cycles';
import { prepareRetainerPaths, setHubIndexes, type HubIndex } from '../core/retainerPaths';
import { classTotalsOf } from '../core/classSummary';
import { collectGarbage } from './collectGarbage';
import { cancelledError } from '../core/errors';
import type { AnalysisHelperData, FromAnalysisHelper, SharedColumns, ToAnalysisHelper } from '../protocol';

export interface ParallelAnalysisOptions extends RunOptions {
  /** The helper thread's script; default dist/analysisWorker.js next to this bundle; null: one thread. */
  workerPath?: string | null;
  /** Snapshots with fewer nodes are analysed on one thread (a thread costs ~30 ms to start). */
  minNodes?: number;
  /** Filled in: whether the helper thread computed the retainers, shallow sizes and cycles. */
  stats?: { helper?: boolean };
}

/** Below this many nodes one thread is as fast. */
export const PARALLEL_MIN_NODES = 200_000;

/** The bundled helper next to this bundle (dist/analysisWorker.js), or null (e.g. under tsx). */
export function defaultAnalysisWorkerPath(): string | null {
  const p = path.join(__dirname, 'analysisWorker.js');
  return fs.existsSync(p) ? p : null;
}

/** The numeric columns when every one of them, and the string table, is on SharedArrayBuffers; else null. */
export function sharedColumns(snap: HeapSnapshot): SharedColumns | null {
  const cols: SharedColumns = {
    nodeType: snap.nodeType, nodeName: snap.nodeName, nodeId: snap.nodeId, nodeSelfSize: snap.nodeSelfSize,
    nodeTraceId: snap.nodeTraceId, nodeDetachedness: snap.nodeDetachedness, firstEdge: snap.firstEdge,
    edgeType: snap.edgeType, edgeNameOrIndex: snap.edgeNameOrIndex, edgeTo: snap.edgeTo,
  };
  for (const a of Object.values(cols)) if (a !== null && !(a.buffer instanceof SharedArrayBuffer)) return null;
  // the helper reads the strings too (class and edge names some of its phases compare)
  if (!snap.strings.isShared) return null;
  return cols;
}

/**
 * analyze() plus the default cycles, the class totals and (with the helper) the retainer-path hub
 * indexes, on two threads when possible (same results as one thread).
 */
export async function analyzeSnapshot(snap: HeapSnapshot, opts: ParallelAnalysisOptions = {}): Promise<Analysis> {
  const workerPath = opts.workerPath === undefined ? defaultAnalysisWorkerPath() : opts.workerPath;
  const columns = sharedColumns(snap);
  if (opts.stats) opts.stats.helper = false;
  if (!workerPath || !columns || snap.nodeCount < (opts.minNodes ?? PARALLEL_MIN_NODES)) return analyze(snap, opts);
  const data: AnalysisHelperData = {
    meta: snap.meta, columns, strings: snap.strings.parts(),
    cycleEdgeTypes: defaultCycleEdgeTypes(snap),
  };
  const helper = new HelperThread(workerPath, data);
  try {
    const start = beginAnalysis(snap, opts);
    // The dominators need only the retainers: the helper's shallow sizes (and then its cycles)
    // come in while they run.
    let waitStart = performance.now();
    const got = await helper.retainers(opts.signal);
    let retainers: Retainers;
    if (got) {
      retainers = got.retainers;
      // the helper left the WeakMap table → value slots to this thread (see analysisWorker.ts)
      const t0 = performance.now();
      flagWeakMapSlots(snap, retainers, start.tableEdges);
      start.timings.weakMapSlots = performance.now() - t0;
      start.timings.retainers = got.ms;
      start.timings.waitForHelper = performance.now() - waitStart;
    } else {
      retainers = start.timed('retainers', () => computeRetainers(snap, opts));
    }
    // the last phase that reads WeakMap edge names (26 MB of caches at 1 GB)
    WeakMapEdgeNames.forget(snap.strings);
    collectGarbage();
    const tree = dominatorPhase(start, retainers, opts);
    waitStart = performance.now();
    const sizes = got ? await helper.shallowSizes(opts.signal) : null;
    let shallowSizes: SizeArray;
    if (sizes) {
      // moved in place in the shared self sizes, or a new array when those could overflow
      shallowSizes = sizes.inPlace ? snap.nodeSelfSize : sizes.sizes;
      start.timings.shallowSizes = sizes.ms;
      start.timings.waitForHelper = (start.timings.waitForHelper ?? 0) + performance.now() - waitStart;
    } else {
      shallowSizes = start.timed('shallowSizes', () => computeShallowSizes(snap, { inPlace: true }));
    }
    const analysis = completeAnalysis(start, retainers, tree, shallowSizes);
    // the dominators' dead working array (idom, 45 MB at 1 GB) goes before the class totals allocate
    collectGarbage();
    // the hub indexes now, not with the distances: built beside the dominators they slowed them
    // down (both are memory bound) and raised the peak; beside the class totals they fit
    if (got) helper.requestHubs(analysis.distances, snap.rootOrdinal);
    start.timed('classSummary', () => classTotalsOf(analysis));
    const cycles = got ? await helper.cycles(opts.signal) : null;
    if (cycles) {
      setCycles(analysis, cycles.cycles);
      analysis.timings.cycles = cycles.ms;
    }
    const hubs = got ? await helper.hubs(opts.signal) : null;
    if (hubs) {
      setHubIndexes(analysis, new Map(hubs.hubs));
      analysis.timings.pathIndex = hubs.ms;
    } else {
      // as analyze() does: the retainer index's order is settled before anyone reads it
      start.timed('pathIndex', () => prepareRetainerPaths(analysis));
    }
    if (opts.stats) opts.stats.helper = got !== null && sizes !== null && cycles !== null && hubs !== null;
    return analysis;
  } finally {
    void helper.stop();
  }
}

type Reply<K extends FromAnalysisHelper['kind']> = Extract<FromAnalysisHelper, { kind: K }>;

/** One helper thread and the replies it posts (null when it failed: the caller computes them itself). */
class HelperThread {
  private readonly worker: Worker;
  private readonly replies = new Map<string, (m: FromAnalysisHelper | null) => void>();
  private readonly received = new Map<string, FromAnalysisHelper | null>();
  private failed = false;

  constructor(workerPath: string, data: AnalysisHelperData) {
    this.worker = new Worker(workerPath, { workerData: data });
    this.worker.on('message', (m: FromAnalysisHelper) => {
      if (m.kind === 'error') this.fail();
      else this.deliver(m.kind, m);
    });
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  private deliver(kind: string, m: FromAnalysisHelper | null): void {
    if (this.received.has(kind)) return;
    this.received.set(kind, m);
    this.replies.get(kind)?.(m);
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    for (const k of ['retainers', 'shallowSizes', 'cycles', 'hubs']) this.deliver(k, null);
  }

  private wait<K extends FromAnalysisHelper['kind']>(kind: K, signal?: AbortSignal): Promise<Reply<K> | null> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelledError());
        return;
      }
      const onAbort = () => reject(cancelledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (m: FromAnalysisHelper | null) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(m as Reply<K> | null);
      };
      if (this.received.has(kind)) done(this.received.get(kind) ?? null);
      else this.replies.set(kind, done);
    });
  }

  /** The retainers, or null when the helper failed. */
  async retainers(signal?: AbortSignal): Promise<{ retainers: Retainers; ms: number } | null> {
    const r = await this.wait('retainers', signal);
    return r ? { retainers: { firstRetainer: r.firstRetainer, retainerNode: r.retainerNode, retainerType: r.retainerType }, ms: r.ms } : null;
  }

  /** The shallow sizes, or null when the helper failed. */
  async shallowSizes(signal?: AbortSignal): Promise<{ sizes: SizeArray; inPlace: boolean; ms: number } | null> {
    const s = await this.wait('shallowSizes', signal);
    return s ? { sizes: s.sizes, inPlace: s.inPlace, ms: s.ms } : null;
  }

  /** The cycles over the default edge types, or null when the helper failed. */
  async cycles(signal?: AbortSignal): Promise<{ cycles: Cycles; ms: number } | null> {
    const c = await this.wait('cycles', signal);
    return c ? { cycles: c.cycles, ms: c.ms } : null;
  }

  /** Sends the distances: the helper then builds the retainer-path hub indexes. */
  requestHubs(distances: Int32Array, root: number): void {
    if (this.failed) return;
    const m: ToAnalysisHelper = { kind: 'hubs', distances, root };
    this.worker.postMessage(m);
  }

  /** The hub indexes, or null when the helper failed. */
  async hubs(signal?: AbortSignal): Promise<{ hubs: Array<[number, HubIndex]>; ms: number } | null> {
    const h = await this.wait('hubs', signal);
    return h ? { hubs: h.hubs, ms: h.ms } : null;
  }

  async stop(): Promise<void> {
    this.failed = true;
    await this.worker.terminate().catch(() => undefined);
  }
}
