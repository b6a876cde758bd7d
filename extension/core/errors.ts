// Typed errors of the engine. Every bad-input failure names what is wrong and where.

export type SnapshotErrorCode =
  | 'empty'
  | 'gzip'
  | 'not-json'
  | 'truncated'
  | 'bad-meta'
  | 'count-mismatch'
  | 'bad-edge'
  | 'bad-string-index'
  | 'bad-value'
  | 'missing-section'
  | 'too-large'
  | 'bad-gzip'
  | 'cancelled';

/** A heap snapshot that cannot be read, with the byte offset and/or field where the problem is. */
export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  /** Byte offset into the file where the problem was seen, when known. */
  readonly offset: number | undefined;
  /** JSON field (e.g. "snapshot.meta.node_fields", "edges") the problem concerns, when known. */
  readonly field: string | undefined;

  constructor(code: SnapshotErrorCode, message: string, where: { offset?: number; field?: string } = {}) {
    const parts: string[] = [];
    if (where.field !== undefined) parts.push(`field ${where.field}`);
    if (where.offset !== undefined) parts.push(`byte offset ${where.offset}`);
    super(parts.length ? `${message} (${parts.join(', ')})` : message);
    this.name = 'SnapshotError';
    this.code = code;
    this.offset = where.offset;
    this.field = where.field;
  }
}

/** Thrown when an AbortSignal fired during a long phase. */
export function cancelledError(): SnapshotError {
  return new SnapshotError('cancelled', 'Cancelled');
}

/** Throws the cancellation error if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
