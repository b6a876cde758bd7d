// Progress reporting shared by every phase of the engine.

/** One progress report: the phase name and how far it is (done of total, in the phase's own unit). */
export interface Progress {
  phase: string;
  done: number;
  total: number;
}

export type ProgressSink = (p: Progress) => void;

/** Options every long-running engine function accepts. */
export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}
