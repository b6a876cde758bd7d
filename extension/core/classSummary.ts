// Class summary: per class, count, shallow size and retained size (objgraph's
// show_most_common_types plus DevTools' Summary view).
//
// V8 heaps: classes are DevTools' Summary classes (HeapSnapshot.calculateObjectNames,
// propagateDOMState, inferInterfaceDefinitions / applyInterfaceDefinitions and classKeyInternal, read
// in chrome-devtools-frontend; checked class by class against its worker in
// test/integration/devtoolsClassParity.test.ts):
// - object and native nodes by name; a name starting with "<" is cut at its first space
//   ('<div id="a">' → "<div>"); native nodes DevTools finds detached get "Detached " in front
//   ("Detached <div>", "Detached Node / BindingData"): a native node whose detachedness says detached,
//   and a native node of unknown state reached from one over native nodes (not over hidden or weak
//   edges) unless an attached native node reaches it too;
// - plain objects (object nodes named "Object") by interface: the property-name lists (in edge order,
//   without __proto__, the name cut at 120 characters) shared by at least 2 plain objects and by
//   1/1000 of them become interfaces "{host, port}"; each plain object takes the interface with the
//   most properties all of which it has (ties: the more common one), else stays "Object";
// - other node types by kind: "(system)" (hidden), "(compiled code)", "Function" (closures), "RegExp",
//   "(string)", "(concatenated string)", "(sliced string)", "(array)", "(number)", "(symbol)", ...;
// - object nodes with a constructor location (the snapshot's `locations`) are split by it, as DevTools
//   splits them: two constructors named Job in two scripts are two classes. In the report's rows a
//   name that is split this way keeps the bare name on its row without location (if any); its other
//   rows are named "Job (file:line:column)" (1-based; "script N" when the script's name is unknown),
//   so row names stay unique. Names of classes that are not split are exactly DevTools' names.
// One known difference: DevTools keys these classes by string index, so a kind name or interface
// that equals some node's name (a native node named "(system)", an object named "{a}") is two
// classes there, of which its Summary shows only one; here they are one class. Request-like
// patterns match class names (names[]), not row names. Cost on a 1 GB Node heap (11.8 M nodes,
// 1.5 M plain objects, 1.0 M object location rows): about 1.5x the plain by-name grouping.
// Python heaps keep their keys: object nodes by name, frames, functions, modules and types by kind
// ("frame", python.ts pythonClassKey), other node types by snap.className().
//
// A class's retained size is DevTools' rule (HeapSnapshot.calculateClassesRetainedSize): the sum of
// the retained sizes of the class's instances that have no ancestor of the same class in the
// dominator tree, so nested instances are not counted twice. Like DevTools, sizes are its displayed
// shallow sizes (analysis.shallowSizes: owned hidden/array nodes give theirs to their owner), and
// nodes whose shallow size is zero are left out of the summary (synthetic roots and group nodes,
// owned internals) and hide no dominated instances.
//
// One pass over the nodes in analysis.dominatorOrder (every node after its dominator) keeping the
// dominator path of the current node on a stack, with a per-class counter of counted nodes on that
// path: a node is counted when its class has none. Consecutive nodes of that order need not be
// dominator-tree neighbours; when a node's dominator is off the path, the path is cut back to the
// dominator's nearest ancestor on it and the chain below pushed again (measured on a 1 GB Node heap:
// 1.0 M re-pushed nodes for 11.8 M). No children index, no DFS: O(nodes + re-pushes), one byte per
// node of state (which becomes classTop) and a stack whose touched part is the path depth. Input
// whose order or dominators are inconsistent (a dominator chain not reaching the root), or an order
// needing more than 2 re-pushes per node, falls back to a DFS over a children index of the
// dominator tree.
import type { Analysis } from './analysis';
import type { ClassSummaryRow } from './results';
import type { HeapSnapshot } from './model';
import type { StringTable } from './strings';
import { isPythonSnapshot, pythonClassKey } from './python';
import { nodeLocation } from './locations';
import { U32List } from './u32List';
import { mappedBuffer } from './scratch';

/** A constructor location as V8 writes it (0-based line and column). */
export interface ClassLocation {
  scriptId: number;
  line: number;
  column: number;
}

/** Class ids per node: as narrow as the class count allows (most heaps have a few hundred classes). */
export type ClassIdArray = Uint8Array | Uint16Array | Uint32Array;

export interface ClassIds {
  /** class id of each node ordinal */
  ids: ClassIdArray;
  /** class name of each class id (DevTools' name; classes split by location share their name) */
  names: string[];
  /** per class id: the constructor location the class is split by, or null */
  locations: (ClassLocation | null)[];
  /** the plain-object interfaces that named plain objects (V8 heaps; empty for Python heaps) */
  interfaces: readonly InterfaceDefinition[];
}

