// Two-thread parsing of one uncompressed snapshot file. A worker (parseWorker.ts) reads the file
// from the start and parses the "edges" array (and, if asked, the "nodes" array too); the main
// thread parses everything else and skips the arrays the worker holds (a flat number array ends at
// its first ']'). Neither thread reads the array the other one parses when probes find where it
// ends (arrayEnd.ts, V8's one record per line): both jump to its ']' (SectionJump). The main
// thread's guess for the end of the edges is checked against the worker's parse (sections(); a
// mismatch reads the file again on one thread); a wrong guess of the worker for the end of the
// nodes makes it miss the edges or find them at another offset, and the main thread parses them.
// Measured on the 1 GB Node snapshot (interleaved with the build before): load 2.2-3.4 s →
// 1.7-2.6 s; the main thread read 600 MB of edges and the worker 300 MB of nodes for nothing before.
// The edges are about two thirds of the file; with the strings copied as bytes (StringTable) the
// nodes plus the strings cost the main thread about what the edges cost the worker. Measured on
// the 1 GB Node snapshot before the jumps, two interleaved series of 3 rounds: nodes and edges on
// the worker 3.6-4.1 s and 3.3-3.6 s, edges only 3.1-3.5 s and 3.3-3.6 s, one thread 3.7-4.5 s and
// 3.4-4.4 s; edges only used 0.2-1.3 s less CPU than nodes and edges in every round.
// Handshake through a SharedArrayBuffer, one slot per array: the worker publishes the byte offset
// where it found the array, and the main thread, when its own parser reaches that array, hands it
// over only if the offsets agree (otherwise it parses the array itself: the result never depends
// on timing). Errors keep the single-threaded order: an error inside an array the worker holds
// wins over anything the main thread finds after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EdgeSection, NodeSection, SectionAction, SectionJump } from '../core/parser';
import { PROBE_BYTES, findArrayEnd } from '../core/arrayEnd';
import { readAt } from './readBlocks';
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
  /** bytes per probe when looking for an array's end (arrayEnd.ts; tests use small probes) */
  probeBytes: number;
  /** Int32 [decision per slot] at byte 0, then a Float64 per slot from byte 8: the array's offset (see SLOTS) */
  shared: SharedArrayBuffer;
  /** allocate the edge columns on SharedArrayBuffers (ParseOptions.shared) */
  sharedColumns: boolean;
  /** parse the nodes array too (default: only the edges; the main thread parses the nodes) */
  nodes: boolean;
}

export interface SerializedError {
  code: SnapshotErrorCode | null;
  message: string;
  offset?: number;
  field?: string;
}

/** The arrays the worker may parse, by decision slot. */
export const SLOTS = ['nodes', 'edges'] as const;
export type SlotName = (typeof SLOTS)[number];
const SHARED_BYTES = 8 + 8 * SLOTS.length;
const NODES = 0;
const EDGES = 1;

export type ParseWorkerReply =
  | { kind: 'sections'; nodes: NodeSection | null; edges: EdgeSection; nodesJumped: boolean }
  | { kind: 'declined' }
  | { kind: 'error'; error: SerializedError };

