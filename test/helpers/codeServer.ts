// VS Code for the browser (code-server 4.100.3) driven by Debian's chromium through playwright-core,
// for the end-to-end tests. Installs (cached) code-server, installs the built .vsix into a private
// extensions dir, serves a workspace on 127.0.0.1:<free port>, and always stops what it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
const CODE_SERVER_ENTRY = path.join(ROOT, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const VSIX = path.join(ROOT, 'retention-graph.vsix');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
export const CHROMIUM = '/usr/bin/chromium';

function run(cmd: string, args: string[], what: string, opts: { cwd?: string; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 600_000 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Installs code-server into .cache/code-server if needed (milliseconds when cached). */
export function ensureCodeServer(): void {
  run('bash', [path.join(ROOT, 'scripts', 'setup-code-server.sh')], 'scripts/setup-code-server.sh', { timeoutMs: 900_000 });
}

/** Builds the production .vsix with `npm run package` and returns its path (E2E_VSIX: use that file instead). */
export function buildVsix(): string {
  if (process.env.E2E_VSIX) return path.resolve(process.env.E2E_VSIX);
  run('npm', ['run', '--silent', 'package'], 'npm run package', { timeoutMs: 300_000 });
  if (!existsSync(VSIX)) throw new Error(`npm run package did not produce ${VSIX}`);
  return VSIX;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface CodeServerOptions {
  workspace: string;
  /** user settings.json content (merged over quiet defaults) */
  settings?: Record<string, unknown>;
}

/** A running code-server with our extension installed, plus a chromium page on the workspace. */
export class CodeServer {
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  url = '';
  private proc: ChildProcess | null = null;
  private browser: Browser | null = null;
  page!: Page;
  log = '';

  constructor(private readonly opts: CodeServerOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-e2e-'));
    this.userDataDir = path.join(this.dir, 'user-data');
    this.extensionsDir = path.join(this.dir, 'extensions');
  }

  private args(): string[] {
    return [CODE_SERVER_ENTRY, '--config', path.join(this.dir, 'config.yaml'), '--auth', 'none', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir];
  }

  /** Installs the .vsix, starts the server and opens `/?folder=WORKSPACE` in chromium. */
  async start(vsix: string): Promise<void> {
    mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    writeFileSync(path.join(this.dir, 'config.yaml'), 'auth: none\n');
    writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'workbench.enableExperiments': false,
      'security.workspace.trust.enabled': false,
      'extensions.ignoreRecommendations': true,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'window.dialogStyle': 'custom',
      'files.simpleDialog.enable': true,
      ...this.opts.settings,
    }, null, 2));
    run(process.execPath, [...this.args(), '--install-extension', vsix], 'code-server --install-extension', { timeoutMs: 120_000 });

    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, [...this.args(), '--bind-addr', `127.0.0.1:${port}`, this.opts.workspace], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: false,
    });
    this.proc = proc;
    const collect = (b: Buffer) => { this.log += b.toString(); };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    await waitFor(() => this.log.includes('HTTP server listening'), 60_000, () => `code-server did not start:\n${this.log}`);

    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    this.page = await context.newPage();
    await this.page.goto(`${this.url}/?folder=${encodeURIComponent(this.opts.workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // the explorer shows the workspace once the remote extension host is connected
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    // our contributions are known once the remote extension host has scanned the extensions
    await waitFor(async () => (await this.paletteTitles('Retention Graph')).some((t) => t.startsWith('Retention Graph: Analyze')),
      60_000, () => 'the Retention Graph commands never appeared in the palette');
  }

  /** Saves a screenshot of the whole window as test-artifacts/e2e/NAME.png. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command from the palette by its title (e.g. "Retention Graph: Analyze Heap Snapshot…"). */
  async runCommand(title: string): Promise<void> {
    // F1 can be swallowed while a webview iframe has focus, and the palette closes when focus moves
    // (a notification, a webview taking focus): try again from the workbench, a bounded number of times
    for (let attempt = 1; ; attempt++) {
      try {
        await this.closeQuickInput();
        if (attempt > 1) await this.page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`>${title}`, { timeout: 10_000 });
        const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
        await row.waitFor({ timeout: 15_000 });
        await input.press('Enter', { timeout: 10_000 });
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Titles of the palette commands currently offered for `query`. */
  async paletteTitles(query: string): Promise<string[]> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${query}`);
    await this.page.waitForTimeout(500);
    const titles = await this.page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
    await input.press('Escape');
    return titles;
  }

  /**
   * Runs a command that shows a quick pick and picks `label`; runs it again if the pick closed
   * before it could be used (quick picks close when something else takes focus).
   */
  async runCommandAndPick(title: string, label: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.runCommand(title);
      try {
        await this.pickQuickItem(label, attempt < 3 ? 5_000 : 15_000);
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Picks the quick-pick item whose label is exactly `label`. */
  async pickQuickItem(label: string, timeoutMs = 15_000): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(label);
    const row = this.page.locator('.quick-input-list .monaco-list-row', {
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
    }).first();
    await row.waitFor({ timeout: timeoutMs });
    await row.click();
  }

  /** Answers VS Code's simple file dialog (a quick input holding a path) with an absolute path. */
  async answerFileDialog(file: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    // the dialog fills in its start folder asynchronously; typing before that gets overwritten
    await waitFor(async () => (await input.inputValue()).startsWith('/'), 15_000, () => 'the file dialog showed no path');
    await this.page.waitForTimeout(300);
    for (let attempt = 0; attempt < 3; attempt++) {
      await input.fill(file);
      await waitFor(async () => (await input.inputValue()) === file, 5_000, () => `the file dialog did not take ${file}`);
      await input.press('Enter');
      try {
        await input.waitFor({ state: 'hidden', timeout: 5_000 });
        return;
      } catch {
        // still open (it re-rendered while we typed): try again
      }
    }
    throw new Error(`the file dialog did not accept ${file}`);
  }

  async closeQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget').isVisible()) await this.page.keyboard.press('Escape');
  }

  /** Opens a workspace file through Quick Open (it opens in the file's default editor). */
  async quickOpen(fileName: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(fileName);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
  }

  /** The frame of the Retention Graph webview whose page shows `fileName` (polls until it appears). */
  async webviewFrame(predicate: (f: Frame) => Promise<boolean>, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const f of this.page.frames()) {
        try {
          if (await f.evaluate('!!document.getElementById("app")') && await predicate(f)) return f;
        } catch {
          // frame navigated or detached while probing
        }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error('no Retention Graph webview frame appeared');
  }

  /** Closes every editor (Ctrl+K W equivalent through the palette). */
  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await this.page.waitForTimeout(300);
  }

  async stop(): Promise<void> {
    try {
      await this.browser?.close();
    } catch {
      // already gone
    }
    this.browser = null;
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = once(p, 'exit');
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await this.reapChildren();
    if (!process.env.KEEP_E2E) rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }

  /** Processes code-server started for this instance (their command lines name our temp dir). */
  private ownProcesses(): number[] {
    const pids: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(this.dir)) pids.push(Number(d));
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }

  /** Waits for code-server's helper processes (extension host, watchers) to end; kills leftovers by pid. */
  private async reapChildren(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.ownProcesses().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of this.ownProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 100));
  }
}
