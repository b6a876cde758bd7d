// Plain-data results of the engine: what the CLI prints as --json, what the worker sends to the
// extension host and what the webview draws. No typed arrays, no classes: structured-clone safe.

/** One hop of a retainer path or cycle, from the root side towards the object. */
export interface PathEdge {
  /** class name of the retaining node (DevTools' class naming) */
  from: string;
  /** edge type: property, element, context, internal, hidden, shortcut, weak */
  type: string;
  /** property name / key, or element index as a string */
  name: string;
  /** class name of the retained node */
  to: string;
  /** node ids of one example instance of this hop (for navigation) */
  fromId?: number;
  toId?: number;
}

/** Retainer paths of identical shape (same class/edge sequence), grouped. */
export interface PathGroup {
  /** how many instances have their shortest path in this shape */
  count: number;
  edges: PathEdge[];
  /** ids of up to a few instances in this group */
  exampleIds: number[];
}

/** Shortest cycles through instances, grouped by shape; edges start and end at the instance. */
export interface CycleGroup {
  count: number;
  edges: PathEdge[];
  exampleIds: number[];
}

/** A Request-like class found in the snapshot and why its instances are alive. */
export interface SuspectClass {
  name: string;
  /** the pattern (regex source) that matched the class name */
  pattern: string;
  count: number;
  /** bytes, sum of the instances' self sizes */
  selfSize: number;
  /** bytes, as DevTools defines a class's retained size (instances not dominated by another instance) */
  retainedSize: number;
  /** instances that sit on a reference cycle (over the cycle edge set) */
  inCycle: number;
  /** Python heaps: instances reachable only through gc.garbage / unreachable roots (freed by the cyclic GC) */
  cyclicGarbage: number;
  /** instances reachable from the live roots */
  reachable: number;
  paths: PathGroup[];
  cycles: CycleGroup[];
  /** one plain sentence for the dominant group */
  explanation: string;
  exampleIds: number[];
  /** how many instances paths and cycles were computed for (a bounded, evenly spaced sample; = count when all) */
  sampled?: number;
  /** Python heaps: instances reachable only through "(Python unreachable)" (held by referrers the exporter could not see) */
  heldByUnknown?: number;
}

/** Per-class totals, objgraph's show_most_common_types plus DevTools' Summary. */
export interface ClassSummaryRow {
  name: string;
  count: number;
  /** bytes */
  selfSize: number;
  /** bytes, DevTools' class retained size */
  retainedSize: number;
}

/** Per-class change between two snapshots (objgraph show_growth / DevTools Comparison). */
export interface DiffRow {
  name: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  /** bytes: DevTools' shallow sizes (objects of shallow size 0 are in no row) */
  sizeBefore: number;
  sizeAfter: number;
  sizeDelta: number;
  /** instances whose node id is not in the first snapshot */
  newCount: number;
  /** instances of the first snapshot whose id is gone */
  deletedCount: number;
}

export interface DiffResult {
  rows: DiffRow[];
  /** ids of up to 100 new objects per class, by class name */
  newIds: Record<string, number[]>;
}

/** A source position known from the snapshot (V8 locations, Python frames/classes, tracemalloc). */
export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, 0 when unknown */
  column: number;
  /** what this location is: the object's function, a frame, a class definition, an allocation site */
  kind: 'function' | 'frame' | 'class' | 'allocation';
}

/** One frame of an allocation stack (tracemalloc / allocation tracking). */
export interface AllocationFrame {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

export interface GraphNode {
  /** unique key in the graph: node id as string, or "more:<parentKey>" for a folded group */
  key: string;
  /** node id (0 for a folded group) */
  id: number;
  kind: 'node' | 'more';
  /** node type (object, closure, ...) */
  type: string;
  className: string;
  /** short value: string preview, "N items", frame file:line */
  label: string;
  selfSize: number;
  retainedSize: number;
  /** distance from the GC roots (-1 unreachable) */
  distance: number;
  /** hops from the nearest target in the back-reference walk (targets are 0) */
  depth: number;
  isTarget: boolean;
  isRoot: boolean;
  /** for kind 'more': how many referrers were folded, and their ids (to expand on demand) */
  moreCount?: number;
  moreIds?: number[];
  location?: SourceLocation;
}

export interface GraphEdge {
  /** key of the retaining node */
  from: string;
  /** key of the retained node */
  to: string;
  type: string;
  name: string;
  /** edge lies on a reference cycle through a target */
  onCycle: boolean;
  /** edge lies on the shortest root path of a target */
  onRootPath: boolean;
}

export interface BackrefGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  targetIds: number[];
  /** true when caps folded or cut anything */
  truncated: boolean;
}

