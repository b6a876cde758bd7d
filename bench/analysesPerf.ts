// Perf sanity for analyses 4–7 (not a timing assertion): builds a large synthetic heap straight into
// typed arrays (default 3 M nodes, ~10 M edges; --nodes N), or loads a real snapshot (FILE), then
// times analyze(), SCCs, the class summary, the Request-like summary and single-object retainer
// path queries, and prints peak RSS.
//   npx tsx bench/analysesPerf.ts [--nodes 14000000] [--scc-only] [FILE.heapsnapshot]
import { HeapSnapshot, V8_EDGE_TYPES, V8_NODE_TYPES } from '../extension/core/model';
import { analyze } from '../extension/core/analysis';
import { computeCycles } from '../extension/core/cycles';
import { computeClassTotals } from '../extension/core/classSummary';
import { buildSummary, DEFAULT_SETTINGS } from '../extension/core/report';
import { retainerPaths } from '../extension/core/retainerPaths';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/**
 * A heap-like graph: a spanning tree (each node hangs off an earlier one, mostly nearby), back
 * edges making cycles, some weak and hidden edges, and every 200th node an IncomingMessage in a
 * Socket/HTTPParser cycle held from one of a few big arrays.
 */
function synthetic(nodeCount: number): HeapSnapshot {
  const rnd = lcg(42);
  const classes = ['Object', 'Array', 'Error', 'RequestContext', 'Map', 'Foo', 'Bar', 'Baz', 'system / Context', 'IncomingMessage', 'Socket', 'HTTPParser'];
  const strings = ['', '(GC roots)', ...classes, 'next', 'child', 'parent', 'back', 'cache', 'weakRef', 'socket', 'parser', 'incoming', 'req', 'context'];
  const S = (s: string) => strings.indexOf(s);
  const T = (t: string) => V8_NODE_TYPES.indexOf(t);
  const E = (t: string) => V8_EDGE_TYPES.indexOf(t);
  const n = nodeCount;
  const nodeType = new Uint8Array(n);
  const nodeName = new Uint32Array(n);
  const nodeId = new Uint32Array(n);
  const nodeSelfSize = new Float64Array(n);
  // edges per node: out-degree built in a first pass as counts
  const deg = new Uint32Array(n);
  const kind = new Uint8Array(n); // 0 plain, 1 IM, 2 Socket, 3 Parser
  for (let i = 0; i < n; i++) {
    nodeId[i] = i * 2 + 1;
    if (i === 0) { nodeType[i] = T('synthetic'); nodeName[i] = S(''); continue; }
    if (i === 1) { nodeType[i] = T('synthetic'); nodeName[i] = S('(GC roots)'); continue; }
    if (i % 200 === 10 && i + 2 < n) { kind[i] = 1; kind[i + 1] = 2; kind[i + 2] = 3; }
    if (kind[i] === 0) {
      const c = Math.floor(rnd() * 9);
      nodeType[i] = c === 8 ? T('hidden') : T('object');
      nodeName[i] = S(classes[c]);
      nodeSelfSize[i] = 16 + Math.floor(rnd() * 100);
    } else {
      nodeType[i] = T('object');
      nodeName[i] = S(kind[i] === 1 ? 'IncomingMessage' : kind[i] === 2 ? 'Socket' : 'HTTPParser');
      nodeSelfSize[i] = 200;
    }
  }
  // parent of every node i >= 2 (tree), plus extra edges
  const parent = new Uint32Array(n);
  for (let i = 2; i < n; i++) {
    if (kind[i] === 2 || kind[i] === 3) parent[i] = i - 1;
    else if (kind[i] === 1) parent[i] = 2 + (i % 7); // a few big holders
    else parent[i] = i < 1000 ? 1 : Math.max(2, i - 1 - Math.floor(rnd() * Math.min(i - 2, 5000)));
    deg[parent[i]]++;
  }
  // extra edges per plain node: 0..5 (mean 2.5), to random nodes — about 3.5 edges per node in all
  const extraCount = new Uint8Array(n);
  for (let i = 2; i < n; i++) {
    if (kind[i] === 3) { extraCount[i] = 1; deg[i]++; continue; } // parser → incoming
    if (kind[i] !== 0) continue;
    extraCount[i] = Math.floor(rnd() * 6);
    deg[i] += extraCount[i];
  }
  deg[0] = 1; // root → (GC roots)
  const firstEdge = new Uint32Array(n + 1);
  let m = 0;
  for (let i = 0; i < n; i++) { firstEdge[i] = m; m += deg[i]; }
  firstEdge[n] = m;
  const edgeType = new Uint8Array(m);
  const edgeNameOrIndex = new Uint32Array(m);
  const edgeTo = new Uint32Array(m);
  const fill = firstEdge.slice(0, n);
  let idx = 0;
  for (let i = 2; i < n; i++) {
    const p = parent[i];
    const e = fill[p]++;
    edgeTo[e] = i;
    if (p === 1) { edgeType[e] = E('element'); edgeNameOrIndex[e] = idx++; }
    else if (kind[i] === 2) { edgeType[e] = E('property'); edgeNameOrIndex[e] = S('socket'); }
    else if (kind[i] === 3) { edgeType[e] = E('property'); edgeNameOrIndex[e] = S('parser'); }
    else if (kind[i] === 1) { edgeType[e] = E('element'); edgeNameOrIndex[e] = i; }
    else { edgeType[e] = E(rnd() < 0.3 ? 'element' : 'property'); edgeNameOrIndex[e] = edgeType[e] === E('element') ? i : S('child'); }
    for (let x = 0; x < extraCount[i]; x++) {
      const f = fill[i]++;
      if (kind[i] === 3) { edgeTo[f] = i - 2; edgeType[f] = E('property'); edgeNameOrIndex[f] = S('incoming'); continue; }
      // mostly nearby targets (heaps have locality), some anywhere
      edgeTo[f] = rnd() < 0.8 ? Math.max(2, Math.min(n - 1, i + Math.floor((rnd() - 0.5) * 2000))) : 2 + Math.floor(rnd() * (n - 2));
      const r = rnd();
      edgeType[f] = E(r < 0.1 ? 'weak' : r < 0.25 ? 'hidden' : r < 0.35 ? 'internal' : 'property');
      edgeNameOrIndex[f] = edgeType[f] === E('hidden') ? x : S('back');
    }
  }
  // root → (GC roots)
  const r0 = fill[0]++;
  edgeType[r0] = E('element'); edgeNameOrIndex[r0] = 1; edgeTo[r0] = 1;
  return new HeapSnapshot({
    meta: { nodeFields: [], nodeTypes: V8_NODE_TYPES, edgeFields: [], edgeTypes: V8_EDGE_TYPES, locationFields: [], traceFunctionInfoFields: [], traceNodeFields: [], sampleFields: [] },
    nodeType, nodeName, nodeId, nodeSelfSize, nodeTraceId: null, nodeDetachedness: null,
    firstEdge, edgeType, edgeNameOrIndex, edgeTo, strings, locations: null, traceFunctionInfos: null, traceTree: null,
  });
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ni = args.indexOf('--nodes');
  const nodes = ni >= 0 ? Number(args[ni + 1]) : 3_000_000;
  const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || args[i - 1] !== '--nodes'));
  // wall and CPU time since the last mark (CPU time is less sensitive to a loaded machine)
  let cpu0 = process.cpuUsage();
  const ms = (t0: number) => {
    const c = process.cpuUsage(cpu0);
    cpu0 = process.cpuUsage();
    return `${(performance.now() - t0).toFixed(0)} ms (cpu ${((c.user + c.system) / 1000).toFixed(0)} ms)`;
  };
  let t = performance.now();
  cpu0 = process.cpuUsage();
  let snap: HeapSnapshot;
  if (file) {
    const { loadSnapshotFile } = await import('../extension/node/loadSnapshot');
    snap = await loadSnapshotFile(file);
    console.log(`loaded ${file}: ${snap.nodeCount} nodes, ${snap.edgeCount} edges in ${ms(t)}`);
  } else {
    snap = synthetic(nodes);
    console.log(`built synthetic heap: ${snap.nodeCount} nodes, ${snap.edgeCount} edges in ${ms(t)}`);
  }
  if (args.includes('--scc-only')) {
    t = performance.now(); cpu0 = process.cpuUsage();
    const c = computeCycles(snap);
    console.log(`SCCs over [${c.edgeTypes.join(', ')}]: ${ms(t)}; ${c.nodesInCycles} nodes on cycles, largest SCC ${c.largestComponent}`);
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    return;
  }
  t = performance.now(); cpu0 = process.cpuUsage();
  const a = analyze(snap);
  console.log(`analyze (retainers, distances, dominators, retained sizes): ${ms(t)}`, Object.fromEntries(Object.entries(a.timings).map(([k, v]) => [k, Math.round(v)])));
  t = performance.now(); cpu0 = process.cpuUsage();
  const cy = computeCycles(snap);
  console.log(`SCCs over [${cy.edgeTypes.join(', ')}]: ${ms(t)}; ${cy.nodesInCycles} nodes on cycles, largest SCC ${cy.largestComponent}`);
  t = performance.now(); cpu0 = process.cpuUsage();
  const totals = computeClassTotals(a);
  console.log(`class totals (DevTools class retained size): ${ms(t)}; ${totals.classIds.names.length} classes`);
  t = performance.now(); cpu0 = process.cpuUsage();
  const sum = buildSummary(a, DEFAULT_SETTINGS);
  console.log(`buildSummary (cycles cached anew, classes, Request-like): ${ms(t)}`);
  for (const s of sum.suspects) console.log(`  ${s.name}: ${s.count} (sampled ${s.sampled}), inCycle ${s.inCycle} — ${s.explanation}`);
  // single-object path queries: the instances farthest from the root among a few hundred
  const targets: number[] = [];
  for (let i = 0; i < snap.nodeCount && targets.length < 200; i += Math.max(1, Math.floor(snap.nodeCount / 200))) if (a.distances[i] > 0) targets.push(i);
  const times: number[] = [];
  for (const x of targets) {
    const t1 = performance.now();
    retainerPaths(a, x, { k: 5 });
    times.push(performance.now() - t1);
  }
  times.sort((p, q) => p - q);
  if (times.length) {
    console.log(`retainerPaths k=5 on ${times.length} objects: median ${times[times.length >> 1].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
