// End-to-end: inline leak hints (issue 5) in a real VS Code for the browser (code-server) driven by
// chromium. Real snapshots are written at test time by the workspace's own programs:
//   node-app/server.js — an http server whose 404 path keeps requests in a module-level error array
//   py-app/app.py      — an aiohttp app (Debian python3-aiohttp) with a logging middleware; requests to
//                        a missing path become cyclic garbage, dumped by our exporter (python/)
//   moved.heapsnapshot — the same app run from a directory outside the workspace, so its recorded
//                        path matches two workspace files by suffix (no hint) until pathMappings says where
// Asserted lines and counts come from the fixture sources and from the snapshot files themselves.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { buildVsix, CodeServer, ensureCodeServer, ROOT, waitFor } from '../helpers/codeServer';

const FIXTURES = path.join(ROOT, 'test', 'e2e', 'fixtures');
const DEBIAN_PYTHON = '/usr/bin/python3';
const NODE_REQUESTS = 10; // half of them 404: bounded
const PY_REQUESTS = 4;

/** Instances of a class in a snapshot file, counted straight from its JSON (independent of the engine). */
function countInstances(file: string, className: string): number {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  const meta = raw.snapshot.meta;
  const nf = meta.node_fields.length;
  const ti = meta.node_fields.indexOf('type');
  const ni = meta.node_fields.indexOf('name');
  const objectType = meta.node_types[0].indexOf('object');
  let n = 0;
  for (let i = 0; i < raw.nodes.length; i += nf) if (raw.nodes[i + ti] === objectType && raw.strings[raw.nodes[i + ni]] === className) n++;
  return n;
}

/** 1-based line numbers of the lines of `file` containing `text`. */
function linesWith(file: string, text: string): number[] {
  return readFileSync(file, 'utf8').split('\n').flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
}

