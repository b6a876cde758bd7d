// Host-side snapshot loading (shared by the worker and the CLI): reads a file in chunks and feeds
// the pure streaming parser. gzip files (detected by their magic bytes) are read through zlib.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { HeapSnapshot, StringTable } from '../core/model';
import { SnapshotParser } from '../core/parser';
import { ArraysWorker, defaultParseWorkerPath, type WorkerSections } from './parallelParse';
import { SnapshotError, cancelledError } from '../core/errors';
import { feedBlocks } from './readBlocks';
import { WeakMapEdgeNames } from '../core/edgeRules';
import { WasmRecords } from '../core/wasmRecords';

/** Progress of a load: done/total are bytes of the file (compressed bytes for a .gz file). */
export interface LoadProgress {
  phase: string;
  done: number;
  total: number;
  bytesRead: number;
  totalBytes: number;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /**
   * Parse the nodes and edges arrays on a second thread (uncompressed files only). Default: on when the
   * bundled dist/parseWorker.js sits next to this bundle and the file is at least PARALLEL_MIN_BYTES.
   * false: one thread. An object forces a worker script (tests) and/or a size threshold (bytes),
   * and `nodes: true` makes the worker parse the nodes array too (default: the main thread does).
   */
  parallel?: boolean | { workerPath?: string; minBytes?: number; nodes?: boolean };
  /** Read block size in bytes (tests use small blocks to cut sections across blocks). */
  readSize?: number;
  /**
   * Node and edge columns on SharedArrayBuffers (for analysis on several threads, see
   * parallelAnalysis.ts). Default false.
   */
  shared?: boolean;
  /**
   * Filled in by the load: whether the nodes / edges arrays were parsed on the second thread, and
   * which arrays a thread jumped over without reading them (this thread the edges the worker held,
   * the worker the nodes this thread parsed; see arrayEnd.ts).
   */
  stats?: LoadStats;
  /** Bytes per probe when looking for where an array ends (arrayEnd.ts); tests use small probes. */
  probeBytes?: number;
}

export interface LoadStats {
  edgesOnWorker?: boolean;
  nodesOnWorker?: boolean;
  edgesJumped?: boolean;
  nodesJumpedOnWorker?: boolean;
}

const READ_SIZE = 4 << 20;
const PROGRESS_STEP = 8 << 20;
/**
 * Files from this size on are parsed on two threads by default. Measured on the (heavily loaded)
 * 2-core dev machine: 1.06 GB median wall 17.3 s -> 15.9 s (5 of 7 interleaved pairs faster, main
 * thread CPU -35..50%); 310 MB no measurable wall difference, so smaller files stay on one thread.
 * Again after the record fast path, with the worker parsing nodes and edges (interleaved, load
 * 3-6): 1.06 GB one thread 4.6 s wall (3.2 s CPU on the parsing thread), two 5.3 s wall (busiest
 * thread 1.9 s CPU); 310 MB one thread 2.1 s (1.6 s), two 2.4 s (0.9 s). Two threads shorten the
 * critical path by 40-45% but use about 20% more CPU in all (both threads read the file), which
 * pays off only when the second core is free: not measurable on the loaded dev machine.
 */
export const PARALLEL_MIN_BYTES = 512 << 20;

