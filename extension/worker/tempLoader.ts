// TEMPORARY stand-in for extension/node/loadSnapshot.ts (helper A's streaming parser) until it is
// committed: reads the file and JSON.parses it, so it only handles small snapshots (< ~400 MB).
// Same signature as loadSnapshotFile so the worker can switch by changing one import.
import { readFile, stat } from 'node:fs/promises';
import { HeapSnapshot } from '../core/model';
import { SnapshotError, throwIfAborted } from '../core/errors';
import type { RunOptions } from '../core/progress';

export interface LoadProgress { phase: string; done: number; total: number; bytesRead?: number; totalBytes?: number }
export interface LoadOptions { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void }

/** Reads and parses a .heapsnapshot file (small files only; see the file comment). */
export async function loadSnapshotFile(path: string, opts: LoadOptions & RunOptions = {}): Promise<HeapSnapshot> {
  const size = (await stat(path)).size;
  if (size === 0) throw new SnapshotError('empty', 'The file is empty');
  opts.onProgress?.({ phase: 'read', done: 0, total: size, bytesRead: 0, totalBytes: size });
  const buf = await readFile(path, { signal: opts.signal });
  if (buf[0] === 0x1f && buf[1] === 0x8b) throw new SnapshotError('gzip', 'The file is gzip-compressed; decompress it first', { offset: 0 });
  opts.onProgress?.({ phase: 'read', done: size, total: size, bytesRead: size, totalBytes: size });
  throwIfAborted(opts.signal);
  let o: any;
  try {
    o = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new SnapshotError('not-json', `Not a JSON heap snapshot: ${(e as Error).message}`);
  }
  const meta = o?.snapshot?.meta;
  if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(meta.edge_fields)) {
    throw new SnapshotError('bad-meta', 'Missing snapshot.meta.node_fields / edge_fields', { field: 'snapshot.meta' });
  }
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const nodes: number[] = o.nodes;
  const edges: number[] = o.edges;
  const strings: string[] = o.strings;
  if (!Array.isArray(nodes) || !Array.isArray(edges) || !Array.isArray(strings)) {
    throw new SnapshotError('bad-meta', 'Missing nodes, edges or strings array', { field: 'nodes' });
  }
  const ix = (f: string) => nf.indexOf(f);
  const ex = (f: string) => ef.indexOf(f);
  const n = nodes.length / nf.length;
  const m = edges.length / ef.length;
  const nodeType = new Uint8Array(n);
  const nodeName = new Uint32Array(n);
  const nodeId = new Uint32Array(n);
  const nodeSelfSize = new Float64Array(n);
  const firstEdge = new Uint32Array(n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const b = i * nf.length;
    nodeType[i] = nodes[b + ix('type')];
    nodeName[i] = nodes[b + ix('name')];
    nodeId[i] = nodes[b + ix('id')];
    nodeSelfSize[i] = nodes[b + ix('self_size')];
    firstEdge[i] = e;
    e += nodes[b + ix('edge_count')];
  }
  firstEdge[n] = e;
  if (e !== m) throw new SnapshotError('count-mismatch', `Edge counts sum to ${e} but the edges array holds ${m}`, { field: 'edges' });
  const edgeType = new Uint8Array(m);
  const edgeNameOrIndex = new Uint32Array(m);
  const edgeTo = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const b = j * ef.length;
    edgeType[j] = edges[b + ex('type')];
    edgeNameOrIndex[j] = edges[b + ex('name_or_index')];
    const to = edges[b + ex('to_node')];
    if (to % nf.length !== 0 || to / nf.length >= n) throw new SnapshotError('bad-edge', `Edge ${j} points at ${to}`, { field: 'edges' });
    edgeTo[j] = to / nf.length;
  }
  return new HeapSnapshot({
    meta: {
      nodeFields: nf, nodeTypes: meta.node_types[ix('type')], edgeFields: ef, edgeTypes: meta.edge_types[ex('type')],
      locationFields: meta.location_fields ?? [], traceFunctionInfoFields: meta.trace_function_info_fields ?? [],
      traceNodeFields: meta.trace_node_fields ?? [], sampleFields: meta.sample_fields ?? [],
    },
    nodeType, nodeName, nodeId, nodeSelfSize, nodeTraceId: null, nodeDetachedness: null, firstEdge,
    edgeType, edgeNameOrIndex, edgeTo, strings, locations: null, traceFunctionInfos: null, traceTree: null,
  });
}
