// The graph's ELK layout runs in a Web Worker started from a blob: URL under the extension's CSP, so
// a 400-box graph never freezes the webview: while it is laid out the page keeps painting and
// answering, a newer graph supersedes the one being laid out, and the drawing equals the one the
// in-page fallback makes for the same graph. Real browser (Debian chromium), real engine, snapshots
// written at test time; screenshots in test-artifacts/webview/.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/webviewHarness';
import { layeredMeshSnapshot } from '../helpers/webviewFixtures';
import type { AnalysisSettings } from '../../extension/core/results';

const REPO = resolve(__dirname, '..', '..');
const ARTIFACTS = join(REPO, 'test-artifacts', 'webview');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// deep and wide enough that the whole 20 × 20 mesh is the suspect's graph (the engine caps it at 400 boxes)
const SETTINGS: AnalysisSettings = { requestLikePatterns: ['^LeakTarget'], maxDepth: 40, tooMany: 1000, ignoredEdges: [], paths: 3 };

// page-side callbacks run in the browser; this file is compiled without the DOM lib, hence `any`

interface Opened { h: Harness; page: Page; frame: Frame; errors: string[]; warnings: string[] }

interface Drawing {
  where: string;
  nodes: string[];
  edges: string[];
  labels: string[];
}

describe('webview graph layout in a Web Worker (harness, chromium)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let dir: string;
  let mesh: string;
  const open: Harness[] = [];

  before(async function () {
    if (!existsSync('/usr/bin/chromium')) this.skip();
    mkdirSync(ARTIFACTS, { recursive: true });
    if (!existsSync(join(REPO, 'dist', 'layoutWorker.js')) || !existsSync(join(REPO, 'dist', 'webview.js'))) {
      const r = spawnSync('node', ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    dir = mkdtempSync(join(tmpdir(), 'rg-layout-worker-'));
    mesh = join(dir, 'mesh.heapsnapshot');
    writeFileSync(mesh, layeredMeshSnapshot(20, 20));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    for (const h of open) await h.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(noLayoutWorker: boolean): Promise<Opened> {
    const h = await startHarness({ snapshotPath: mesh, settings: SETTINGS, noLayoutWorker });
    open.push(h);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|status of 404/.test(m.text())) errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(`${h.url}?theme=light`);
    await page.frameLocator('#webview').locator('.status.loaded, .status.failed').first().waitFor({ timeout: 120_000 });
    const frame = page.frames().find((f) => f.url().includes('/webview.html'))!;
    return { h, page, frame, errors, warnings };
  }

  /** Starts recording, in the page, the longest gap between animation frames (ms) and long tasks. */
  async function startGapMonitor(frame: Frame): Promise<void> {
    // a string, not a function: tsx would wrap named inner functions in a helper the page lacks
    await frame.evaluate(`(() => {
      const m = { maxGap: 0, longest: 0, frames: 0, last: performance.now(), stop: false };
      window.__gaps = m;
      function tick(t) {
        m.maxGap = Math.max(m.maxGap, t - m.last);
        m.last = t;
        m.frames++;
        if (!m.stop) requestAnimationFrame(tick);
      }
      requestAnimationFrame(tick);
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) m.longest = Math.max(m.longest, e.duration);
        }).observe({ type: 'longtask' });
      } catch { /* no longtask timing: the rAF gap alone */ }
    })()`);
  }

  async function stopGapMonitor(frame: Frame): Promise<{ maxGap: number; longest: number; frames: number }> {
    return await frame.evaluate(() => {
      const m = (globalThis as any).__gaps;
      m.stop = true;
      return { maxGap: m.maxGap as number, longest: m.longest as number, frames: m.frames as number };
    });
  }

  async function clickSuspect(frame: Frame, name: string): Promise<void> {
    await frame.locator('.suspect', { has: frame.locator('.suspect-name', { hasText: new RegExp(`^${name}$`) }) }).click();
  }

  /** Waits until a layout has been drawn and no other runs; returns what is drawn. */
  async function drawn(frame: Frame, minNodes: number): Promise<Drawing> {
    await frame.waitForFunction((n) => {
      const d = (globalThis as any).document;
      const svg = d.querySelector('svg.graph');
      return svg?.dataset.layout && svg.getAttribute('aria-busy') === 'false' && d.querySelectorAll('svg.graph g.node').length >= n;
    }, minNodes, { timeout: 240_000, polling: 250 });
    await frame.waitForTimeout(500); // zero-length D3 transitions apply on the next timer tick
    return await frame.evaluate(() => {
      const d = (globalThis as any).document;
      return {
        where: d.querySelector('svg.graph').dataset.layout as string,
        nodes: [...d.querySelectorAll('svg.graph g.node')].map((e: any) => `${e.dataset.key} ${e.getAttribute('transform')} ${e.querySelector('rect').getAttribute('width')}`).sort(),
        edges: [...d.querySelectorAll('svg.graph path.edge')].map((e: any) => `${e.dataset.key} ${e.getAttribute('d')}`).sort(),
        labels: [...d.querySelectorAll('svg.graph text.edge-label')].map((e: any) => `${e.textContent} ${e.getAttribute('x')} ${e.getAttribute('y')}`).sort(),
      };
    });
  }

  it('keeps the page painting and answering while a 400-box graph is laid out, and draws what the in-page layout draws', async () => {
    // the in-page fallback first: it freezes the page for the whole ELK run (the baseline)
    const inPage = await openPage(true);
    await startGapMonitor(inPage.frame);
    let t0 = Date.now();
    await clickSuspect(inPage.frame, 'LeakTarget');
    const pageDrawing = await drawn(inPage.frame, 300);
    const pageMs = Date.now() - t0;
    const pageGaps = await stopGapMonitor(inPage.frame);
    assert.equal(pageDrawing.where, 'page');
    assert.ok(inPage.warnings.some((w) => /no layout worker/.test(w)), 'the fallback says so once');
    await inPage.page.screenshot({ path: join(ARTIFACTS, 'graph-400-in-page.png') });

    // the worker: the page stays live while ELK runs
    const worker = await openPage(false);
    await startGapMonitor(worker.frame);
    t0 = Date.now();
    await clickSuspect(worker.frame, 'LeakTarget');
    await worker.frame.locator('.layout-busy:not([hidden])').waitFor({ timeout: 60_000 });
    await worker.page.screenshot({ path: join(ARTIFACTS, 'graph-400-laying-out.png') });
    // while it is laid out: animation frames come, a click handler runs, the indicator says so
    // each probe: a click handler, then the next animation frame, reporting whether the layout was
    // still running when that frame came (an ordering check, not a timing one: an in-page layout
    // blocks every probe until it has finished)
    const probes: { ms: number; stillBusy: boolean }[] = [];
    while (probes.length < 5 && await worker.frame.locator('.layout-busy:not([hidden])').count() > 0) {
      probes.push(await worker.frame.evaluate(() => new Promise<{ ms: number; stillBusy: boolean }>((r) => {
        const g = globalThis as any;
        const d = g.document;
        const start = performance.now();
        const b = d.createElement('button');
        b.addEventListener('click', () => g.requestAnimationFrame(() => {
          b.remove();
          const svg = d.querySelector('svg.graph');
          r({ ms: performance.now() - start, stillBusy: svg?.getAttribute('aria-busy') === 'true' || !!d.querySelector('.layout-busy:not([hidden])') });
        }));
        d.body.append(b);
        b.click();
      })));
    }
    assert.match(await worker.frame.locator('.layout-busy').textContent() ?? '', /Laying out|^$/);
    const workerDrawing = await drawn(worker.frame, 300);
    const workerMs = Date.now() - t0;
    const workerGaps = await stopGapMonitor(worker.frame);
    await worker.page.screenshot({ path: join(ARTIFACTS, 'graph-400-worker.png') });
    console.log(`      400-box graph: in-page layout ${pageMs} ms, longest frame gap ${pageGaps.maxGap.toFixed(0)} ms, longest task ${pageGaps.longest.toFixed(0)} ms;`
      + ` worker ${workerMs} ms, longest frame gap ${workerGaps.maxGap.toFixed(0)} ms, longest task ${workerGaps.longest.toFixed(0)} ms, ${workerGaps.frames} frames;`
      + ` click→frame while busy: ${probes.map((p) => p.ms.toFixed(0)).join(', ')} ms`);

    assert.equal(workerDrawing.where, 'worker');
    assert.ok(workerDrawing.nodes.length >= 300, `${workerDrawing.nodes.length} boxes`);
    // determinism: the worker's drawing is the in-page layout's, box for box and route for route
    assert.deepEqual(workerDrawing, { ...pageDrawing, where: 'worker' });
    // responsiveness: the page handled clicks and painted frames while the worker was still laying
    // out (the stall figures above are printed for people; speed is not asserted in tests)
    assert.ok(probes.some((p) => p.stillBusy), `a click handler and a frame ran during the layout: ${JSON.stringify(probes)}`);
    assert.deepEqual(worker.errors, []);
    assert.deepEqual(inPage.errors, []);
    for (const o of [worker, inPage]) assert.deepEqual(await o.page.evaluate(() => (globalThis as any).harness.cspViolations as string[]), []);
    assert.ok(!worker.warnings.some((w) => /no layout worker/.test(w)), worker.warnings.join('\n'));

    // the same worker lays out the next graph too
    await worker.frame.locator('#tab-overview').click();
    await clickSuspect(worker.frame, 'LeakTargetSmall');
    await worker.frame.waitForFunction(() => (globalThis as any).document.querySelectorAll('svg.graph g.node').length < 10, undefined, { timeout: 120_000 });
    const small = await drawn(worker.frame, 2);
    assert.equal(small.where, 'worker');
    assert.deepEqual(worker.errors, []);
  });

  it('lets a newer graph supersede the one being laid out', async () => {
    const o = await openPage(false);
    await clickSuspect(o.frame, 'LeakTarget');
    await o.frame.locator('.layout-busy:not([hidden])').waitFor({ timeout: 60_000 });
    await o.frame.locator('#tab-overview').click();
    await clickSuspect(o.frame, 'LeakTargetSmall');
    const d = await drawn(o.frame, 2);
    assert.equal(d.where, 'worker');
    const keys = await o.frame.locator('svg.graph g.node .line1').allTextContents();
    assert.ok(keys.some((k) => /LeakTargetSmall/.test(k)), keys.join());
    assert.ok(d.nodes.length < 10, `the small graph stays (${d.nodes.length} boxes)`);
    // the superseded 400-box layout never lands later
    await o.frame.waitForTimeout(3000);
    assert.equal(await o.frame.locator('svg.graph g.node').count(), d.nodes.length);
    await o.page.screenshot({ path: join(ARTIFACTS, 'graph-superseded-small.png') });
    assert.deepEqual(o.errors, []);
  });
});
