// The whole contract between the extension host, the analysis worker and the webview.
// One union per direction; requests carry an id, replies echo it with {ok} or {err}.
import type {
  AnalysisSettings, AnalysisSummary, BackrefGraph, BackrefOptions, DiffResult, NodeDetails, PathGroup,
  SourceFinding, SourceHintOptions,
} from './core/results';
import type { Progress } from './core/progress';
import type { HeapSnapshotInit, Locations, SizeArray, SnapshotMeta } from './core/model';
import type { StringTableParts } from './core/strings';
import type { Cycles } from './core/cycles';
import type { HubIndex } from './core/retainerPaths';
import type { ClassIds } from './core/classSummary';

/** A failed request: the engine's message, and its error code when it is a SnapshotError. */
export interface ErrorValue {
  message: string;
  code?: string;
  offset?: number;
  field?: string;
}

export type Result<T> = { ok: T } | { err: ErrorValue };

// ---- engine requests (host → worker; the webview sends the same ones through the host) ----

/** Requests the engine answers; `R` is the reply payload type. */
export type EngineRequest =
  | { kind: 'load'; path: string; settings: AnalysisSettings }
  | { kind: 'summary' }
  | { kind: 'backrefs'; ids: number[]; options: BackrefOptions }
  | { kind: 'paths'; id: number; k: number; ignoredEdges?: string[]; ignoredIds?: number[] }
  | { kind: 'details'; id: number }
  | { kind: 'diff'; otherPath: string }
  | { kind: 'dot'; ids: number[]; options: BackrefOptions }
  | { kind: 'settings'; settings: AnalysisSettings }
  // added for inline leak hints (issue 5): source anchors of the suspects above the thresholds
  | { kind: 'hints'; options: SourceHintOptions };

/** Reply payload per request kind. */
export interface EngineReplies {
  load: AnalysisSummary;
  summary: AnalysisSummary;
  backrefs: BackrefGraph;
  paths: PathGroup[];
  details: NodeDetails;
  diff: DiffResult;
  dot: string;
  settings: AnalysisSummary;
  hints: SourceFinding[];
}

export type EngineReply<K extends EngineRequest['kind'] = EngineRequest['kind']> = EngineReplies[K];

/** host → worker */
export type ToWorker =
  | { type: 'request'; id: number; request: EngineRequest }
  | { type: 'cancel'; id: number };

/** worker → host */
export type FromWorker =
  | { type: 'reply'; id: number; result: Result<EngineReply> }
  | { type: 'progress'; id: number; progress: Progress & { bytesRead?: number; totalBytes?: number } };

// ---- analysis helper thread (engine worker or CLI → a second thread; extension/node/parallelAnalysis.ts) ----

/** The numeric columns of a parsed snapshot, all on SharedArrayBuffers (read by both threads). */
export type SharedColumns = Pick<HeapSnapshotInit, 'nodeType' | 'nodeName' | 'nodeId' | 'nodeSelfSize' | 'nodeTraceId'
  | 'nodeDetachedness' | 'firstEdge' | 'edgeType' | 'edgeNameOrIndex' | 'edgeTo'>;

/** → helper thread (its workerData): compute retainers, shallow sizes, then cycles over `cycleEdgeTypes`. */
export interface AnalysisHelperData {
  meta: SnapshotMeta;
  columns: SharedColumns;
  /** the snapshot's string table, its buffers shared (StringTable.parts()) */
  strings: StringTableParts;
  /** null: no cycles wanted */
  cycleEdgeTypes: string[] | null;
  /**
   * The main thread's WeakMap edge-name cache (edgeRules.WeakMapEdgeNames.sharedBuffer), which the
   * helper's retainer pass reads once `signals[NAMES_READY]` is 1 (Atomics: 0 = being prepared,
   * 2 = abandoned), for the essential-edge bits but for the page-owned rule, which it posts before
   * it fills the retainers; it sets `signals[RETAINERS_POSTED]` to 1 when it has posted those (the
   * main thread can tell without yielding to its event loop). The helper sets `buffer` to null once
   * it holds the cache.
   */
  weakMapNames: { buffer: SharedArrayBuffer | null; signals: Int32Array };
  /** the snapshot's constructor locations, on SharedArrayBuffers (the helper's class ids are split by them) */
  locations: Locations | null;
  /**
   * Where the helper writes its class ids (4 bytes per node; at the width of classSummary's ids,
   * signals[CLASS_ID_BYTES]) before it sets signals[CLASS_IDS_READY]: the main thread's dominators
   * read them from there (they cannot take the message while they run).
   */
  classIdBuffer: SharedArrayBuffer;
}

