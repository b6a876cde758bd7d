// worker_threads entry (bundled as dist/parseWorker.js): reads one snapshot file from the start,
// skips the "nodes" array unchecked, parses the "edges" array with the same SnapshotParser as the
// main thread, and hands back the three edge columns (ArrayBuffers transferred, not copied). The
// main thread parses everything else meanwhile (see parallelParse.ts for the handshake).
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { SnapshotParser } from '../core/parser';
import { readBlocks } from './readBlocks';
import { SnapshotError } from '../core/errors';
import {
  DECIDED_CLAIMED, DECIDED_DECLINED, publishDecision, type ParseWorkerData, type ParseWorkerReply, type SerializedError,
} from './parallelParse';

function serialize(e: unknown): SerializedError {
  if (e instanceof SnapshotError) return { code: e.code, message: e.message, offset: e.offset, field: e.field };
  return { code: null, message: e instanceof Error ? e.message : String(e) };
}

async function run(data: ParseWorkerData): Promise<ParseWorkerReply> {
  let decided = false;
  const decide = (state: number, offset: number) => {
    if (decided) return;
    decided = true;
    publishDecision(data.shared, state, offset);
  };
  const parser = new SnapshotParser({
    totalBytes: data.totalBytes,
    stopAfter: 'edges',
    shared: data.sharedColumns,
    sectionStart: (name, offset) => {
      if (name !== 'edges') return 'skip';
      decide(DECIDED_CLAIMED, offset);
      return 'parse';
    },
  });
  const fh = await fs.promises.open(data.path, 'r');
  try {
    for await (const block of readBlocks(fh, data.readSize)) {
      parser.write(block);
      if (parser.stopped) break;
      // The edges were seen before the meta (or never): the main thread parses them itself.
      if (!decided && parser.bytesRead > 0 && edgesSeenWithoutMeta(parser)) break;
    }
    if (!parser.stopped) {
      if (!decided) return { kind: 'declined' };
      parser.end(); // throws: the data ends inside the edges array
      return { kind: 'declined' };
    }
    const sec = parser.takeEdges();
    return { kind: 'edges', ...sec };
  } finally {
    decide(DECIDED_DECLINED, -1);
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
    const transfer = reply.kind === 'edges'
      ? [reply.edgeType.buffer, reply.edgeNameOrIndex.buffer, reply.edgeTo.buffer].filter((b) => !(b instanceof SharedArrayBuffer))
      : [];
    parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
  },
  (e: unknown) => {
    publishDecision(data.shared, DECIDED_DECLINED, -1);
    parentPort!.postMessage({ kind: 'error', error: serialize(e) } satisfies ParseWorkerReply);
  },
);
