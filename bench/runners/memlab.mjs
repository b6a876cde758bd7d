// Anchor: @memlab/core. Parses the file (its typed-array extraction + JSON.parse of the rest), then
// TraceFinder's shortest paths (distances) and dominators + retained sizes, as memlab's analyses do.
// usage: node memlab.mjs FILE
import { createRequire } from 'node:module';
import { report, fail, now } from './common.mjs';

const require = createRequire(import.meta.url);
const file = process.argv[2];
try {
  const t0 = now();
  const { utils, TraceFinder, config } = require('@memlab/core');
  config.muteConsole = true;
  const snap = await utils.getSnapshotFromFile(file, { buildNodeIdIndex: false });
  const tParse = now() - t0;
  const finder = new TraceFinder();
  finder.annotateShortestPaths(snap);
  finder.calculateAllNodesRetainedSizes(snap);
  report({ ms: now() - t0, parseMs: tParse, nodeCount: snap.nodes.length });
} catch (e) {
  fail(e);
}
