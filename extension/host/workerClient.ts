// The host's side of the analysis worker: spawns dist/worker.js in a worker thread and turns
// ToWorker/FromWorker messages into promises matched by request id. No parsing happens here.
import { Worker } from 'node:worker_threads';
import type { EngineReplies, EngineRequest, ErrorValue, FromWorker, Result, ToWorker } from '../protocol';
import type { Progress } from '../core/progress';

export type WorkerProgress = Progress & { bytesRead?: number; totalBytes?: number };

export interface RequestOptions {
  onProgress?: (p: WorkerProgress) => void;
  /** aborting sends {type:'cancel'} for this request */
  signal?: AbortSignal;
}

interface Pending {
  resolve: (r: Result<any>) => void;
  onProgress?: (p: WorkerProgress) => void;
}

/** One worker thread; `request` never rejects: failures come back as {err} values. */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ended: ErrorValue | null = null;

  /** `onExit` is called once the thread has really stopped (after terminate() too). */
  constructor(workerScript: string, onExit?: (code: number) => void) {
    this.worker = new Worker(workerScript, { name: 'retention-graph-analysis' });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.end({ message: `The analysis worker failed: ${e.message}`, code: 'worker-error' }));
    this.worker.on('exit', (code) => {
      this.end({ message: `The analysis worker exited (code ${code})`, code: 'worker-exit' });
      onExit?.(code);
    });
  }

  /** Sends one engine request; resolves with {ok} or {err}. */
  request<K extends EngineRequest['kind']>(request: Extract<EngineRequest, { kind: K }>, opts: RequestOptions = {}): Promise<Result<EngineReplies[K]>> {
    if (this.ended) return Promise.resolve({ err: this.ended });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, onProgress: opts.onProgress });
      if (opts.signal) {
        if (opts.signal.aborted) this.post({ type: 'cancel', id });
        else opts.signal.addEventListener('abort', () => this.post({ type: 'cancel', id }), { once: true });
      }
      this.post({ type: 'request', id, request });
    });
  }

  /** True once the worker has exited or was terminated. */
  get isEnded(): boolean {
    return this.ended !== null;
  }

  /** Ends the worker at once (also interrupts synchronous analysis phases); pending requests get `reason`. */
  terminate(reason: ErrorValue = { message: 'Cancelled', code: 'cancelled' }): void {
    if (this.ended) return;
    this.end(reason);
    void this.worker.terminate();
  }

  private post(m: ToWorker): void {
    if (!this.ended) this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.progress);
    } else {
      this.pending.delete(m.id);
      p.resolve(m.result);
    }
  }

  private end(reason: ErrorValue): void {
    if (this.ended) return;
    this.ended = reason;
    for (const p of this.pending.values()) p.resolve({ err: reason });
    this.pending.clear();
  }
}
