// Anchor: @vscode/v8-heap-parser (Rust → wasm32), what VS Code's heap snapshot viewer uses. Reads the
// file into memory, decodes it, and asks for class groups with retained sizes (which computes the
// dominator tree and retained sizes).
// usage: node vscode.mjs FILE
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { report, fail, now } from './common.mjs';

const require = createRequire(import.meta.url);
const file = process.argv[2];
try {
  const t0 = now();
  const { decode_bytes: decodeBytes } = require('@vscode/v8-heap-parser');
  const bytes = fs.readFileSync(file);
  const graph = decodeBytes(bytes);
  const groups = graph.get_class_groups(0, 50, false);
  report({ ms: now() - t0, classGroups: groups.length });
} catch (e) {
  fail(e);
}