/**
 * Dense class ids, O(nodes + edges of plain objects): V8 heaps as DevTools' Summary groups them
 * (see the header), Python heaps by name with frames etc. by kind. `interfaces`: name V8 plain
 * objects by these definitions instead of inferring this snapshot's own (DevTools' Comparison names
 * the base snapshot's plain objects by the other snapshot's definitions).
 */
export function computeClassIds(snap: HeapSnapshot, python = isPythonSnapshot(snap), interfaces?: readonly InterfaceDefinition[]): ClassIds {
  return python ? pythonClassIds(snap) : v8ClassIds(snap, interfaces);
}

/**
 * Class ids start in a Uint8Array (a 1 GB Node heap has 176 classes: 11 MB instead of 45 MB) and
 * are copied into a wider array the first time an id does not fit: the array for `ids` that holds
 * `id`, and its capacity (ids below it fit).
 */
function widenIds(ids: ClassIdArray, id: number): { ids: ClassIdArray; cap: number } {
  const n = ids.length;
  const out = id < 1 << 16 ? new Uint16Array(mappedBuffer(2 * n), 0, n) : new Uint32Array(mappedBuffer(4 * n), 0, n);
  out.set(ids);
  return { ids: out, cap: out instanceof Uint16Array ? 1 << 16 : 2 ** 32 };
}

/** Class names in order of first use, with the id of a name (interned) and a null location per class. */
function classNamer(): { names: string[]; locations: (ClassLocation | null)[]; idOf: (name: string) => number } {
  const names: string[] = [];
  const locations: (ClassLocation | null)[] = [];
  const byName = new Map<string, number>();
  const idOf = (name: string): number => {
    let id = byName.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      locations.push(null);
      byName.set(name, id);
    }
    return id;
  };
  return { names, locations, idOf };
}

/** Python: object (and function) nodes by pythonClassKey of their name, others by snap.className(). */
function pythonClassIds(snap: HeapSnapshot): ClassIds {
  const n = snap.nodeCount;
  let ids: ClassIdArray = new Uint8Array(mappedBuffer(n), 0, n);
  let cap = 1 << 8;
  const { names, locations, idOf } = classNamer();
  const ty = snap.types;
  const { nodeType, nodeName, strings } = snap;
  // class id per node type: BY_NAME for types keyed by the node's name (object, native, functions:
  // one class "function" rather than "(closure)"), else the id of "(type)", -1 until first seen
  const BY_NAME = -2;
  const byType = new Int32Array(256).fill(-1);
  if (ty.nodeObject >= 0) byType[ty.nodeObject] = BY_NAME;
  if (ty.nodeNative >= 0) byType[ty.nodeNative] = BY_NAME;
  if (ty.nodeClosure >= 0) byType[ty.nodeClosure] = BY_NAME;
  // class id + 1 per name string, 0 until seen (zeros never written: see stringMap)
  const byString = stringMap(strings.length);
  for (let i = 0; i < n; i++) {
    const t = nodeType[i];
    let id = byType[t];
    if (id === BY_NAME) {
      const s = nodeName[i];
      id = byString[s] - 1;
      if (id < 0) byString[s] = (id = idOf(pythonClassKey(strings.get(s)))) + 1;
    } else if (id < 0) {
      id = byType[t] = idOf(snap.className(i));
    }
    if (id >= cap) ({ ids, cap } = widenIds(ids, id));
    ids[i] = id;
  }
  return { ids, names, locations, interfaces: [] };
}

/** DevTools' class name of a node type not grouped by node name. */
function typeClassName(snap: HeapSnapshot, t: number): string {
  const ty = snap.types;
  if (t === ty.nodeHidden) return '(system)';
  if (t === ty.nodeCode) return '(compiled code)';
  if (t === ty.nodeClosure) return 'Function';
  if (t === ty.nodeRegexp) return 'RegExp';
  return `(${snap.meta.nodeTypes[t] ?? 'unknown'})`;
}

/** DevTools' class name of an object/native node name: '<div id="a">' → "<div>", also after "Detached ". */
function tagClassName(name: string): string {
  let from = -1;
  if (name.startsWith('<')) from = 0;
  else if (name.startsWith('Detached <')) from = 10;
  if (from < 0) return name;
  const sp = name.indexOf(' ', from);
  return sp < 0 ? name : `${name.substring(0, sp)}>`;
}

/**
 * DevTools' DOM state propagation (HeapSnapshot.propagateDOMState): the ordinals of the nodes DevTools
 * names "Detached …" — native nodes whose detachedness says detached, and native nodes of unknown
 * state reached from those over native nodes, unless an attached native node reaches them. Edges
 * followed: all but hidden, weak and invisible. Empty when the snapshot has no detachedness.
 * O(nodes + edges of native nodes).
 */
