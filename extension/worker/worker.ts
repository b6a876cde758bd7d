// Entry of dist/worker.js: the analysis worker thread. The host sends ToWorker messages; every
// request is answered with one FromWorker reply ({ok} or {err}), progress is streamed on the way.
// The worker reads the snapshot file itself, so no snapshot bytes ever pass through the host thread.
import { parentPort } from 'node:worker_threads';
import type { ErrorValue, FromWorker, ToWorker } from '../protocol';
import { SnapshotError } from '../core/errors';
import { WorkerEngine } from './engine';

const port = parentPort;
if (!port) throw new Error('worker.js must run in a worker thread');
const engine = new WorkerEngine();
const running = new Map<number, AbortController>();
const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const { id, request } = msg;
  const ac = new AbortController();
  running.set(id, ac);
  let lastProgress = 0;
  const onProgress = (p: { phase: string; done: number; total: number; bytesRead?: number; totalBytes?: number }) => {
    // at most ~20 progress messages per second, but always the first report of a phase
    const now = Date.now();
    if (p.done !== 0 && now - lastProgress < 50) return;
    lastProgress = now;
    post({ type: 'progress', id, progress: p });
  };
  engine.handle(request, ac.signal, onProgress).then(
    (ok) => post({ type: 'reply', id, result: { ok } }),
    (e: unknown) => post({ type: 'reply', id, result: { err: toErrorValue(e) } }),
  ).finally(() => running.delete(id));
});

/** Turns a thrown value into the protocol's error value (SnapshotError keeps code/offset/field). */
function toErrorValue(e: unknown): ErrorValue {
  if (e instanceof SnapshotError) return { message: e.message, code: e.code, offset: e.offset, field: e.field };
  if (e instanceof Error) return { message: e.message, code: (e as NodeJS.ErrnoException).code };
  return { message: String(e) };
}
