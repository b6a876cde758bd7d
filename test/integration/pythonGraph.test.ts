// The objgraph picture, recomputed: back-reference graphs of real aiohttp heaps (Debian's
// /usr/bin/python3 with python3-aiohttp, fixtures/aiohttp_app.py under gc.DEBUG_SAVEALL, dumped by
// the exporter) must show the Request's reference cycle closed and highlighted, frames as file:line,
// the Request as cyclic garbage, and render with Graphviz; the refused client's ClientRequest must be
// drawn under ConnectionRefusedError → traceback → frame. Compare ../shared/reference/objgraph-aiohttp-404.png.
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { analyze, type Analysis } from '../../extension/core/analysis';
import { buildBackrefGraph } from '../../extension/core/backrefs';
import { backrefGraphToDot } from '../../extension/core/dot';
import { getNodeDetails } from '../../extension/core/nodeDetails';
import type { BackrefGraph, GraphEdge } from '../../extension/core/results';

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, 'fixtures', 'aiohttp_app.py');
const DEBIAN_PYTHON = '/usr/bin/python3';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'graphs');

function hasAiohttp(): boolean {
  return spawnSync(DEBIAN_PYTHON, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0;
}

async function snapshot(dir: string, mode: string): Promise<Analysis> {
  const file = path.join(dir, `${mode}.heapsnapshot`);
  await run(DEBIAN_PYTHON, [FIXTURE, mode, file, '2'], { timeout: 300_000 });
  return analyze(await loadSnapshotFile(file));
}

function instances(a: Analysis, className: string): number[] {
  const out: number[] = [];
  for (let n = 0; n < a.snap.nodeCount; n++) if (a.snap.className(n) === className) out.push(n);
  return out;
}

/** Renders DOT with Graphviz, saves DOT and SVG as test artifacts, returns the SVG. */
function render(graph: BackrefGraph, name: string): string {
  const dot = backrefGraphToDot(graph);
  const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, `${name}.dot`), dot);
  writeFileSync(path.join(ARTIFACTS, `${name}.svg`), r.stdout);
  return r.stdout;
}

/** Follows onCycle edges from the target by the given names (an instance-dict hop may sit between). */
function followCycle(graph: BackrefGraph, startKey: string, names: string[]): string[] {
  const hops: string[] = [];
  let at = startKey;
  for (const name of names) {
    let e: GraphEdge | undefined = graph.edges.find((x) => x.from === at && x.onCycle && x.name === name);
    if (!e) {
      const viaDict = graph.edges.find((x) => x.from === at && x.onCycle && x.name === '__dict__');
      if (viaDict) { hops.push('__dict__'); at = viaDict.to; e = graph.edges.find((x) => x.from === at && x.onCycle && x.name === name); }
    }
    assert.ok(e, `cycle edge "${name}" from ${graph.nodes.find((n) => n.key === at)?.className}`);
    hops.push(e!.name);
    at = e!.to;
  }
  assert.equal(at, startKey, 'the cycle closes at the target');
  return hops;
}

describe('objgraph-style graphs of real aiohttp heaps', function () {
  this.timeout(600_000);
  let dir: string;
  let errors: Analysis;
  let refused: Analysis;

  before(async function () {
    if (!hasAiohttp()) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rg-pygraph-'));
    [errors, refused] = await Promise.all([snapshot(dir, 'errors'), snapshot(dir, 'refused')]);
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('draws each 404/405 Request in its cycle through the exception traceback, highlighted', () => {
    const reqs = instances(errors, 'aiohttp.web_request.Request');
    assert.equal(reqs.length, 4, '2 × 404 + 2 × 405');
    for (const r of reqs) {
      const g = buildBackrefGraph(errors, [r]);
      const key = String(errors.snap.nodeId[r]);
      const hops = followCycle(g, key, ['_match_info', '_exception', '__traceback__', 'tb_frame', 'request']);
      assert.ok(hops.length === 5 || hops.length === 6, hops.join(' → '));
      const frame = g.nodes.find((n) => n.className.startsWith('frame RequestHandler._handle_request '))!;
      assert.ok(frame, 'the _handle_request frame is drawn');
      assert.match(frame.label, /^web_protocol\.py:\d+$/);
      assert.equal(frame.location?.kind, 'frame');
      assert.ok(g.nodes.some((n) => n.isRoot && n.label === '(Python gc.garbage)'), 'the garbage root is shown');
      assert.equal(getNodeDetails(errors, r).cyclicGarbage, true);
      assert.ok(g.nodes.length <= 400 && !g.nodes.some((n) => n.kind === 'more' && n.moreCount === 0));
    }
    const svg = render(buildBackrefGraph(errors, [reqs[0]]), 'aiohttp-404-request');
    for (const text of ['_match_info', '_exception', '__traceback__', 'tb_frame', 'request', 'Request']) {
      assert.ok(svg.includes(`>${text}</text>`), `svg shows ${text}`);
    }
    assert.match(svg, /fill="red"[^>]*>Request<\/text>/, 'target drawn in red');
  });

  it('draws the refused ClientRequest under ConnectionRefusedError → traceback → frame', () => {
    const crs = instances(refused, 'aiohttp.client_reqrep.ClientRequest');
    assert.ok(crs.length >= 1);
    const g = buildBackrefGraph(refused, [crs[0]], { maxDepth: 3 });
    const byKey = new Map(g.nodes.map((n) => [n.key, n]));
    const hop = (e: GraphEdge) => `${byKey.get(e.from)!.className.split(' ')[0]} -[${e.name}]-> ${byKey.get(e.to)!.className.split(' ')[0]}`;
    const hops = new Set(g.edges.map(hop));
    assert.ok([...hops].some((h) => /^frame -\[req\]-> aiohttp\.client_reqrep\.ClientRequest$/.test(h)), [...hops].join('\n'));
    assert.ok(hops.has('traceback -[tb_frame]-> frame'), [...hops].join('\n'));
    assert.ok(hops.has('ConnectionRefusedError -[__traceback__]-> traceback'), [...hops].join('\n'));
    render(g, 'aiohttp-refused-clientrequest');
  });
});
