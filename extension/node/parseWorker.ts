// worker_threads entry (bundled as dist/parseWorker.js): reads one snapshot file from the start,
// parses the "edges" array (and, if asked, the "nodes" array) with the same SnapshotParser as the
// main thread (skipping the other number arrays unchecked, and jumping over the nodes without
// reading them when probes find their end, arrayEnd.ts), and hands back their columns
// (ArrayBuffers transferred, not copied). The main thread parses everything else meanwhile (see
// parallelParse.ts for the handshake).
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { SnapshotParser } from '../core/parser';
import { feedBlocks, readAt } from './readBlocks';
import { WasmRecords } from '../core/wasmRecords';
import { findArrayEnd } from '../core/arrayEnd';
import { SnapshotError } from '../core/errors';
import {
  DECIDED_CLAIMED, DECIDED_DECLINED, SLOTS, publishDecision, type ParseWorkerData, type ParseWorkerReply, type SerializedError,
} from './parallelParse';

function serialize(e: unknown): SerializedError {
  if (e instanceof SnapshotError) return { code: e.code, message: e.message, offset: e.offset, field: e.field };
  return { code: null, message: e instanceof Error ? e.message : String(e) };
}

const NODES = SLOTS.indexOf('nodes');
const EDGES = SLOTS.indexOf('edges');

async function run(data: ParseWorkerData): Promise<ParseWorkerReply> {
  const decided = SLOTS.map(() => false);
  const decide = (slot: number, state: number, offset: number) => {
    if (decided[slot]) return;
    decided[slot] = true;
    publishDecision(data.shared, slot, state, offset);
  };
  let nodesJumped = false;
  const fh = await fs.promises.open(data.path, 'r');
  const read = readAt(fh.fd);
  const parser = new SnapshotParser({
    totalBytes: data.totalBytes,
    stopAfter: 'edges',
    shared: data.sharedColumns,
    sectionStart: (name, offset, fields) => {
      if (name === 'nodes') {
        if (!data.nodes) {
          decide(NODES, DECIDED_DECLINED, -1);
          // not read at all when the probes find its end (a wrong guess makes us miss the edges
          // array, or find it at another offset than the main thread: it then parses them itself)
          const closeAt = findArrayEnd(read, offset, data.totalBytes, fields, data.probeBytes);
          if (closeAt < 0) return 'skip';
          nodesJumped = true;
          return { action: 'skip', closeAt };
        }
        decide(NODES, DECIDED_CLAIMED, offset);
        return 'parse';
      }
      if (name !== 'edges') return 'skip';
      decide(NODES, DECIDED_DECLINED, -1); // edges first: the nodes come after we stop
      decide(EDGES, DECIDED_CLAIMED, offset);
      return 'parse';
    },
  });
  // read into the parser's WebAssembly memory (the records are then read in place)
  const wasm = WasmRecords.get();
  const blocks = wasm?.lendReadBlocks() ?? null;
  try {
    try {
      await feedBlocks(fh, data.readSize, (block) => parser.write(block), () => parser.bytesRead,
        // The edges were seen before the meta (or never): the main thread parses them itself.
        () => parser.stopped || (!decided[EDGES] && parser.bytesRead > 0 && edgesSeenWithoutMeta(parser)), blocks);
    } finally {
      if (blocks) wasm!.returnReadBlocks();
    }
    if (!parser.stopped) {
      if (!decided.includes(true)) return { kind: 'declined' };
      parser.end(); // throws: the data ends inside (or before) the arrays we parse
      return { kind: 'declined' };
    }
    return { kind: 'sections', nodes: parser.takeNodes(), edges: parser.takeEdges(), nodesJumped };
  } finally {
    for (let k = 0; k < SLOTS.length; k++) decide(k, DECIDED_DECLINED, -1);
    await fh.close().catch(() => undefined);
  }
}

/** The parser has started the edges section without calling sectionStart (no meta yet). */
function edgesSeenWithoutMeta(parser: SnapshotParser): boolean {
  return parser.seenKey('edges') && !parser.hasMeta;
}

const data = workerData as ParseWorkerData;
run(data).then(
  (reply) => {
    // ArrayBuffers move to the main thread; SharedArrayBuffers are shared by posting them
    const cols: (ArrayBufferView | null)[] = [];
    if (reply.kind === 'sections') {
      const n = reply.nodes;
      if (n) cols.push(n.nodeType, n.nodeName, n.nodeId, n.nodeSelfSize, n.nodeTraceId, n.nodeDetachedness, n.firstEdge);
      cols.push(reply.edges.edgeType, reply.edges.edgeNameOrIndex, reply.edges.edgeTo);
    }
    const transfer = cols.filter((a) => a !== null && !(a.buffer instanceof SharedArrayBuffer)).map((a) => a!.buffer as ArrayBuffer);
    parentPort!.postMessage(reply, transfer);
  },
  (e: unknown) => {
    for (let k = 0; k < SLOTS.length; k++) publishDecision(data.shared, k, DECIDED_DECLINED, -1);
    parentPort!.postMessage({ kind: 'error', error: serialize(e) } satisfies ParseWorkerReply);
  },
);
