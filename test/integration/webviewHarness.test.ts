// The built webview in a real browser (Debian chromium via playwright-core), under the extension's
// CSP, talking to a fake host that runs the real engine on snapshots written at test time.
// Screenshots go to test-artifacts/webview/ for a human to look at.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/webviewHarness';
import { HOSTILE, nodeLeakSnapshot, writeFixtures } from '../helpers/webviewFixtures';
import { snapshotFromObject } from '../helpers/snapshotBuilder';
import { readFileSync } from 'node:fs';
import type { FromWebview } from '../../extension/protocol';

const REPO = resolve(__dirname, '..', '..');
const ARTIFACTS = join(REPO, 'test-artifacts', 'webview');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('webview in chromium (harness with the real engine)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let dir: string;
  let fx: ReturnType<typeof writeFixtures>;
  const open: Harness[] = [];

  before(async function () {
    if (!existsSync('/usr/bin/chromium')) this.skip();
    mkdirSync(ARTIFACTS, { recursive: true });
    // the bundle under test: build it if the suite runs alone
    if (!existsSync(join(REPO, 'dist', 'webview.js'))) {
      const r = spawnSync('node', ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    dir = mkdtempSync(join(tmpdir(), 'rg-webview-'));
    fx = writeFixtures(dir);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    for (const h of open) await h.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(opts: HarnessOptions, theme = 'dark', size = { width: 1400, height: 900 }): Promise<{ h: Harness; page: Page; f: FrameLocator; errors: string[] }> {
    const h = await startHarness(opts);
    open.push(h);
    const page = await browser.newPage({ viewport: size });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|status of 404/.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${h.url}?theme=${theme}`);
    return { h, page, f: page.frameLocator('#webview'), errors };
  }

  async function loaded(f: FrameLocator): Promise<void> {
    await f.locator('.status.loaded, .status.failed').first().waitFor({ timeout: 60_000 });
  }

  async function openFirstSuspect(f: FrameLocator, page: Page): Promise<void> {
    await f.locator('.suspect').first().click();
    await f.locator('svg.graph g.node').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(400);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  // page-side callbacks run in the browser; this file is compiled without the DOM lib, hence `any`
const cspViolations = (page: Page) => page.evaluate(() => (globalThis as any).harness.cspViolations as string[]);

  it('shows totals, suspects and a sortable, filterable class table (aiohttp-like cycle)', async () => {
    const { h, page, f, errors } = await openPage({ snapshotPath: fx.aiohttp });
    await loaded(f);
    const expected = snapshotFromObject(JSON.parse(readFileSync(fx.aiohttp, 'utf8')));
    const stats = await f.locator('.stat-value').allTextContents();
    assert.equal(stats[0], String(expected.nodeCount));
    assert.equal(stats[1], String(expected.edgeCount));
    const names = await f.locator('.suspect-name').allTextContents();
    assert.ok(names.includes('Request'), names.join());
    assert.match(await f.locator('.suspect').first().textContent() ?? '', /on a cycle/);
    await shot(page, 'overview-dark');
    // sort by count ascending, then filter
    await f.locator('.overview .vt-sort[data-column="count"]').click();
    const firstCount = await f.locator('.overview .vt-row .vt-cell.num').first().textContent();
    await f.locator('.overview .vt-sort[data-column="count"]').click();
    await f.locator('.overview .vt-sort[data-column="count"]').click();
    assert.equal(await f.locator('.overview .vt-sort[data-column="count"]').getAttribute('aria-sort'), 'descending');
    assert.notEqual(await f.locator('.overview .vt-row .vt-cell.num').first().textContent(), undefined);
    void firstCount;
    await f.locator('.overview input.filter').fill('traceb');
    const rows = await f.locator('.overview .vt-row .vt-cell:first-child').allTextContents();
    assert.deepEqual(rows, ['traceback']);
    // a settings change re-renders the overview with the engine's new summary
    const settings = { requestLikePatterns: ['^Application$'], maxDepth: 3, tooMany: 10, ignoredEdges: [], paths: 3 };
    const summary = await h.engine.handle({ kind: 'settings', settings }) as import('../../extension/core/results').AnalysisSummary;
    h.push({ type: 'settingsChanged', settings, summary });
    await f.locator('.suspect-name', { hasText: 'Application' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(await cspViolations(page), []);
  });

  it('keeps a 12 000-row class table virtual: few DOM rows, scrolling reaches the end', async () => {
    const { page, f } = await openPage({ snapshotPath: fx.many }, 'light');
    await loaded(f);
    assert.match(await f.locator('.overview .row-count').textContent() ?? '', /12\s?0\d\d rows/);
    const domRows = await f.locator('.overview .vt-row').count();
    assert.ok(domRows > 5 && domRows < 120, `${domRows} rows in the DOM`);
    await f.locator('.overview .vt-sort[data-column="name"]').click(); // ascending by name
    await f.locator('.overview .vt-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForTimeout(200);
    const last = await f.locator('.overview .vt-row .vt-cell:first-child').allTextContents();
    assert.ok(last.includes('Window / global') || last.some((x) => x.startsWith('Class1199')), last.slice(-3).join());
    assert.ok(await f.locator('.overview .vt-row').count() < 120);
    // keyboard: focus a row, move with the arrows
    await f.locator('.overview .vt-row').first().focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    const active = await page.frame({ url: /webview\.html/ })!.evaluate(() => (globalThis as any).document.activeElement?.dataset.index as string);
    assert.equal(active, '0');
    await shot(page, 'class-table-12000-light');
  });

  for (const theme of ['light', 'dark', 'hc']) {
    it(`draws the objgraph-style graph of a suspect (${theme} theme): labels, cycle edges, target at the bottom`, async () => {
      const { page, f, errors } = await openPage({ snapshotPath: fx.aiohttp }, theme);
      await loaded(f);
      await openFirstSuspect(f, page);
      const labels = await f.locator('svg.graph text.edge-label').allTextContents();
      for (const l of ['_match_info', '_exception', '__traceback__', 'tb_frame', 'request']) assert.ok(labels.includes(l), `${l} in ${labels.join()}`);
      assert.ok(await f.locator('svg.graph path.edge.cycle').count() >= 5, 'cycle edges marked');
      const target = f.locator('svg.graph g.node.target');
      assert.equal(await target.count(), 1);
      const boxes = await f.locator('svg.graph g.node').evaluateAll((els) => els.map((e: any) => ({ t: e.classList.contains('target') as boolean, y: e.transform.baseVal.consolidate().matrix.f as number })));
      const ty = boxes.find((b) => b.t)!.y;
      assert.ok(boxes.every((b) => b.t || b.y < ty), 'target lowest');
      // the theme reaches the drawing: the target box is stroked with the theme's error colour
      const stroke = await target.locator('rect').evaluate((r) => (globalThis as any).getComputedStyle(r).stroke as string);
      assert.ok(stroke && stroke !== 'none', stroke);
      await shot(page, `graph-${theme}`);
      // details of the target
      await target.click();
      await f.locator('.details .details-title').waitFor();
      assert.equal(await f.locator('.details .details-title').textContent(), 'Request');
      assert.ok((await f.locator('.details ul.retainers li.ret-item').count()) >= 1);
      await shot(page, `graph-details-${theme}`);
      assert.deepEqual(errors, []);
      assert.deepEqual(await cspViolations(page), []);
    });
  }

  it('highlights the root path, zooms, exports SVG and DOT, and restores its state after hide/show', async () => {
    const { h, page, f } = await openPage({ snapshotPath: fx.aiohttp }, 'light');
    await loaded(f);
    await openFirstSuspect(f, page);
    await f.getByRole('button', { name: 'Path to root' }).click();
    assert.match(await f.locator('svg.graph').getAttribute('class') ?? '', /show-root-path/);
    assert.ok(await f.locator('svg.graph path.edge.root-path').count() >= 2);
    await shot(page, 'graph-root-path-light');
    await f.getByRole('button', { name: '+' }).click();
    await page.waitForTimeout(400);
    const zoomed = await f.locator('svg.graph g.viewport').getAttribute('transform');

    await f.getByRole('button', { name: 'Export SVG' }).click();
    await f.getByRole('button', { name: 'Export DOT' }).click();
    await page.waitForTimeout(1000);
    const exports = h.received.filter((m): m is Extract<FromWebview, { type: 'saveExport' }> => m.type === 'saveExport');
    const svg = exports.find((m) => m.format === 'svg');
    const dot = exports.find((m) => m.format === 'dot');
    assert.ok(svg && dot, `exports: ${exports.map((e) => e.format).join()}`);
    assert.match(svg.content, /^<\?xml/);
    assert.ok(svg.content.includes('_match_info'));
    assert.ok(!svg.content.includes('var(--'), 'colours inlined, no CSS variables');
    assert.ok(!/ class="/.test(svg.content), 'no classes left');
    assert.match(svg.suggestedName, /^Request.*\.svg$/);
    assert.match(dot.content, /digraph/);
    // the exported SVG is well-formed XML (parse it in the page)
    const parsed = await page.evaluate((s) => new (globalThis as any).DOMParser().parseFromString(s, 'image/svg+xml').querySelector('parsererror') === null, svg.content);
    assert.ok(parsed);
    writeFileSync(join(ARTIFACTS, 'exported-graph.svg'), svg.content);
    writeFileSync(join(ARTIFACTS, 'exported-graph.dot'), dot.content);
    // the exported file alone (no stylesheet, no theme variables) still shows the themed picture
    const alone = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await alone.setContent(svg.content.replace(/^<\?xml[^>]*>\n/, ''));
    const fills = await alone.locator('g rect').evaluateAll((rs) => rs.map((r: any) => r.getAttribute('fill') as string));
    assert.ok(fills.length > 3 && fills.every((x) => /^#[0-9a-f]{6}$/.test(x)), fills.join());
    await alone.screenshot({ path: join(ARTIFACTS, 'exported-svg-standalone.png') });
    await alone.close();

    // hide/show: VS Code drops the webview document and creates it again with the saved state
    await page.evaluate(() => (globalThis as any).harness.reload());
    await f.locator('svg.graph g.node').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    assert.equal(await f.locator('#tab-graph').getAttribute('aria-selected'), 'true');
    assert.equal(await f.locator('svg.graph g.viewport').getAttribute('transform'), zoomed);
    assert.match(await f.locator('svg.graph').getAttribute('class') ?? '', /show-root-path/);
    assert.equal(h.received.filter((m) => m.type === 'ready').length, 2);
  });

  it('folds referrers beyond tooMany into "N more" and expands them on click', async () => {
    const { h, page, f } = await openPage({ snapshotPath: fx.fanIn }, 'dark');
    await loaded(f);
    const snap = snapshotFromObject(JSON.parse(readFileSync(fx.fanIn, 'utf8')));
    let id = -1;
    for (let n = 0; n < snap.nodeCount; n++) if (snap.className(n) === 'SharedRequestContext') id = snap.nodeId[n];
    h.push({ type: 'showGraph', ids: [id], title: 'SharedRequestContext' });
    await f.locator('svg.graph g.node.more').first().waitFor({ timeout: 60_000 });
    const before = await f.locator('svg.graph g.node').count();
    const moreText = await f.locator('svg.graph g.node.more text.line1').textContent();
    assert.match(moreText ?? '', /^\d+ more$/);
    await shot(page, 'graph-more-folded-dark');
    await f.locator('svg.graph g.node.more').first().click();
    await page.waitForFunction(() => true);
    await f.locator('svg.graph g.node').nth(before + 5).waitFor({ timeout: 60_000 });
    const after = await f.locator('svg.graph g.node').count();
    assert.ok(after >= before + 20, `${before} → ${after}`);
    await page.waitForTimeout(500);
    await shot(page, 'graph-more-expanded-dark');
    // keyboard: the remaining fold box is reachable and Enter expands it
    const more = f.locator('svg.graph g.node.more');
    if (await more.count()) {
      await more.first().focus();
      await page.keyboard.press('Enter');
      await f.locator('svg.graph g.node').nth(after).waitFor({ timeout: 60_000 });
    }
  });

  it('renders hostile snapshot strings literally and never runs them', async () => {
    const settings = { requestLikePatterns: ['Request'], maxDepth: 3, tooMany: 10, ignoredEdges: [], paths: 3 };
    const { page, f, errors } = await openPage({ snapshotPath: fx.hostile, settings }, 'dark');
    await loaded(f);
    const names = await f.locator('.suspect-name').allTextContents();
    assert.ok(names.some((n) => n.includes(HOSTILE.script)), names.join(' | '));
    await f.locator('.overview input.filter').fill('<script>');
    assert.ok((await f.locator('.overview .vt-row .vt-cell').allTextContents()).some((t) => t.includes(HOSTILE.script)));
    await shot(page, 'hostile-overview-dark');
    await openFirstSuspect(f, page);
    const svgText = await f.locator('svg.graph').textContent() ?? '';
    assert.ok(svgText.includes('</svg><img src=x'), 'the </svg> name is text');
    assert.ok(svgText.includes('{{constructor.constructor'), 'template braces literal');
    const counts = await page.frame({ url: /webview\.html/ })!.evaluate(() => {
      const w = globalThis as any;
      return {
        pwned: w.__pwned,
        img: w.document.querySelectorAll('img').length,
        scripts: w.document.querySelectorAll('script').length,
        svgs: w.document.querySelectorAll('svg').length,
        links: w.document.querySelectorAll('a[href]').length,
      };
    });
    assert.deepEqual(counts, { pwned: undefined, img: 0, scripts: 2, svgs: 1, links: 0 });
    await f.locator('svg.graph g.node.target').click();
    await f.locator('.details .details-title').waitFor();
    assert.ok((await f.locator('.details').textContent() ?? '').includes(HOSTILE.script));
    await shot(page, 'hostile-graph-dark');
    const svgExport = await f.locator('svg.graph').evaluate(() => true);
    assert.ok(svgExport);
    assert.deepEqual(errors, []);
    assert.deepEqual(await cspViolations(page), []);
  });

  it('shows the engine\'s error for a broken file and a progress bar while loading', async () => {
    const bad = await openPage({ snapshotPath: fx.broken }, 'light');
    await loaded(bad.f);
    await bad.f.locator('.status.failed').waitFor();
    const msg = await bad.f.locator('.error-message').textContent();
    assert.ok(msg && msg.length > 10, msg ?? '');
    await shot(bad.page, 'load-failed-light');

    const slow = await openPage({ snapshotPath: fx.aiohttp, loadDelayMs: 2500 }, 'dark');
    await slow.f.locator('.status.loading progress').waitFor({ timeout: 10_000 });
    await shot(slow.page, 'loading-dark');
    await slow.f.locator('.status.loaded').waitFor({ timeout: 60_000 });
  });

  it('is keyboard reachable: Tab to a suspect, Enter opens its graph', async () => {
    const { page, f } = await openPage({ snapshotPath: fx.aiohttp }, 'hc');
    await loaded(f);
    await f.locator('#tab-overview').focus();
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if (await f.locator('.suspect:focus').count()) break;
    }
    assert.equal(await f.locator('.suspect:focus').count(), 1, 'a suspect got the focus');
    await shot(page, 'keyboard-suspect-focus-hc');
    await page.keyboard.press('Enter');
    await f.locator('svg.graph g.node').first().waitFor({ timeout: 60_000 });
    await f.locator('svg.graph g.node').first().focus();
    await page.keyboard.press('Enter');
    await f.locator('.details .details-title').waitFor();
  });

  it('shows a diff table from the engine and a real Node.js snapshot', async () => {
    const leak = nodeLeakSnapshot(dir);
    const settings = { requestLikePatterns: ['^IncomingRequest$'], maxDepth: 3, tooMany: 10, ignoredEdges: [], paths: 3 };
    const { h, page, f } = await openPage({ snapshotPath: leak, settings }, 'light');
    await loaded(f);
    const names = await f.locator('.suspect-name').allTextContents();
    assert.ok(names.includes('IncomingRequest'), names.join());
    await shot(page, 'node-leak-overview-light');
    await openFirstSuspect(f, page);
    await shot(page, 'node-leak-graph-light');
    // a closure knows its source position: "go to source" asks the host to open it
    await f.locator('svg.graph g.node', { hasText: '(closure)' }).first().click();
    const goto = f.locator('.details button.goto');
    await goto.waitFor({ timeout: 30_000 });
    assert.match(await goto.textContent() ?? '', /:\d+/);
    await goto.click();
    await page.waitForTimeout(500);
    const loc = h.received.find((m) => m.type === 'openLocation');
    assert.ok(loc && loc.type === 'openLocation' && loc.line > 0, JSON.stringify(loc));
    await shot(page, 'node-leak-closure-details-light');
    const diff = await h.engine.handle({ kind: 'diff', otherPath: fx.aiohttp }) as import('../../extension/core/results').DiffResult;
    h.push({ type: 'showDiff', diff, otherFileName: 'aiohttp-like.heapsnapshot' });
    await f.locator('.diff .vt-row').first().waitFor({ timeout: 30_000 });
    assert.equal(await f.locator('#tab-diff').getAttribute('aria-selected'), 'true');
    const rows = await f.locator('.diff .vt-row').count();
    assert.ok(rows > 0 && rows < 200);
    await f.locator('.diff input.filter').fill('IncomingRequest');
    assert.deepEqual(await f.locator('.diff .vt-row .vt-cell:first-child').allTextContents(), ['IncomingRequest']);
    await shot(page, 'diff-light');
  });
});
