// Short node labels for graph boxes, retainer lists and explanations, in the spirit of objgraph's
// `_short_repr`: a string's preview, "N items" for containers, a frame's `file:line`, a closure's
// name and script location, a number's value. Labels are plain text built from untrusted snapshot
// strings: callers escape them for their medium (DOT, HTML); here they are only truncated and
// kept on one line.
import type { HeapSnapshot } from './model';
import { formatLocation, nodeLocation, parsePythonSite } from './locations';

/** Longest label, in characters (UTF-16 code units), before it is cut with an ellipsis. */
export const MAX_LABEL_CHARS = 40;

/** Cuts `s` to at most `max` characters, ending in "…" when cut; never splits a surrogate pair. */
export function truncateText(s: string, max = MAX_LABEL_CHARS): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}

/** Replaces control characters, bidi overrides and lone surrogates by visible escapes so a label stays one readable line. */
export function visibleText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Counts a node's outgoing edges of the given type code (-1 matches nothing). */
function countEdges(snap: HeapSnapshot, n: number, type: number): number {
  if (type < 0) return 0;
  let c = 0;
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) if (snap.edgeType[e] === type) c++;
  return c;
}

/** Per snapshot and string index: 0 not yet known, 1 not a decimal index, 2 a decimal index ("0", "17"). */
const decimalNames = new WeakMap<HeapSnapshot, Uint8Array>();

/** The decimal-name cache of a snapshot (see isDecimalName). */
function decimalCache(snap: HeapSnapshot): Uint8Array {
  let cache = decimalNames.get(snap);
  if (!cache) decimalNames.set(snap, (cache = new Uint8Array(snap.strings.length)));
  return cache;
}

/** True when string s is a non-empty run of ASCII digits (answer cached per string index in `cache`). */
function isDecimalName(snap: HeapSnapshot, cache: Uint8Array, s: number): boolean {
  let k = cache[s];
  if (k === 0) {
    k = snap.strings.isDigits(s) ? 2 : 1;
    cache[s] = k;
  }
  return k === 2;
}

/**
 * Items of an array node, in one pass over its edges: element and hidden edges plus internal edges
 * named by a decimal index (a 1 M-element array is counted in a few ms).
 */
function countArrayItems(snap: HeapSnapshot, n: number): number {
  const { edgeElement, edgeHidden, edgeInternal } = snap.types;
  const { edgeType, edgeNameOrIndex, firstEdge } = snap;
  const cache = decimalCache(snap);
  let c = 0;
  for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
    const t = edgeType[e];
    if (t === edgeElement || t === edgeHidden) c++;
    else if (t === edgeInternal && isDecimalName(snap, cache, edgeNameOrIndex[e])) c++;
  }
  return c;
}

/** Counts a node's user-visible properties: property edges other than V8's `__proto__`. */
function countProperties(snap: HeapSnapshot, n: number): number {
  const prop = snap.types.edgeProperty;
  if (prop < 0) return 0;
  let c = 0;
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
    if (snap.edgeType[e] !== prop) continue;
    if (snap.strings.equals(snap.edgeNameOrIndex[e], '__proto__')) continue;
    c++;
  }
  return c;
}

/** Class names that are containers whose size objgraph shows as "N items" (JS and Python). */
const ARRAY_LIKE = new Set(['Array', 'list', 'tuple', 'set', 'frozenset', 'deque', 'collections.deque',
  'Set', 'WeakSet', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']);
const DICT_LIKE = new Set(['Object', 'dict', 'collections.OrderedDict', 'collections.defaultdict', 'mappingproxy',
  'Map', 'WeakMap']);

function pluralItems(k: number): string {
  return k === 1 ? '1 item' : `${k} items`;
}

/** The value of a number node: its name when numeric (Python exporter), else its "value" edge's string. */
function numberValue(snap: HeapSnapshot, n: number): string {
  const name = snap.name(n);
  if (name !== '' && !Number.isNaN(Number(name))) return name;
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
    if (snap.edgeHasStringName(e) && snap.strings.equals(snap.edgeNameOrIndex[e], 'value')) {
      const t = snap.edgeTo[e];
      const ty = snap.nodeType[t];
      if (ty === snap.types.nodeString || ty === snap.types.nodeNumber) return snap.name(t);
    }
  }
  return name;
}

/** Target of n's first string-named edge called `edgeName`, or -1. */
function namedTarget(snap: HeapSnapshot, n: number, edgeName: string): number {
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
    if (snap.edgeHasStringName(e) && snap.strings.get(snap.edgeNameOrIndex[e]) === edgeName) return snap.edgeTo[e];
  }
  return -1;
}