/** Slots of AnalysisHelperData.weakMapNames.signals. */
export const NAMES_READY = 0;
export const RETAINERS_POSTED = 1;
/**
 * Who computes the class ids (Atomics.compareExchange from 0): 1 the main thread (while it waits for
 * the retainers, or after the dominators), 2 the helper (after its cycle search, beside the
 * dominators; see CLASS_IDS_READY).
 */
export const CLASS_IDS = 2;
export const CLASS_IDS_MAIN = 1;
export const CLASS_IDS_HELPER = 2;
/**
 * The next hub to group (Atomics.add): an index into the helper's `hubList` (retainerPaths.eagerHubs).
 * The helper groups hubs from the main thread's request on, the main thread joins in after the
 * class totals; each takes the next hub until none is left.
 */
export const HUB_NEXT = 3;
/**
 * 1 once the helper has moved the shallow sizes inside the shared self-size column (before it posts
 * them): the main thread may read them from then on (dominators.ClassTopInputs).
 */
export const SIZES_IN_PLACE = 4;
/**
 * The helper's class ids (split by constructor location) are in AnalysisHelperData.classIdBuffer:
 * set to 1 after CLASS_COUNT and CLASS_ID_BYTES (1, 2 or 4).
 */
export const CLASS_IDS_READY = 5;
export const CLASS_COUNT = 6;
export const CLASS_ID_BYTES = 7;
/** Length of AnalysisHelperData.weakMapNames.signals. */
export const HELPER_SIGNALS = 8;

/** → helper thread, after its first results: the distances, for the retainer-path hub indexes */
export interface ToAnalysisHelper {
  kind: 'hubs';
  distances: Int32Array;
  root: number;
  /** false (tests): claim no hub, leave them all to the main thread */
  claim: boolean;
}

/** helper thread → (typed arrays transferred or shared, not copied) */
export type FromAnalysisHelper =
  /** edgeRules.computeEssentialEdges' bits but for the page-owned rule (posted before the retainers) */
  | { kind: 'essential'; ms: number; bits: Uint32Array }
  | { kind: 'retainers'; ms: number; firstRetainer: Uint32Array; retainerNode: Uint32Array; retainerType: Uint8Array }
  /** inPlace: the sizes were moved inside the shared self-size column (sizes is a view of it) */
  | { kind: 'shallowSizes'; ms: number; sizes: SizeArray; inPlace: boolean }
  | { kind: 'cycles'; ms: number; cycles: Cycles }
  /** classSummary.computeClassIds (split by location), the ids a view of AnalysisHelperData.classIdBuffer */
  | { kind: 'classIds'; ms: number; classIds: ClassIds }
  /** the eager hubs (retainerPaths.eagerHubs, largest first), which the HUB_NEXT claims index */
  | { kind: 'hubList'; hubs: Uint32Array }
  /** the hub indexes the helper built (the hubs it claimed) */
  | { kind: 'hubs'; ms: number; hubs: Array<[number, HubIndex]> }
  | { kind: 'error'; message: string };

// ---- webview ----

/** webview → host */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'request'; id: number; request: EngineRequest }
  | { type: 'openLocation'; file: string; line: number; column: number }
  | { type: 'saveExport'; format: 'svg' | 'dot'; content: string; suggestedName: string }
  | { type: 'cancelLoad' }
  // added by the host helper (issue 3): start loading again after a cancelled or failed load
  | { type: 'reload' };

/** host → webview */
export type ToWebview =
  | { type: 'init'; fileName: string; settings: AnalysisSettings }
  | { type: 'progress'; progress: Progress & { bytesRead?: number; totalBytes?: number } }
  | { type: 'loaded'; summary: AnalysisSummary }
  | { type: 'loadFailed'; error: ErrorValue }
  | { type: 'reply'; id: number; result: Result<EngineReply> }
  | { type: 'showGraph'; ids: number[]; title?: string }
  | { type: 'showDiff'; diff: DiffResult; otherFileName: string }
  | { type: 'exportGraph'; format: 'svg' | 'dot' }
  | { type: 'settingsChanged'; settings: AnalysisSettings; summary: AnalysisSummary };
