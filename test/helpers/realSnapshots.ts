// Real heap snapshots produced at test time by real programs (test/integration/fixtures/), written
// into one temp dir per test run. Each producer runs once per run (cached promise) and always stops
// the processes it started, also when it fails. The temp dir is removed when the test process exits.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'integration', 'fixtures');
export const CHROMIUM_PATH = '/usr/bin/chromium';

let tempDir: string | null = null;
const children = new Set<ChildProcess>();

/** The per-run temp dir for snapshots (created on first use, removed at process exit). */
export function snapshotDir(): string {
  if (!tempDir) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'retention-graph-it-'));
    const cleanup = () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      if (tempDir && !process.env.KEEP_SNAPSHOTS) rmSync(tempDir, { recursive: true, force: true });
    };
    process.once('exit', cleanup);
    // a test run stopped from outside (timeout, CI cancel) does not reach 'exit' by itself
    for (const [sig, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.once(sig, () => { cleanup(); process.exit(code); });
    }
  }
  return tempDir;
}

function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

/** Stops a child process: asks politely, then SIGKILL after a grace period. */
async function stop(c: ChildProcess, graceMs = 2000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  try {
    if (c.connected) c.send({ type: 'exit' });
    else c.kill('SIGTERM');
  } catch {
    c.kill('SIGTERM');
  }
  const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

interface IpcMessage { type: string; port?: number; path?: string; leaked?: number }

/** A fixture server run with fork(): it says {type:'listening',port} and answers {type:'snapshot'}. */
class IpcServer {
  private constructor(readonly child: ChildProcess, readonly port: number) {}

  static async start(script: string): Promise<IpcServer> {
    const child = track(fork(path.join(FIXTURES, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    try {
      const msg = await withTimeout(IpcServer.next(child, 'listening'), 15000, `${script} listening`);
      return new IpcServer(child, msg.port!);
    } catch (e) {
      await stop(child);
      throw e;
    }
  }

  private static next(child: ChildProcess, type: string): Promise<IpcMessage> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: IpcMessage) => {
        if (m && m.type === type) { cleanup(); resolve(m); }
      };
      const onExit = (code: number | null) => { cleanup(); reject(new Error(`fixture exited (${code}) before '${type}'`)); };
      const cleanup = () => { child.off('message', onMsg); child.off('exit', onExit); };
      child.on('message', onMsg);
      child.on('exit', onExit);
    });
  }

  /** Sends one GET with a fresh connection (no keep-alive) and resolves with the status code. */
  get(urlPath: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path: urlPath, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.setTimeout(5000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
      req.on('error', reject);
    });
  }

  /** Asks the server to write a heap snapshot (v8.writeHeapSnapshot) and waits for it. */
  async snapshot(file: string): Promise<{ path: string; leaked: number }> {
    const reply = IpcServer.next(this.child, 'snapshot');
    this.child.send({ type: 'snapshot', path: file });
    const m = await withTimeout(reply, 30000, 'heap snapshot');
    return { path: m.path!, leaked: m.leaked! };
  }

  stop(): Promise<void> {
    return stop(this.child);
  }
}

/** Sends `count` GETs to paths made by `pathOf(i)`, sequentially; returns the status codes. */
async function sendRequests(server: IpcServer, count: number, pathOf: (i: number) => string): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < count; i++) codes.push(await server.get(pathOf(i)));
  return codes;
}

export interface Leaky404Snapshots {
  /** after `notFoundBefore` 404s and `okBefore` 200s */
  before: string;
  /** after `notFoundAfter - notFoundBefore` more 404s */
  after: string;
  notFoundBefore: number;
  okBefore: number;
  notFoundAfter: number;
}

export const LEAKY_404 = { notFoundBefore: 30, okBefore: 10, notFoundMore: 20 };
let leaky404: Promise<Leaky404Snapshots> | null = null;

/** Two snapshots of fixtures/leaky404Server.cjs: 30×404 + 10×200, then 20 more 404s. Cached per run. */
export function leaky404Snapshots(): Promise<Leaky404Snapshots> {
  leaky404 ??= (async () => {
    const dir = snapshotDir();
    const server = await IpcServer.start('leaky404Server.cjs');
    try {
      const { notFoundBefore, okBefore, notFoundMore } = LEAKY_404;
      const a = await sendRequests(server, notFoundBefore, (i) => `/missing/${i}`);
      const b = await sendRequests(server, okBefore, () => '/ok');
      if (a.some((c) => c !== 404) || b.some((c) => c !== 200)) throw new Error(`unexpected status codes ${a} ${b}`);
      const before = await server.snapshot(path.join(dir, 'leaky404-before.heapsnapshot'));
      if (before.leaked !== notFoundBefore) throw new Error(`server reports ${before.leaked} leaked errors`);
      await sendRequests(server, notFoundMore, (i) => `/gone/${i}`);
      const after = await server.snapshot(path.join(dir, 'leaky404-after.heapsnapshot'));
      return {
        before: before.path,
        after: after.path,
        notFoundBefore,
        okBefore,
        notFoundAfter: notFoundBefore + notFoundMore,
      };
    } finally {
      await server.stop();
    }
  })();
  return leaky404;
}

