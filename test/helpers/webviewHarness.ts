// A standalone page for developing and testing the webview without VS Code. It serves the built
// webview (dist/webview.js, media/webview.css) in an iframe under the same CSP the extension uses,
// with a fake `acquireVsCodeApi` that forwards messages to the parent page (as VS Code's webview
// host does); the parent forwards them to this server, where a fake extension host answers with the
// real engine (extension/worker/engine.ts) running on a real snapshot file.
//
//   npx tsx test/helpers/webviewHarness.ts FILE.heapsnapshot [PORT]   → prints the URL to open
//
// Page: /?theme=dark|light|hc. The parent exposes window.harness (state, sent messages, theme).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { EngineRequest, ErrorValue, FromWebview, Result, ToWebview } from '../../extension/protocol';
import type { AnalysisSettings, AnalysisSummary } from '../../extension/core/results';
import { WorkerEngine, DEFAULT_SETTINGS } from '../../extension/worker/engine';
import { webviewCsp } from '../../extension/host/webviewPolicy';

const REPO = resolve(__dirname, '..', '..');

/** A few theme variables per theme kind, as VS Code sets them on the webview's <html> element. */
export const THEMES: Record<string, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f85149',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-widget-border': '#313131',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-progressBar-background': '#0078d4',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-sideBar-background': '#181818',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-errorForeground': '#e51400',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-progressBar-background': '#005fb8',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-green': '#388a34',
      '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-sideBar-background': '#f8f8f8',
    },
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-errorForeground': '#f48771',
      '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-input-background': '#000000',
      '--vscode-input-foreground': '#ffffff',
      '--vscode-input-border': '#6fc3df',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-progressBar-background': '#6fc3df',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-editorWarning-foreground': '#fff000',
    },
  },
};

/** The fake extension host's engine: the analysis worker's own engine, in this process. */
export class HarnessEngine {
  private readonly engine = new WorkerEngine();
  /** engine request kinds answered, in order (for tests) */
  readonly handled: string[] = [];

  constructor(readonly path: string, readonly settings: AnalysisSettings) {}

  async load(onProgress: (p: { phase: string; done: number; total: number; bytesRead?: number; totalBytes?: number }) => void): Promise<AnalysisSummary> {
    return await this.engine.handle({ kind: 'load', path: this.path, settings: this.settings }, new AbortController().signal, onProgress) as AnalysisSummary;
  }

  async handle(req: EngineRequest): Promise<unknown> {
    this.handled.push(req.kind);
    return await this.engine.handle(req, new AbortController().signal, () => undefined);
  }
}

export interface HarnessOptions {
  /** snapshot to analyse; ignored when `failWith` is set */
  snapshotPath: string;
  settings?: AnalysisSettings;
  port?: number;
  /** answer 'ready' with this load failure instead of loading */
  failWith?: ErrorValue;
  /** delay before the load starts, ms (to see the progress state) */
  loadDelayMs?: number;
  /** serve the page without the layout worker's URL (ELK then runs in the page, as its fallback) */
  noLayoutWorker?: boolean;
}

