// Python-snapshot conventions: the contract between the Python exporter (python/) and the engine.
// The same text, longer, is in docs/python-snapshot.md; change both together.
//
// A Python heap is written in the V8 .heapsnapshot format with the V8 node/edge type enums:
// - node 0: synthetic root (name ""), with `element` edges to four synthetic group nodes, named
//   exactly "(Python modules)", "(Python thread stacks)", "(Python gc.garbage)" and
//   "(Python unreachable)". A snapshot is Python when the root has a child "(Python modules)".
//   - "(Python modules)" → each module of sys.modules (`property` edge named by the sys.modules key).
//   - "(Python thread stacks)" → each thread's innermost frame (`property` edge "thread <name>");
//     frames link to their callers with `f_back`.
//   - "(Python gc.garbage)" → each object of gc.garbage (`element` edges), present when
//     gc.DEBUG_SAVEALL kept cyclic garbage.
//   - "(Python unreachable)" → the other gc-tracked objects not reachable from modules, stacks or
//     gc.garbage (`element` edges). NOT proven garbage: they may be held from C.
// - Node types: instances and most objects `object`, named by the type's qualified name
//   ("aiohttp.web_request.Request"; builtins unqualified: "dict", "traceback"); frames `object`
//   named "frame <co_qualname> <file basename>:<line>"; functions `closure` named
//   "function <qualname> <file basename>:<line>"; modules `object` named "module <name>"; classes
//   `object` named "type <qualname>"; code objects `code`; str/bytes `string` (value, truncated);
//   int/float/bool/None `number` (repr, truncated).
// - Edge types: attributes (instance __dict__ merged into its owner), dict string keys and named C
//   fields (`__traceback__`, `tb_frame`, `f_back`, `_task` …) are `property`; list/tuple/set items
//   `element` (index); frame locals, cell contents and closure variables `context` (variable name);
//   links the user does not think of as references (`__class__`, `f_code`, `f_globals`,
//   `f_builtins`, `__globals__`, `__code__`) `internal`; weakref referents `weak`; any other referent
//   from gc.get_referents without a name `hidden` (index) — e.g. an asyncio Task's stored exception.
//
// The engine's cycle edge set for Python is property, element, context and hidden: every hidden
// edge in a Python snapshot is an unnamed C reference held by a Python object (the Task →
// CancelledError link of aiohttp issue #10548 is one), unlike V8's hidden edges (engine internals).
import type { HeapSnapshot } from './model';
import type { Analysis } from './analysis';

export const PY_MODULES = '(Python modules)';
export const PY_STACKS = '(Python thread stacks)';
export const PY_GARBAGE = '(Python gc.garbage)';
export const PY_UNREACHABLE = '(Python unreachable)';

/** Per-node liveness of a Python heap (values of `PythonLiveness.status`). */
export const PyStatus = {
  /** not reached from the root at all (over non-weak edges) */
  None: 0,
  /** reachable from modules or thread stacks */
  Reachable: 1,
  /** reachable only through "(Python gc.garbage)": freed by the cyclic GC, kept by DEBUG_SAVEALL */
  CyclicGarbage: 2,
  /** reachable only through "(Python unreachable)": held by referrers the exporter could not see */
  UnknownReferrers: 3,
} as const;

/** Ordinal of the root's child with the given name, or -1. */
function rootChild(snap: HeapSnapshot, name: string): number {
  const r = snap.rootOrdinal;
  for (let e = snap.firstEdge[r]; e < snap.firstEdge[r + 1]; e++) {
    const t = snap.edgeTo[e];
    if (snap.nodeType[t] === snap.types.nodeSynthetic && snap.strings.get(snap.nodeName[t]) === name) return t;
  }
  return -1;
}

/** True when the snapshot was written by the Python exporter (root has a "(Python modules)" child). */
export function isPythonSnapshot(snap: HeapSnapshot): boolean {
  return rootChild(snap, PY_MODULES) >= 0;
}

export interface PythonLiveness {
  /** PyStatus per node ordinal */
  status: Uint8Array;
  garbageGroup: number;
  unreachableGroup: number;
}

/**
 * Classifies every node of a Python heap: reachable from modules/stacks, cyclic garbage (only via
 * gc.garbage) or held by unknown referrers (only via "(Python unreachable)"). Three BFS passes over
 * non-weak edges, O(nodes + edges).
 */
