// Diff parity with Chrome DevTools' Comparison view: for two snapshots of one process (written at test
// time by real Node programs), DevTools' heap snapshot worker (chrome-devtools-frontend, bundled for
// Node by bench/devtoolsBundle.mjs, run in this process) computes the comparison as its panel does
// (the base snapshot's aggregatesForDiff with the current snapshot's interface definitions, then
// calculateSnapshotDiff), and every class must have the same new and deleted objects in ours (by
// name: classes DevTools splits by constructor location are one row of ours).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { diffSnapshots } from '../../extension/core/diff';
import { buildDevToolsBundle, withDevToolsSnapshot } from '../helpers/devtoolsWorker';
import { leaky404Snapshots, snapshotDir } from '../helpers/realSnapshots';


/** DevTools' Diff of one class (HeapSnapshotModel.Diff), the fields compared. */
interface DevToolsDiff {
  name: string;
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
  addedIds: number[];
}

interface PerName { added: number; removed: number; addedSize: number; removedSize: number; addedIds: number[] }

let bundle = '';

function chunksOf(file: string): AsyncIterable<string> {
  return fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>;
}

/** DevTools' Comparison of `after` against base `before`, summed per class name. */
async function devtoolsComparison(before: string, after: string): Promise<Map<string, PerName>> {
  // the panel asks the current snapshot for its interface definitions, the base for its aggregates
  // under them, then the current snapshot for the diff
  const diff = await withDevToolsSnapshot(bundle, chunksOf(after), async (current) => {
    const definitions: string = current.interfaceDefinitions();
    const baseAggregates = await withDevToolsSnapshot(bundle, chunksOf(before), (base) => base.aggregatesForDiff(definitions));
    return current.calculateSnapshotDiff(1, baseAggregates) as Record<string, DevToolsDiff>;
  });
  const out = new Map<string, PerName>();
  for (const d of Object.values(diff)) {
    const p = out.get(d.name) ?? { added: 0, removed: 0, addedSize: 0, removedSize: 0, addedIds: [] };
    p.added += d.addedCount;
    p.removed += d.removedCount;
    p.addedSize += d.addedSize;
    p.removedSize += d.removedSize;
    p.addedIds.push(...d.addedIds);
    out.set(d.name, p);
  }
  return out;
}

async function compare(before: string, after: string): Promise<Map<string, PerName>> {
  const dt = await devtoolsComparison(before, after);
  const ours = diffSnapshots(await loadSnapshotFile(before), await loadSnapshotFile(after), { maxNewIds: 1e9 });
  const diffs: string[] = [];
  const seen = new Set<string>();
  for (const row of ours.rows) {
    if (row.newCount === 0 && row.deletedCount === 0) continue;
    seen.add(row.name);
    const d = dt.get(row.name);
    if (!d) {
      diffs.push(`extra ${JSON.stringify(row.name)}: ours +${row.newCount} -${row.deletedCount}`);
      continue;
    }
    if (d.added !== row.newCount || d.removed !== row.deletedCount) {
      diffs.push(`${JSON.stringify(row.name)}: new/deleted ours ${row.newCount}/${row.deletedCount}, DevTools ${d.added}/${d.removed}`);
      continue;
    }
    const ids = [...(ours.newIds[row.name] ?? [])].sort((x, y) => x - y);
    if (JSON.stringify(ids) !== JSON.stringify([...d.addedIds].sort((x, y) => x - y))) diffs.push(`${JSON.stringify(row.name)}: other new ids`);
  }
  for (const [name, d] of dt) if (!seen.has(name)) diffs.push(`missing ${JSON.stringify(name)}: DevTools +${d.added} -${d.removed}`);
  assert.equal(diffs.length, 0, `${diffs.length} of ${dt.size} DevTools classes differ:\n${diffs.slice(0, 40).join('\n')}`);
  return dt;
}

/** A Node program that writes two snapshots (argv[1], argv[2]) whose popular plain-object property lists differ. */
const TWO_SNAPSHOTS = `
  const v8 = require('v8');
  const keep = { ab: [], hpx: [], hp: [], a: [], jobs: [] };
  globalThis.keep = keep;
  class Job { constructor(i) { this.i = 'j' + i; } }
  for (let i = 0; i < 3000; i++) keep.ab.push({ a: 'a' + i, b: 'b' + i });
  for (let i = 0; i < 500; i++) keep.hpx.push({ host: 'h' + i, port: 'p' + i, extra: 'x' + i });
  for (let i = 0; i < 200; i++) keep.jobs.push(new Job(i));
  v8.writeHeapSnapshot(process.argv[1]);
  // the {a, b} objects go, {host, port} and {a} become popular, half the jobs go and new ones come
  keep.ab = null;
  for (let i = 0; i < 3000; i++) keep.hp.push({ host: 'H' + i, port: 'P' + i });
  for (let i = 0; i < 100; i++) keep.a.push({ a: 'A' + i });
  keep.jobs.splice(0, 100);
  for (let i = 0; i < 50; i++) keep.jobs.push(new Job(1000 + i));
  v8.writeHeapSnapshot(process.argv[2]);`;

describe('diff parity with Chrome DevTools Comparison (new and deleted objects per class)', function () {
  this.timeout(600_000);

  before(() => {
    bundle = buildDevToolsBundle('devtools-worker-diff.mjs');
  });

  it('plain objects named by the newer snapshot\'s interfaces; deleted, kept and new objects', async () => {
    const dir = snapshotDir();
    const a = path.join(dir, 'diff-parity-a.heapsnapshot');
    const b = path.join(dir, 'diff-parity-b.heapsnapshot');
    execFileSync(process.execPath, ['-e', TWO_SNAPSHOTS, a, b], { stdio: 'ignore', timeout: 120_000 });
    const dt = await compare(a, b);
    // the case exercised: DevTools counts the deleted {a, b} objects under the newer snapshot's {a}
    assert.ok((dt.get('{a}')?.removed ?? 0) >= 3000, `DevTools: ${JSON.stringify(dt.get('{a}'))}`);
    assert.ok(!dt.has('{a, b}'));
    assert.ok((dt.get('{host, port}')?.added ?? 0) >= 3000);
    assert.ok((dt.get('Job')?.removed ?? 0) >= 100 && (dt.get('Job')?.added ?? 0) >= 50);
  });

  it('leaky 404 server: 20 more 404s', async () => {
    const { before, after } = await leaky404Snapshots();
    const dt = await compare(before, after);
    assert.ok((dt.get('Error')?.added ?? 0) >= 20, `DevTools: ${JSON.stringify(dt.get('Error'))}`);
  });
});
