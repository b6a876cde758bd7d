// Reads and checks the `snapshot` object of a heap snapshot (meta, counts, title) and builds the
// optional side tables (locations, trace function infos, trace tree) from their flat number lists.
// Field order and enum values always come from the file's meta.
import type { Locations, SnapshotMeta, TraceFunctionInfos, TraceTree } from './model';
import { SnapshotError } from './errors';

/** Where each field sits in a node / edge record, and the declared counts. */
export interface Layout {
  meta: SnapshotMeta;
  title: string;
  /** numbers per node record */
  nf: number;
  /** numbers per edge record */
  ef: number;
  nType: number;
  nName: number;
  nId: number;
  nSelf: number;
  nEdgeCount: number;
  /** -1 when the file has no trace_node_id field */
  nTrace: number;
  /** -1 when the file has no detachedness field */
  nDet: number;
  eType: number;
  eName: number;
  eTo: number;
  /** snapshot.node_count, or null when absent */
  nodeCount: number | null;
  edgeCount: number | null;
  /** edge type codes whose name_or_index is a number, not a string index (element, hidden) */
  edgeElement: number;
  edgeHidden: number;
}

/** Most fields a record may declare (guards the parser's batch against absurd metas). */
export const MAX_RECORD_FIELDS = 1024;

function badMeta(message: string, field: string): never {
  throw new SnapshotError('bad-meta', message, { field });
}

function stringList(v: unknown, field: string, required: boolean): string[] {
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) badMeta(`${required ? 'missing or not a list' : 'not a list'}`, field);
  if (v.length > MAX_RECORD_FIELDS) badMeta(`too many entries (${v.length})`, field);
  v.forEach((s, i) => {
    if (typeof s !== 'string') badMeta(`entry ${i} is not a string`, field);
  });
  const seen = new Set<string>();
  for (const s of v as string[]) {
    if (seen.has(s)) badMeta(`duplicate field "${s}"`, field);
    seen.add(s);
  }
  return v as string[];
}

function need(fields: string[], name: string, field: string): number {
  const i = fields.indexOf(name);
  if (i < 0) badMeta(`no "${name}" field in [${fields.join(', ')}]`, field);
  return i;
}

function enumList(types: unknown, index: number, field: string): string[] {
  if (!Array.isArray(types)) badMeta('missing or not a list', field);
  const e = types[index];
  if (!Array.isArray(e)) badMeta(`entry ${index} (the "type" field) is not a list of type names`, `${field}[${index}]`);
  if (e.length === 0) badMeta('the type enum is empty', `${field}[${index}]`);
  if (e.length > 256) badMeta(`the type enum has ${e.length} names (at most 256 supported)`, `${field}[${index}]`);
  e.forEach((s, i) => {
    if (typeof s !== 'string') badMeta(`type name ${i} is not a string`, `${field}[${index}]`);
  });
  return e as string[];
}

function optCount(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xFFFFFFFF) badMeta(`not a count: ${JSON.stringify(v)}`, field);
  return v;
}

/** Checks the parsed `snapshot` object and resolves the record layout; throws SnapshotError('bad-meta'). */
export function readLayout(snapshot: unknown): Layout {
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) badMeta('not an object', 'snapshot');
  const s = snapshot as Record<string, unknown>;
  const m = s.meta;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) badMeta('missing or not an object', 'snapshot.meta');
  const meta = m as Record<string, unknown>;
  const nodeFields = stringList(meta.node_fields, 'snapshot.meta.node_fields', true);
  const edgeFields = stringList(meta.edge_fields, 'snapshot.meta.edge_fields', true);
  const NF = 'snapshot.meta.node_fields';
  const EF = 'snapshot.meta.edge_fields';
  const nType = need(nodeFields, 'type', NF);
  const nName = need(nodeFields, 'name', NF);
  const nId = need(nodeFields, 'id', NF);
  const nSelf = need(nodeFields, 'self_size', NF);
  const nEdgeCount = need(nodeFields, 'edge_count', NF);
  const eType = need(edgeFields, 'type', EF);
  const eName = need(edgeFields, 'name_or_index', EF);
  const eTo = need(edgeFields, 'to_node', EF);
  const nodeTypes = enumList(meta.node_types, nType, 'snapshot.meta.node_types');
  const edgeTypes = enumList(meta.edge_types, eType, 'snapshot.meta.edge_types');
  const title = typeof s.title === 'string' ? s.title : '';
  return {
    meta: {
      nodeFields,
      nodeTypes,
      edgeFields,
      edgeTypes,
      locationFields: stringList(meta.location_fields, 'snapshot.meta.location_fields', false),
      traceFunctionInfoFields: stringList(meta.trace_function_info_fields, 'snapshot.meta.trace_function_info_fields', false),
      traceNodeFields: stringList(meta.trace_node_fields, 'snapshot.meta.trace_node_fields', false),
      sampleFields: stringList(meta.sample_fields, 'snapshot.meta.sample_fields', false),
    },
    title,
    nf: nodeFields.length,
    ef: edgeFields.length,
    nType,
    nName,
    nId,
    nSelf,
    nEdgeCount,
    nTrace: nodeFields.indexOf('trace_node_id'),
    nDet: nodeFields.indexOf('detachedness'),
    eType,
    eName,
    eTo,
    nodeCount: optCount(s.node_count, 'snapshot.node_count'),
    edgeCount: optCount(s.edge_count, 'snapshot.edge_count'),
    edgeElement: edgeTypes.indexOf('element'),
    edgeHidden: edgeTypes.indexOf('hidden'),
  };
}

