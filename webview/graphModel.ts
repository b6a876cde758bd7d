// Pure graph-state logic of the webview: merging on-demand expansions into the shown back-reference
// graph, which "N more" boxes remain, the options sent to the engine, and what to highlight.
import type { AnalysisSettings, BackrefGraph, BackrefOptions, GraphEdge, GraphNode } from '../extension/core/results';

/** Hard cap on nodes drawn at once (the engine caps each reply too; merges may add up). */
export const MAX_DRAWN_NODES = 600;

/** How many more retainers one click on "N more" (or "Expand retainers") reveals. */
export const EXPAND_STEP = 25;

/** A retainer expansion the user asked for, replayed after hide/show: show `tooMany` retainers of node `id`. */
export interface Expansion {
  id: number;
  tooMany: number;
}

/** Engine options for the main graph of some targets, from the user's settings. */
export function graphOptions(settings: AnalysisSettings | undefined): BackrefOptions {
  return {
    maxDepth: settings?.maxDepth ?? 3,
    tooMany: settings?.tooMany ?? 10,
    ignoredEdges: settings?.ignoredEdges ?? [],
    includeRootPath: true,
    includeCycle: true,
    maxNodes: 400,
  };
}

/** Engine options for one expansion step: the node's direct retainers only, up to `tooMany`. */
export function expansionOptions(settings: AnalysisSettings | undefined, tooMany: number): BackrefOptions {
  return {
    maxDepth: 1,
    tooMany,
    ignoredEdges: settings?.ignoredEdges ?? [],
    includeRootPath: false,
    includeCycle: false,
    maxNodes: tooMany + 2,
  };
}

/** Key of the "N more" box folded under the node with key `parentKey` (the engine's convention). */
export function moreKeyOf(parentKey: string): string {
  return `more:${parentKey}`;
}

/** The parent key of a "more:<key>" box, or undefined for an ordinary node key. */
export function parentKeyOfMore(key: string): string | undefined {
  return key.startsWith('more:') ? key.slice(5) : undefined;
}

/** How many direct retainers of `key` the graph shows (ordinary nodes only). */
export function shownRetainerCount(graph: BackrefGraph, key: string): number {
  const seen = new Set<string>();
  for (const e of graph.edges) if (e.to === key && !e.from.startsWith('more:')) seen.add(e.from);
  return seen.size;
}

/** The tooMany to request when expanding node `key` once more. */
export function nextTooMany(graph: BackrefGraph, key: string, base: number): number {
  return Math.max(base, shownRetainerCount(graph, key)) + EXPAND_STEP;
}

function edgeId(e: GraphEdge): string {
  return `${e.from}\u0000${e.to}\u0000${e.type}\u0000${e.name}`;
}

/**
 * Merges an expansion reply (the engine's back-reference graph of one node with maxDepth 1) into
 * the shown graph: new retainers and their edges are added, depths continue from the anchor, the
 * anchor's old "N more" box is replaced by the reply's (if it still folds some), existing nodes
 * keep their flags (targets stay the original targets). Returns a new graph; inputs are not changed.
 */
export function mergeExpansion(base: BackrefGraph, reply: BackrefGraph, anchorKey: string): BackrefGraph {
  const anchor = base.nodes.find((n) => n.key === anchorKey);
  const anchorDepth = anchor?.depth ?? 0;
  const oldMore = moreKeyOf(anchorKey);
  const nodes = new Map<string, GraphNode>();
  for (const n of base.nodes) if (n.key !== oldMore) nodes.set(n.key, n);
  const edges = new Map<string, GraphEdge>();
  for (const e of base.edges) if (e.from !== oldMore && e.to !== oldMore) edges.set(edgeId(e), e);
  const added: string[] = [];
  for (const n of reply.nodes) {
    if (nodes.has(n.key)) continue;
    // only the anchor's own fold box comes along; other folds of the reply belong to its neighbours
    if (n.kind === 'more' && n.key !== oldMore) continue;
    if (nodes.size >= MAX_DRAWN_NODES) break;
    nodes.set(n.key, { ...n, isTarget: false, depth: anchorDepth + 1 });
    added.push(n.key);
  }
  for (const e of reply.edges) {
    if (!nodes.has(e.from) || !nodes.has(e.to)) continue;
    const id = edgeId(e);
    if (!edges.has(id)) edges.set(id, { ...e, onCycle: false, onRootPath: false });
  }
  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    targetIds: base.targetIds,
    truncated: base.truncated || reply.truncated || nodes.size >= MAX_DRAWN_NODES,
  };
}

/** Caps a graph reply to MAX_DRAWN_NODES nodes (nearest to the targets first); marks it truncated when cut. */
export function capGraph(graph: BackrefGraph, max = MAX_DRAWN_NODES): BackrefGraph {
  if (graph.nodes.length <= max) return graph;
  const keep = [...graph.nodes]
    .sort((a, b) => (a.isTarget === b.isTarget ? a.depth - b.depth : a.isTarget ? -1 : 1))
    .slice(0, max);
  const keys = new Set(keep.map((n) => n.key));
  return {
    nodes: graph.nodes.filter((n) => keys.has(n.key)),
    edges: graph.edges.filter((e) => keys.has(e.from) && keys.has(e.to)),
    targetIds: graph.targetIds,
    truncated: true,
  };
}

/** Keys of the nodes touched by root-path edges (to highlight the shortest path to a root). */
export function rootPathNodeKeys(graph: BackrefGraph): Set<string> {
  const s = new Set<string>();
  for (const e of graph.edges) {
    if (e.onRootPath) {
      s.add(e.from);
      s.add(e.to);
    }
  }
  return s;
}

/** Counts for the graph's caption: nodes (excluding fold boxes), edges, cycle edges, folded referrers. */
export function graphStats(graph: BackrefGraph): { nodes: number; edges: number; cycleEdges: number; folded: number } {
  let nodes = 0;
  let folded = 0;
  for (const n of graph.nodes) {
    if (n.kind === 'more') folded += n.moreCount ?? n.moreIds?.length ?? 0;
    else nodes++;
  }
  let cycleEdges = 0;
  for (const e of graph.edges) if (e.onCycle) cycleEdges++;
  return { nodes, edges: graph.edges.length, cycleEdges, folded };
}