export function detachedNodes(snap: HeapSnapshot): Uint32Array {
  const det = snap.nodeDetachedness;
  if (!det) return new Uint32Array(0);
  const n = snap.nodeCount;
  const { nodeType, firstEdge, edgeType, edgeTo } = snap;
  const ty = snap.types;
  const native = ty.nodeNative;
  // native nodes given a state (never changed afterwards; only native nodes carry one). Mapped: only
  // the pages of native nodes with a state are ever written (a few on Node heaps; scratch.ts)
  const seen = new Uint8Array(mappedBuffer(n), 0, n);
  // attached nodes still to expand (a stack), detached nodes (also the queue of those to expand)
  const attached = new U32List();
  const detached = new U32List();
  for (let i = 0; i < n; i++) {
    const s = det[i] & 3;
    if (s === 0 || nodeType[i] !== native) continue;
    seen[i] = 1;
    if (s === 1) attached.push(i);
    else if (s === 2) detached.push(i);
  }
  if (detached.length === 0) return new Uint32Array(0);
  const skip = (t: number) => t === ty.edgeHidden || t === ty.edgeWeak || t === ty.edgeInvisible;
  // attached first: what an attached node reaches is attached, whatever else reaches it
  while (attached.length > 0) {
    const u = attached.items[--attached.length];
    for (let e = firstEdge[u], end = firstEdge[u + 1]; e < end; e++) {
      const v = edgeTo[e];
      if (seen[v] !== 0 || nodeType[v] !== native || skip(edgeType[e])) continue;
      seen[v] = 1;
      attached.push(v);
    }
  }
  for (let head = 0; head < detached.length; head++) {
    const u = detached.items[head];
    for (let e = firstEdge[u], end = firstEdge[u + 1]; e < end; e++) {
      const v = edgeTo[e];
      if (seen[v] !== 0 || nodeType[v] !== native || skip(edgeType[e])) continue;
      seen[v] = 1;
      detached.push(v);
    }
  }
  return detached.items.slice(0, detached.length);
}

/**
 * Interns sequences of uint32 values (string indexes, location tuples) as dense ids in order of
 * first appearance, counting appearances: open addressing over typed arrays, no object per entry.
 */
class SequenceTable {
  pool = new Uint32Array(1024);
  poolLength = 0;
  start = new Uint32Array(64);
  length = new Uint32Array(64);
  hash = new Uint32Array(64);
  /** appearances of each sequence */
  uses = new Float64Array(64);
  size = 0;
  private slots = new Int32Array(256).fill(-1);