function rowsOf(values: Float64Array, fields: string[], field: string): number {
  if (values.length === 0) return 0;
  if (fields.length === 0) {
    throw new SnapshotError('bad-meta', `the file has ${field} data but the meta declares no fields for it`, { field: `snapshot.meta (${field})` });
  }
  if (values.length % fields.length !== 0) {
    throw new SnapshotError('count-mismatch',
      `${field} has ${values.length} numbers, not a multiple of its ${fields.length} fields`, { field });
  }
  return values.length / fields.length;
}

function u32(v: number, field: string, row: number, name: string): number {
  if (v < 0 || v > 0xFFFFFFFF) {
    throw new SnapshotError('bad-value', `${name} ${v} of row ${row} is out of range`, { field });
  }
  return v;
}

/** locations rows; object_index (a flat node offset) becomes a node ordinal. Null when there are none. */
export function buildLocations(values: Float64Array, layout: Layout, nodeCount: number,
  alloc: (n: number) => Uint32Array = (n) => new Uint32Array(n)): Locations | null {
  const fields = layout.meta.locationFields;
  const count = rowsOf(values, fields, 'locations');
  if (count === 0) return null;
  const w = fields.length;
  const fObj = fields.indexOf('object_index');
  const fScript = fields.indexOf('script_id');
  const fLine = fields.indexOf('line');
  const fCol = fields.indexOf('column');
  if (fObj < 0) throw new SnapshotError('bad-meta', 'no "object_index" field', { field: 'snapshot.meta.location_fields' });
  const node = alloc(count);
  const scriptId = alloc(count);
  const line = alloc(count);
  const column = alloc(count);
  for (let r = 0; r < count; r++) {
    const b = r * w;
    const o = values[b + fObj];
    const ord = o / layout.nf;
    if (o < 0 || ord !== Math.floor(ord) || ord >= nodeCount) {
      throw new SnapshotError('bad-value',
        `object_index ${o} of location ${r} is not a node offset (multiple of ${layout.nf} below ${nodeCount * layout.nf})`,
        { field: 'locations' });
    }
    node[r] = ord;
    if (fScript >= 0) scriptId[r] = u32(values[b + fScript], 'locations', r, 'script_id');
    if (fLine >= 0) line[r] = u32(values[b + fLine], 'locations', r, 'line');
    if (fCol >= 0) column[r] = u32(values[b + fCol], 'locations', r, 'column');
  }
  return { count, node, scriptId, line, column };
}

