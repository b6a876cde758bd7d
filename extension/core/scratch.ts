// Buffers whose memory goes back to the system when they are freed.
//
// Why: glibc's malloc serves a block below its mmap threshold from the thread's arena, and raises
// that threshold (up to 32 MiB) whenever it frees a mapped block, so after the parse every array
// under 32 MiB lands in an arena; freed, its pages stay resident until malloc reuses them. The
// cycle search's four 14 MB arrays left ~60 MB resident that way at a 1 GB heap's peak. A block of
// more than 32 MiB is always mapped on its own and unmapped when it is freed, and pages never
// written are never resident: a short array may sit at the start of a longer block for free.

/** glibc's largest mmap threshold (32 MiB on 64-bit) plus a page: blocks this big are always mapped. */
export const MAPPED_BYTES = 32 * 1024 * 1024 + 65536;

/** Below this a buffer is not padded (small snapshots: many small arrays). */
const PAD_FROM = 1 << 20;

/** An ArrayBuffer of at least `bytes`, padded to MAPPED_BYTES from 1 MiB on (see above). */
export function mappedBuffer(bytes: number): ArrayBuffer {
  return new ArrayBuffer(mappedLength(bytes));
}

/** mappedBuffer on a SharedArrayBuffer. */
export function mappedSharedBuffer(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(mappedLength(bytes));
}

function mappedLength(bytes: number): number {
  return bytes >= PAD_FROM && bytes < MAPPED_BYTES ? MAPPED_BYTES : bytes;
}

/** Working arrays carved from one mapped buffer. */
export class ScratchBlock {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  private offset = 0;

  /**
   * `bytes`: the sum of the arrays' byte lengths plus 7 per array (alignment). `shared`: on a
   * SharedArrayBuffer. `buffer`: carve from this one instead (e.g. another thread's block: the same
   * sequence of calls gives the same arrays).
   */
  constructor(bytes: number, opts: { shared?: boolean; buffer?: ArrayBuffer | SharedArrayBuffer } = {}) {
    this.buffer = opts.buffer ?? (opts.shared ? mappedSharedBuffer(bytes) : mappedBuffer(bytes));
  }

  private take(bytes: number): number {
    const at = (this.offset + 7) & ~7;
    if (at + bytes > this.buffer.byteLength) throw new RangeError(`scratch block of ${this.buffer.byteLength} bytes is full`);
    this.offset = at + bytes;
    return at;
  }

  u8(n: number): Uint8Array {
    return new Uint8Array(this.buffer, this.take(n), n);
  }

  i32(n: number): Int32Array {
    return new Int32Array(this.buffer, this.take(4 * n), n);
  }

  u32(n: number): Uint32Array {
    return new Uint32Array(this.buffer, this.take(4 * n), n);
  }
}