  /** Id of buf[0..k), a new one (=== size - 1 afterwards) when not seen before. */
  intern(buf: Uint32Array, k: number): number {
    let h = 0x811c9dc5 ^ k;
    for (let i = 0; i < k; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    h >>>= 0;
    const mask = this.slots.length - 1;
    let s = h & mask;
    for (;;) {
      const id = this.slots[s];
      if (id < 0) break;
      if (this.hash[id] === h && this.length[id] === k && this.equals(id, buf, k)) {
        this.uses[id]++;
        return id;
      }
      s = (s + 1) & mask;
    }
    const id = this.size++;
    if (id === this.start.length) {
      const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as { new(len: number): T })(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.length = grow(this.length);
      this.hash = grow(this.hash);
      this.uses = grow(this.uses);
    }
    if (this.poolLength + k > this.pool.length) {
      const p = new Uint32Array(Math.max(this.pool.length * 2, this.poolLength + k));
      p.set(this.pool.subarray(0, this.poolLength));
      this.pool = p;
    }
    this.pool.set(buf.subarray(0, k), this.poolLength);
    this.start[id] = this.poolLength;
    this.length[id] = k;
    this.hash[id] = h;
    this.uses[id] = 1;
    this.poolLength += k;
    this.slots[s] = id;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  /** The values of sequence id. */
  values(id: number): Uint32Array {
    return this.pool.subarray(this.start[id], this.start[id] + this.length[id]);
  }

  /** True when sequence id is buf[0..k). */
  sameAs(id: number, buf: Uint32Array, k: number): boolean {
    return this.length[id] === k && this.equals(id, buf, k);
  }

  private equals(id: number, buf: Uint32Array, k: number): boolean {
    const p = this.pool;
    const o = this.start[id];
    for (let i = 0; i < k; i++) if (p[o + i] !== buf[i]) return false;
    return true;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hash[id] & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }
}

// inferInterfaceDefinitions' limits: an interface's name stops growing past this many characters
// (after its first property), and it must cover at least MIN_OBJECTS plain objects and 1 in
// OBJECTS_PER_INTERFACE of them
const MAX_INTERFACE_NAME = 120;
const MIN_OBJECTS = 2;
const OBJECTS_PER_INTERFACE = 1000;

/** Property name as DevTools writes it in an interface name: quoted when it holds , ' " { or }. */
function formatPropertyName(name: string): string {
  if (!/[,'"{}]/.test(name)) return name;
  const json = JSON.stringify({ [name]: 0 });
  return json.substring(1, json.length - 3);
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** largest key of next, null when none */
  greatest: string | null;
  /** the first interface (in definition order) whose sorted properties end here */
  match: number;
}

/** A plain-object interface: its name (`{host, port}`) and its properties in the name's order. */
export interface InterfaceDefinition {
  name: string;
  properties: string[];
}

/**
 * DevTools' inferInterfaceDefinitions: the popular property lists of plain objects, most common
 * first. `seqs` holds each distinct list in edge order with its object count; `total` counts all
 * plain objects (also those without properties).
 */
function inferInterfaces(strings: StringTable, seqs: SequenceTable, total: number): InterfaceDefinition[] {
  const formatted = new Map<number, string>();
  const format = (s: number): string => {
    let f = formatted.get(s);
    if (f === undefined) formatted.set(s, (f = formatPropertyName(strings.get(s))));
    return f;
  };
  // candidates in order of first appearance (sequence ids are), with object counts
  const candidates = new Map<string, { properties: string[]; count: number }>();
  for (let q = 0; q < seqs.size; q++) {
    const vals = seqs.values(q);
    let name = '{';
    const properties: string[] = [];
    for (let i = 0; i < vals.length; i++) {
      const p = strings.get(vals[i]);
      if (p === '__proto__') continue;
      const f = format(vals[i]);
      if (name.length > 1 && name.length + f.length > MAX_INTERFACE_NAME) break;
      if (name.length !== 1) name += ', ';
      name += f;
      properties.push(p);
    }
    if (properties.length === 0) continue;
    name += '}';
    const c = candidates.get(name);
    if (c) c.count += seqs.uses[q];
    else candidates.set(name, { properties, count: seqs.uses[q] });
  }
  const sorted = [...candidates].sort((a, b) => b[1].count - a[1].count);
  const minCount = Math.max(MIN_OBJECTS, total / OBJECTS_PER_INTERFACE);
  const defs: InterfaceDefinition[] = [];
  for (const [name, c] of sorted) {
    if (c.count < minCount) break;
    defs.push({ name, properties: c.properties });
  }
  return defs;
}

/**
 * DevTools' applyInterfaceDefinitions: the interface name of each distinct property list in `seqs`
 * (the definition with the most properties all in the list, then the earlier one), or null for
 * "stays Object".
 */
function matchInterfaces(strings: StringTable, seqs: SequenceTable, defs: readonly InterfaceDefinition[]): (string | null)[] {
  const root: TrieNode = { next: new Map(), greatest: null, match: -1 };
  const sizes: number[] = [];
  for (let d = 0; d < defs.length; d++) {
    let node = root;
    const props = [...defs[d].properties].sort();
    for (const p of props) {
      let nx = node.next.get(p);
      if (!nx) {
        nx = { next: new Map(), greatest: null, match: -1 };
        node.next.set(p, nx);
        if (node.greatest === null || node.greatest < p) node.greatest = p;
      }
      node = nx;
    }
    if (node.match < 0) node.match = d;
    sizes.push(props.length);
  }
  const out: (string | null)[] = new Array(seqs.size).fill(null);
  if (defs.length === 0) return out;
  // better of two definitions (-1 = none): more properties, then earlier (more common)
  const better = (a: number, b: number): number => {
    if (b < 0) return a;
    if (a < 0) return b;
    if (sizes[a] !== sizes[b]) return sizes[a] > sizes[b] ? a : b;
    return a <= b ? a : b;
  };
  // each sorted property list walks the trie along every subsequence that is a trie path (states);
  // a state none of whose keys is above the current property can go no further
  for (let q = 0; q < seqs.size; q++) {
    const props = Array.from(seqs.values(q), (s) => strings.get(s)).sort();
    const states = new Set<TrieNode>([root]);
    let match = root.match;
    for (const p of props) {
      for (const st of Array.from(states)) {
        if (st.greatest === null || p >= st.greatest) states.delete(st);
        const nx = st.next.get(p);
        if (nx) {
          states.add(nx);
          match = better(match, nx.match);
        }
      }
      if (states.size === 0) break;
    }
    if (match >= 0) out[q] = defs[match].name;
  }
  return out;
}

/**
 * An Int32Array per string, all zero, whose pages are mapped only once written (scratch.ts): a
 * class-name lookup writes a few hundred of 3 M entries at 1 GB, so it costs a few pages, not 12 MB.
 */
function stringMap(count: number): Int32Array {
  return new Int32Array(mappedBuffer(4 * count), 0, count);
}

/** V8 heaps: DevTools' Summary classes (see the header). */
function v8ClassIds(snap: HeapSnapshot, definitions?: readonly InterfaceDefinition[]): ClassIds {
  const n = snap.nodeCount;
  let ids: ClassIdArray = new Uint8Array(mappedBuffer(n), 0, n);
  let cap = 1 << 8;
  const { names, locations, idOf } = classNamer();
  const ty = snap.types;
  const { nodeType, nodeName, strings, firstEdge, edgeType, edgeNameOrIndex } = snap;
  const objectType = ty.nodeObject;
  const propertyType = ty.edgeProperty;
  // class id per node type: BY_NAME for object and native nodes, else "(type)" etc., -1 until seen
  const BY_NAME = -2;
  const byType = new Int32Array(256).fill(-1);
  if (objectType >= 0) byType[objectType] = BY_NAME;
  if (ty.nodeNative >= 0) byType[ty.nodeNative] = BY_NAME;
  // class id + 1 per name string index, 0 until seen (see stringMap); PLAIN for "Object": an object
  // node so named is a plain object, classed by its property names
  const PLAIN = -1;
  const byString = stringMap(strings.length);
  let objectClass = -1;
  // plain objects, and the id of each one's property-name list (in edge order)
  const plainNodes = new U32List();
  let interfaces: readonly InterfaceDefinition[] | undefined;
  const lists = new SequenceTable();
  let listOf = new Uint32Array(1024);
  let buf = new Uint32Array(64);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const t = nodeType[i];
    let id = byType[t];
    if (id === BY_NAME) {
      const s = nodeName[i];
      const known = byString[s];
      id = known - 1;
      if (known <= 0) {
        if (known === 0) {
          const name = strings.get(s);
          if (name === 'Object') {
            if (objectClass < 0) objectClass = idOf(name);
            id = byString[s] = PLAIN;
          } else {
            byString[s] = (id = idOf(tagClassName(name))) + 1;
          }
        } else {
          id = PLAIN;
        }
        if (id === PLAIN) {
          if (t === objectType) {
            let k = 0;
            for (let e = firstEdge[i], end = firstEdge[i + 1]; e < end; e++) {
              if (edgeType[e] !== propertyType) continue;
              if (k === buf.length) {
                const b = new Uint32Array(k * 2);
                b.set(buf);
                buf = b;
              }
              buf[k++] = edgeNameOrIndex[e];
            }
            const at = plainNodes.length;
            plainNodes.push(i);
            if (at === listOf.length) {
              const b = new Uint32Array(mappedBuffer(8 * at), 0, at * 2);
              b.set(listOf);
              listOf = b;
            }
            // objects of one shape often come in runs: compare with the previous list first
            if (last >= 0 && lists.sameAs(last, buf, k)) lists.uses[last]++;
            else last = lists.intern(buf, k);
            listOf[at] = last;
          }
          id = objectClass;
        }
      }
    } else if (id < 0) {
      id = byType[t] = idOf(typeClassName(snap, t));
    }
    if (id >= cap) ({ ids, cap } = widenIds(ids, id));
    ids[i] = id;
  }
  if (plainNodes.length > 0) {
    interfaces = definitions ?? inferInterfaces(strings, lists, plainNodes.length);
    const named = matchInterfaces(strings, lists, interfaces);
    const listClass = new Uint32Array(lists.size);
    for (let q = 0; q < lists.size; q++) listClass[q] = named[q] === null ? objectClass : idOf(named[q]!);
    if (names.length > cap) ({ ids, cap } = widenIds(ids, names.length - 1));
    const nodes = plainNodes.items;
    for (let j = 0; j < plainNodes.length; j++) ids[nodes[j]] = listClass[listOf[j]];
  }
  // detached native nodes: "Detached " + name
  const detached = detachedNodes(snap);
  if (detached.length > 0) {
    const byDetachedString = new Map<number, number>();
    for (let j = 0; j < detached.length; j++) {
      const v = detached[j];
      const s = nodeName[v];
      let id = byDetachedString.get(s);
      if (id === undefined) byDetachedString.set(s, (id = idOf(tagClassName(`Detached ${strings.get(s)}`))));
      if (id >= cap) ({ ids, cap } = widenIds(ids, id));
      ids[v] = id;
    }
  }
  ids = splitByLocation(snap, ids, cap, names, locations);
  return { ids, names, locations, interfaces: interfaces ?? definitions ?? [] };
}

/**
 * computeClassIds(snap) from the class ids of a copy of `snap` without its locations (as the
 * analysis helper thread sees it): V8 object nodes with a location row are split by it here, as
 * computeClassIds would have. `base` is consumed (its ids array may be reused).
 */
export function withClassLocations(snap: HeapSnapshot, base: ClassIds): ClassIds {
  if (!snap.locations || snap.locations.count === 0 || isPythonSnapshot(snap)) return base;
  const names = [...base.names];
  const locations = [...base.locations];
  const cap = base.ids instanceof Uint8Array ? 1 << 8 : base.ids instanceof Uint16Array ? 1 << 16 : 2 ** 32;
  const ids = splitByLocation(snap, base.ids, cap, names, locations);
  return { ids, names, locations, interfaces: base.interfaces };
}

/**
 * DevTools' classKeyInternal: object nodes with a location row form one class per (class,
 * script, line, column). Adds those classes to names/locations and moves the nodes (in `ids`, or in
 * a wider copy when the new ids do not fit below `cap`, which it returns). O(location rows).
 */
function splitByLocation(snap: HeapSnapshot, ids: ClassIdArray, cap: number, names: string[],
  locations: (ClassLocation | null)[]): ClassIdArray {
  const locs = snap.locations;
  if (!locs || locs.count === 0) return ids;
  const objectType = snap.types.nodeObject;
  const { nodeType } = snap;
  const baseCount = names.length;
  // class id without location of each located class (index: class id - baseCount)
  const baseOf: number[] = [];
  const keys = new SequenceTable();
  const key = new Uint32Array(4);
  let last = -1;
  for (let r = 0; r < locs.count; r++) {
    const v = locs.node[r];
    if (nodeType[v] !== objectType) continue;
    // a node with two rows: DevTools keeps the last one
    const c = ids[v];
    key[0] = c < baseCount ? c : baseOf[c - baseCount];
    key[1] = locs.scriptId[r];
    key[2] = locs.line[r];
    key[3] = locs.column[r];
    // rows of one class and site often follow each other
    const q = last >= 0 && keys.sameAs(last, key, 4) ? last : (last = keys.intern(key, 4));
    if (q === names.length - baseCount) {
      baseOf.push(key[0]);
      names.push(names[key[0]]);
      locations.push({ scriptId: key[1], line: key[2], column: key[3] });
    }
    if (baseCount + q >= cap) ({ ids, cap } = widenIds(ids, baseCount + q));
    ids[v] = baseCount + q;
  }
  return ids;
}

export interface ClassTotals {
  classIds: ClassIds;
  /** per class id */
  count: Float64Array;
  selfSize: Float64Array;
  retainedSize: Float64Array;
  /** 1 for nodes counted in their class's retained size (no same-class dominator ancestor) */
  classTop: Uint8Array;
}

/** Per-class count, self size and DevTools class retained size (bytes) in one pass over the dominator order. */
export function computeClassTotals(analysis: Analysis, classIds: ClassIds = computeClassIds(analysis.snap),
  classTop?: Uint8Array): ClassTotals {
  const { snap, dominators, retainedSizes, dominatorOrder: order } = analysis;
  const n = snap.nodeCount;
  const root = snap.rootOrdinal;
  if (classTop && classTop.length === n) return classTotalsFromTop(analysis, classIds, classTop);
  if (n === 0 || !order || order.length !== n || order[0] !== root) return classTotalsByDfs(analysis, classIds);
  const { ids, names } = classIds;
  const k = names.length;
  const count = new Float64Array(k);
  const selfSize = new Float64Array(k);
  const retainedSize = new Float64Array(k);
  const sizes = analysis.shallowSizes; // DevTools' displayed shallow sizes
  // per node: TOP (counted in its class's retained size; the only bit left at the end, as classTop),
  // SIZED (shallow size not 0), SEEN (visited), ON (on the current dominator path)
  const TOP = 1;
  const SIZED = 2;
  const SEEN = 4;
  const ON = 8;
  const state = new Uint8Array(n);
  // sequential pass: counts and self sizes, and the SIZED flag so the ordered pass need not read sizes
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    if (s === 0) continue;
    const c = ids[i];
    count[c]++;
    selfSize[c] += s;
    state[i] = SIZED;
  }
  // counted nodes of each class on the path
  const active = new Uint32Array(k);
  // the path [0, sp), root first; a chain being re-pushed is collected at the top end. Only the
  // pages it touches are resident.
  const stack = new Uint32Array(n);
  let sp = 0;
  // re-pushes allowed before falling back to the DFS (an order far from a DFS of the dominator tree
  // could otherwise cost nodes x depth)
  let budget = 2 * n + 1024;
  for (let i = 0; i < n; i++) {
    const u = order[i];
    if (i > 0) {
      const d = dominators[u];
      const sd = state[d];
      if ((sd & SEEN) === 0 || u >= n || (state[u] & SEEN) !== 0) return classTotalsByDfs(analysis, classIds);
      let a = d;
      if ((sd & ON) === 0) {
        // d is off the path: collect it and its ancestors up to the first one on the path
        let top = n;
        while ((state[a] & ON) === 0) {
          stack[--top] = a;
          a = dominators[a];
        }
        while (stack[sp - 1] !== a) {
          const x = stack[--sp];
          const sx = (state[x] &= ~ON);
          if ((sx & TOP) !== 0) active[ids[x]]--;
        }
        budget -= n - top;
        if (budget < 0) return classTotalsByDfs(analysis, classIds);
        for (let j = top; j < n; j++) {
          const x = stack[j];
          const sx = (state[x] |= ON);
          if ((sx & TOP) !== 0) active[ids[x]]++;
          stack[sp++] = x;
        }
      } else {
        while (stack[sp - 1] !== d) {
          const x = stack[--sp];
          const sx = (state[x] &= ~ON);
          if ((sx & TOP) !== 0) active[ids[x]]--;
        }
      }
    } else if (dominators[u] !== u) {
      return classTotalsByDfs(analysis, classIds);
    }
    let st = state[u] | SEEN | ON;
    if ((st & SIZED) !== 0) {
      const c = ids[u];
      if (active[c] === 0) {
        st |= TOP;
        retainedSize[c] += retainedSizes[u];
        active[c]++;
      }
    }
    state[u] = st;
    stack[sp++] = u;
  }
  for (let i = 0; i < n; i++) state[i] &= TOP;
  return { classIds, count, selfSize, retainedSize, classTop: state };
}

/** computeClassTotals from the class-top flags (dominators.ClassTopInputs): sequential passes only. */
function classTotalsFromTop(analysis: Analysis, classIds: ClassIds, classTop: Uint8Array): ClassTotals {
  const { ids, names } = classIds;
  const k = names.length;
  const count = new Float64Array(k);
  const selfSize = new Float64Array(k);
  const retainedSize = new Float64Array(k);
  const sizes = analysis.shallowSizes;
  const retained = analysis.retainedSizes;
  for (let i = 0, n = ids.length; i < n; i++) {
    const s = sizes[i];
    if (s === 0) continue;
    const c = ids[i];
    count[c]++;
    selfSize[c] += s;
    if (classTop[i] !== 0) retainedSize[c] += retained[i];
  }
  return { classIds, count, selfSize, retainedSize, classTop };
}

/** computeClassTotals by a DFS over a children index of the dominator tree; copes with dominator chains that miss the root. */
function classTotalsByDfs(analysis: Analysis, classIds: ClassIds): ClassTotals {
  const { snap, dominators, retainedSizes } = analysis;
  const n = snap.nodeCount;
  const { ids, names } = classIds;
  const k = names.length;
  const count = new Float64Array(k);
  const selfSize = new Float64Array(k);
  const retainedSize = new Float64Array(k);
  const classTop = new Uint8Array(n);
  const sizes = analysis.shallowSizes; // DevTools' displayed shallow sizes
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    if (s === 0) continue;
    count[ids[i]]++;
    selfSize[ids[i]] += s;
  }
  // dominator tree children, CSR: counts in first[d + 1], prefix sums, then placed with first[d]++,
  // which leaves first[d] at the start of d + 1's slice; shifted back afterwards.
  const root = snap.rootOrdinal;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (i !== root) first[dominators[i] + 1]++;
  for (let i = 1; i <= n; i++) first[i] += first[i - 1];
  const children = new Uint32Array(first[n]);
  for (let i = 0; i < n; i++) if (i !== root) children[first[dominators[i]]++] = i;
  for (let i = n; i > 0; i--) first[i] = first[i - 1];
  first[0] = 0;
  // DFS with a per-class count of counted ancestors on the path; per depth: next child, end of the
  // children, and the class to release on exit (-1 when the node was not counted)
  const active = new Uint32Array(k);
  const cursor = new Uint32Array(n);
  const end = new Uint32Array(n);
  const release = new Int32Array(n);
  let entered = 0;
  const dfs = (start: number, visited: Uint8Array | null): void => {
    let sp = 0;
    const enter = (v: number): void => {
      entered++;
      if (visited) visited[v] = 1;
      const c = ids[v];
      let rel = -1;
      if (sizes[v] !== 0 && active[c] === 0) {
        classTop[v] = 1;
        retainedSize[c] += retainedSizes[v];
        active[c]++;
        rel = c;
      }
      cursor[sp] = first[v];
      end[sp] = first[v + 1];
      release[sp] = rel;
      sp++;
    };
    enter(start);
    while (sp > 0) {
      const c = cursor[sp - 1];
      if (c < end[sp - 1]) {
        cursor[sp - 1] = c + 1;
        const w = children[c];
        if (visited && visited[w]) continue;
        enter(w);
      } else {
        sp--;
        if (release[sp] >= 0) active[release[sp]]--;
      }
    }
  };
  dfs(root, null);
  if (entered < n) {
    // dominator chains that do not lead to the root (malformed input): count those trees on their own
    const visited = new Uint8Array(n);
    const seen = new Uint8Array(n);
    // nodes reached from the root, marked without counting again
    const mark = [root];
    seen[root] = 1;
    while (mark.length) {
      const v = mark.pop()!;
      for (let c = first[v]; c < first[v + 1]; c++) if (!seen[children[c]]) { seen[children[c]] = 1; mark.push(children[c]); }
    }
    visited.set(seen);
    for (let i = 0; i < n; i++) if (!visited[i]) dfs(i, visited);
  }
  return { classIds, count, selfSize, retainedSize, classTop };
}

const totalsCache = new WeakMap<Analysis, ClassTotals>();

/**
 * Cached class totals of an analysis; `classIds`: its snapshot's computeClassIds, if computed
 * already; `classTop`: their class-top flags, if the dominators computed them (DominatorTree.classTop).
 */
export function classTotalsOf(analysis: Analysis, classIds?: ClassIds, classTop?: Uint8Array): ClassTotals {
  let t = totalsCache.get(analysis);
  if (!t) {
    const t0 = performance.now();
    t = computeClassTotals(analysis, classIds, classTop);
    analysis.timings.classSummary = performance.now() - t0;
    totalsCache.set(analysis, t);
  }
  return t;
}

/**
 * Class summary rows (count, bytes), sorted by retained size, largest first. One row per class; rows
 * of a name split by constructor location are told apart by it (see the header).
 */
export function classSummary(analysis: Analysis): ClassSummaryRow[] {
  const t = classTotalsOf(analysis);
  const rowNames = classRowNamesOf(analysis);
  const rows: ClassSummaryRow[] = [];
  for (let c = 0; c < t.classIds.names.length; c++) {
    if (t.count[c] === 0) continue;
    rows.push({ name: rowNames[c], count: t.count[c], selfSize: t.selfSize[c], retainedSize: t.retainedSize[c] });
  }
  rows.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows;
}

const rowNamesCache = new WeakMap<ClassTotals, string[]>();

/**
 * Per class id, the name its Summary row (and suspect) carries: unique among the present classes (see
 * rowNamesOf). Cached with the class totals.
 */
export function classRowNamesOf(analysis: Analysis): string[] {
  const t = classTotalsOf(analysis);
  let names = rowNamesCache.get(t);
  if (!names) rowNamesCache.set(t, (names = rowNamesOf(analysis.snap, t)));
  return names;
}

/**
 * Unique row names: the class name, and for a located class whose name another present class
 * shares, "name (file:line:column)" (1-based), "script N" standing for an unknown script.
 */
function rowNamesOf(snap: HeapSnapshot, t: ClassTotals): string[] {
  const { names, locations, ids } = t.classIds;
  const k = names.length;
  const out = names.slice();
  const perName = new Map<string, number>();
  for (let c = 0; c < k; c++) if (t.count[c] > 0) perName.set(names[c], (perName.get(names[c]) ?? 0) + 1);
  const split: number[] = [];
  for (let c = 0; c < k; c++) if (t.count[c] > 0 && locations[c] && perName.get(names[c])! > 1) split.push(c);
  if (split.length === 0) return out;
  // an instance of each such class, for its script's name
  const example = new Int32Array(k).fill(-1);
  for (const c of split) example[c] = -2;
  let left = split.length;
  for (let i = 0; i < ids.length && left > 0; i++) {
    if (example[ids[i]] === -2) {
      example[ids[i]] = i;
      left--;
    }
  }
  const used = new Set<string>();
  for (let c = 0; c < k; c++) if (t.count[c] > 0 && example[c] === -1) used.add(out[c]);
  for (const c of split) {
    const loc = locations[c]!;
    const at = example[c] >= 0 ? nodeLocation(snap, example[c]) : undefined;
    const file = at && at.file !== '' ? at.file : `script ${loc.scriptId}`;
    let name = `${names[c]} (${file}:${loc.line + 1}:${loc.column + 1})`;
    if (used.has(name)) name = `${names[c]} (script ${loc.scriptId}:${loc.line + 1}:${loc.column + 1})`;
    used.add(name);
    out[c] = name;
  }
  return out;
}
