// Analysis on two threads. The main thread parses every WeakMap edge name into a shared cache
// (edgeRules.WeakMapEdgeNames; 0.3 s on a 1 GB heap, often done while the load waited), then runs
// the distances with DevTools' name-based filter and the page-owned flags, then the dominators and
// retained sizes. A helper thread (analysisWorker.ts) meanwhile counts the retainers, waits for the
// names (Atomics), posts the essential-edge bits but for the page-owned rule (which needs the
// distances' traversal: the dominators' search applies it itself), and fills the retainer index,
// the slots' flags read from those bits. The dominators' search from the root (dominatorDfs) needs
// only the bits: this thread runs it while the helper fills the retainers. Then, beside the rest of
// the dominators, the helper computes the class ids (unless this thread took them while it waited
// for the retainers; split by constructor location there too, and written where this thread's
// dominators can read them before the helper's message arrives, CLASS_IDS_READY), moves the
// shallow sizes and searches the cycles. The columns
// must be on SharedArrayBuffers (loadSnapshotFile({shared: true})); otherwise, for small snapshots,
// or when the helper fails, everything runs on this thread. The results do not depend on which
// thread ran what.
// When the class ids (from either thread) and the helper's moved shallow sizes are there by the end
// of the dominators, these give the class-top flags too (dominators.ClassTopInputs; the class totals are
// then one sequential pass). Once the dominators are done both threads build the retainer-path hub
// indexes (retainerPaths.prepareRetainerPaths, which analyze() runs on its one thread), largest hub
// first, each taking the next hub (signals[HUB_NEXT]): this thread after the class totals, the
// helper after its cycle search. They reorder the biggest hubs' retainer slices in place, so
// nothing may read the retainer index meanwhile: the class totals do not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeapSnapshot, SizeArray } from '../core/model';
import type { RunOptions } from '../core/progress';
import { analyze, beginAnalysis, completeAnalysis, dominatorPhase, type Analysis } from '../core/analysis';
import { computeRetainers, type Retainers } from '../core/retainers';
import { computeEssentialEdges, computeShallowSizes, WeakMapEdgeNames } from '../core/edgeRules';
import { dominatorDfs } from '../core/dominators';
import { defaultCycleEdgeTypes, setCycles, type Cycles } from '../core/cycles';
import { computeHubIndexes, prepareRetainerPaths, setHubIndexes, type HubIndex } from '../core/retainerPaths';
import { classTotalsOf, computeClassIds, type ClassIdArray, type ClassIds } from '../core/classSummary';
import { mappedSharedBuffer } from '../core/scratch';
import { collectGarbage } from './collectGarbage';
import { cancelledError } from '../core/errors';
import { CLASS_COUNT, CLASS_ID_BYTES, CLASS_IDS, CLASS_IDS_HELPER, CLASS_IDS_MAIN, CLASS_IDS_READY, HELPER_SIGNALS, HUB_NEXT, NAMES_READY, SIZES_IN_PLACE, RETAINERS_POSTED, type AnalysisHelperData, type FromAnalysisHelper, type SharedColumns, type ToAnalysisHelper } from '../protocol';

export interface ParallelAnalysisOptions extends RunOptions {
  /** The helper thread's script; default dist/analysisWorker.js next to this bundle; null: one thread. */
  workerPath?: string | null;
  /** Snapshots with fewer nodes are analysed on one thread (a thread costs ~30 ms to start). */
  minNodes?: number;
  /**
   * Filled in: whether the helper thread computed the retainers, shallow sizes and cycles, and which
   * thread computed the class ids.
   */
  stats?: { helper?: boolean; classIdsOn?: 'main' | 'helper'; hubsOnMain?: number; classTopByNumber?: boolean };
  /** Tests: the main thread does not take the class ids while it waits (the helper's path). */
  classIdsOnHelper?: boolean;
  /** Tests: the helper leaves every retainer-path hub to the main thread (which shares them otherwise). */
  hubsOnMain?: boolean;
  /**
   * Tests: this thread waits for the helper's shallow sizes before its dominators (and so for the
   * helper's class ids, which come before the sizes when the helper has them): the dominators then
   * always give the class-top flags (else only if the sizes and the ids came in time).
   */
  sizesBeforeDominators?: boolean;
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
  // the helper reads the strings too (class and edge names some of its phases compare), and the
  // locations (its class ids are split by them)
  if (!snap.strings.isShared) return null;
  if (snap.locations && !(snap.locations.node.buffer instanceof SharedArrayBuffer && snap.locations.scriptId.buffer instanceof SharedArrayBuffer
    && snap.locations.line.buffer instanceof SharedArrayBuffer && snap.locations.column.buffer instanceof SharedArrayBuffer)) return null;
  return cols;
}

/**
 * analyze() plus the default cycles, the class totals and (with the helper) the retainer-path hub
 * indexes, on two threads when possible (same results as one thread).
 */
