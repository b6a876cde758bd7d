// End-to-end: the packaged extension in a real VS Code for the browser (code-server 4.100.3) driven
// by Debian's chromium. Snapshots come from a real leaking Node http server run at test time.
// Screenshots go to test-artifacts/e2e/ for a human to look at.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { buildVsix, CodeServer, ensureCodeServer, ROOT, waitFor } from '../helpers/codeServer';

const FIXTURE = path.join(ROOT, 'test', 'e2e', 'fixtures', 'leak-server.cjs');

/** Text of the whole webview document (what a user can read). */
const bodyText = (f: Frame): Promise<string> => f.evaluate('document.body.innerText') as Promise<string>;
/** The texts of elements matching a selector inside the webview. */
const texts = (f: Frame, selector: string): Promise<string[]> =>
  f.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (e) => e.textContent)`) as Promise<string[]>;

describe('Retention Graph editor in VS Code for the browser (e2e)', function () {
  this.timeout(600_000);
  let ws = '';
  let vsix = '';
  let cs: CodeServer;
  /** requests the fixture leaked into its error array, as it reports them */
  let leakedAfter = 0;
  let leakedBefore = 0;

  before(async function () {
    this.timeout(900_000);
    ensureCodeServer();
    vsix = buildVsix();
    ws = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-ws-'));
    copyFileSync(FIXTURE, path.join(ws, 'leak-server.cjs'));
    leakedAfter = parseInt(execFileSync(process.execPath, ['leak-server.cjs', 'leak.heapsnapshot'], { cwd: ws, timeout: 60_000, encoding: 'utf8' }), 10);
    execFileSync(process.execPath, ['leak-server.cjs', 'hostile.heapsnapshot', '--hostile'], { cwd: ws, timeout: 60_000 });
    // the same program after fewer requests: the baseline for "Compare With Another Snapshot…"
    leakedBefore = parseInt(execFileSync(process.execPath, ['leak-server.cjs', 'baseline.heapsnapshot', '--requests', '3'], { cwd: ws, timeout: 60_000, encoding: 'utf8' }), 10);
    // big enough that analysing it takes seconds: the notification with Cancel appears
    execFileSync(process.execPath, ['leak-server.cjs', 'big.heapsnapshot', '--ballast', '2000000'], { cwd: ws, timeout: 120_000 });
    // a real snapshot cut short in the middle of its arrays
    const whole = readFileSync(path.join(ws, 'leak.heapsnapshot'));
    writeFileSync(path.join(ws, 'broken.heapsnapshot'), whole.subarray(0, Math.floor(whole.length / 2)));
    cs = new CodeServer({ workspace: ws });
    await cs.start(vsix);
  });

  after(async () => {
    if (cs) {
      if (process.env.E2E_DEBUG) console.log(cs.log);
      await cs.stop();
    }
    if (ws && !process.env.KEEP_E2E) rmSync(ws, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  /** The extension's "Retention Graph" output channel, as VS Code writes it to the logs folder. */
  function retentionLog(): string {
    const find = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? find(path.join(dir, e.name)) : e.name.endsWith('Retention Graph.log') ? [path.join(dir, e.name)] : []);
    return find(path.join(cs.userDataDir, 'logs')).map((f) => readFileSync(f, 'utf8')).join('\n');
  }

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cs?.page) await cs.screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  it('packages only what the installed extension needs', () => {
    const entries = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean)
      .filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length)).sort();
    for (const needed of ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/parseWorker.js', 'dist/analysisWorker.js', 'dist/webview.js', 'media/webview.css']) {
      assert.ok(entries.includes(needed), `${needed} missing from the .vsix: ${entries.join(', ')}`);
    }
    const unexpected = entries.filter((e) => !/^(dist\/[\w]+\.js|media\/[\w./-]+|package\.json|readme\.md|changelog\.md|LICENSE(\.txt|\.md)?)$/i.test(e));
    assert.deepEqual(unexpected, [], 'only bundles, media, the manifest and the docs belong in the .vsix');
  });

  it('offers only the Analyze command while no Retention Graph editor is open', async () => {
    const titles = await cs.paletteTitles('Retention Graph');
    assert.ok(titles.includes('Retention Graph: Analyze Heap Snapshot…'), titles.join(' | '));
    for (const hidden of ['Find Request-like Objects', 'Show Retainers of Object…', 'Compare With Another Snapshot…', 'Export Graph (SVG/DOT)']) {
      assert.ok(!titles.some((t) => t.includes(hidden)), `${hidden} should be hidden: ${titles.join(' | ')}`);
    }
  });

  let leak: Frame;
  it('opens the built-in table without a prompt; the editor-title button opens Retention Graph with the suspects', async () => {
    const t0 = Date.now();
    await cs.quickOpen('leak.heapsnapshot');
    const button = cs.page.locator('.editor-actions a.action-label[aria-label="Open in Retention Graph"]');
    await button.waitFor({ timeout: 30_000 });
    await cs.page.waitForTimeout(1000);
    const toasts = await cs.page.locator('.notifications-toasts').innerText().catch(() => '');
    assert.ok(!/multiple default editors/i.test(toasts), `unexpected prompt: ${toasts}`);
    await cs.screenshot('01-builtin-table-with-button');
    const t1 = Date.now();
    await button.click();
    leak = await cs.webviewFrame(async (f) => (await texts(f, '.suspect-name')).length > 0);
    const names = await texts(leak, '.suspect-name');
    assert.ok(names.includes('IncomingMessage'), `suspects: ${names.join(', ')}`);
    const overview = await bodyText(leak);
    assert.match(overview, /recentErrors/, 'the explanation names the module-level array');
    await cs.screenshot('02-overview-suspects');
    if (process.env.E2E_DEBUG) console.log(`built-in table + button: ${t1 - t0} ms, our view: ${Date.now() - t1} ms`);
  });

  it('offers the snapshot commands while a Retention Graph editor is active', async () => {
    const titles = await cs.paletteTitles('Retention Graph');
    for (const shown of ['Find Request-like Objects', 'Show Retainers of Object…', 'Compare With Another Snapshot…', 'Export Graph (SVG/DOT)']) {
      assert.ok(titles.some((t) => t.includes(shown)), `${shown} should be offered: ${titles.join(' | ')}`);
    }
  });

  it('draws the retention graph of a suspect picked in "Find Request-like Objects" with the chain\'s edge labels and a marked cycle', async () => {
    await cs.runCommandAndPick('Retention Graph: Find Request-like Objects', 'IncomingMessage');
    await leak.locator('svg.graph g.node').first().waitFor({ timeout: 30_000 });
    await cs.page.waitForTimeout(1000);
    const labels = await texts(leak, 'svg.graph .edge-label');
    for (const l of ['recentErrors', 'context', 'req']) assert.ok(labels.some((x) => x.includes(l)), `edge label ${l} missing: ${labels.join(', ')}`);
    const cycleLabels = await texts(leak, 'svg.graph .edge-label.cycle');
    assert.ok(cycleLabels.some((x) => x.includes('retentionContext') || x.includes('req')), `no cycle edge marked: ${cycleLabels.join(', ')}`);
    const targets = await leak.locator('svg.graph g.node.target').count();
    assert.ok(targets >= 1, 'the target is marked');
    await cs.screenshot('03-graph');
  });

  it('shows the retainers of an object given by @id, and says so when the id is unknown', async () => {
    // a RequestContext drawn as a referrer now becomes the target
    const id = await leak.evaluate(`Array.from(document.querySelectorAll('svg.graph g.node:not(.target)'))
      .filter((g) => /RequestContext/.test(g.textContent)).map((g) => g.getAttribute('data-id'))[0]`) as string | undefined;
    assert.ok(id && /^\d+$/.test(id), `no RequestContext in the graph (${id})`);
    await cs.runCommand('Retention Graph: Show Retainers of Object…');
    const input = cs.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('@999999999');
    await input.press('Enter');
    await cs.page.locator('.notification-toast', { hasText: 'There is no object @999999999' }).waitFor({ timeout: 15_000 });
    await cs.runCommand('Retention Graph: Show Retainers of Object…');
    await input.waitFor({ state: 'visible' });
    await input.fill(`@${id}`);
    await input.press('Enter');
    await waitFor(async () => (await texts(leak, 'svg.graph g.node.target')).length === 1
      && (await leak.locator('svg.graph g.node.target').first().getAttribute('data-id')) === id, 20_000, () => `@${id} is not the graph's target`);
    await leak.locator('svg.graph .edge-label').first().waitFor();
  });

  it('exports the graph as SVG and DOT through the command and the save dialog', async () => {
    for (const format of ['SVG', 'DOT'] as const) {
      const out = path.join(ws, `exported.${format.toLowerCase()}`);
      await cs.runCommandAndPick('Retention Graph: Export Graph (SVG/DOT)', format);
      await cs.answerFileDialog(out);
      await waitFor(() => existsSync(out) && statSync(out).size > 0, 30_000, () => `${out} was not written`);
      const text = readFileSync(out, 'utf8');
      if (format === 'SVG') {
        assert.match(text, /^<\?xml|^<svg/);
        assert.match(text, /recentErrors/);
      } else {
        assert.match(text, /digraph/);
        assert.match(text, /recentErrors/);
      }
    }
    await cs.screenshot('04-after-export');
  });

  it('compares with another snapshot and shows the engine\'s diff as a table', async () => {
    await cs.runCommand('Retention Graph: Compare With Another Snapshot…');
    await cs.answerFileDialog(path.join(ws, 'baseline.heapsnapshot'));
    await waitFor(async () => /compared with baseline\.heapsnapshot/.test(await bodyText(leak)), 60_000, () => 'no diff shown');
    await leak.locator('#panel-diff input.filter').fill('IncomingMessage');
    await cs.page.waitForTimeout(500);
    const rows = await leak.evaluate(`Array.from(document.querySelectorAll('#panel-diff .vt-row'),
      (r) => Array.from(r.querySelectorAll('[role=cell]'), (c) => c.textContent))`) as string[][];
    const row = rows.find((r) => r[0] === 'IncomingMessage');
    assert.ok(row, `no IncomingMessage row in the diff table: ${JSON.stringify(rows.slice(0, 5))}`);
    // columns: class, # new, # deleted, # delta, ...; each leaked request leaves one IncomingMessage
    assert.ok(leakedAfter > leakedBefore && leakedBefore > 0, `fixture leaked ${leakedBefore} then ${leakedAfter}`);
    assert.equal(row[3].replace(/[^\d+-]/g, ''), `+${leakedAfter - leakedBefore}`, JSON.stringify(row));
    await cs.screenshot('05-compare');
  });

  it('updates open views when a setting changes', async () => {
    mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'retentionGraph.requestLikePatterns': ['^RequestContext$'] }));
    await waitFor(async () => (await texts(leak, '.suspect-name')).includes('RequestContext'), 30_000,
      () => 'RequestContext did not appear among the suspects after the setting changed');
    await leak.locator('#tab-overview').click();
    await leak.locator('.suspect-name', { hasText: /^RequestContext$/ }).scrollIntoViewIfNeeded();
    await cs.screenshot('06-settings-changed');
  });

  it('shows the engine\'s error for a broken file opened through the Analyze command', async () => {
    await cs.runCommand('Retention Graph: Analyze Heap Snapshot…');
    await cs.answerFileDialog(path.join(ws, 'broken.heapsnapshot'));
    const f = await cs.webviewFrame(async (fr) => /broken\.heapsnapshot/.test(await bodyText(fr)) && /code truncated/.test(await bodyText(fr)), 60_000);
    const text = await bodyText(f);
    assert.match(text, /Truncated: the data ends inside the "(nodes|edges|strings)" array .*byte offset \d+/);
    assert.match(text, /code truncated/);
    await cs.screenshot('07-broken-file-error');
  });

  it('opens a snapshot from the explorer context menu; hostile snapshot strings stay literal and inert', async () => {
    // opened from the explorer's context menu this time
    await cs.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'hostile.heapsnapshot' }).click({ button: 'right' });
    const item = cs.page.locator('.monaco-menu .action-item', { hasText: 'Open in Retention Graph' });
    await item.waitFor({ state: 'visible' });
    await item.hover();
    await item.click();
    // a click that lands while the menu is still animating in is dropped: the highlighted item takes Enter
    await cs.page.waitForTimeout(1500);
    if (await item.isVisible()) await cs.page.keyboard.press('Enter');
    const f = await cs.webviewFrame(async (fr) => /hostile\.heapsnapshot/.test(await bodyText(fr)) && (await texts(fr, '.suspect-name')).length > 0);
    await cs.runCommandAndPick('Retention Graph: Find Request-like Objects', 'IncomingMessage');
    await f.locator('svg.graph g.node').first().waitFor({ timeout: 30_000 });
    await cs.page.waitForTimeout(1000);
    const labels = (await texts(f, 'svg.graph .edge-label')).join('\n');
    assert.ok(labels.includes('</svg><script>pwn()</script>'), `literal </svg><script> label missing:\n${labels}`);
    assert.ok(labels.includes('{{7*7}}'), `literal {{7*7}} label missing:\n${labels}`);
    assert.ok(labels.includes('javascript:pwn()'), `literal javascript: label missing:\n${labels}`);
    // nothing was parsed as markup: one script (ours, with its nonce), no injected elements
    const injected = await f.evaluate(`({
      scripts: Array.from(document.querySelectorAll('script')).filter((s) => /pwn|7\\*7/.test(s.outerHTML)).length + document.querySelectorAll('svg script, foreignObject').length,
      imgs: document.querySelectorAll('img').length,
      links: Array.from(document.querySelectorAll('a[href], [*|href]')).filter((a) => /^javascript:/i.test(a.getAttribute('href') || a.getAttribute('xlink:href') || '')).length,
      pwned: typeof window.pwn !== 'undefined' || window.__pwned !== undefined,
    })`) as { scripts: number; imgs: number; links: number; pwned: boolean };
    assert.deepEqual(injected, { scripts: 0, imgs: 0, links: 0, pwned: false });
    await cs.screenshot('08-hostile-strings');
  });

  it('shows phase progress and a notification with Cancel for a long load; Cancel ends the load', async () => {
    await cs.runCommand('Retention Graph: Analyze Heap Snapshot…');
    await cs.answerFileDialog(path.join(ws, 'big.heapsnapshot'));
    const f = await cs.webviewFrame(async (fr) => /Analysing big\.heapsnapshot/.test(await bodyText(fr)), 30_000);
    const toast = cs.page.locator('.notification-toast', { hasText: 'Retention Graph: analysing big.heapsnapshot' });
    await toast.waitFor({ timeout: 30_000 });
    await cs.screenshot('09-long-load-notification');
    await toast.getByRole('button', { name: 'Cancel' }).click();
    await waitFor(async () => /Loading was cancelled/.test(await bodyText(f)), 30_000, () => 'the view does not say the load was cancelled');
    await toast.waitFor({ state: 'hidden', timeout: 10_000 });
    await waitFor(() => /worker exited \(code \d+\): .*big\.heapsnapshot/.test(retentionLog()), 30_000, () => `worker of big.heapsnapshot still running:\n${retentionLog()}`);
    await cs.screenshot('10-long-load-cancelled');
    // the cancelled view offers to start again, and Reload does (a new worker, a new load)
    await f.getByRole('button', { name: 'Reload' }).click();
    // (the new load shows progress, or has already finished and shows the overview)
    await waitFor(async () => /Analysing big\.heapsnapshot|Request-like/.test(await bodyText(f)), 60_000, () => 'Reload did not start a new load');
  });

  it('ends the document\'s worker when its last editor closes', async () => {
    assert.doesNotMatch(retentionLog(), /worker exited \(code \d+\): .*leak\.heapsnapshot/, 'the worker ended while its editor was open');
    await cs.closeAllEditors();
    let log = '';
    await waitFor(() => {
      log = retentionLog();
      return ['leak', 'hostile', 'broken'].every((n) => new RegExp(`worker exited \\(code \\d+\\): .*${n}\\.heapsnapshot`).test(log));
    }, 30_000, () => `not every worker exited:\n${log}`);
    assert.ok(log.indexOf('last editor closed, ending worker') < log.lastIndexOf('worker exited'), log);
    assert.match(log, /worker started: .*leak\.heapsnapshot/);
  });
});
