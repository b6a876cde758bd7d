// Builds tiny heap snapshots in code (the idea of DevTools' HeapSnapshotBuilder): tests describe a
// graph, the builder writes real V8-format JSON text, and `build()` turns it into a HeapSnapshot
// through a plain JSON.parse path (independent of the streaming parser, so both can be checked).
import { HeapSnapshot, V8_EDGE_TYPES, V8_NODE_TYPES } from '../../extension/core/model';

export interface NodeOptions {
  selfSize?: number;
  id?: number;
  traceNodeId?: number;
  detachedness?: number;
}

interface BNode {
  type: string;
  name: string;
  id: number;
  selfSize: number;
  traceNodeId: number;
  detachedness: number;
  edges: { type: string; name: string | number; to: number }[];
}

export interface BuilderOptions {
  /** Node field order to write (default: Node 20's order with detachedness). */
  nodeFields?: string[];
  edgeFields?: string[];
}

export class SnapshotBuilder {
  private nodes: BNode[] = [];
  private nextId = 1;
  readonly nodeFields: string[];
  readonly edgeFields: string[];
  /** Ordinal of the synthetic root, created first. */
  readonly root: number;
  /** Ordinal of the "(GC roots)" synthetic node under the root. */
  readonly gcRoots: number;

  constructor(opts: BuilderOptions = {}) {
    this.nodeFields = opts.nodeFields ?? ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
    this.edgeFields = opts.edgeFields ?? ['type', 'name_or_index', 'to_node'];
    this.root = this.node('synthetic', '', { selfSize: 0 });
    this.gcRoots = this.node('synthetic', '(GC roots)', { selfSize: 0 });
    this.edge(this.root, this.gcRoots, 'element', 1);
  }

  /** Adds a node and returns its ordinal. Ids default to odd numbers like V8's. */
  node(type: string, name: string, opts: NodeOptions = {}): number {
    const id = opts.id ?? this.nextId;
    this.nextId = Math.max(this.nextId, id) + 2;
    this.nodes.push({
      type,
      name,
      id,
      selfSize: opts.selfSize ?? 10,
      traceNodeId: opts.traceNodeId ?? 0,
      detachedness: opts.detachedness ?? 0,
      edges: [],
    });
    return this.nodes.length - 1;
  }

  /** Shorthand: an "object" node with the given class name. */
  obj(name: string, selfSize = 10): number {
    return this.node('object', name, { selfSize });
  }

  /** Adds an edge from → to. Element/hidden edges take a number, others a string. */
  edge(from: number, to: number, type: string, name: string | number): this {
    this.nodes[from].edges.push({ type, name, to });
    return this;
  }

  /** Property edge. */
  prop(from: number, to: number, name: string): this {
    return this.edge(from, to, 'property', name);
  }

  /** Makes `to` a GC root child (element edge from "(GC roots)"). */
  gcRoot(to: number): this {
    const i = this.nodes[this.gcRoots].edges.length + 1;
    return this.edge(this.gcRoots, to, 'element', i);
  }

