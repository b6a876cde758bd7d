// Graph layout, apart from rendering: turns a BackrefGraph into box positions and edge routes with
// elkjs' "layered" algorithm (Sugiyama-style: cycle breaking → layering → crossing minimisation →
// node placement → edge routing). Direction DOWN, so retainers sit above what they retain: roots at
// the top, targets at the bottom, as objgraph's show_backrefs draws it. Pure and deterministic:
// the input is put in a canonical order first (sizes measured up front) and ELK runs with a fixed seed,
// either in the page's layout worker (layoutClient.ts, layoutWorker.ts) or in this thread.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { BackrefGraph, GraphEdge, GraphNode } from '../extension/core/results';
import { edgeLabel } from './format';

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** How big boxes and edge labels are (the webview measures rendered text; tests use a fixed-width rule). */
export interface Measure {
  node(n: GraphNode): Size;
  edgeLabel(text: string): Size;
}

export interface PositionedNode extends Size {
  key: string;
  /** top-left corner, px */
  x: number;
  y: number;
}

export interface PositionedEdge {
  /** stable key: from->to:type:name (#n for parallel duplicates) */
  key: string;
  from: string;
  to: string;
  /** index into the input graph's edges */
  index: number;
  /** route from the retainer's box border to the retained box border, px */
  points: Point[];
  label?: Size & Point & { text: string };
}

export interface Positioned extends Size {
  nodes: PositionedNode[];
  edges: PositionedEdge[];
}

/** ELK options: layered, top-down, fixed seed; cycles are broken against the model order we give. */
export const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.randomSeed': '1',
  // Our node order runs from far retainers down to the targets, so an edge leaving a target (the
  // closing edge of a cycle through it) is the one drawn upwards, as in objgraph's pictures.
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
  'elk.edgeRouting': 'POLYLINE',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeLabel': '3',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  // Brandes–Köpf placement: straight vertical runs like Graphviz; NETWORK_SIMPLEX placement was
  // 10× slower here once edge labels (label dummy nodes) are in (30 s for 150 nodes under load)
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};

/** Above this many edges ELK does not place labels (label dummies slow it down); we put them at the route's middle. */
export const ELK_LABEL_EDGE_LIMIT = 160;

/** Crossing-minimisation effort by graph size: full for small graphs, least for large ones (in-thread, so bounded). */
export function thoroughness(nodeCount: number): number {
  if (nodeCount <= 60) return 7;
  if (nodeCount <= 150) return 3;
  return 1;
}

/**
 * Canonical node order for the layout: farthest from the targets first, targets last; ties by
 * distance from the roots, then key. ELK's MODEL_ORDER cycle breaking reverses edges that point
 * backwards in this order.
 */
