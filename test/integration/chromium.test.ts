// A real Chromium page (Debian's chromium, headless) with detached DOM nodes kept in a JS array;
// the snapshot is taken over CDP HeapProfiler.takeHeapSnapshot and analysed by the real CLI.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { snapshotFromObject } from '../helpers/snapshotBuilder';
import { chromiumDetachedSnapshot, hasChromium, runCliProcess } from '../helpers/realSnapshots';

describe('Chromium page with detached DOM nodes', function () {
  this.timeout(60000);
  let snap: { path: string; count: number };
  before(async function () {
    if (!hasChromium()) {
      throw new Error('Debian chromium (/usr/bin/chromium) is required: bash scripts/setup.sh installs it');
    }
    snap = await chromiumDetachedSnapshot();
  });

  it('reads the Chrome variant of the format and finds the detached nodes with their path', async () => {
    // independent reading of the file: which classes hold detached nodes, and how many
    const raw = JSON.parse(readFileSync(snap.path, 'utf8'));
    assert.ok(raw.snapshot.meta.node_fields.includes('detachedness'));
    const s = snapshotFromObject(raw);
    const detachedByClass = new Map<string, number>();
    for (let n = 0; n < s.nodeCount; n++) {
      if (s.nodeDetachedness![n] === 2) detachedByClass.set(s.className(n), (detachedByClass.get(s.className(n)) ?? 0) + 1);
    }
    const divClasses = [...detachedByClass].filter(([name]) => /div/i.test(name));
    assert.equal(divClasses.reduce((a, [, c]) => a + c, 0), snap.count, `detached divs: ${JSON.stringify([...detachedByClass])}`);

    const r = await runCliProcess(['analyze', snap.path, '--json', '--match', '^(Detached )?(<div\\b|HTMLDivElement$)']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.totals.nodeCount, s.nodeCount);
    assert.equal(report.totals.edgeCount, s.edgeCount);
    // the class summary names them as DevTools' Summary does: "Detached " and the tag without attributes
    const summaryName = (raw: string) => `Detached ${raw.startsWith('<') && raw.includes(' ') ? `${raw.slice(0, raw.indexOf(' '))}>` : raw}`;
    const divs = report.suspects.filter((x: any) => divClasses.some(([name]) => summaryName(name) === x.name));
    assert.equal(divs.reduce((a: number, x: any) => a + x.count, 0), snap.count, JSON.stringify(report.suspects.map((x: any) => x.name)));
    const top = divs.sort((a: any, b: any) => b.count - a.count)[0];
    const group = top.paths[0];
    assert.equal(group.count, top.count);
    const hops = group.edges.map((e: any) => `${e.from} -[${e.type} ${e.name}]-> ${e.to}`).join('\n');
    const via = group.edges.findIndex((e: any) => e.name === 'detachedItems');
    assert.ok(via >= 0, `path goes through the page's detachedItems array:\n${hops}`);
    assert.equal(group.edges[via].to, 'Array', hops);
    assert.ok(group.edges.slice(via + 1).some((e: any) => e.type === 'element'), hops);
    // path hops name nodes by their own name (the tag with its attributes)
    assert.equal(summaryName(group.edges[group.edges.length - 1].to), top.name);
    for (const id of group.exampleIds) {
      const n = s.ordinalOfId(id);
      assert.ok(n >= 0, `@${id} exists`);
      assert.equal(s.nodeDetachedness![n], 2, `@${id} is detached`);
    }
  });
});