/** trace_function_infos rows; name/script_name are checked against the string table. Null when none. */
export function buildTraceFunctionInfos(values: Float64Array, layout: Layout, stringCount: number): TraceFunctionInfos | null {
  const fields = layout.meta.traceFunctionInfoFields;
  const count = rowsOf(values, fields, 'trace_function_infos');
  if (count === 0) return null;
  const w = fields.length;
  const fName = fields.indexOf('name');
  const fScriptName = fields.indexOf('script_name');
  const fScript = fields.indexOf('script_id');
  const fLine = fields.indexOf('line');
  const fCol = fields.indexOf('column');
  const name = new Uint32Array(count);
  const scriptName = new Uint32Array(count);
  const scriptId = new Uint32Array(count);
  const line = new Int32Array(count);
  const column = new Int32Array(count);
  const F = 'trace_function_infos';
  for (let r = 0; r < count; r++) {
    const b = r * w;
    if (fName >= 0) name[r] = u32(values[b + fName], F, r, 'name');
    if (fScriptName >= 0) scriptName[r] = u32(values[b + fScriptName], F, r, 'script_name');
    if (name[r] >= stringCount || scriptName[r] >= stringCount) {
      throw new SnapshotError('bad-string-index',
        `string index ${Math.max(name[r], scriptName[r])} of function info ${r} is past the ${stringCount} strings`, { field: F });
    }
    if (fScript >= 0) scriptId[r] = u32(values[b + fScript], F, r, 'script_id');
    if (fLine >= 0) line[r] = values[b + fLine] | 0;
    if (fCol >= 0) column[r] = values[b + fCol] | 0;
  }
  return { count, name, scriptName, scriptId, line, column };
}

/** Marker values the number scanner writes for '[' and ']' inside trace_tree (real values are >= 0). */
export const TREE_OPEN = -1;
export const TREE_CLOSE = -2;

/**
 * Flattens the nested trace_tree (tokens: numbers plus TREE_OPEN/TREE_CLOSE for nested arrays) into
 * pre-order slots with parent links; iterative. Null when empty.
 */
export function buildTraceTree(tokens: Float64Array, layout: Layout, functionCount: number): TraceTree | null {
  if (tokens.length === 0) return null;
  const fields = layout.meta.traceNodeFields;
  const F = 'trace_tree';
  if (fields.length === 0) {
    throw new SnapshotError('bad-meta', 'the file has trace_tree data but no trace_node_fields', { field: 'snapshot.meta.trace_node_fields' });
  }
  const w = fields.length;
  const fId = fields.indexOf('id');
  const fFn = fields.indexOf('function_info_index');
  const fKids = fields.indexOf('children');
  let numbers = 0;
  for (let k = 0; k < tokens.length; k++) if (tokens[k] >= 0) numbers++;
  const perNode = fKids >= 0 ? w - 1 : w;
  const cap = perNode > 0 ? Math.ceil(numbers / perNode) : 0;
  const ids = new Uint32Array(cap);
  const functionInfo = new Uint32Array(cap);
  const parent = new Int32Array(cap);
  // explicit stack of open children lists: the slot whose children they are
  const stack: number[] = [];
  let curParent = -1;
  let fi = 0;
  let slot = -1;
  let count = 0;
  const bad = (msg: string): never => {
    throw new SnapshotError('bad-value', msg, { field: F });
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (fi === 0 && t !== TREE_CLOSE) {
      if (count >= cap) bad('trace node has no fields');
      slot = count++;
      parent[slot] = curParent;
    }
    if (t === TREE_CLOSE) {
      if (fi !== 0) bad(`trace node ${slot} ends after ${fi} of its ${w} fields`);
      if (stack.length === 0) bad('unbalanced brackets');
      curParent = stack.pop()!;
      // the node whose children just closed continues after its children field
      slot = curParent;
      fi = fKids + 1;
      if (fi === w) fi = 0;
      curParent = parent[slot];
      continue;
    }
    if (fi === fKids) {
      if (t !== TREE_OPEN) bad(`trace node ${slot}: the children field is not a list`);
      stack.push(slot);
      curParent = slot;
      fi = 0;
      continue;
    }
    if (t === TREE_OPEN) bad(`trace node ${slot}: unexpected list in field "${fields[fi]}"`);
    if (fi === fId) ids[slot] = u32(t, F, slot, 'id');
    else if (fi === fFn) {
      if (t >= functionCount) {
        bad(`function_info_index ${t} of trace node ${slot} is past the ${functionCount} function infos`);
      }
      functionInfo[slot] = t;
    }
    fi++;
    if (fi === w) fi = 0;
  }
  if (fi !== 0 || stack.length !== 0) bad('the last trace node is incomplete');
  return {
    ids: ids.slice(0, count),
    functionInfo: functionInfo.slice(0, count),
    parent: parent.slice(0, count),
  };
}
