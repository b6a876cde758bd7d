// Anchor: Chrome DevTools' heap snapshot worker (chrome-devtools-frontend), bundled for Node by
// bench/devtoolsBundle.mjs. Streams the file into HeapSnapshotLoader and builds the JSHeapSnapshot
// (edge indexes, retainers, flags, shallow sizes, distances, dominators, retained sizes, ...), with
// its secondary init on a second thread as in the browser (--threads 1: same thread).
// usage: node devtools.mjs BUNDLE.mjs FILE [--threads 1|2] [--dump DIR]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { report, fail, now } from './common.mjs';

const [bundle, file, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : dflt;
};
const threads = Number(opt('--threads', '2'));
const dump = opt('--dump', null);

try {
  const t0 = now();
  const { HeapSnapshotLoader, SecondaryInitManager } = await import(pathToFileURL(bundle).href);
  const loader = new HeapSnapshotLoader(undefined);
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) loader.write(chunk);
  loader.close();
  const channel = new MessageChannel();
  let worker = null;
  if (threads >= 2) {
    const src = `import { workerData } from 'node:worker_threads';
const { SecondaryInitManager } = await import(workerData.bundle);
new SecondaryInitManager(workerData.port);`;
    worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), {
      workerData: { bundle: pathToFileURL(bundle).href, port: channel.port2 },
      transferList: [channel.port2],
    });
  } else {
    new SecondaryInitManager(channel.port2);
  }
  const snap = await loader.buildSnapshot(channel.port1);
  const ms = now() - t0;
  channel.port1.close();
  if (worker) await worker.terminate();
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    const n = snap.nodeCount;
    const shallow = new Float64Array(n);
    for (let i = 0; i < n; i++) shallow[i] = snap.nodes.getValue(i * snap.nodeFieldCount + snap.nodeSelfSizeOffset);
    const write = (name, arr) => fs.writeFileSync(path.join(dump, name), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    write('distances.i32', Int32Array.from(snap.nodeDistances));
    write('dominators.u32', Uint32Array.from(snap.dominatorsTree));
    write('retained.f64', Float64Array.from(snap.retainedSizes));
    write('shallow.f64', shallow);
  }
  report({ ms, nodeCount: snap.nodeCount });
} catch (e) {
  fail(e);
}