/** True when the file starts with the gzip magic bytes 1f 8b. */
async function isGzip(fh: fs.promises.FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await fh.read(head, 0, 2, 0);
  return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function parallelWorkerPath(opt: LoadOptions['parallel'], size: number): string | null {
  if (opt === false) return null;
  const o = typeof opt === 'object' ? opt : {};
  if (size < (o.minBytes ?? PARALLEL_MIN_BYTES)) return null;
  return o.workerPath ?? defaultParseWorkerPath();
}

/** Loads a .heapsnapshot (or gzip-compressed one) from disk; progress in file bytes, phase "parse". */
export async function loadSnapshotFile(path: string, opts: LoadOptions = {}): Promise<HeapSnapshot> {
  const { signal, onProgress } = opts;
  if (signal?.aborted) throw cancelledError();
  const fh = await fs.promises.open(path, 'r');
  let total = 0;
  let lastReport = -PROGRESS_STEP;
  const report = (done: number, force = false) => {
    if (!onProgress || (!force && done - lastReport < PROGRESS_STEP)) return;
    lastReport = done;
    const p: LoadProgress = { phase: 'parse', done, total, bytesRead: done, totalBytes: total };
    onProgress(p);
  };
  let helper: ArraysWorker | null = null;
  try {
    total = (await fh.stat()).size;
    report(0, true);
    const stats = opts.stats;
    const noteWorker = () => {
      if (!stats) return;
      stats.edgesOnWorker = parser?.edgesExternal ?? false;
      stats.nodesOnWorker = parser?.nodesExternal ?? false;
      stats.edgesJumped = helper?.edgesJumped ?? false;
      stats.nodesJumpedOnWorker = helper?.nodesJumped ?? false;
    };
    let parser: SnapshotParser | null = null;
    noteWorker();
    if (await isGzip(fh)) {
      // decompression is sequential: one thread
      await fh.close();
      return await loadGzip(path, total, signal, report, opts.shared);
    }
    const readSize = opts.readSize ?? READ_SIZE;
    const workerPath = parallelWorkerPath(opts.parallel, total);
    const workerNodes = typeof opts.parallel === 'object' && opts.parallel.nodes === true;
    if (workerPath) helper = new ArraysWorker(workerPath, path, total, readSize, opts.shared === true, workerNodes, opts.probeBytes);
    parser = new SnapshotParser({ signal, totalBytes: total, sectionStart: helper?.sectionStart, shared: opts.shared });
    const p = parser;
    // the parser may jump over the edges array the worker parses (SectionJump): reading goes on there
    let parseFailed = false;
    let pos = 0;
    // read into the parser's WebAssembly memory when it has room (the records are then read in place)
    const wasm = WasmRecords.get();
    const blocks = wasm?.lendReadBlocks() ?? null;
    try {
      pos = await feedBlocks(fh, readSize, (block) => {
        try {
          if (signal?.aborted) throw cancelledError();
          p.write(block);
        } catch (e) {
          parseFailed = true;
          throw e;
        }
        report(p.bytesRead);
      }, () => p.bytesRead, undefined, blocks);
    } catch (e) {
      if (!parseFailed) throw e; // reading the file failed, not the parse
      noteWorker();
      throw await workerErrorFirst(helper, parser, e);
    } finally {
      // (no read is in flight once feedBlocks has settled)
      if (blocks) wasm!.returnReadBlocks();
    }
    noteWorker();
    if (parser.nodesExternal || parser.edgesExternal) {
      let sec: WorkerSections | null;
      try {
        const sections = helper!.sections(signal);
        await whileWaiting(sections, parser.stringsSoFar);
        sec = await sections;
      } catch (e) {
        throw await workerErrorFirst(helper, parser, e);
      }
      if (sec === null) return await retryOneThread(path, opts, helper);
      noteWorker();
      if (sec.nodes) parser.setExternalNodes(sec.nodes);
      if (sec.edges) parser.setExternalEdges(sec.edges);
    }
    const snap = parser.end();
    report(pos, true);
    return snap;
  } catch (e) {
    if (e instanceof RetryOneThread) return await retryOneThread(path, opts, helper);
    throw e;
  } finally {
    await helper?.stop();
    await fh.close().catch(() => undefined);
    // the parser's WebAssembly memory is not needed by the analysis
    WasmRecords.release();
  }
}

class RetryOneThread extends Error {}

/**
 * The main thread has read its part and waits for the parse thread: meanwhile it parses the WeakMap
 * edge names among the strings (the distances need them; WeakMapEdgeNames.forStrings keeps the work),
 * in slices, stopping as soon as the thread's sections arrive.
 */
async function whileWaiting(sections: Promise<unknown>, strings: StringTable): Promise<void> {
  let done = false;
  sections.then(() => { done = true; }, () => { done = true; });
  const names = WeakMapEdgeNames.forStrings(strings);
  const slice = 1 << 16;
  for (let i = 0; i < strings.length && !done; i += slice) {
    names.prepare(i, Math.min(strings.length, i + slice));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The error to report for `e`, thrown by the main parser: when the worker holds the nodes or edges
 * array, an error inside it comes first in the file, so it wins (as on one thread).
 */
async function workerErrorFirst(helper: ArraysWorker | null, parser: SnapshotParser, e: unknown): Promise<unknown> {
  if (!helper || !(parser.nodesExternal || parser.edgesExternal)) return e;
  if (e instanceof SnapshotError && e.code === 'cancelled') return e;
  if (e instanceof SnapshotError && e.message.startsWith('internal')) return e;
  try {
    if ((await helper.sections()) === null) return new RetryOneThread();
  } catch (we) {
    return we;
  }
  return e;
}

async function retryOneThread(path: string, opts: LoadOptions, helper: ArraysWorker | null): Promise<HeapSnapshot> {
  await helper?.stop();
  return loadSnapshotFile(path, { ...opts, parallel: false });
}

async function loadGzip(
  path: string,
  total: number,
  signal: AbortSignal | undefined,
  report: (done: number, force?: boolean) => void,
  shared?: boolean,
): Promise<HeapSnapshot> {
  const input = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const parser = new SnapshotParser({ signal, shared });
  try {
    for await (const chunk of gunzip) {
      if (signal?.aborted) throw cancelledError();
      parser.write(chunk as Buffer);
      report(input.bytesRead);
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_') || err.code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
      throw new SnapshotError('bad-gzip', `The gzip data is corrupt or incomplete: ${err.message}`,
        { offset: input.bytesRead });
    }
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  const snap = parser.end();
  report(total, true);
  return snap;
}
