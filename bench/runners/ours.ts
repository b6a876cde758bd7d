// Our engine, full pipeline on one file: streaming parse (extension/node/loadSnapshot.ts), then
// analyze() (retainers, page-owned flags, shallow sizes, distances, essential edges, dominators,
// retained sizes), then strongly connected components and the class summary when those modules
// exist. scripts/bench.mjs bundles this file with esbuild (bench/out/build/ours.cjs); it is not run
// through tsx so that the timing is the shipped code's.
// usage: node ours.cjs FILE [--dump DIR]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load, analyzeAll, extraPhases } from './oursHooks';

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
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    const write = (name: string, arr: ArrayBufferView) =>
      fs.writeFileSync(path.join(dump, name), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    write('distances.i32', a.distances);
    write('dominators.u32', a.dominators);
    write('retained.f64', a.retainedSizes);
    write('shallow.f64', a.shallowSizes);
  }
  out({ ok: true, ms, phases, cpu, nodeCount: snap.nodeCount, edgeCount: snap.edgeCount });
}

main().catch((e: unknown) => {
  out({ ok: false, error: String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200) });
});
