// Our engine, full pipeline on one file: streaming parse (extension/node/loadSnapshot.ts), then
// analyze() (retainers, page-owned flags, shallow sizes, distances, essential edges, dominators,
// retained sizes), then strongly connected components and the class summary when those modules
// exist. scripts/bench.mjs bundles this file with esbuild (bench/out/build/ours.cjs); it is not run
// through tsx so that the timing is the shipped code's.
// usage: node ours.cjs FILE [--dump DIR]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load, analyzeAll, extraPhases } from './oursHooks';
import type { Analysis } from '../../extension/core/analysis';
import { retainerPaths } from '../../extension/core/retainerPaths';
import { buildBackrefGraph } from '../../extension/core/backrefs';
import { prepareLocationIndex } from '../../extension/core/locations';

/**
 * Per-object query latency once loaded (the issue: <= 50 ms): k = 3 shortest retainer paths and the
 * default backref subgraph, for up to 20 IncomingMessage objects (else the 20 largest retainers).
 */
function timeQueries(a: Analysis): Record<string, number> {
  const { snap } = a;
  let picks: number[] = [];
  for (let n = 0; n < snap.nodeCount; n++) if (snap.className(n) === 'IncomingMessage') picks.push(n);
  if (picks.length === 0) {
    const order = Array.from({ length: Math.min(snap.nodeCount, 200_000) }, (_, i) => i).slice(1);
    picks = order.sort((x, y) => a.retainedSizes[y] - a.retainedSizes[x]).slice(0, 20);
  }
  const step = Math.max(1, Math.floor(picks.length / 20));
  picks = picks.filter((_, i) => i % step === 0).slice(0, 20);
  // what the editor's load does in buildSummary (the first query would otherwise sort the locations)
  prepareLocationIndex(snap);
  const paths: number[] = [];
  const backrefs: number[] = [];
  for (const n of picks) {
    let t = performance.now();
    retainerPaths(a, n, { k: 3 });
    paths.push(performance.now() - t);
    t = performance.now();
    buildBackrefGraph(a, [n]);
    backrefs.push(performance.now() - t);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  return {
    objects: picks.length, pathsMedianMs: med(paths), pathsMaxMs: Math.max(0, ...paths),
    backrefsMedianMs: med(backrefs), backrefsMaxMs: Math.max(0, ...backrefs),
  };
}

function out(fields: Record<string, unknown>): void {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ maxRssMB, ...fields })}\n`);
}

async function main(): Promise<void> {
  const [file, ...rest] = process.argv.slice(2);
  const di = rest.indexOf('--dump');
  const dump = di >= 0 ? rest[di + 1] : null;
  const phases: Record<string, number> = {};
  // CPU milliseconds of this thread's process per step (wall clock is unreliable on a busy machine)
  const cpu: Record<string, number> = {};
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  let c = cpuNow();
  const step = (name: string) => {
    const c1 = cpuNow();
    cpu[name] = c1 - c;
    c = c1;
  };
  const snap = await load(file);
  phases.parse = performance.now() - t0;
  step('parse');
  const a = await analyzeAll(snap);
  Object.assign(phases, a.timings);
  step('analyze');
  for (const [name, run] of extraPhases) {
    const t = performance.now();
    run(a);
    // a phase the analysis already ran on its helper thread keeps the helper's time
    if (phases[name] === undefined) phases[name] = performance.now() - t;
    step(name);
  }
  const ms = performance.now() - t0;
  const queries = timeQueries(a);
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    const write = (name: string, arr: ArrayBufferView) =>
      fs.writeFileSync(path.join(dump, name), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    write('distances.i32', a.distances);
    write('dominators.u32', a.dominators);
    write('retained.f64', a.retainedSizes);
    write('shallow.f64', a.shallowSizes);
  }
  out({ ok: true, ms, phases, cpu, queries, nodeCount: snap.nodeCount, edgeCount: snap.edgeCount });
}

main().catch((e: unknown) => {
  out({ ok: false, error: String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200) });
});