export function pythonLiveness(snap: HeapSnapshot): PythonLiveness {
  const { nodeCount, firstEdge, edgeTo, edgeType } = snap;
  const weak = snap.types.edgeWeak;
  const status = new Uint8Array(nodeCount);
  const garbageGroup = rootChild(snap, PY_GARBAGE);
  const unreachableGroup = rootChild(snap, PY_UNREACHABLE);
  const queue = new Uint32Array(nodeCount);
  const bfs = (seed: number, mark: number): void => {
    if (seed < 0 || status[seed] !== PyStatus.None) return;
    let head = 0;
    let tail = 0;
    status[seed] = mark;
    queue[tail++] = seed;
    while (head < tail) {
      const n = queue[head++];
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        if (edgeType[e] === weak) continue;
        const t = edgeTo[e];
        if (status[t] !== PyStatus.None) continue;
        status[t] = mark;
        queue[tail++] = t;
      }
    }
  };
  // Block the two groups while the live pass runs, then release them for their own passes.
  if (garbageGroup >= 0) status[garbageGroup] = 255;
  if (unreachableGroup >= 0) status[unreachableGroup] = 255;
  bfs(snap.rootOrdinal, PyStatus.Reachable);
  if (garbageGroup >= 0) { status[garbageGroup] = PyStatus.None; bfs(garbageGroup, PyStatus.CyclicGarbage); }
  if (unreachableGroup >= 0) { status[unreachableGroup] = PyStatus.None; bfs(unreachableGroup, PyStatus.UnknownReferrers); }
  return { status, garbageGroup, unreachableGroup };
}

const livenessCache = new WeakMap<Analysis, PythonLiveness | null>();

/** Cached liveness for an analysis; null when the snapshot is not a Python one. */
export function pythonLivenessOf(analysis: Analysis): PythonLiveness | null {
  let l = livenessCache.get(analysis);
  if (l === undefined) {
    l = isPythonSnapshot(analysis.snap) ? pythonLiveness(analysis.snap) : null;
    livenessCache.set(analysis, l);
  }
  return l;
}

/** Last dotted component of a Python qualified name ("aiohttp.web_request.Request" → "Request"). */
export function lastComponent(name: string): string {
  const i = name.lastIndexOf('.');
  return i >= 0 ? name.slice(i + 1) : name;
}

/** A Python type name for sentences: package and class ("aiohttp Request"), builtins as they are. */
export function pythonSubjectName(name: string): string {
  const parts = name.split('.');
  if (parts.length < 2) return name;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (first === '__main__' || first === 'builtins' || first === last) return last;
  return `${first} ${last}`;
}

/** Parsed "frame <qualname> <file>:<line>" / "function <qualname> <file>:<line>" node name. */
export interface PyCodeName {
  kind: 'frame' | 'function';
  qualname: string;
  file: string;
  line: number;
}

/** Parses an exporter frame/function name; null for other names. */
export function parsePyCodeName(name: string): PyCodeName | null {
  const c = parsePyCodeSite(name);
  return c && (c.kind === 'frame' || c.kind === 'function') ? (c as PyCodeName) : null;
}

const PY_CODE_KINDS = /^(frame|function|method|coroutine|generator|async_generator|code) (\S+)(?: (.*?)(?::(\d+))?)?$/;

/** Parses any exporter "<kind> <qualname> <file>:<line>" name (frame, function, coroutine, generator, code); null otherwise. */
export function parsePyCodeSite(name: string): { kind: string; qualname: string; file: string; line: number } | null {
  const m = PY_CODE_KINDS.exec(name);
  if (!m) return null;
  return { kind: m[1], qualname: m[2], file: m[3] ?? '', line: m[4] ? Number(m[4]) : 0 };
}

/** True for Python nodes whose `context` edges are local variables: frames, coroutines, generators. */
export function hasPythonLocals(name: string): boolean {
  return name.startsWith('frame ') || name.startsWith('coroutine ') || name.startsWith('generator ') || name.startsWith('async_generator ');
}

/** Basename of a path written by the exporter (either separator). */
export function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/**
 * Short label of a Python node for sentences: classes by last dotted component, frames as
 * "frame `fn` (file.py)", functions as "function `fn` (file.py)", modules as "module `name`".
 */
export function pythonNodeLabel(name: string): string {
  const code = parsePyCodeSite(name);
  if (code) {
    const file = baseName(code.file);
    return `${code.kind} \`${lastComponent(code.qualname)}\`${file ? ` (${file})` : ''}`;
  }
  if (name.startsWith('module ')) return `module \`${name.slice(7)}\``;
  if (name.startsWith('type ')) return `type \`${lastComponent(name.slice(5))}\``;
  return lastComponent(name);
}

/** Class key for per-class summaries of Python heaps: frames, functions, coroutines, modules, types, code collapse to their kind. */
export function pythonClassKey(name: string): string {
  const sp = name.indexOf(' ');
  if (sp > 0) {
    const head = name.slice(0, sp);
    if (head === 'frame' || head === 'function' || head === 'module' || head === 'type' || head === 'coroutine'
      || head === 'generator' || head === 'async_generator' || head === 'code' || head === 'method') return head;
  }
  return name;
}
