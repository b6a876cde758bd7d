// Reading a snapshot file in blocks, shared by the loader and the parse worker.
import * as fs from 'node:fs';
import type { ReadAt } from '../core/arrayEnd';

/**
 * Yields the file's bytes from offset `start` in blocks of `size` bytes, double-buffered: the next
 * read is in flight while the caller works on the current block. A yielded block is only valid until
 * the next iteration (the parser copies what it keeps). Ending the loop early (break or throw)
 * waits for the in-flight read, so the caller may close the handle right after.
 */
export async function* readBlocks(fh: fs.promises.FileHandle, size: number, start = 0,
  blocks: [Uint8Array, Uint8Array] | null = null): AsyncGenerator<Uint8Array> {
  // the caller's two blocks when they hold `size` bytes (e.g. the parser's WebAssembly memory, which
  // then reads the records in place), else two new ones
  const bufs = blocks !== null && blocks[0].length >= size && blocks[1].length >= size ? blocks
    : [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  let pos = start;
  let which = 0;
  let pending = fh.read(bufs[which], 0, size, pos);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const cur = bufs[which];
      pos += bytesRead;
      which ^= 1;
      pending = fh.read(bufs[which], 0, size, pos);
      yield cur.subarray(0, bytesRead);
    }
  } finally {
    await pending.catch(() => undefined);
  }
}

/**
 * Feeds the file to `write` from offset 0 in blocks of `size` bytes (readBlocks), going on wherever
 * the consumer says it needs the next byte from (`next()`, e.g. SnapshotParser.bytesRead after a
 * SectionJump): bytes it jumps over are never read. Stops when the file ends or `done()` is true;
 * returns the offset after the last byte fed. `blocks`: two buffers to read into (see readBlocks).
 */
export async function feedBlocks(fh: fs.promises.FileHandle, size: number, write: (block: Uint8Array) => void,
  next: () => number, done: () => boolean = () => false, blocks: [Uint8Array, Uint8Array] | null = null): Promise<number> {
  let pos = 0;
  for (;;) {
    let jumped = false;
    for await (const block of readBlocks(fh, size, pos, blocks)) {
      write(block);
      pos += block.length;
      if (done()) return pos;
      const want = next();
      if (want !== pos) {
        pos = want;
        jumped = true;
        break;
      }
    }
    if (!jumped) return pos;
  }
}

/** Synchronous positioned reads of an open file (arrayEnd.ts's probes): fewer bytes at its end. */
export function readAt(fd: number): ReadAt {
  return (at, length) => {
    const buf = Buffer.allocUnsafe(length);
    return buf.subarray(0, fs.readSync(fd, buf, 0, length, at));
  };
}