export interface BackrefOptions {
  /** objgraph max_depth, default 3 */
  maxDepth?: number;
  /** objgraph too_many, default 10 */
  tooMany?: number;
  /** include the full shortest root path and the shortest cycle of each target, however deep (default true) */
  includeRootPath?: boolean;
  includeCycle?: boolean;
  /** edge names never followed */
  ignoredEdges?: string[];
  ignoredNodeIds?: number[];
  ignoredClasses?: string[];
  /** hard cap on nodes in the result (default 400) */
  maxNodes?: number;
}

export interface RetainerInfo {
  fromId: number;
  fromClass: string;
  fromLabel: string;
  edgeType: string;
  edgeName: string;
  fromDistance: number;
}

export interface NodeDetails {
  id: number;
  type: string;
  className: string;
  name: string;
  label: string;
  selfSize: number;
  retainedSize: number;
  distance: number;
  dominatorId: number;
  /** Python heaps: only alive through gc.garbage / unreachable roots */
  cyclicGarbage: boolean;
  retainers: RetainerInfo[];
  /** how many retaining edges the node has in all (retainers lists at most 200 of them) */
  retainerCount?: number;
  location?: SourceLocation;
  allocationStack?: AllocationFrame[];
}

/** Everything the overview needs after a snapshot is analysed. */
export interface AnalysisSummary {
  nodeCount: number;
  edgeCount: number;
  /** bytes, sum of all self sizes */
  totalSize: number;
  /** snapshot written by the Python exporter */
  isPython: boolean;
  classes: ClassSummaryRow[];
  suspects: SuspectClass[];
  /** wall-clock milliseconds per phase */
  timings: Record<string, number>;
}

/** Settings that change what the engine reports. */
export interface AnalysisSettings {
  /** user regexes added to the default Request-like patterns */
  requestLikePatterns: string[];
  maxDepth: number;
  tooMany: number;
  ignoredEdges: string[];
  /** how many distinct shortest paths per suspect class to report */
  paths: number;
}

// ---- inline leak hints (issue 5) ----

/** One hop of a hint's chain (root side first) with the retaining node's source location when the snapshot has one. */
export interface HintHop extends PathEdge {
  location?: SourceLocation;
}

/**
 * Where a source anchor came from: the leaking class's definition, a closure that captures the object,
 * a Python frame on the chain or holding it in a local, an allocation-stack frame, or a retaining
 * property/variable name the host looks up by text search.
 */
export type SourceFindingKind = 'class' | 'closure' | 'frame' | 'allocation' | 'property';

/** A source line a Request-like suspect's retention points at (see extension/core/sourceHints.ts). */
export interface SourceFinding {
  kind: SourceFindingKind;
  /** the path or URL as the snapshot recorded it ('' for kind 'property') */
  file: string;
  /** 1-based (0 for kind 'property') */
  line: number;
  /** 1-based, 0 unknown */
  column: number;
  /** what sits there, plain text: "function onRequest", "frame log_requests", "class IncomingMessage" */
  label: string;
  /** kind 'property': the retaining name to find assignments of, and whether it was a property or a variable (context) edge */
  searchTerm?: string;
  searchKind?: 'property' | 'variable';
  /** the suspect class (full name as in the summary) */
  className: string;
  count: number;
  /** bytes, the suspect's retained size */
  retainedSize: number;
  /** short chain, e.g. "via recentErrors[] → Error.context" */
  chainText: string;
  chain: HintHop[];
  /** the dominant chain is a cycle (Python cyclic garbage) rather than a root path */
  chainIsCycle: boolean;
  /** index in `chain` of the hop this finding is about, -1 when it is not on the chain */
  hopIndex: number;
  /** for "show graph": ids of instances in the dominant group */
  exampleIds: number[];
  /** alternatives sharing a group (an allocation stack, innermost first): the host shows only the first that maps into the workspace */
  group?: string;
}

/** Thresholds of computeSourceHints. */
export interface SourceHintOptions {
  /** suspects with fewer instances get no findings (default 2) */
  minCount?: number;
  /** suspects retaining fewer bytes get no findings (default 0) */
  minRetainedBytes?: number;
  /** most closure anchors per suspect (default 8) */
  maxClosures?: number;
  /** most frames of an allocation stack reported (default 8) */
  maxAllocationFrames?: number;
}
