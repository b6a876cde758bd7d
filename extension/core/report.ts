// The analysis summary: class summary plus Request-like suspects, the data behind the CLI's --json
// and the editor's overview. Also the per-object "paths" query of the protocol.
import type { Analysis } from './analysis';
import type { AnalysisSettings, AnalysisSummary, PathGroup } from './results';
import { classSummary } from './classSummary';
import { cyclesOf } from './cycles';
import { findRequestLike, toPathEdges, type RequestLikeOptions } from './requestLike';
import { prepareRetainerPaths, retainerPaths, type PathQuery } from './retainerPaths';
import { prepareLocationIndex } from './locations';
import { isPythonSnapshot, pythonLivenessOf } from './python';

/** Settings used when a caller passes none. */
export const DEFAULT_SETTINGS: AnalysisSettings = {
  requestLikePatterns: [],
  maxDepth: 3,
  tooMany: 10,
  ignoredEdges: [],
  paths: 5,
};

/**
 * Builds the summary of an analysed snapshot: classes sorted by retained size (bytes, DevTools'
 * class rule), Request-like suspects sorted by retained size then count, and wall-clock timings (ms)
 * of every phase including cycles, class summary, the retainer-path hub index and Request-like.
 */
export function buildSummary(analysis: Analysis, settings: AnalysisSettings = DEFAULT_SETTINGS, opts: RequestLikeOptions = {}): AnalysisSummary {
  const { snap } = analysis;
  const timed = <T>(phase: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    analysis.timings[phase] ??= performance.now() - t0;
    return r;
  };
  const python = isPythonSnapshot(snap);
  timed('cycles', () => cyclesOf(analysis));
  if (python) timed('pythonLiveness', () => pythonLivenessOf(analysis));
  const classes = timed('classSummary', () => classSummary(analysis));
  timed('pathIndex', () => prepareRetainerPaths(analysis));
  // the location rows sorted by node: every graph and details query reads them
  timed('locationIndex', () => prepareLocationIndex(snap));
  const t0 = performance.now();
  const suspects = findRequestLike(analysis, settings, opts);
  const timings = { ...analysis.timings, requestLike: performance.now() - t0 };
  let totalSize = 0;
  for (let i = 0; i < snap.nodeCount; i++) totalSize += analysis.shallowSizes[i];
  return { nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize, isPython: python, classes, suspects, timings };
}

/**
 * The k shortest distinct retainer paths of one object (by node id) as PathGroups of count 1, edges
 * from the root side to the object with their real names (element indexes kept); [] for an unknown id.
 */
export function pathsForNode(analysis: Analysis, id: number, q: PathQuery = {}): PathGroup[] {
  const n = analysis.snap.ordinalOfId(id);
  if (n < 0) return [];
  return retainerPaths(analysis, n, q).map((edges) => ({ count: 1, edges: toPathEdges(analysis, edges, false), exampleIds: [id] }));
}