/** Worker side: publishes whether (and at which byte offset) it parses the array of one slot. */
export function publishDecision(shared: SharedArrayBuffer, slot: number, state: number, offset: number): void {
  const st = new Int32Array(shared, 0, SLOTS.length);
  if (Atomics.load(st, slot) !== DECIDED_PENDING) return;
  new Float64Array(shared, 8, SLOTS.length)[slot] = offset;
  Atomics.store(st, slot, state);
  Atomics.notify(st, slot);
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

/** How long the main thread waits, at a nodes or edges array, for the worker to say where it found it (ms). */
const DECISION_WAIT_MS = 20_000;

/** The arrays the worker parsed (null for one the main thread did not hand over). */
export interface WorkerSections {
  nodes: NodeSection | null;
  edges: EdgeSection | null;
}

/** Main-thread side of one two-thread parse. */
export class ArraysWorker {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly offset: Float64Array;
  private readonly outcome: Promise<ParseWorkerReply | { kind: 'crash'; error: Error }>;
  private readonly claimed = [false, false];
  /** where the main parser found each array handed over */
  private readonly claimedAt = [-1, -1];
  /** where the main parser went on after each array handed over (its ']' as probed), -1: read to it */
  private readonly jumpedTo = [-1, -1];
  private ended = false;

  /** the worker jumped over the nodes array (did not read it); known once sections() returned */
  nodesJumped = false;

  constructor(workerPath: string, private readonly file: string, private readonly totalBytes: number, readSize: number,
    sharedColumns = false, nodes = false, private readonly probeBytes = PROBE_BYTES) {
    const shared = new SharedArrayBuffer(SHARED_BYTES);
    this.state = new Int32Array(shared, 0, SLOTS.length);
    this.offset = new Float64Array(shared, 8, SLOTS.length);
    const data: ParseWorkerData = { path: file, totalBytes, readSize, probeBytes, shared, sharedColumns, nodes };
    // Loaded through a wrapper so that a script that fails to load still publishes "declined"
    // (the main thread may be blocked in Atomics.wait for the decision).
    const boot = `const { workerData } = require('node:worker_threads');
try { require(${JSON.stringify(workerPath)}); } catch (e) {
  const st = new Int32Array(workerData.shared, 0, ${SLOTS.length});
  for (let k = 0; k < ${SLOTS.length}; k++) {
    if (Atomics.compareExchange(st, k, ${DECIDED_PENDING}, ${DECIDED_DECLINED}) === ${DECIDED_PENDING}) Atomics.notify(st, k);
  }
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

  /**
   * ParseOptions.sectionStart of the main parser: hands "nodes" or "edges" over when the worker
   * found that array at the same offset.
   */
  readonly sectionStart = (name: string, offset: number, fields: number): SectionAction | SectionJump => {
    const slot = SLOTS.indexOf(name as SlotName);
    if (slot < 0 || this.ended) return 'parse';
    if (slot === EDGES && this.claimed[NODES]) {
      // The worker goes on from its nodes to the edges (it stops after them), and the main
      // thread must not wait for it to get there: claimed now, the offsets compared in sections().
      this.claimed[EDGES] = true;
      this.claimedAt[EDGES] = offset;
      return this.jumpOver(EDGES, offset, fields);
    }
    // The worker reads the same bytes as we do (and skips what we parse), so it is normally
    // there first: at "nodes" right after the meta, at "edges" once it has parsed the nodes.
    const deadline = Date.now() + DECISION_WAIT_MS;
    while (Atomics.load(this.state, slot) === DECIDED_PENDING) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.state, slot, DECIDED_PENDING, Math.min(left, 50));
    }
    if (Atomics.load(this.state, slot) === DECIDED_CLAIMED && this.offset[slot] === offset) {
      this.claimed[slot] = true;
      this.claimedAt[slot] = offset;
      return this.jumpOver(slot, offset, fields);
    }
    // no array handed over: the worker is not needed any more, unless it may still take the edges
    // (it declines the nodes when it parses only the edges)
    if (!this.claimed.includes(true) && slot === EDGES) void this.stop();
    return 'parse';
  };

  /** This thread jumped over the edges array (did not read it). */
  get edgesJumped(): boolean {
    return this.jumpedTo[EDGES] >= 0;
  }

  /**
   * 'external', with a jump to the array's ']' when the probes find it (arrayEnd.ts): this thread
   * then does not read the array at all. sections() checks the guess against the worker's parse.
   */
  private jumpOver(slot: number, offset: number, fields: number): SectionAction | SectionJump {
    let fd = -1;
    try {
      fd = fs.openSync(this.file, 'r');
      const closeAt = findArrayEnd(readAt(fd), offset, this.totalBytes, fields, this.probeBytes);
      if (closeAt < 0) return 'external';
      this.jumpedTo[slot] = closeAt;
      return { action: 'external', closeAt };
    } catch {
      return 'external';
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /**
   * The worker's columns of the arrays handed over. Throws its SnapshotError (an error inside
   * those arrays); null when the worker failed otherwise (the caller then parses the file on one
   * thread). Waits for the worker unless the signal fires (SnapshotError 'cancelled').
   */
  async sections(signal?: AbortSignal): Promise<WorkerSections | null> {
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
    if (r.kind === 'sections') {
      this.nodesJumped = r.nodesJumped;
      const nodes = this.claimed[NODES] ? r.nodes : null;
      if (this.claimed[NODES] && nodes === null) return null;
      // the worker read the edges somewhere else (e.g. the file changed), or this thread jumped to
      // another ']' than the one that ends them: the caller starts over on one thread
      if (this.claimed[EDGES] && r.edges.start !== this.claimedAt[EDGES]) return null;
      if (this.jumpedTo[EDGES] >= 0 && r.edges.end !== this.jumpedTo[EDGES] + 1) return null;
      if (nodes && this.jumpedTo[NODES] >= 0 && nodes.end !== this.jumpedTo[NODES] + 1) return null;
      return { nodes, edges: this.claimed[EDGES] ? r.edges : null };
    }
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