  /** The V8 JSON object of the snapshot. */
  toObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const strings: string[] = [];
    const stringIndex = new Map<string, number>();
    const str = (s: string): number => {
      let i = stringIndex.get(s);
      if (i === undefined) {
        i = strings.length;
        strings.push(s);
        stringIndex.set(s, i);
      }
      return i;
    };
    str('');
    const nf = this.nodeFields.length;
    const nodes: number[] = [];
    const edges: number[] = [];
    for (const n of this.nodes) {
      for (const f of this.nodeFields) {
        switch (f) {
          case 'type': nodes.push(V8_NODE_TYPES.indexOf(n.type)); break;
          case 'name': nodes.push(str(n.name)); break;
          case 'id': nodes.push(n.id); break;
          case 'self_size': nodes.push(n.selfSize); break;
          case 'edge_count': nodes.push(n.edges.length); break;
          case 'trace_node_id': nodes.push(n.traceNodeId); break;
          case 'detachedness': nodes.push(n.detachedness); break;
          default: nodes.push(0);
        }
      }
      for (const e of n.edges) {
        for (const f of this.edgeFields) {
          switch (f) {
            case 'type': edges.push(V8_EDGE_TYPES.indexOf(e.type)); break;
            case 'name_or_index': edges.push(typeof e.name === 'number' ? e.name : str(e.name)); break;
            case 'to_node': edges.push(e.to * nf); break;
            default: edges.push(0);
          }
        }
      }
    }
    for (const n of this.nodes) {
      if (V8_NODE_TYPES.indexOf(n.type) < 0) throw new Error(`builder: unknown node type ${n.type}`);
      for (const e of n.edges) if (V8_EDGE_TYPES.indexOf(e.type) < 0) throw new Error(`builder: unknown edge type ${e.type}`);
    }
    const nodeTypes: unknown[] = this.nodeFields.map((f) =>
      f === 'type' ? V8_NODE_TYPES : f === 'name' ? 'string' : 'number');
    const edgeTypes: unknown[] = this.edgeFields.map((f) =>
      f === 'type' ? V8_EDGE_TYPES : f === 'name_or_index' ? 'string_or_number' : 'node');
    return {
      snapshot: {
        meta: {
          node_fields: this.nodeFields,
          node_types: nodeTypes,
          edge_fields: this.edgeFields,
          edge_types: edgeTypes,
          trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
          trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
          sample_fields: ['timestamp_us', 'last_assigned_id'],
          location_fields: ['object_index', 'script_id', 'line', 'column'],
        },
        node_count: this.nodes.length,
        edge_count: this.nodes.reduce((s, n) => s + n.edges.length, 0),
        trace_function_count: 0,
      },
      nodes,
      edges,
      trace_function_infos: [],
      trace_tree: [],
      samples: [],
      locations: [],
      strings,
      ...extra,
    };
  }

  /** The snapshot as V8-format JSON text (what a .heapsnapshot file holds). */
  toJSON(extra: Record<string, unknown> = {}): string {
    return JSON.stringify(this.toObject(extra));
  }

  /** The snapshot as a HeapSnapshot, built through JSON.parse (not the streaming parser). */
  build(): HeapSnapshot {
    return snapshotFromObject(this.toObject());
  }
}

/** Converts an already-parsed V8 snapshot object into a HeapSnapshot. Test helper for small inputs only. */
export function snapshotFromObject(o: any): HeapSnapshot {
  const meta = o.snapshot.meta;
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const nodeTypes: string[] = meta.node_types[nf.indexOf('type')];
  const edgeTypes: string[] = meta.edge_types[ef.indexOf('type')];
  const n = o.nodes.length / nf.length;
  const m = o.edges.length / ef.length;
  const ix = (f: string) => nf.indexOf(f);
  const ex = (f: string) => ef.indexOf(f);
  const nodeType = new Uint8Array(n);
  const nodeName = new Uint32Array(n);
  const nodeId = new Uint32Array(n);
  const nodeSelfSize = new Float64Array(n);
  const hasTrace = ix('trace_node_id') >= 0;
  const hasDet = ix('detachedness') >= 0;
  const nodeTraceId = hasTrace ? new Uint32Array(n) : null;
  const nodeDetachedness = hasDet ? new Uint8Array(n) : null;
  const firstEdge = new Uint32Array(n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const b = i * nf.length;
    nodeType[i] = o.nodes[b + ix('type')];
    nodeName[i] = o.nodes[b + ix('name')];
    nodeId[i] = o.nodes[b + ix('id')];
    nodeSelfSize[i] = o.nodes[b + ix('self_size')];
    if (nodeTraceId) nodeTraceId[i] = o.nodes[b + ix('trace_node_id')];
    if (nodeDetachedness) nodeDetachedness[i] = o.nodes[b + ix('detachedness')];
    firstEdge[i] = e;
    e += o.nodes[b + ix('edge_count')];
  }
  firstEdge[n] = e;
  const edgeType = new Uint8Array(m);
  const edgeNameOrIndex = new Uint32Array(m);
  const edgeTo = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const b = j * ef.length;
    edgeType[j] = o.edges[b + ex('type')];
    edgeNameOrIndex[j] = o.edges[b + ex('name_or_index')];
    edgeTo[j] = o.edges[b + ex('to_node')] / nf.length;
  }
  return new HeapSnapshot({
    meta: {
      nodeFields: nf,
      nodeTypes,
      edgeFields: ef,
      edgeTypes,
      locationFields: meta.location_fields ?? [],
      traceFunctionInfoFields: meta.trace_function_info_fields ?? [],
      traceNodeFields: meta.trace_node_fields ?? [],
      sampleFields: meta.sample_fields ?? [],
    },
    nodeType,
    nodeName,
    nodeId,
    nodeSelfSize,
    nodeTraceId,
    nodeDetachedness,
    firstEdge,
    edgeType,
    edgeNameOrIndex,
    edgeTo,
    strings: o.strings,
    locations: null,
    traceFunctionInfos: null,
    traceTree: null,
  });
}