const texts = (f: Frame, selector: string): Promise<string[]> =>
  f.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (e) => e.textContent)`) as Promise<string[]>;

describe('Leak hints in VS Code for the browser (e2e)', function () {
  this.timeout(600_000);
  let ws = '';
  let outside = '';
  let cs: CodeServer;
  let serverJs = '';
  let appPy = '';

  before(async function () {
    this.timeout(900_000);
    ensureCodeServer();
    const vsix = buildVsix();
    ws = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-hints-ws-'));
    outside = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-hints-srv-'));
    for (const d of ['node-app', 'py-app', 'other']) mkdirSync(path.join(ws, d));
    serverJs = path.join(ws, 'node-app', 'server.js');
    appPy = path.join(ws, 'py-app', 'app.py');
    copyFileSync(path.join(FIXTURES, 'hints-node', 'server.js'), serverJs);
    copyFileSync(path.join(FIXTURES, 'hints-python', 'app.py'), appPy);
    // a second app.py: a recorded ".../app.py" from elsewhere is ambiguous by suffix
    copyFileSync(appPy, path.join(ws, 'other', 'app.py'));
    execFileSync(process.execPath, [serverJs, path.join(ws, 'node-leak.heapsnapshot'), String(NODE_REQUESTS)], { timeout: 60_000 });
    const env = { ...process.env, PYTHONPATH: path.join(ROOT, 'python') };
    execFileSync(DEBIAN_PYTHON, [appPy, path.join(ws, 'py-leak.heapsnapshot'), String(PY_REQUESTS)], { timeout: 300_000, env });
    // the same app run from a directory outside the workspace (as in a container at /app)
    mkdirSync(path.join(outside, 'srv'));
    copyFileSync(appPy, path.join(outside, 'srv', 'app.py'));
    execFileSync(DEBIAN_PYTHON, [path.join(outside, 'srv', 'app.py'), path.join(ws, 'moved.heapsnapshot'), String(PY_REQUESTS)], { timeout: 300_000, env });
    cs = new CodeServer({ workspace: ws, settings: { 'editor.codeLens': true } });
    await cs.start(vsix);
  });

  after(async () => {
    if (cs) {
      if (process.env.E2E_DEBUG) console.log(cs.log);
      await cs.stop();
    }
    if (!process.env.KEEP_E2E) {
      for (const d of [ws, outside]) if (d) rmSync(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cs?.page) await cs.screenshot(`hints-failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  /** Opens a snapshot through Quick Open and the editor-title button; returns its webview frame. */
  async function openSnapshot(name: string, suspect: string): Promise<Frame> {
    await cs.quickOpen(name);
    const button = cs.page.locator('.editor-actions a.action-label[aria-label="Open in Retention Graph"]');
    await button.waitFor({ timeout: 30_000 });
    await button.click();
    return cs.webviewFrame(async (f) => (await texts(f, '.suspect-name')).includes(suspect));
  }

  /** Opens a workspace text file at a line. */
  async function openFile(rel: string): Promise<void> {
    await cs.closeQuickInput();
    await cs.page.keyboard.press('Control+P');
    const input = cs.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(rel);
    // rows read "app.py" + "py-app": pick the one in the right folder
    const row = cs.page.locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: path.basename(rel) }).filter({ hasText: path.dirname(rel) }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await cs.page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  }

  /** CodeLens texts of the visible text editor, each with the line number right below it. */
  async function codeLenses(): Promise<{ text: string; line: number }[]> {
    return cs.page.evaluate(`(() => {
      const ed = document.querySelector('.editor-group-container.active .monaco-editor') || document.querySelector('.monaco-editor');
      if (!ed) return [];
      const nums = Array.from(ed.querySelectorAll('.margin-view-overlays .line-numbers'), (e) => ({ n: Number(e.textContent), top: e.getBoundingClientRect().top }));
      return Array.from(ed.querySelectorAll('.codelens-decoration'), (e) => {
        const r = e.getBoundingClientRect();
        const below = nums.filter((x) => x.top >= r.bottom - 2).sort((a, b) => a.top - b.top)[0];
        return { text: e.textContent, line: below ? below.n : -1 };
      });
    })()`) as Promise<{ text: string; line: number }[]>;
  }

  /** Rows of the Problems panel (file headers and markers), as text. */
  async function problems(): Promise<string[]> {
    await cs.runCommand('Problems: Focus on Problems View');
    await cs.page.locator('.markers-panel').first().waitFor({ timeout: 15_000 });
    // the list is virtualised: maximise the panel so every row is rendered, then restore it
    await cs.runCommand('View: Toggle Maximized Panel');
    await cs.page.waitForTimeout(800);
    const rows = await cs.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    files = await cs.page.locator('.markers-panel .monaco-list-row[aria-level="1"]').allInnerTexts();
    await cs.runCommand('View: Toggle Maximized Panel');
    return rows;
  }
  /** File rows of the Problems panel at the last problems() call. */
  let files: string[] = [];

  it('Node: CodeLens and a Problems entry on the lines that keep the requests, with the counts of the snapshot', async () => {
    const leak = await openSnapshot('node-leak.heapsnapshot', 'IncomingMessage');
    const alive = countInstances(path.join(ws, 'node-leak.heapsnapshot'), 'IncomingMessage');
    assert.ok(alive >= NODE_REQUESTS / 2, `the fixture leaked ${alive}`);
    await cs.page.locator('.statusbar-item', { hasText: 'node-leak.heapsnapshot' }).first().waitFor({ timeout: 30_000 });
    await openFile('node-app/server.js');
    const want = [...linesWith(serverJs, 'err.context = req'), ...linesWith(serverJs, 'recentErrors.push(err)'), ...linesWith(serverJs, 'const recentErrors = []')];
    assert.equal(want.length, 3);
    let lenses: { text: string; line: number }[] = [];
    await waitFor(async () => {
      lenses = (await codeLenses()).filter((l) => l.text.includes('Retention Graph'));
      return want.every((w) => lenses.some((l) => l.line === w));
    }, 60_000, () => `CodeLenses: ${JSON.stringify(lenses)}; wanted above lines ${want.join(', ')}`);
    for (const l of lenses) {
      assert.ok(l.text.includes(`Retention Graph: ${alive} IncomingMessage alive`), l.text);
      assert.ok(l.text.includes('via recentErrors[] → Error.context') && l.text.includes('show graph'), l.text);
    }
    await cs.screenshot('hints-01-node-codelens');
    const rows = await problems();
    const markers = rows.filter((r) => r.includes('IncomingMessage alive'));
    assert.ok(markers.length >= 3, `problems: ${rows.join(' | ')}`);
    for (const w of want) assert.ok(markers.some((r) => r.includes(`[Ln ${w},`)), `no problem on line ${w}: ${markers.join(' | ')}`);
    assert.ok(files.some((r) => r.includes('server.js')), files.join(' | '));
    await cs.screenshot('hints-02-node-problems');
    assert.equal(await leak.locator('svg.graph g.node.target').count().catch(() => 0), 0, 'no graph shown before the CodeLens is clicked');
  });

  it('Node: the hover says how the line was found; clicking the CodeLens opens the graph of that group', async () => {
    const line = linesWith(serverJs, 'err.context = req')[0];
    await openFile('node-app/server.js');
    await cs.runCommand('Go to Line/Column...');
    await cs.page.keyboard.type(`${line}:9`);
    await cs.page.keyboard.press('Enter');
    await cs.runCommand('Show or Focus Hover');
    const hover = cs.page.locator('.monaco-hover', { hasText: 'Found by' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Found by text search for the retaining property `?context`?/);
    assert.match(text, /Error \.context → IncomingMessage/);
    await cs.screenshot('hints-03-node-hover');
    await cs.page.keyboard.press('Escape');
    await cs.page.locator('.codelens-decoration a', { hasText: 'show graph' }).first().click();
    const leak = await cs.webviewFrame(async (f) => (await f.locator('svg.graph g.node.target').count()) > 0, 30_000);
    await cs.page.waitForTimeout(1000);
    const labels = await texts(leak, 'svg.graph .edge-label');
    for (const l of ['recentErrors', 'context']) assert.ok(labels.some((x) => x.includes(l)), `edge label ${l}: ${labels.join(', ')}`);
    await cs.screenshot('hints-04-node-graph-from-codelens');
  });

  it('Node: "Clear Leak Hints" removes the CodeLens and the problems', async () => {
    await cs.runCommand('Retention Graph: Clear Leak Hints');
    await openFile('node-app/server.js');
    await waitFor(async () => (await codeLenses()).every((l) => !l.text.includes('Retention Graph')), 30_000, () => 'CodeLens still shown');
    const rows = await problems();
    assert.ok(!rows.some((r) => r.includes('alive')), `problems left: ${rows.join(' | ')}`);
    await cs.screenshot('hints-05-node-cleared');
  });

  it('Python: a hint on the middleware frame line of the user\'s app, none in Debian\'s aiohttp', async () => {
    await openSnapshot('py-leak.heapsnapshot', 'aiohttp.web_request.Request');
    const alive = countInstances(path.join(ws, 'py-leak.heapsnapshot'), 'aiohttp.web_request.Request');
    assert.equal(alive, PY_REQUESTS);
    await openFile('py-app/app.py');
    const want = linesWith(appPy, 'return await handler(request)');
    assert.equal(want.length, 1);
    let lenses: { text: string; line: number }[] = [];
    await waitFor(async () => {
      lenses = (await codeLenses()).filter((l) => l.text.includes('Retention Graph'));
      return lenses.some((l) => l.line === want[0]);
    }, 60_000, () => `CodeLenses: ${JSON.stringify(lenses)}; wanted above line ${want[0]}`);
    assert.ok(lenses.find((l) => l.line === want[0])!.text.includes(`${alive} Request alive`), JSON.stringify(lenses));
    await cs.screenshot('hints-06-python-codelens');
    const rows = await problems();
    assert.ok(rows.some((r) => r.includes(`[Ln ${want[0]},`) && r.includes('Request alive')), rows.join(' | '));
    assert.ok(files.length > 0 && files.every((r) => /^app\.py/.test(r)), `only the user's app.py has problems: ${files.join(' | ')}`);
    await cs.screenshot('hints-07-python-problems');
    // the hover of the user's frame names the library frame the chain continues in
    await openFile('py-app/app.py');
    await cs.runCommand('Go to Line/Column...');
    await cs.page.keyboard.type(`${want[0]}:16`);
    await cs.page.keyboard.press('Enter');
    await cs.runCommand('Show or Focus Hover');
    const hover = cs.page.locator('.monaco-hover', { hasText: 'From the snapshot' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /From the snapshot's location/);
    assert.match(text, /web_protocol\.py:\d+ \(not in the workspace\)/);
    await cs.screenshot('hints-08-python-hover');
    await cs.page.keyboard.press('Escape');
  });

  it('paths from another root: an ambiguous suffix gives no hint; a pathMappings entry maps it', async () => {
    await openSnapshot('moved.heapsnapshot', 'aiohttp.web_request.Request');
    await cs.page.locator('.statusbar-item', { hasText: 'moved.heapsnapshot' }).first().waitFor({ timeout: 30_000 });
    const line = linesWith(appPy, 'return await handler(request)')[0];
    await openFile('py-app/app.py');
    await cs.page.waitForTimeout(3000);
    assert.deepEqual((await codeLenses()).filter((l) => l.text.includes('Retention Graph')), [], 'app.py exists twice: no guess');
    mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({
      'retentionGraph.pathMappings': [{ from: path.join(outside, 'srv'), to: '${workspaceFolder}/py-app' }],
    }));
    await openFile('py-app/app.py');
    let lenses: { text: string; line: number }[] = [];
    await waitFor(async () => {
      lenses = (await codeLenses()).filter((l) => l.text.includes('Retention Graph'));
      return lenses.some((l) => l.line === line);
    }, 60_000, () => `CodeLenses after the mapping: ${JSON.stringify(lenses)}`);
    await cs.screenshot('hints-09-mapped');
    await openFile('other/app.py');
    await cs.page.waitForTimeout(1500);
    assert.deepEqual((await codeLenses()).filter((l) => l.text.includes('Retention Graph')), [], 'the other app.py gets nothing');
  });

  it('closing the snapshot removes its hints', async () => {
    await cs.closeAllEditors();
    await openFile('py-app/app.py');
    await cs.page.waitForTimeout(2000);
    assert.deepEqual((await codeLenses()).filter((l) => l.text.includes('Retention Graph')), []);
    const rows = await problems();
    assert.ok(!rows.some((r) => r.includes('alive')), rows.join(' | '));
  });
});
