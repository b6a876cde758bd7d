// Plain sentences about retainer paths and cycles, e.g.
//   "180 of 200 IncomingMessage are retained by Array `recentErrors` → Error `.context` → RequestContext `.req`"
//   "20 of 20 aiohttp Request are cyclic garbage: Request `._match_info` → … → frame `_handle_request`
//    (web_protocol.py) local `request` → Request"
// A chain is a list of segments "Node phrase", one per node, where the phrase names the edge that
// leaves the node: property `.name`, Python dict key `['key']`, frame local "local `name`", closure
// variable `name`; element indexes, hidden and internal edges add nothing. Synthetic root/group nodes
// are left out of the printed form. A root path starts at the last variable the chain passes through
// (a context variable, or a property of a global / module), printed as "Value `variable`".
// Snapshot strings are untrusted: names are shortened and control characters escaped here; callers
// escape for their medium.
import type { HeapSnapshot } from './model';
import { hasPythonLocals, pythonNodeLabel, pythonSubjectName } from './python';

/** Longest edge or node name printed in a sentence, characters. */
const MAX_NAME = 60;

/** One line, no control characters, bounded length. */
export function cleanName(s: string, max = MAX_NAME): string {
  // eslint-disable-next-line no-control-regex
  let t = s.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069`]/g, (c) => (c === '`' ? "'" : '?'));
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/**
 * Class name as shown in paths/cycles data: snap.className, except synthetic and V8 hidden nodes by
 * their name ("(GC roots)", "system / Context" — what DevTools' retainer view shows) and Python
 * functions by their full name.
 */
export function hopClassName(snap: HeapSnapshot, n: number): string {
  const t = snap.nodeType[n];
  if (t === snap.types.nodeSynthetic) return snap.name(n) || '(root)';
  if (t === snap.types.nodeHidden && snap.name(n) !== '') return snap.name(n);
  if (t === snap.types.nodeClosure && snap.name(n).startsWith('function ')) return snap.name(n); // Python functions
  return snap.className(n);
}

/** Short label of a node in a sentence (Python names shortened, V8 closures by function name). */
export function nodeSentenceLabel(snap: HeapSnapshot, n: number, python: boolean): string {
  const t = snap.nodeType[n];
  const ty = snap.types;
  if (t === ty.nodeSynthetic) return cleanName(snap.name(n) || '(root)');
  if (python && (t === ty.nodeObject || t === ty.nodeNative || t === ty.nodeClosure || t === ty.nodeCode)) {
    return pythonNodeLabel(cleanName(snap.name(n), MAX_NAME * 3));
  }
  if (t === ty.nodeClosure) return `${cleanName(snap.name(n) || '(anonymous)')}()`;
  return cleanName(hopClassName(snap, n));
}

/** Subject of a sentence: a V8 class name as is, a Python one as "package Class". */
export function subjectName(className: string, python: boolean): string {
  return cleanName(python ? pythonSubjectName(className) : className);
}

function isPythonFrame(snap: HeapSnapshot, n: number): boolean {
  return hasPythonLocals(snap.name(n));
}

/** Python: an `internal` "__dict__" edge (an instance dict the exporter did not merge into its owner). */
function isDictLink(snap: HeapSnapshot, e: number, python: boolean): boolean {
  return python && snap.edgeType[e] === snap.types.edgeInternal && snap.strings.equals(snap.edgeNameOrIndex[e], '__dict__');
}

/**
 * The segment for the node that edges[i] leaves: its label, the phrase for the hop, and the index of
 * the next edge. An owner → `__dict__` → dict → key hop pair of a Python instance reads as one
 * attribute hop "Owner `.key`".
 */
function segmentAt(snap: HeapSnapshot, edges: number[], i: number, python: boolean): { label: string; phrase: string; next: number } {
  const e = edges[i];
  const label = nodeSentenceLabel(snap, snap.edgeFrom(e), python);
  if (isDictLink(snap, e, python) && i + 1 < edges.length && snap.edgeType[edges[i + 1]] === snap.types.edgeProperty) {
    return { label, phrase: `\`.${cleanName(snap.strings.get(snap.edgeNameOrIndex[edges[i + 1]]))}\``, next: i + 2 };
  }
  return { label, phrase: edgePhrase(snap, e, python), next: i + 1 };
}

/** Segments "Node phrase" for the nodes that edges[from..] leave, in order. */
function segmentsOf(snap: HeapSnapshot, edges: number[], from: number, python: boolean): string[] {
  const out: string[] = [];
  for (let i = from; i < edges.length;) {
    const seg = segmentAt(snap, edges, i, python);
    out.push(joinSegment(seg.label, seg.phrase));
    i = seg.next;
  }
  return out;
}

/** Phrase for the edge leaving a node: "`.name`", "`['key']`", "local `name`", "`name`" or "". */
export function edgePhrase(snap: HeapSnapshot, e: number, python: boolean): string {
  const ty = snap.types;
  const t = snap.edgeType[e];
  if (t === ty.edgeProperty || t === ty.edgeShortcut) {
    const name = cleanName(snap.strings.get(snap.edgeNameOrIndex[e]));
    if (python && snap.name(snap.edgeFrom(e)) === 'dict') return `\`['${name}']\``;
    return `\`.${name}\``;
  }
  if (t === ty.edgeContext) {
    const name = cleanName(snap.strings.get(snap.edgeNameOrIndex[e]));
    if (python && isPythonFrame(snap, snap.edgeFrom(e))) return `local \`${name}\``;
    return `\`${name}\``;
  }
  return '';
}

/** True for nodes whose properties are variables: V8 global objects and contexts, Python modules. */
function isScopeHolder(snap: HeapSnapshot, n: number, python: boolean): boolean {
  const name = snap.name(n);
  if (python) return name.startsWith('module ');
  return name === 'global' || name === 'Window' || name.startsWith('Window /') || name.startsWith('global /')
    || name === 'system / Context' || name === 'system / NativeContext';
}

function joinSegment(label: string, phrase: string): string {
  return phrase ? `${label} ${phrase}` : label;
}

/** Collapses runs of more than two identical segments (a traceback's `.tb_next` chain) into "X (×5)". */
function collapseRuns(segments: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < segments.length;) {
    let j = i + 1;
    while (j < segments.length && segments[j] === segments[i]) j++;
    if (j - i > 2) out.push(`${segments[i]} (×${j - i})`);
    else out.push(...segments.slice(i, j));
    i = j;
  }
  return out;
}