export interface Harness {
  url: string;
  server: Server;
  /** every FromWebview message the page sent, in order */
  received: FromWebview[];
  engine: HarnessEngine;
  /** messages to push to the webview on its next poll (e.g. showGraph, showDiff, exportGraph) */
  push(msg: ToWebview): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PARENT_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Retention Graph webview harness</title>
<style>html,body{margin:0;height:100%;background:#777}iframe{border:0;width:100%;height:100%;display:block}</style>
</head><body><iframe id="webview" title="webview"></iframe><script src="/parent.js"></script></body></html>`;

// The parent plays VS Code: it owns the persisted state and relays messages both ways.
const PARENT_JS = `
const params = new URLSearchParams(location.search);
window.harness = { theme: params.get('theme') || 'dark', state: undefined, sent: [], cspViolations: [] };
const frame = document.getElementById('webview');
async function relay(msg) {
  window.harness.sent.push(msg);
  const r = await fetch('/rpc', { method: 'POST', body: JSON.stringify(msg) });
  const replies = await r.json();
  for (const m of replies) frame.contentWindow.postMessage(m, '*');
}
window.addEventListener('message', (ev) => {
  if (ev.source !== frame.contentWindow || !ev.data || ev.data.harness !== 'out') return;
  relay(ev.data.msg);
});
setInterval(async () => {
  const r = await fetch('/poll');
  for (const m of await r.json()) frame.contentWindow.postMessage(m, '*');
}, 200);
window.harness.reload = () => { frame.src = '/webview.html?' + Date.now(); };
window.harness.setTheme = (t) => { window.harness.theme = t; window.harness.reload(); };
frame.src = '/webview.html';
`;

// Runs first inside the webview frame: VS Code's acquireVsCodeApi, theme variables and body class.
const SHIM_JS = (themes: typeof THEMES) => `
(() => {
  const h = window.parent.harness;
  const theme = ${JSON.stringify(themes)}[h.theme] || ${JSON.stringify(themes)}.dark;
  for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add(theme.bodyClass));
  document.addEventListener('securitypolicyviolation', (e) => h.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  let used = false;
  window.acquireVsCodeApi = () => {
    if (used) throw new Error('acquireVsCodeApi called twice');
    used = true;
    return {
      postMessage: (msg) => window.parent.postMessage({ harness: 'out', msg }, '*'),
      getState: () => (h.state === undefined ? undefined : JSON.parse(JSON.stringify(h.state))),
      setState: (s) => { h.state = JSON.parse(JSON.stringify(s)); },
    };
  };
})();
`;

/** Starts the harness server on 127.0.0.1. */
export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const engine = new HarnessEngine(opts.snapshotPath, settings);
  const received: FromWebview[] = [];
  let outbox: ToWebview[] = [];
  let loaded: Promise<Result<AnalysisSummary>> | null = null;
  const progress: ToWebview[] = [];
  const fileName = basename(opts.snapshotPath);

  const startLoad = (): Promise<Result<AnalysisSummary>> => {
    if (!loaded) {
      loaded = (async () => {
        if (opts.loadDelayMs) await new Promise((r) => setTimeout(r, opts.loadDelayMs));
        if (opts.failWith) return { err: opts.failWith };
        try {
          return { ok: await engine.load((p) => progress.push({ type: 'progress', progress: p })) };
        } catch (e) {
          const x = e as Error & { code?: string; offset?: number; field?: string };
          return { err: { message: x.message, code: x.code, offset: x.offset, field: x.field } };
        }
      })();
    }
    return loaded;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const origin = `http://${req.headers.host}`;
      try {
        if (url.pathname === '/') return send(res, 200, 'text/html', PARENT_HTML);
        if (url.pathname === '/parent.js') return send(res, 200, 'text/javascript', PARENT_JS);
        if (url.pathname === '/webview.html') {
          const nonce = randomBytes(18).toString('base64');
          // the extension's own policy, with this server as cspSource
          const csp = webviewCsp(origin, nonce);
          const worker = opts.noLayoutWorker ? '' : ` data-layout-worker="${origin}/dist/layoutWorker.js"`;
          const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/media/webview.css">
<title>Retention Graph</title>
</head>
<body>
<div id="app"${worker}></div>
<script nonce="${nonce}" src="${origin}/shim.js"></script>
<script nonce="${nonce}" src="${origin}/dist/webview.js"></script>
</body>
</html>`;
          return send(res, 200, 'text/html', html, { 'content-security-policy': csp });
        }
        if (url.pathname === '/shim.js') return send(res, 200, 'text/javascript', SHIM_JS(THEMES));
        if (url.pathname === '/dist/webview.js') return send(res, 200, 'text/javascript', await readFile(join(REPO, 'dist', 'webview.js')));
        if (url.pathname === '/dist/layoutWorker.js') return send(res, 200, 'text/javascript', await readFile(join(REPO, 'dist', 'layoutWorker.js')));
        if (url.pathname === '/media/webview.css') return send(res, 200, 'text/css', await readFile(join(REPO, 'media', 'webview.css')));
        if (url.pathname === '/poll') {
          const out = outbox;
          outbox = [];
          return send(res, 200, 'application/json', JSON.stringify(out));
        }
        if (url.pathname === '/rpc' && req.method === 'POST') {
          const msg = JSON.parse(await body(req)) as FromWebview;
          received.push(msg);
          const replies: ToWebview[] = [];
          if (msg.type === 'ready') {
            replies.push({ type: 'init', fileName, settings });
            const load = startLoad();
            // progress and the outcome arrive through the poll, as the host would post them later
            void load.then((r) => {
              outbox.push(...progress.splice(0));
              outbox.push('ok' in r ? { type: 'loaded', summary: r.ok } : { type: 'loadFailed', error: r.err });
            });
            if (opts.loadDelayMs) replies.push({ type: 'progress', progress: { phase: 'read', done: 0, total: 100, bytesRead: 0, totalBytes: 1e6 } });
          } else if (msg.type === 'request') {
            let result: Result<any>;
            try {
              result = { ok: await engine.handle(msg.request) };
            } catch (e) {
              const x = e as Error & { code?: string; offset?: number; field?: string };
              result = { err: { message: x.message, code: x.code, offset: x.offset, field: x.field } };
            }
            replies.push({ type: 'reply', id: msg.id, result });
          }
          return send(res, 200, 'application/json', JSON.stringify(replies));
        }
        send(res, 404, 'text/plain', 'not found');
      } catch (e) {
        send(res, 500, 'text/plain', String((e as Error).stack ?? e));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    received,
    engine,
    push: (m) => { outbox.push(m); },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx test/helpers/webviewHarness.ts FILE.heapsnapshot [PORT]');
    process.exit(2);
  }
  void startHarness({ snapshotPath: resolve(file), port: Number(process.argv[3] ?? 0) }).then((h) => {
    console.log(`webview harness: ${h.url}?theme=dark (also light, hc)`);
  });
}
