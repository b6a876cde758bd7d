// Anchor: plain JSON.parse of the whole file (parse only). Fails past Node's ~512 MB string limit.
// usage: node jsonParse.mjs FILE
import * as fs from 'node:fs';
import { report, fail, now } from './common.mjs';

const file = process.argv[2];
try {
  const t0 = now();
  const o = JSON.parse(fs.readFileSync(file, 'utf8'));
  report({ ms: now() - t0, nodeCount: o.snapshot.node_count });
} catch (e) {
  fail(e);
}