export async function analyzeSnapshot(snap: HeapSnapshot, opts: ParallelAnalysisOptions = {}): Promise<Analysis> {
  const workerPath = opts.workerPath === undefined ? defaultAnalysisWorkerPath() : opts.workerPath;
  const columns = sharedColumns(snap);
  if (opts.stats) {
    opts.stats.helper = false;
    opts.stats.classIdsOn = 'main';
  }
  if (!workerPath || !columns || snap.nodeCount < (opts.minNodes ?? PARALLEL_MIN_NODES)) return analyze(snap, opts);
  // The WeakMap edge names: this thread parses them all first (the distances and the helper's
  // essential edges read them; the helper counts retainers meanwhile), in a shared cache.
  const signals = new Int32Array(new SharedArrayBuffer(4 * HELPER_SIGNALS));
  // the helper's class ids, if it computes them (only the pages it writes become resident)
  const classIdBuffer = mappedSharedBuffer(4 * snap.nodeCount);
  const helper = startHelper(workerPath, snap, columns, signals, classIdBuffer);
  if (!helper) return analyze(snap, opts);
  try {
    const t0 = performance.now();
    WeakMapEdgeNames.forStrings(snap.strings).prepare(0, snap.strings.length);
    Atomics.store(signals, NAMES_READY, 1);
    Atomics.notify(signals, NAMES_READY);
    const namesMs = performance.now() - t0;
    const start = beginAnalysis(snap, opts, false);
    start.timings.weakMapNames = namesMs;
    // The essential edges but for the page-owned rule come from the helper, between its counting
    // pass and the fill of the retainers: the dominators' search from the root (which applies the
    // page-owned rule itself) runs while the helper fills them.
    let waitStart = performance.now();
    // (the bits are kept only in start.essential, which the dominators drop)
    const bits = await helper.essential(opts.signal, start.timings);
    const waited = performance.now() - waitStart;
    if (bits) {
      start.essential = bits;
    } else {
      start.essential = start.timed('essentialEdges',
        () => computeEssentialEdges(snap, null, WeakMapEdgeNames.forStrings(snap.strings)));
    }
    // the last phase that reads WeakMap edge names (26 MB of caches at 1 GB)
    WeakMapEdgeNames.forget(snap.strings);
    collectGarbage();
    const dfs = start.timed('dominatorDfs', () => dominatorDfs(snap, start.essential, start.pageOwned));
    // The rest of the dominators needs the retainers (the helper's class ids, shallow sizes and
    // cycles come in while it runs). If the helper is still filling them, this thread computes the
    // class ids meanwhile (the class totals need them at the end; 0.25 s on a 1 GB heap, 11 MB
    // through the dominators).
    let classIds = !opts.classIdsOnHelper && Atomics.load(signals, RETAINERS_POSTED) === 0 && claimClassIds(signals)
      ? start.timed('classIds', () => computeClassIds(snap)) : undefined;
    waitStart = performance.now();
    const got = await helper.retainers(opts.signal);
    let retainers: Retainers;
    if (got) {
      retainers = got.retainers;
      start.timings.retainers = got.ms;
      start.timings.waitForHelper = waited + performance.now() - waitStart;
    } else {
      // (the essential bits give the slots' flags: no WeakMap name is needed)
      const bits = start.essential;
      retainers = start.timed('retainers', () => computeRetainers(snap, { ...opts, essential: bits }));
    }
    // With the class ids (this thread's, or the helper's once written) and the shallow sizes moved
    // (the helper is usually done with them by now), the dominators also give the class-top flags
    // (by DFS number: the class totals then need one sequential pass).
    const mine = classIds;
    if (opts.sizesBeforeDominators && got) await helper.shallowSizes(opts.signal);
    const tree = dominatorPhase(start, retainers, opts, () => {
      if (!got || Atomics.load(signals, SIZES_IN_PLACE) !== 1) return null;
      const ids = mine ? { ids: mine.ids, classCount: mine.names.length } : helperClassIds(signals, classIdBuffer, snap.nodeCount);
      return ids ? { ...ids, sizes: snap.nodeSelfSize } : null;
    }, dfs);
    // the dominators' dead working array (idom, 45 MB at 1 GB) goes before the helper's hub indexes
    // and the class totals allocate
    collectGarbage();
    // the hub indexes now (they reorder the biggest hubs' retainer slices, which the dominators
    // read), beside the retained sizes and the class totals; built beside the dominators they
    // slowed them down (both are memory bound) and raised the peak
    if (got) helper.requestHubs(start.distances, snap.rootOrdinal, !opts.hubsOnMain);
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
    // the helper's class ids (computed beside the dominators), unless it has not started them:
    // then this thread computes them in the class summary
    if (!classIds && got && !claimClassIds(signals)) {
      const fromHelper = await helper.classIds(opts.signal);
      if (fromHelper) {
        classIds = fromHelper.classIds;
        start.timings.classIds = fromHelper.ms;
        if (opts.stats) opts.stats.classIdsOn = 'helper';
      }
    }
    // (the flags exist only when the class ids, from either thread, were there before the dominators ended)
    const classTop = tree.classTop;
    if (opts.stats) opts.stats.classTopByNumber = classTop !== undefined;
    start.timed('classSummary', () => classTotalsOf(analysis, classIds, classTop));
    // the hubs the helper has not claimed yet: this thread groups them too (largest first, so
    // what is left by now is small)
    const hubList = got ? await helper.hubList(opts.signal) : null;
    if (hubList) {
      const x = { retainers, weakType: snap.types.edgeWeak, distances: start.distances, root: snap.rootOrdinal, nodeCount: snap.nodeCount };
      const mine = start.timed('pathIndexMain', () => computeHubIndexes(x, { hubs: hubList, claim: () => Atomics.add(signals, HUB_NEXT, 1) }));
      setHubIndexes(analysis, mine);
    }
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
      // (the hubs this thread grouped are cached: left out)
      start.timed('pathIndex', () => prepareRetainerPaths(analysis));
    }
    if (opts.stats) {
      opts.stats.helper = got !== null && sizes !== null && cycles !== null && hubs !== null;
      opts.stats.hubsOnMain = hubList ? hubList.length - (hubs?.hubs.length ?? 0) : 0;
    }
    return analysis;
  } finally {
    // a helper still waiting for the names stops waiting (e.g. the distances were cancelled)
    if (Atomics.load(signals, NAMES_READY) === 0) {
      Atomics.store(signals, NAMES_READY, 2);
      Atomics.notify(signals, NAMES_READY);
    }
    void helper.stop();
  }
}

