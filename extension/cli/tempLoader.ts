// TEMPORARY stand-in for extension/node/loadSnapshot.ts (helper A's streaming parser) so the CLI can
// run before it lands: reads the whole file, JSON.parse, then converts to a HeapSnapshot. Small files
// only (Node strings stop near 512 MB). Delete this file once loadSnapshotFile is committed.
import { readFile } from 'node:fs/promises';
import { HeapSnapshot } from '../core/model';
import { SnapshotError } from '../core/errors';
import type { RunOptions } from '../core/progress';

/** Reads and parses a .heapsnapshot file (whole-file JSON.parse; temporary). */
export async function loadSnapshotFile(file: string, opts: RunOptions = {}): Promise<HeapSnapshot> {
  const bytes = await readFile(file);
  opts.onProgress?.({ phase: 'read', done: bytes.length, total: bytes.length });
  if (bytes.length === 0) throw new SnapshotError('empty', 'The file is empty', { offset: 0 });
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new SnapshotError('gzip', 'The file is gzip-compressed; decompress it first (gunzip)', { offset: 0 });
  }
  let o: any;
  try {
    o = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    if (/Unexpected end/.test(msg)) throw new SnapshotError('truncated', 'The file ends in the middle of the JSON', { offset: bytes.length });
    throw new SnapshotError('not-json', `Not JSON: ${msg}`, { offset: m ? Number(m[1]) : 0 });
  }
  const meta = o?.snapshot?.meta;
  if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(meta.edge_fields)) {
    throw new SnapshotError('bad-meta', 'Missing snapshot.meta node_fields/edge_fields', { field: 'snapshot.meta' });
  }
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const need = (arr: string[], f: string, where: string) => {
    const i = arr.indexOf(f);
    if (i < 0) throw new SnapshotError('bad-meta', `Missing ${f}`, { field: where });
    return i;
  };
  const iType = need(nf, 'type', 'snapshot.meta.node_fields');
  const iName = need(nf, 'name', 'snapshot.meta.node_fields');
  const iId = need(nf, 'id', 'snapshot.meta.node_fields');
  const iSize = need(nf, 'self_size', 'snapshot.meta.node_fields');
  const iCount = need(nf, 'edge_count', 'snapshot.meta.node_fields');
  const iTrace = nf.indexOf('trace_node_id');
  const iDet = nf.indexOf('detachedness');
  const jType = need(ef, 'type', 'snapshot.meta.edge_fields');
  const jName = need(ef, 'name_or_index', 'snapshot.meta.edge_fields');
  const jTo = need(ef, 'to_node', 'snapshot.meta.edge_fields');
  const nodes: number[] = o.nodes;
  const edges: number[] = o.edges;
  const strings: string[] = o.strings;
  if (!Array.isArray(nodes) || !Array.isArray(edges) || !Array.isArray(strings)) {
    throw new SnapshotError('bad-value', 'Missing nodes, edges or strings', { field: 'nodes' });
  }
  const n = nodes.length / nf.length;
  const m = edges.length / ef.length;
  if (!Number.isInteger(n)) throw new SnapshotError('count-mismatch', 'nodes length is not a multiple of the node field count', { field: 'nodes' });
  if (!Number.isInteger(m)) throw new SnapshotError('count-mismatch', 'edges length is not a multiple of the edge field count', { field: 'edges' });
  const nodeType = new Uint8Array(n);
  const nodeName = new Uint32Array(n);
  const nodeId = new Uint32Array(n);
  const nodeSelfSize = new Float64Array(n);
  const nodeTraceId = iTrace >= 0 ? new Uint32Array(n) : null;
  const nodeDetachedness = iDet >= 0 ? new Uint8Array(n) : null;
  const firstEdge = new Uint32Array(n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const b = i * nf.length;
    nodeType[i] = nodes[b + iType];
    nodeName[i] = nodes[b + iName];
    if (nodeName[i] >= strings.length) throw new SnapshotError('bad-string-index', `Node ${i} names string ${nodeName[i]}`, { field: 'nodes' });
    nodeId[i] = nodes[b + iId];
    nodeSelfSize[i] = nodes[b + iSize];
    if (nodeTraceId) nodeTraceId[i] = nodes[b + iTrace];
    if (nodeDetachedness) nodeDetachedness[i] = nodes[b + iDet];
    firstEdge[i] = e;
    e += nodes[b + iCount];
  }
  firstEdge[n] = e;
  if (e !== m) throw new SnapshotError('count-mismatch', `Edge counts sum to ${e} but there are ${m} edges`, { field: 'edges' });
  const edgeType = new Uint8Array(m);
  const edgeNameOrIndex = new Uint32Array(m);
  const edgeTo = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const b = j * ef.length;
    edgeType[j] = edges[b + jType];
    edgeNameOrIndex[j] = edges[b + jName];
    const to = edges[b + jTo];
    if (to % nf.length !== 0 || to / nf.length >= n) throw new SnapshotError('bad-edge', `Edge ${j} points to ${to}`, { field: 'edges' });
    edgeTo[j] = to / nf.length;
  }
  return new HeapSnapshot({
    meta: {
      nodeFields: nf,
      nodeTypes: meta.node_types[iType],
      edgeFields: ef,
      edgeTypes: meta.edge_types[jType],
      locationFields: meta.location_fields ?? [],
      traceFunctionInfoFields: meta.trace_function_info_fields ?? [],
      traceNodeFields: meta.trace_node_fields ?? [],
      sampleFields: meta.sample_fields ?? [],
    },
    title: o.snapshot.title,
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
    strings,
    locations: null,
    traceFunctionInfos: null,
    traceTree: null,
  });
}
