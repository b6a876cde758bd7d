// The analysis worker's state and its answers to EngineRequests: one loaded, analysed snapshot per
// worker (one worker per open document). Each request kind is a call into the pure engine.
import type { EngineReplies, EngineRequest } from '../protocol';
import type { AnalysisSettings, AnalysisSummary } from '../core/results';
import { analyze, type Analysis } from '../core/analysis';
import type { HeapSnapshot } from '../core/model';
import { loadSnapshotFile, type LoadProgress } from './tempLoader';

export type ProgressFn = (p: LoadProgress) => void;
type Handlers = { [K in EngineRequest['kind']]: (req: Extract<EngineRequest, { kind: K }>, signal: AbortSignal, onProgress: ProgressFn) => Promise<EngineReplies[K]> | EngineReplies[K] };

/** Settings used until the host sends its own (the package.json defaults). */
export const DEFAULT_SETTINGS: AnalysisSettings = { requestLikePatterns: [], maxDepth: 3, tooMany: 10, ignoredEdges: [], paths: 3 };

export class WorkerEngine {
  private analysis: Analysis | null = null;
  private settings: AnalysisSettings = DEFAULT_SETTINGS;

  private readonly handlers: Handlers = {
    load: async (req, signal, onProgress) => {
      this.analysis = null;
      this.settings = req.settings;
      const snap = await loadSnapshotFile(req.path, { signal, onProgress });
      this.analysis = analyze(snap, { signal, onProgress });
      return this.summary();
    },
    summary: () => this.summary(),
    settings: (req) => {
      this.settings = req.settings;
      return this.summary();
    },
    backrefs: () => notYet('backrefs'),
    dot: () => notYet('dot'),
    paths: () => notYet('paths'),
    details: () => notYet('details'),
    diff: () => notYet('diff'),
  };

  /** Answers one request; throws (SnapshotError or Error) on failure. */
  handle(req: EngineRequest, signal: AbortSignal, onProgress: ProgressFn): Promise<EngineReplies[EngineRequest['kind']]> {
    const h = this.handlers[req.kind] as (r: EngineRequest, s: AbortSignal, p: ProgressFn) => unknown;
    return Promise.resolve().then(() => h(req, signal, onProgress)) as Promise<EngineReplies[EngineRequest['kind']]>;
  }

  private loaded(): Analysis {
    if (!this.analysis) throw new Error('No snapshot is loaded');
    return this.analysis;
  }

  private summary(): AnalysisSummary {
    const a = this.loaded();
    const snap: HeapSnapshot = a.snap;
    return {
      nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize: snap.totalSelfSize(), isPython: false,
      classes: [], suspects: [], timings: a.timings,
    };
  }
}

function notYet(kind: string): never {
  throw new Error(`The engine does not answer "${kind}" yet`);
}
