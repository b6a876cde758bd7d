// The analysed snapshot: every index the queries need, built in named phases with progress.
// Phases (as DevTools' HeapSnapshot.initialize()): retainers → page-owned flags → shallow sizes →
// distances → essential edges → dominators → retained sizes. Later phases (cycles, class summary,
// request-like) are computed on demand. Which edges each phase follows: edgeRules.ts.
import type { HeapSnapshot, SizeArray } from './model';
import type { RunOptions } from './progress';
import { computeRetainers, type Retainers } from './retainers';
import { computeDistancesAndPageOwned } from './distances';
import { computeDominators, computeRetainedSizes, type ClassTopInputs, type DominatorDfs, type DominatorTree } from './dominators';
import { BASE_SYSTEM_DISTANCE, computeEssentialEdges, computeShallowSizes, WeakMapEdgeNames, type NodeBits } from './edgeRules';
import { prepareRetainerPaths } from './retainerPaths';

/** Distance value of a node not reachable from the root over the edges DevTools follows. */
export const UNREACHABLE = -1;

/** Distances of nodes reached only from system roots (not from a user root) start here. */
export { BASE_SYSTEM_DISTANCE };

export interface Analysis {
  snap: HeapSnapshot;
  retainers: Retainers;
  /**
   * BFS hops with DevTools' rules: user roots (root's non-synthetic children, e.g. `global`) are 1;
   * nodes only system roots reach are BASE_SYSTEM_DISTANCE + hops; UNREACHABLE (-1) if none.
   */
  distances: Int32Array;
  /** immediate dominator ordinal of each node; the root's is itself; unreachable nodes get the root */
  dominators: Uint32Array;
  /** bytes retained by each node (shallow size + shallow sizes of everything it dominates) */
  retainedSizes: SizeArray;
  /**
   * bytes, DevTools' displayed "Shallow Size": the file's self size, except that owned hidden/array
   * nodes give theirs to their single owner (edgeRules.computeShallowSizes). retainedSizes sum these.
   * Usually snap.nodeSelfSize itself, moved in place (not when its element type could overflow).
   */
  shallowSizes: SizeArray;
  /** a bit per node, set for page-owned nodes (reachable from the root's shortcut / "(Document DOM trees)" children); edgeRules.nodeBit */
  pageOwned: NodeBits;
  /** node ordinals in dominator-DFS order (index 0 = root); parents in the dominator tree come first */
  dominatorOrder: Uint32Array;
  /** wall-clock milliseconds per phase */
  timings: Record<string, number>;
}

/** Runs the index phases over a parsed snapshot, on this thread. */
export function analyze(snap: HeapSnapshot, opts: RunOptions = {}): Analysis {
  const start = beginAnalysis(snap, opts);
  const essential = start.essential;
  const retainers = start.timed('retainers', () => computeRetainers(snap, { ...opts, essential }));
  // the last phase that reads WeakMap edge names (26 MB of caches at 1 GB)
  WeakMapEdgeNames.forget(snap.strings);
  // in place: snap.nodeSelfSize becomes the shallow sizes (no second per-node array)
  const shallowSizes = start.timed('shallowSizes', () => computeShallowSizes(snap, { inPlace: true }));
  const analysis = finishAnalysis(start, retainers, shallowSizes, opts);
  // the biggest hubs' retainers grouped in place now, so the index's order is settled (see HubIndex)
  start.timed('pathIndex', () => prepareRetainerPaths(analysis));
  return analysis;
}

/**
 * The phases that need the snapshot's strings (distances with DevTools' name-based filter, page-owned
 * flags, essential edges). The others — retainers and shallow sizes — need only the numeric columns,
 * so a host may compute them on another thread meanwhile and pass them to finishAnalysis.
 */
export interface AnalysisStart {
  snap: HeapSnapshot;
  distances: Int32Array;
  pageOwned: NodeBits;
  essential: Uint32Array;
  timings: Record<string, number>;
  /** runs f as the named phase: progress at its start, wall milliseconds into timings */
  timed: <T>(phase: string, f: () => T) => T;
}

