// Superseded: the worker now uses extension/node/loadSnapshot.ts (the streaming parser). Kept as a
// re-export only for callers that still import it from here; import from ../node/loadSnapshot.
export { loadSnapshotFile } from '../node/loadSnapshot';
