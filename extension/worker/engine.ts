// The analysis worker's state and its answers to EngineRequests: one loaded, analysed snapshot per
// worker (one worker per open document). Each request kind is a call into the pure engine.
import type { EngineReplies, EngineRequest } from '../protocol';
import type { AnalysisSettings, AnalysisSummary, BackrefGraph, BackrefOptions } from '../core/results';
import type { Analysis } from '../core/analysis';
import { analyzeSnapshot } from '../node/parallelAnalysis';
import { buildSummary, DEFAULT_SETTINGS, pathsForNode } from '../core/report';
import { buildBackrefGraph } from '../core/backrefs';
import { backrefGraphToDot } from '../core/dot';
import { diffSnapshots } from '../core/diff';
import { getNodeDetails } from '../core/nodeDetails';
import { loadSnapshotFile } from '../node/loadSnapshot';
import { computeSourceHints } from '../core/sourceHints';

export { DEFAULT_SETTINGS };

export type ProgressFn = (p: { phase: string; done: number; total: number; bytesRead?: number; totalBytes?: number }) => void;
type Handlers = { [K in EngineRequest['kind']]: (req: Extract<EngineRequest, { kind: K }>, signal: AbortSignal, onProgress: ProgressFn) => Promise<EngineReplies[K]> | EngineReplies[K] };

export class WorkerEngine {
  private analysis: Analysis | null = null;
  private settings: AnalysisSettings = DEFAULT_SETTINGS;
  /** buildSummary of the current analysis and settings (it walks every node: compute once). */
  private cachedSummary: AnalysisSummary | null = null;

  private readonly handlers: Handlers = {
    load: async (req, signal, onProgress) => {
      this.analysis = null;
      this.cachedSummary = null;
      this.settings = req.settings;
      // shared columns: the analysis runs on this thread and a helper thread (parallelAnalysis.ts)
      const snap = await loadSnapshotFile(req.path, { signal, onProgress, shared: true });
      this.analysis = await analyzeSnapshot(snap, { signal, onProgress });
      return this.summary();
    },
    summary: () => this.summary(),
    settings: (req) => {
      this.settings = req.settings;
      this.cachedSummary = null;
      return this.summary();
    },
    backrefs: (req) => this.backrefs(req.ids, req.options),
    // no maxDepth for the shading: like objgraph's show_chain, shade over the deepest drawn node
    dot: (req) => backrefGraphToDot(this.backrefs(req.ids, req.options)),
    paths: (req) => {
      this.ordinal(req.id);
      return pathsForNode(this.loaded(), req.id, {
        k: req.k, ignoredEdges: req.ignoredEdges ?? this.settings.ignoredEdges, ignoredNodeIds: req.ignoredIds,
      });
    },
    hints: (req) => computeSourceHints(this.loaded(), this.summary(), req.options),
    details: (req) => getNodeDetails(this.loaded(), this.ordinal(req.id)),
    // the open snapshot is "after", the other one "before" (DevTools' Comparison with a base snapshot);
    // the other file is only parsed, not analysed, and dropped after the diff
    diff: async (req, signal, onProgress) => {
      const current = this.loaded();
      const before = await loadSnapshotFile(req.otherPath, { signal, onProgress });
      return diffSnapshots(before, current);
    },
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
    this.cachedSummary ??= buildSummary(this.loaded(), this.settings);
    return this.cachedSummary;
  }

  /** Node ordinal of a snapshot node id; throws a clear error for an unknown id. */
  private ordinal(id: number): number {
    const n = this.loaded().snap.ordinalOfId(id);
    if (n < 0) throw new Error(`There is no object @${id} in this snapshot`);
    return n;
  }

  /** The back-reference graph; options the view leaves out come from the settings. */
  private backrefs(ids: number[], options: BackrefOptions): BackrefGraph {
    const ordinals = ids.map((id) => this.ordinal(id));
    return buildBackrefGraph(this.loaded(), ordinals, {
      ...options,
      maxDepth: options.maxDepth ?? this.settings.maxDepth,
      tooMany: options.tooMany ?? this.settings.tooMany,
      ignoredEdges: options.ignoredEdges ?? this.settings.ignoredEdges,
    });
  }
}