/**
 * Distances, page-owned flags and essential edges (first half of analyze). `essentialEdges` false:
 * start.essential stays empty and the caller sets it before dominatorPhase (the parallel analysis
 * takes them from its helper, without the page-owned rule, which the dominators' search applies).
 */
export function beginAnalysis(snap: HeapSnapshot, opts: RunOptions = {}, essentialEdges = true): AnalysisStart {
  const timings: Record<string, number> = {};
  const timed = phaseTimer(timings, opts);
  // distances and page-owned flags in one traversal (see computeDistancesAndPageOwned), shared like
  // the columns: the parallel analysis hands them to its helper thread (45 MB at 1 GB, which a copy
  // would add at the peak). The WeakMap name cache is looked up in each phase, not held in a local
  // (see phaseTimer).
  const shared = typeof SharedArrayBuffer !== 'undefined' && snap.nodeType.buffer instanceof SharedArrayBuffer;
  const both = timed('distances', () => computeDistancesAndPageOwned(snap, { ...opts, weakMapNames: WeakMapEdgeNames.forStrings(snap.strings), shared }));
  const pageOwned = both.pageOwned as NodeBits;
  // without the page-owned rule: the retainers' slot flags come from these bits too, and the
  // dominators' search applies that rule itself
  const essential = essentialEdges ? timed('essentialEdges', () => computeEssentialEdges(snap, null, WeakMapEdgeNames.forStrings(snap.strings)))
    : new Uint32Array(0);
  return { snap, distances: both.distances, pageOwned, essential, timings, timed };
}

/**
 * AnalysisStart.timed. Made here, not in beginAnalysis: a closure keeps its whole function's
 * captured variables alive, and the start keeps this one to the end (the WeakMap name cache
 * and the table edges captured in beginAnalysis would stay resident through the dominators).
 */
function phaseTimer(timings: Record<string, number>, opts: RunOptions): AnalysisStart['timed'] {
  return <T>(phase: string, f: () => T): T => {
    const t0 = performance.now();
    opts.onProgress?.({ phase, done: 0, total: 1 });
    const r = f();
    timings[phase] = performance.now() - t0;
    return r;
  };
}

/** Dominators and retained sizes from beginAnalysis's result plus retainers and shallow sizes. */
export function finishAnalysis(start: AnalysisStart, retainers: Retainers, shallowSizes: SizeArray,
  opts: RunOptions = {}): Analysis {
  return completeAnalysis(start, retainers, dominatorPhase(start, retainers, opts), shallowSizes);
}

/**
 * The dominator tree over beginAnalysis's essential edges (needs the retainers, not the sizes).
 * Consumes start.essential: dropped afterwards (nothing reads it later).
 */
export function dominatorPhase(start: AnalysisStart, retainers: Retainers, opts: RunOptions = {},
  classTop?: () => ClassTopInputs | null, dfs?: DominatorDfs): DominatorTree {
  const tree = start.timed('dominators', () => computeDominators(start.snap, retainers, start.essential, start.pageOwned, { ...opts, classTop, dfs }));
  start.essential = new Uint32Array(0);
  return tree;
}

/** Retained sizes over the dominator tree, and the Analysis. */
export function completeAnalysis(start: AnalysisStart, retainers: Retainers, tree: DominatorTree,
  shallowSizes: SizeArray): Analysis {
  const { snap, timed } = start;
  const retainedSizes = timed('retainedSizes', () => computeRetainedSizes(tree.dominators, tree.order, shallowSizes, tree.spare));
  tree.spare = undefined;
  return {
    snap, retainers, distances: start.distances, dominators: tree.dominators, retainedSizes, shallowSizes,
    pageOwned: start.pageOwned, dominatorOrder: tree.order, timings: start.timings,
  };
}
