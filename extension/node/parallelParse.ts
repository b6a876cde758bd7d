// Two-thread parsing of one uncompressed snapshot file. A worker (parseWorker.ts) reads the file
// from the start, skips "nodes" and parses "edges"; the main thread parses everything else and
// skips "edges" (a flat number array ends at its first ']'). Handshake through a SharedArrayBuffer:
// the worker publishes the byte offset where it found the edges array, and the main thread, when
// its own parser reaches "edges", hands that array over only if the offsets agree (otherwise it
// parses the edges itself: the result never depends on timing). Errors keep the single-threaded
// order: an error inside the edges array wins over anything the main thread finds after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EdgeSection, SectionAction } from '../core/parser';
import { SnapshotError, cancelledError, type SnapshotErrorCode } from '../core/errors';

export const DECIDED_PENDING = 0;
export const DECIDED_CLAIMED = 1;
export const DECIDED_DECLINED = 2;

/** workerData of parseWorker.js. */
export interface ParseWorkerData {
  path: string;
  totalBytes: number;
  /** read block size in bytes */
  readSize: number;
  /** Int32 [decision], then a Float64 at byte 8: the edges array's offset */
  shared: SharedArrayBuffer;
  /** allocate the edge columns on SharedArrayBuffers (ParseOptions.shared) */
  sharedColumns: boolean;
}

export interface SerializedError {
  code: SnapshotErrorCode | null;
  message: string;
  offset?: number;
  field?: string;
}

export type ParseWorkerReply =
  | ({ kind: 'edges' } & EdgeSection)
  | { kind: 'declined' }
  | { kind: 'error'; error: SerializedError };

/** Worker side: publishes whether (and at which byte offset) it parses the edges array. */
export function publishDecision(shared: SharedArrayBuffer, state: number, offset: number): void {
  const st = new Int32Array(shared, 0, 1);
  if (Atomics.load(st, 0) !== DECIDED_PENDING) return;
  new Float64Array(shared, 8, 1)[0] = offset;
  Atomics.store(st, 0, state);
  Atomics.notify(st, 0);
}

function deserialize(e: SerializedError): Error {
  if (e.code === null) return new Error(`parse worker: ${e.message}`);
  const err = new SnapshotError(e.code, '', { offset: e.offset, field: e.field });
  err.message = e.message; // already carries the field/offset suffix
  return err;
}

/** The bundled worker next to this bundle (dist/parseWorker.js), or null (e.g. under tsx). */
export function defaultParseWorkerPath(): string | null {
  const p = path.join(__dirname, 'parseWorker.js');
  return fs.existsSync(p) ? p : null;
}

/** How long the main thread waits, at the edges array, for the worker to say where it found it (ms). */
const DECISION_WAIT_MS = 20_000;

/** Main-thread side of one two-thread parse. */
export class EdgesWorker {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly offset: Float64Array;
  private readonly outcome: Promise<ParseWorkerReply | { kind: 'crash'; error: Error }>;
  private claimed = false;
  private ended = false;

  constructor(workerPath: string, file: string, totalBytes: number, readSize: number, sharedColumns = false) {
    const shared = new SharedArrayBuffer(16);
    this.state = new Int32Array(shared, 0, 1);
    this.offset = new Float64Array(shared, 8, 1);
    const data: ParseWorkerData = { path: file, totalBytes, readSize, shared, sharedColumns };
    // Loaded through a wrapper so that a script that fails to load still publishes "declined"
    // (the main thread may be blocked in Atomics.wait for the decision).
    const boot = `const { workerData } = require('node:worker_threads');
try { require(${JSON.stringify(workerPath)}); } catch (e) {
  const st = new Int32Array(workerData.shared, 0, 1);
  if (Atomics.compareExchange(st, 0, ${DECIDED_PENDING}, ${DECIDED_DECLINED}) === ${DECIDED_PENDING}) Atomics.notify(st, 0);
  throw e;
}`;
    this.worker = new Worker(boot, { eval: true, workerData: data });
    this.outcome = new Promise((resolve) => {
      this.worker.once('message', (m: ParseWorkerReply) => resolve(m));
      this.worker.once('error', (e) => resolve({ kind: 'crash', error: e }));
      this.worker.once('exit', (code) => resolve({ kind: 'crash', error: new Error(`parse worker exited (${code})`) }));
    });
    this.outcome.catch(() => undefined);
  }

  /** ParseOptions.sectionStart of the main parser: hands "edges" over when the worker found it at the same offset. */
  readonly sectionStart = (name: string, offset: number): SectionAction => {
    if (name !== 'edges' || this.ended) return 'parse';
    // The worker only skips "nodes" (memchr speed), so it is normally there long before us.
    const deadline = Date.now() + DECISION_WAIT_MS;
    while (Atomics.load(this.state, 0) === DECIDED_PENDING) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.state, 0, DECIDED_PENDING, Math.min(left, 50));
    }
    if (Atomics.load(this.state, 0) === DECIDED_CLAIMED && this.offset[0] === offset) {
      this.claimed = true;
      return 'external';
    }
    void this.stop();
    return 'parse';
  };

  /** True when the main parser handed the edges array to the worker. */
  get edgesClaimed(): boolean {
    return this.claimed;
  }

  /**
   * The worker's edges columns. Throws its SnapshotError (an error inside the edges array); null
   * when the worker failed otherwise (the caller then parses the file on one thread). Waits for
   * the worker unless the signal fires (SnapshotError 'cancelled').
   */
  async edges(signal?: AbortSignal): Promise<EdgeSection | null> {
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(cancelledError());
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    let r: ParseWorkerReply | { kind: 'crash'; error: Error };
    try {
      r = await Promise.race([this.outcome, aborted]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (r.kind === 'edges') return r;
    if (r.kind === 'error' && r.error.code !== null) throw deserialize(r.error);
    return null;
  }

  /** Ends the worker (idempotent). */
  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.worker.terminate().catch(() => undefined);
  }
}