/** Joins segments with arrows, runs collapsed. */
function joinChain(segments: string[]): string {
  return collapseRuns(segments).join(' → ');
}

/**
 * A root path (edge ordinals, root side first, ending at the object) as a chain that leaves the
 * object itself out: "Array `recentErrors` → Error `.context` → RequestContext `.req`". Starts at the
 * last variable on the path when there is one; synthetic nodes are skipped; at most `maxSegments`
 * segments (earlier ones become "…").
 */
export function pathChain(snap: HeapSnapshot, edges: number[], python: boolean, maxSegments = 8): string {
  if (edges.length === 0) return '';
  const from = edges.map((e, i) => (i === 0 ? snap.edgeFrom(e) : snap.edgeTo[edges[i - 1]]));
  const ty = snap.types;
  // first hop whose owner is not synthetic
  let start = 0;
  while (start < edges.length && snap.nodeType[from[start]] === ty.nodeSynthetic) start++;
  // last variable hop before the final one: its target starts the chain, labelled by the variable
  let variable = -1;
  for (let i = edges.length - 2; i >= 0; i--) {
    const e = edges[i];
    const t = snap.edgeType[e];
    if (t === ty.edgeContext || ((t === ty.edgeProperty || t === ty.edgeShortcut) && isScopeHolder(snap, from[i], python))) {
      if (!(python && isPythonFrame(snap, from[i]))) { variable = i; break; }
    }
  }
  let segments: string[] = [];
  if (variable >= 0) {
    const varName = cleanName(snap.strings.get(snap.edgeNameOrIndex[edges[variable]]));
    // the variable's value and the hop that leaves it: "Object `state.handlers`", "dict `cache['k']`", "Array `recentErrors`"
    const seg = segmentAt(snap, edges, variable + 1, python);
    if (seg.phrase.startsWith('`.') || seg.phrase.startsWith('`[')) segments.push(`${seg.label} \`${varName}${seg.phrase.slice(1)}`);
    else segments.push(joinSegment(`${seg.label} \`${varName}\``, seg.phrase));
    start = seg.next;
  } else if (start >= edges.length) {
    // only synthetic owners: name the last one
    return nodeSentenceLabel(snap, from[edges.length - 1], python);
  }
  segments = segments.concat(segmentsOf(snap, edges, start, python));
  segments = collapseRuns(segments);
  if (segments.length > maxSegments) return `… → ${segments.slice(segments.length - maxSegments).join(' → ')}`;
  return segments.join(' → ');
}

/** A cycle (edge ordinals starting and ending at the object) as a chain that ends with the object again. */
export function cycleChain(snap: HeapSnapshot, edges: number[], python: boolean): string {
  if (edges.length === 0) return '';
  const segments = segmentsOf(snap, edges, 0, python);
  segments.push(nodeSentenceLabel(snap, snap.edgeTo[edges[edges.length - 1]], python));
  return joinChain(segments);
}

/** A chain of referrers from an anchor node to the object (anchor first), leaving the object out. */
export function referrerChain(snap: HeapSnapshot, edges: number[], python: boolean): string {
  return joinChain(segmentsOf(snap, edges, 0, python));
}

/** "180 of 200 X" or, for a sample, "180 of 1000 sampled X (50000 in all)". */
export function countPhrase(groupCount: number, sampled: number, total: number, subject: string): string {
  if (sampled < total) return `${groupCount} of ${sampled} sampled ${subject} (${total} in all)`;
  return `${groupCount} of ${total} ${subject}`;
}