export function canonicalNodeOrder(nodes: readonly GraphNode[]): GraphNode[] {
  return [...nodes].sort((a, b) => {
    if (a.isTarget !== b.isTarget) return a.isTarget ? 1 : -1;
    if (a.depth !== b.depth) return b.depth - a.depth;
    const da = a.distance < 0 ? Number.MAX_SAFE_INTEGER : a.distance;
    const db = b.distance < 0 ? Number.MAX_SAFE_INTEGER : b.distance;
    if (da !== db) return da - db;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

function edgeSortKey(e: GraphEdge): string {
  return `${e.from}\u0000${e.to}\u0000${e.type}\u0000${e.name}`;
}

/** Stable keys for edges; parallel duplicates (same ends, type and name) get "#1", "#2", ... */
export function edgeKeys(edges: readonly GraphEdge[]): string[] {
  const seen = new Map<string, number>();
  return edges.map((e) => {
    const base = `${e.from}->${e.to}:${e.type}:${e.name}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}#${n}`;
  });
}

let elk: InstanceType<typeof ELK> | null = null;

/** A graph made ready for ELK: the plain-JSON ELK input (ids are positional) and what maps it back. */
export interface PreparedLayout {
  /** ELK's input graph: structured-clonable, no snapshot strings (a worker may run it) */
  elk: ElkNode;
  /** node keys in ELK child order */
  nodeKeys: string[];
  /** input edge index of ELK edge j */
  edgeIdx: number[];
  /** edge key per input edge */
  keys: string[];
  /** label text and measured size per input edge (text '' when the edge has no label) */
  labels: (Size & { text: string })[];
}

/** Runs ELK on a prepared input graph and resolves with ELK's output graph (in this thread or elsewhere). */
export type ElkRunner = (graph: ElkNode) => Promise<ElkNode>;

/**
 * This thread's ELK instance, made on first use. Made in a worker scope, the bundled build also sets
 * `self.onmessage` to its own dispatcher, so layoutWorker.ts makes it before installing its handler.
 */
export function elkHere(): InstanceType<typeof ELK> {
  elk ??= new ELK();
  return elk;
}

/** ELK in the current thread (the bundled build's in-thread "fake worker": no Worker URL, no eval). */
export const runElkHere: ElkRunner = async (graph) => await elkHere().layout(graph);

/**
 * Canonical ELK input for a graph, with every size measured up front (so the ELK run needs neither
 * the DOM nor the measure): edges whose ends are not in the graph are left out.
 */
export function prepareLayout(graph: BackrefGraph, measure: Measure): PreparedLayout {
  const nodes = canonicalNodeOrder(graph.nodes);
  const present = new Set(nodes.map((n) => n.key));
  const keys = edgeKeys(graph.edges);
  const edgeIdx = graph.edges
    .map((_, i) => i)
    .filter((i) => present.has(graph.edges[i].from) && present.has(graph.edges[i].to))
    .sort((i, j) => {
      const a = edgeSortKey(graph.edges[i]);
      const b = edgeSortKey(graph.edges[j]);
      return a < b ? -1 : a > b ? 1 : keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0;
    });
  const labels = graph.edges.map((e) => {
    const text = edgeLabel(e.type, e.name);
    return text ? { text, ...measure.edgeLabel(text) } : { text, width: 0, height: 0 };
  });
  // ELK ids are positional ("n3", "e7"): snapshot strings never become ids or option values.
  const nodeId = new Map<string, string>();
  nodes.forEach((n, i) => nodeId.set(n.key, `n${i}`));
  const children: ElkNode[] = nodes.map((n, i) => {
    const s = measure.node(n);
    const c: ElkNode = { id: `n${i}`, width: s.width, height: s.height };
    // roots on the top layer and targets on the bottom one, as the reader expects them
    if (n.isRoot && !n.isTarget) c.layoutOptions = { 'elk.layered.layering.layerConstraint': 'FIRST' };
    else if (n.isTarget) c.layoutOptions = { 'elk.layered.layering.layerConstraint': 'LAST' };
    return c;
  });
  const elkLabels = edgeIdx.length <= ELK_LABEL_EDGE_LIMIT;
  const elkEdges: ElkExtendedEdge[] = edgeIdx.map((i, j) => {
    const e = graph.edges[i];
    const l = labels[i];
    return {
      id: `e${j}`,
      sources: [nodeId.get(e.from)!],
      targets: [nodeId.get(e.to)!],
      // ELK only places labels that have text; it never sees the snapshot's strings
      labels: l.text && elkLabels ? [{ id: `l${j}`, text: 'x', width: l.width, height: l.height }] : [],
    };
  });
  const options = { ...ELK_OPTIONS, 'elk.layered.thoroughness': String(thoroughness(nodes.length)) };
  const elkGraph: ElkNode = { id: 'root', layoutOptions: options, children, edges: elkEdges };
  return { elk: elkGraph, nodeKeys: nodes.map((n) => n.key), edgeIdx, keys, labels };
}

/** Maps ELK's output graph back to our keys: box positions (px, top-left) and edge routes. */
export function readLayout(graph: BackrefGraph, prep: PreparedLayout, out: ElkNode): Positioned {
  const posNodes: PositionedNode[] = (out.children ?? []).map((c, i) => ({
    key: prep.nodeKeys[i],
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? 0,
    height: c.height ?? 0,
  }));
  const posEdges: PositionedEdge[] = ((out.edges ?? []) as ElkExtendedEdge[]).map((oe, j) => {
    const i = prep.edgeIdx[j];
    const e = graph.edges[i];
    const points: Point[] = [];
    for (const s of oe.sections ?? []) {
      if (points.length === 0) points.push({ x: s.startPoint.x, y: s.startPoint.y });
      for (const b of s.bendPoints ?? []) points.push({ x: b.x, y: b.y });
      points.push({ x: s.endPoint.x, y: s.endPoint.y });
    }
    const pe: PositionedEdge = { key: prep.keys[i], from: e.from, to: e.to, index: i, points };
    const lab = prep.labels[i];
    const l = oe.labels?.[0];
    if (l) pe.label = { text: lab.text, x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 };
    else if (lab.text && points.length >= 2) {
      const m = midpoint(points);
      pe.label = { text: lab.text, x: m.x + 3, y: m.y - lab.height / 2, width: lab.width, height: lab.height };
    }
    return pe;
  });
  return { width: out.width ?? 0, height: out.height ?? 0, nodes: posNodes, edges: posEdges };
}

/**
 * Lays the graph out top-down with ELK layered. Returns box positions (px, top-left) and edge routes;
 * edges whose ends are not in the graph are left out. Same graph (in any order) → same result, whichever
 * `run` executes ELK (this thread by default, or the page's layout worker).
 */
export async function layoutGraph(graph: BackrefGraph, measure: Measure, run: ElkRunner = runElkHere): Promise<Positioned> {
  const prep = prepareLayout(graph, measure);
  return readLayout(graph, prep, await run(prep.elk));
}

/** The point halfway along a polyline (by length). */
export function midpoint(points: readonly Point[]): Point {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const d = Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
    if (d >= left && d > 0) {
      const t = left / d;
      return { x: points[i - 1].x + t * (points[i].x - points[i - 1].x), y: points[i - 1].y + t * (points[i].y - points[i - 1].y) };
    }
    left -= d;
  }
  return points[points.length - 1] ?? { x: 0, y: 0 };
}
