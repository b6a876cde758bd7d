// Time of the webview's ELK layout (layout.ts, in this thread: the worker runs the same code) for
// back-reference graphs of about 40, 150 and 400 boxes, with the fixed-width text rule of the tests.
//   npx tsx bench/layoutPerf.ts [repeats]
import { analyze } from '../extension/core/analysis';
import { buildBackrefGraph } from '../extension/core/backrefs';
import { snapshotFromObject } from '../test/helpers/snapshotBuilder';
import { layeredMeshSnapshot } from '../test/helpers/webviewFixtures';
import { layoutGraph, type Measure } from '../webview/layout';
import { nodeLines } from '../webview/format';

const measure: Measure = {
  node: (n) => {
    const [a, b] = nodeLines(n);
    return { width: Math.max(60, 7 * Math.max(a.length, b.length) + 20), height: 42 };
  },
  edgeLabel: (t) => ({ width: 6 * t.length + 4, height: 16 }),
};

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 3);
  for (const [layers, width] of [[6, 6], [12, 12], [20, 20]]) {
    const a = analyze(snapshotFromObject(JSON.parse(layeredMeshSnapshot(layers, width))));
    let target = -1;
    for (let n = 0; n < a.snap.nodeCount; n++) if (a.snap.className(n) === 'LeakTarget') target = n;
    const g = buildBackrefGraph(a, [target], { maxDepth: 40, tooMany: 1000, includeRootPath: true, includeCycle: true, maxNodes: 400 });
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await layoutGraph(g, measure);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    console.log(`${g.nodes.length} nodes, ${g.edges.length} edges: layout min ${times[0].toFixed(0)} ms, median ${times[times.length >> 1].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${repeats} runs)`);
  }
}

void main();