/**
 * The helper's class ids once it has written them (CLASS_IDS_READY), read in place: the dominators'
 * class-top flags need them before this thread can take the helper's message. Else null.
 */
function helperClassIds(signals: Int32Array, buffer: SharedArrayBuffer, n: number): { ids: ClassIdArray; classCount: number } | null {
  if (Atomics.load(signals, CLASS_IDS) !== CLASS_IDS_HELPER || Atomics.load(signals, CLASS_IDS_READY) !== 1) return null;
  const bytes = Atomics.load(signals, CLASS_ID_BYTES);
  const ids = bytes === 1 ? new Uint8Array(buffer, 0, n) : bytes === 2 ? new Uint16Array(buffer, 0, n) : new Uint32Array(buffer, 0, n);
  return { ids, classCount: Atomics.load(signals, CLASS_COUNT) };
}

/** True when this thread is to compute the class ids (see CLASS_IDS); false: the helper has them. */
function claimClassIds(signals: Int32Array): boolean {
  return Atomics.compareExchange(signals, CLASS_IDS, 0, CLASS_IDS_MAIN) === 0;
}

/**
 * The helper thread, given the shared WeakMap name cache to wait for (null when the cache is not
 * shared). No reference to the cache stays here: it is freed once the edge rules drop it.
 */
function startHelper(workerPath: string, snap: HeapSnapshot, columns: SharedColumns, signals: Int32Array,
  classIdBuffer: SharedArrayBuffer): HelperThread | null {
  // shared when the string table is (sharedColumns checked that)
  const buffer = WeakMapEdgeNames.forStrings(snap.strings).sharedBuffer();
  if (!buffer) return null;
  return new HelperThread(workerPath, {
    meta: snap.meta, columns, strings: snap.strings.parts(),
    cycleEdgeTypes: defaultCycleEdgeTypes(snap),
    weakMapNames: { buffer, signals }, locations: snap.locations, classIdBuffer,
  });
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
    for (const k of ['essential', 'retainers', 'shallowSizes', 'cycles', 'classIds', 'hubList', 'hubs']) this.deliver(k, null);
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

  /** The essential-edge bits but for the page-owned rule (their time into timings), or null when the helper failed. */
  async essential(signal: AbortSignal | undefined, timings: Record<string, number>): Promise<Uint32Array | null> {
    const r = await this.wait('essential', signal);
    if (!r) return null;
    timings.essentialEdges = r.ms;
    return r.bits;
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

  /** The class ids the helper computed (split by location; in AnalysisHelperData.classIdBuffer), or null when it failed. */
  async classIds(signal?: AbortSignal): Promise<{ classIds: ClassIds; ms: number } | null> {
    const c = await this.wait('classIds', signal);
    return c ? { classIds: c.classIds, ms: c.ms } : null;
  }

  /** Sends the distances: the helper then builds the retainer-path hub indexes it claims (claim: any). */
  requestHubs(distances: Int32Array, root: number, claim: boolean): void {
    if (this.failed) return;
    const m: ToAnalysisHelper = { kind: 'hubs', distances, root, claim };
    this.worker.postMessage(m);
  }

  /** The eager hubs whose indexes the two threads share (HUB_NEXT), or null when the helper failed. */
  async hubList(signal?: AbortSignal): Promise<Uint32Array | null> {
    const h = await this.wait('hubList', signal);
    return h ? h.hubs : null;
  }

  /** The hub indexes the helper built, or null when it failed. */
  async hubs(signal?: AbortSignal): Promise<{ hubs: Array<[number, HubIndex]>; ms: number } | null> {
    const h = await this.wait('hubs', signal);
    return h ? { hubs: h.hubs, ms: h.ms } : null;
  }

  async stop(): Promise<void> {
    this.failed = true;
    await this.worker.terminate().catch(() => undefined);
  }
}
