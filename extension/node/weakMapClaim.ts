// Who flags the WeakMap table → value slots of a parallel analysis' retainer index (a shared Int32):
// the helper thread as soon as it gets to it, or the main thread if the helper has not finished by
// the time the dominators need them (parallelAnalysis.ts). Flagging is idempotent, so when both do
// it the result is the same.
/** not started */
export const WEAKMAP_PENDING = 0;
/** the helper thread is flagging */
export const WEAKMAP_HELPER = 1;
/** the helper thread flagged them all */
export const WEAKMAP_DONE = 2;
/** the main thread flags them (the helper must not start) */
export const WEAKMAP_MAIN = 3;
