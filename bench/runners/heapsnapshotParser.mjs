// Anchor: npm heapsnapshot-parser (an object per node and edge; parse only, no dominators). Reads
// the whole file as one string, so it cannot go past Node's string limit (~512 MB).
// usage: node heapsnapshotParser.mjs FILE
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { report, fail, now } from './common.mjs';

const require = createRequire(import.meta.url);
const file = process.argv[2];
try {
  const t0 = now();
  const parser = require('heapsnapshot-parser');
  const snap = parser.parse(fs.readFileSync(file, { encoding: 'utf-8' }));
  report({ ms: now() - t0, nodeCount: snap.nodes.length });
} catch (e) {
  fail(e);
}
