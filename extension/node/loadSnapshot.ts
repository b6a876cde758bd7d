// Host-side snapshot loading (shared by the worker and the CLI): reads a file in chunks and feeds
// the pure streaming parser. gzip files (detected by their magic bytes) are read through zlib.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { HeapSnapshot } from '../core/model';
import { SnapshotParser } from '../core/parser';
import { SnapshotError, cancelledError } from '../core/errors';

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
}

const READ_SIZE = 4 << 20;
const PROGRESS_STEP = 8 << 20;

/** True when the file starts with the gzip magic bytes 1f 8b. */
async function isGzip(fh: fs.promises.FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await fh.read(head, 0, 2, 0);
  return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Loads a .heapsnapshot (or gzip-compressed one) from disk; progress in file bytes, phase "parse". */
export async function loadSnapshotFile(
  path: string,
  opts: { signal?: AbortSignal; onProgress?: (p: { phase: string; done: number; total: number }) => void } = {},
): Promise<HeapSnapshot> {
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
  try {
    total = (await fh.stat()).size;
    report(0, true);
    if (await isGzip(fh)) {
      await fh.close();
      return await loadGzip(path, total, signal, report);
    }
    const parser = new SnapshotParser({ signal, totalBytes: total });
    // Double-buffered: the next read is in flight while the parser works on the current buffer.
    const bufs = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)];
    let pos = 0;
    let which = 0;
    let pending = fh.read(bufs[which], 0, READ_SIZE, pos);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const cur = bufs[which];
      pos += bytesRead;
      which ^= 1;
      pending = fh.read(bufs[which], 0, READ_SIZE, pos);
      try {
        if (signal?.aborted) throw cancelledError();
        parser.write(cur.subarray(0, bytesRead));
      } catch (e) {
        await pending.catch(() => undefined); // let the in-flight read finish before closing
        throw e;
      }
      report(pos);
    }
    const snap = parser.end();
    report(pos, true);
    return snap;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function loadGzip(
  path: string,
  total: number,
  signal: AbortSignal | undefined,
  report: (done: number, force?: boolean) => void,
): Promise<HeapSnapshot> {
  const input = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const parser = new SnapshotParser({ signal });
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