export const LISTENER_LEAK = { requests: 25 };
let listenerLeak: Promise<{ path: string; requests: number }> | null = null;

/** One snapshot of fixtures/listenerLeakServer.cjs after 25 requests. Cached per run. */
export function listenerLeakSnapshot(): Promise<{ path: string; requests: number }> {
  listenerLeak ??= (async () => {
    const server = await IpcServer.start('listenerLeakServer.cjs');
    try {
      const codes = await sendRequests(server, LISTENER_LEAK.requests, (i) => `/page/${i}`);
      if (codes.some((c) => c !== 200)) throw new Error(`unexpected status codes ${codes}`);
      const snap = await server.snapshot(path.join(snapshotDir(), 'listener-leak.heapsnapshot'));
      if (snap.leaked !== LISTENER_LEAK.requests) throw new Error(`server reports ${snap.leaked} listeners`);
      return { path: snap.path, requests: LISTENER_LEAK.requests };
    } finally {
      await server.stop();
    }
  })();
  return listenerLeak;
}

export const DETACHED_DOM = { count: 25 };
let chromiumDetached: Promise<{ path: string; count: number }> | null = null;

/** True when Debian's chromium is installed (the Chromium tests need it). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * A Chromium heap snapshot of fixtures/detachedDomPage.cjs (25 detached <div>s kept in the global
 * `detachedItems` array), taken over CDP HeapProfiler.takeHeapSnapshot. Cached per run.
 */
export function chromiumDetachedSnapshot(): Promise<{ path: string; count: number }> {
  chromiumDetached ??= (async () => {
    const dir = snapshotDir();
    const count = DETACHED_DOM.count;
    const server = track(spawn(process.execPath, [path.join(FIXTURES, 'detachedDomPage.cjs'), String(count)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }));
    // playwright-core is loaded lazily so unit runs never pay for it
    const { chromium } = await import('playwright-core');
    let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | null = null;
    try {
      const port = await withTimeout(new Promise<number>((resolve, reject) => {
        let buf = '';
        server.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf('\n');
          if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).port);
        });
        server.once('exit', (c) => reject(new Error(`page server exited (${c})`)));
      }), 10000, 'page server listening');
      const userDataDir = mkdtempSync(path.join(dir, 'chromium-profile-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        timeout: 30000,
        args: [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run', '--remote-debugging-port=0',
        ],
      });
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`, { timeout: 15000 });
      await page.waitForFunction(`document.title === 'ready ${count}'`, undefined, { timeout: 10000 });
      const cdp = await context.newCDPSession(page);
      const file = path.join(dir, 'chromium-detached.heapsnapshot');
      const out = createWriteStream(file);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => { out.write(chunk); });
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      out.end();
      await once(out, 'finish');
      if (statSync(file).size === 0) throw new Error('empty snapshot from CDP');
      return { path: file, count };
    } finally {
      if (context) await context.close().catch(() => undefined);
      server.stdin!.end();
      await stop(server);
    }
  })();
  return chromiumDetached;
}

const REPO = path.join(__dirname, '..', '..');

export interface CliRun { code: number | null; stdout: string; stderr: string }

let cliBundle: string | null = null;

/** The CLI bundled from the current sources with esbuild into the run's temp dir (once per run). */
function cliBundlePath(): string {
  if (!cliBundle) {
    const out = path.join(snapshotDir(), 'cli.js');
    // required lazily: esbuild is a dev dependency of the tests, not of the engine
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      entryPoints: [path.join(REPO, 'extension', 'cli', 'main.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
    });
    cliBundle = out;
  }
  return cliBundle;
}

/**
 * Runs the real CLI in a child process and resolves with its exit code and output: by default the
 * current sources bundled once per run (as scripts/build.mjs bundles them), or the package's bin
 * with `{ bin: true }`. Killed after `timeoutMs`.
 */
export function runCliProcess(args: string[], opts: { bin?: boolean; timeoutMs?: number } = {}): Promise<CliRun> {
  const argv = [opts.bin ? path.join(REPO, 'bin', 'retention-graph.js') : cliBundlePath(), ...args];
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`CLI killed by ${signal} (args ${args.join(' ')}); stderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}
