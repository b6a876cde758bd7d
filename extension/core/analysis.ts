// The analysed snapshot: every index the queries need, built in named phases with progress.
// Phases (as DevTools' HeapSnapshot.initialize()): retainers → distances → dominators →
// retained sizes. Later phases (cycles, class summary, request-like) are computed on demand.
import type { HeapSnapshot } from './model';
import type { RunOptions } from './progress';
import { computeRetainers, type Retainers } from './retainers';
import { computeDistances } from './distances';
import { computeDominatorsAndRetainedSizes } from './dominators';

/** Distance value of a node not reachable from the root over strong edges. */
export const UNREACHABLE = -1;

export interface Analysis {
  snap: HeapSnapshot;
  retainers: Retainers;
  /** BFS hops from the root over retaining edges (DevTools' rules); UNREACHABLE (-1) if none */
  distances: Int32Array;
  /** immediate dominator ordinal of each node; the root's is itself; unreachable nodes get the root */
  dominators: Uint32Array;
  /** bytes retained by each node (self size + everything it dominates) */
  retainedSizes: Float64Array;
  /** wall-clock milliseconds per phase */
  timings: Record<string, number>;
}

/** Runs the index phases over a parsed snapshot. */
export function analyze(snap: HeapSnapshot, opts: RunOptions = {}): Analysis {
  const timings: Record<string, number> = {};
  const timed = <T>(phase: string, f: () => T): T => {
    const t0 = performance.now();
    opts.onProgress?.({ phase, done: 0, total: 1 });
    const r = f();
    timings[phase] = performance.now() - t0;
    return r;
  };
  const retainers = timed('retainers', () => computeRetainers(snap, opts));
  const distances = timed('distances', () => computeDistances(snap, opts));
  const { dominators, retainedSizes } = timed('dominators', () =>
    computeDominatorsAndRetainedSizes(snap, retainers, opts));
  return { snap, retainers, distances, dominators, retainedSizes, timings };
}
