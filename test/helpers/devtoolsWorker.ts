// Chrome DevTools' heap snapshot worker in this process: the bundle bench/devtoolsBundle.mjs writes
// (chrome-devtools-frontend's heap_snapshot_worker), used by the parity tests as the reference.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { snapshotDir } from './realSnapshots';

/** Bundles DevTools' heap snapshot worker for Node (bench/devtoolsBundle.mjs) as FILE in the test snapshot folder; returns its path. */
export function buildDevToolsBundle(file: string): string {
  const bundle = path.join(snapshotDir(), file);
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'bench', 'devtoolsBundle.mjs'), bundle], { stdio: 'ignore' });
  return bundle;
}

/**
 * Builds DevTools' JSHeapSnapshot from snapshot JSON text chunks (its secondary init on a
 * MessageChannel, as in the browser) and returns `read(snapshot)`; the channel is closed after.
 */
export async function withDevToolsSnapshot<T>(bundle: string, chunks: AsyncIterable<string> | Iterable<string>,
  read: (snapshot: any) => T): Promise<T> {
  const { HeapSnapshotLoader, SecondaryInitManager } = await import(pathToFileURL(bundle).href);
  const loader = new HeapSnapshotLoader(undefined);
  for await (const chunk of chunks) loader.write(chunk);
  loader.close();
  const channel = new MessageChannel();
  new SecondaryInitManager(channel.port2);
  const warn = console.warn;
  console.warn = () => {}; // DevTools reports unreachable nodes on the console
  try {
    return read(await loader.buildSnapshot(channel.port1));
  } finally {
    console.warn = warn;
    channel.port1.close();
  }
}
