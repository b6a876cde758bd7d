// A synthetic heap snapshot of any size, for checking the engine beyond what a real program can
// write on this machine (V8 needs ~5x the file size in memory to write a snapshot: a 4.4 GB one
// ran out of 23 GB). N nodes: the synthetic root, "(GC roots)", and N - 2 objects of 1000 classes;
// every node but the root has 4 property edges: a chain through all objects (so everything is
// reachable) plus 3 to random objects (a worst case for memory locality: real heaps are far more
// local). Self sizes up to 100 kB each, so totals pass 2^32 bytes. About 100 bytes per node.
// usage: node bench/gen/syntheticSnapshot.cjs OUT.heapsnapshot NODES   (45000000 -> 4.5 GB)
'use strict';
const fs = require('node:fs');

const out = process.argv[2];
const N = Number(process.argv[3]);
if (!out || !(N >= 3)) {
  console.error('usage: node syntheticSnapshot.cjs OUT.heapsnapshot NODES');
  process.exit(2);
}
const E = 4;
const meta = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
    'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'], 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};
const fd = fs.openSync(out, 'w');
let parts = [];
let pending = 0;
const write = (s) => {
  parts.push(s);
  pending += s.length;
  if (pending > 1 << 24) flush();
};
const flush = () => {
  fs.writeSync(fd, parts.join(''));
  parts = [];
  pending = 0;
};
const names = ['', '(GC roots)'];
for (let i = 0; i < 1000; i++) names.push(`Class${i}`);
const propBase = names.length;
const strings = [...names];
for (let i = 0; i < 200; i++) strings.push(`prop${i}`);
let seed = 12345;
const rnd = (m) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % m;
};
const edgeCount = 1 + (N - 1) * E;
write(`${JSON.stringify({ snapshot: { meta, node_count: N, edge_count: edgeCount, trace_function_count: 0 } }).slice(0, -1)},\n"nodes":[`);
write(`9,0,1,0,1,0,0,\n9,1,3,0,${E},0,0`);
for (let i = 2; i < N; i++) write(`,\n3,${2 + rnd(1000)},${2 * i + 1000000001},${16 + rnd(100000)},${E},0,0`);
write('],\n"edges":[5,0,7');
for (let i = 1; i < N; i++) {
  for (let k = 0; k < E; k++) {
    const to = k === 0 ? (i + 1 < N ? i + 1 : 1) : 1 + rnd(N - 1);
    write(`,\n2,${propBase + rnd(200)},${to * 7}`);
  }
}
write(`],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}\n`);
flush();
fs.closeSync(fd);
console.log(`${out}: ${fs.statSync(out).size} bytes, ${N} nodes, ${edgeCount} edges`);
