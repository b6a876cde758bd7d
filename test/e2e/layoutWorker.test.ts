// The graph's ELK layout runs in the webview's Web Worker inside a real VS Code for the browser
// (code-server): the host page's CSP (worker-src blob:, connect-src) and the asWebviewUri of
// dist/layoutWorker.js let the page fetch the bundle and start it from a blob: URL. A large graph
// (the 20 × 20 mesh, 400 boxes) is drawn with the page still answering while it is laid out.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildVsix, CodeServer, ensureCodeServer } from '../helpers/codeServer';
import { layeredMeshSnapshot } from '../helpers/webviewFixtures';

describe('graph layout worker in VS Code for the browser (e2e)', function () {
  this.timeout(600_000);
  let ws = '';
  let cs: CodeServer;

  before(async function () {
    this.timeout(900_000);
    ensureCodeServer();
    const vsix = buildVsix();
    ws = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-layout-ws-'));
    writeFileSync(path.join(ws, 'mesh.heapsnapshot'), layeredMeshSnapshot(20, 20));
    cs = new CodeServer({
      workspace: ws,
      settings: { 'retentionGraph.requestLikePatterns': ['^LeakTarget$'], 'retentionGraph.maxDepth': 40, 'retentionGraph.tooMany': 1000 },
    });
    await cs.start(vsix);
  });

  after(async () => {
    if (cs) await cs.stop();
    if (ws) rmSync(ws, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('lays a 400-box graph out in the worker and keeps the webview answering meanwhile', async () => {
    await cs.quickOpen('mesh.heapsnapshot');
    const button = cs.page.locator('.editor-actions a.action-label[aria-label="Open in Retention Graph"]');
    await button.waitFor({ timeout: 30_000 });
    await button.click();
    const f = await cs.webviewFrame(async (fr) => (await fr.locator('.suspect-name', { hasText: /^LeakTarget$/ }).count()) > 0, 120_000);
    assert.ok((await f.evaluate('document.getElementById("app").dataset.layoutWorker') as string).includes('layoutWorker.js'));
    await f.locator('.suspect', { has: f.locator('.suspect-name', { hasText: /^LeakTarget$/ }) }).click();
    // while the layout runs the page answers: a click handler runs and the next frame comes
    const probes: number[] = [];
    await f.locator('.layout-busy:not([hidden])').waitFor({ timeout: 60_000 });
    while (probes.length < 3 && await f.locator('.layout-busy:not([hidden])').count() > 0) {
      probes.push(await f.evaluate(`new Promise((r) => {
        const start = performance.now();
        const b = document.createElement('button');
        b.addEventListener('click', () => requestAnimationFrame(() => { b.remove(); r(performance.now() - start); }));
        document.body.append(b);
        b.click();
      })`) as number);
    }
    // polled from here: waitForFunction would need eval, which the webview's CSP forbids
    const deadline = Date.now() + 240_000;
    while (!await f.evaluate(`!!document.querySelector('svg.graph')?.dataset.layout && document.querySelectorAll('svg.graph g.node').length >= 300`)) {
      assert.ok(Date.now() < deadline, 'the 400-box graph was not drawn in time');
      await cs.page.waitForTimeout(250);
    }
    const where = await f.evaluate(`document.querySelector('svg.graph').dataset.layout`) as string;
    const ms = await f.evaluate(`document.querySelector('svg.graph').dataset.layoutMs`) as string;
    console.log(`      code-server: layout in the ${where}, ${ms} ms; click→frame while busy: ${probes.map((p) => p.toFixed(0)).join(', ')} ms`);
    await cs.page.waitForTimeout(500);
    await cs.screenshot('layout-worker-400');
    assert.equal(where, 'worker');
  });
});