/** Python values worth showing instead of an id: a traceback's frame site, an exception's message (args[0]). */
function pythonValueLabel(snap: HeapSnapshot, n: number, name: string): string | null {
  if (name === 'traceback') {
    const frame = namedTarget(snap, n, 'tb_frame');
    const site = frame >= 0 ? parsePythonSite(snap.name(frame)) : null;
    return site ? truncateText(visibleText(`${site.file}:${site.line}`)) : null;
  }
  const args = namedTarget(snap, n, 'args');
  if (args < 0 || snap.name(args) !== 'tuple') return null;
  for (let e = snap.firstEdge[args], end = snap.firstEdge[args + 1]; e < end; e++) {
    if (snap.edgeType[e] === snap.types.edgeElement && snap.edgeNameOrIndex[e] === 0) {
      const v = snap.edgeTo[e];
      const vt = snap.nodeType[v];
      if (vt === snap.types.nodeString || vt === snap.types.nodeNumber) return nodeLabel(snap, v);
    }
  }
  return null;
}

/** Short one-line value of node ordinal n (string preview, "N items", frame file:line, function location, number). */
export function nodeLabel(snap: HeapSnapshot, n: number): string {
  const ty = snap.types;
  const t = snap.nodeType[n];
  const name = snap.name(n);
  if (n === snap.rootOrdinal && t === ty.nodeSynthetic) return '(root)';
  if (t === ty.nodeString || t === ty.nodeConsString || t === ty.nodeSlicedString) {
    return truncateText(visibleText(JSON.stringify(name)));
  }
  if (t === ty.nodeNumber || t === ty.nodeBigint) return truncateText(visibleText(numberValue(snap, n)));
  if (t === ty.nodeSynthetic) return truncateText(visibleText(name));
  const site = parsePythonSite(name);
  if (site) {
    const where = site.line > 0 ? `${site.file}:${site.line}` : site.file;
    return truncateText(visibleText(site.kind === 'frame' ? where : `${site.func}() ${where}`.trim()), MAX_LABEL_CHARS * 2);
  }
  if (t === ty.nodeObject && (name.startsWith('module ') || name.startsWith('type '))) {
    return truncateText(visibleText(name.slice(name.indexOf(' ') + 1)));
  }
  if (t === ty.nodeClosure) {
    const fn = name === '' ? '(anonymous)' : name;
    const loc = nodeLocation(snap, n);
    const where = loc && loc.file !== '' ? ` ${formatLocation(loc, true)}` : '';
    return truncateText(visibleText(`${fn}()${where}`), MAX_LABEL_CHARS * 2);
  }
  if (t === ty.nodeArray) {
    // V8's internal arrays ("(object properties)", "(object elements)") index their slots with internal edges named "0", "1", ...
    const items = pluralItems(countArrayItems(snap, n));
    return name !== '' ? truncateText(visibleText(`${name} ${items}`)) : items;
  }
  if (t === ty.nodeObject || t === ty.nodeNative) {
    if (ARRAY_LIKE.has(name)) return pluralItems(countEdges(snap, n, ty.edgeElement));
    if (DICT_LIKE.has(name)) return pluralItems(countProperties(snap, n) + countEdges(snap, n, ty.edgeElement));
    if (t === ty.nodeNative && name.length > MAX_LABEL_CHARS) return truncateText(visibleText(name));
  }
  if (t === ty.nodeObject) {
    const py = pythonValueLabel(snap, n, name);
    if (py !== null) return py;
  }
  if (t === ty.nodeRegexp) return truncateText(visibleText(name));
  // V8 internals ("system / Context", a SharedFunctionInfo's function name): the class is "(hidden)" / "(code)", the name says more
  if ((t === ty.nodeHidden || t === ty.nodeCode || t === ty.nodeObjectShape) && name !== '') return truncateText(visibleText(name));
  return `@${snap.nodeId[n]}`;
}

/** Short class heading of a graph box, as objgraph's shortnames: the last dotted segment of a Python
 *  class ("aiohttp.web_request.Request" → "Request"), "frame"/"function" for Python sites, else the class. */
export function shortClassName(className: string): string {
  const site = parsePythonSite(className);
  if (site) return site.kind;
  if (className.startsWith('module ')) return 'module';
  if (className.startsWith('type ')) return 'type';
  if (/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/.test(className)) return className.slice(className.lastIndexOf('.') + 1);
  return className;
}

/** Edge label as objgraph writes it: the property/attribute name or key, element indexes as "[i]", hidden edges unnamed. */
export function edgeLabelText(type: string, name: string): string {
  if (type === 'element') return `[${name}]`;
  if (type === 'hidden') return '';
  return truncateText(visibleText(name), 30);
}

/** Edge name of edge ordinal e as a string (element/hidden indexes as decimal digits). */
export function edgeNameString(snap: HeapSnapshot, e: number): string {
  const v = snap.edgeName(e);
  return typeof v === 'number' ? String(v) : v;
}
