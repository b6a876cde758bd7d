// The Retention Graph custom editor for *.heapsnapshot: one SnapshotDocument (and one analysis
// worker) per file, shared by all its editors; one SnapshotView per webview panel. The worker is
// ended when VS Code disposes the document, i.e. when its last editor closes.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EngineReplies, EngineRequest, ErrorValue, FromWebview, Result, ToWebview } from '../protocol';
import type { AnalysisSummary } from '../core/results';
import { WorkerClient, type WorkerProgress } from './workerClient';
import { onDidChangeSettings, readSettings } from './settings';
import { webviewCsp } from './webviewPolicy';

export const VIEW_TYPE = 'retentionGraph.heapSnapshot';
/** Context key: a Retention Graph editor is the active editor (commands' `when` clauses use it). */
export const ACTIVE_CONTEXT = 'retentionGraph.editorActive';
/** A load still running after this many milliseconds gets a notification with Cancel. */
const NOTIFY_AFTER_MS = 1500;

type LoadState =
  | { kind: 'loading'; progress?: WorkerProgress }
  | { kind: 'loaded'; summary: AnalysisSummary }
  | { kind: 'failed'; error: ErrorValue };

/** Engine requests a webview may send; loading files and changing settings stay with the host. */
const WEBVIEW_REQUESTS: ReadonlySet<EngineRequest['kind']> = new Set(['summary', 'backrefs', 'paths', 'details', 'dot']);

export class SnapshotDocument implements vscode.CustomDocument {
  private worker: WorkerClient;
  private loadState: LoadState = { kind: 'loading' };
  private readonly stateEmitter = new vscode.EventEmitter<LoadState>();
  /** Fires on every progress report and when loading ends. */
  readonly onDidChangeState = this.stateEmitter.event;
  readonly views = new Set<SnapshotView>();

  constructor(
    readonly uri: vscode.Uri,
    private readonly workerScript: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly onDisposed: (d: SnapshotDocument) => void,
  ) {
    this.worker = this.startWorker();
  }

  get state(): LoadState {
    return this.loadState;
  }

  get fileName(): string {
    return path.basename(this.uri.fsPath);
  }

  /** Sends an engine request to this document's worker. */
  request<K extends EngineRequest['kind']>(req: Extract<EngineRequest, { kind: K }>): Promise<Result<EngineReplies[K]>> {
    return this.worker.request<K>(req);
  }

  /** Stops a running load: the worker is ended (analysis phases are synchronous in the worker). */
  cancelLoad(): void {
    if (this.loadState.kind !== 'loading') return;
    this.log.info(`load cancelled: ${this.uri.fsPath}`);
    this.worker.terminate({ message: 'Loading was cancelled.', code: 'cancelled' });
  }

  /** Starts over with a fresh worker (after a cancelled or failed load). */
  reload(): void {
    this.worker.terminate();
    this.worker = this.startWorker();
  }

  /** Re-sends the settings; views get {settingsChanged}. */
  async applySettings(): Promise<void> {
    if (this.loadState.kind !== 'loaded') return;
    const settings = readSettings(this.uri);
    const r = await this.worker.request({ kind: 'settings', settings });
    if ('ok' in r) {
      this.loadState = { kind: 'loaded', summary: r.ok };
      for (const v of this.views) v.post({ type: 'settingsChanged', settings, summary: r.ok });
    } else {
      this.log.warn(`settings update failed: ${r.err.message}`);
    }
  }

  dispose(): void {
    this.log.info(`last editor closed, ending worker: ${this.uri.fsPath}`);
    this.worker.terminate({ message: 'The editor was closed.', code: 'cancelled' });
    this.stateEmitter.dispose();
    this.onDisposed(this);
  }

  private startWorker(): WorkerClient {
    const worker = new WorkerClient(this.workerScript, (code) => this.log.info(`worker exited (code ${code}): ${this.uri.fsPath}`));
    this.log.info(`worker started: ${this.uri.fsPath}`);
    this.setState({ kind: 'loading' });
    const started = Date.now();
    void worker.request({ kind: 'load', path: this.uri.fsPath, settings: readSettings(this.uri) }, {
      onProgress: (progress) => {
        if (this.worker === worker) this.setState({ kind: 'loading', progress });
      },
    }).then((r) => {
      if (this.worker !== worker) return;
      if ('ok' in r) {
        this.log.info(`loaded in ${Date.now() - started} ms: ${this.uri.fsPath} (${r.ok.nodeCount} nodes)`);
        this.setState({ kind: 'loaded', summary: r.ok });
      } else {
        this.log.info(`load failed: ${this.uri.fsPath}: ${r.err.message}`);
        this.setState({ kind: 'failed', error: r.err });
      }
    });
    setTimeout(() => {
      if (this.worker === worker && this.loadState.kind === 'loading') this.notifyLongLoad();
    }, NOTIFY_AFTER_MS);
    return worker;
  }

  private setState(s: LoadState): void {
    this.loadState = s;
    this.stateEmitter.fire(s);
  }

  private notifyLongLoad(): void {
    void vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification,
      title: `Retention Graph: analysing ${this.fileName}`,
      cancellable: true,
    }, (progress, token) => new Promise<void>((resolve) => {
      let lastPercent = 0;
      const sub = this.onDidChangeState((s) => {
        if (s.kind !== 'loading') {
          sub.dispose();
          resolve();
          return;
        }
        const p = s.progress;
        if (!p) return;
        const percent = p.totalBytes ? Math.floor((100 * (p.bytesRead ?? 0)) / p.totalBytes) : lastPercent;
        progress.report({ message: phaseMessage(p), increment: Math.max(0, percent - lastPercent) });
        lastPercent = Math.max(lastPercent, percent);
      });
      token.onCancellationRequested(() => this.cancelLoad());
    }));
  }
}

/** "read 120 of 300 MB", "dominators 40%" */
function phaseMessage(p: WorkerProgress): string {
  if (p.totalBytes) return `${p.phase}: ${Math.round((p.bytesRead ?? 0) / 1e6)} of ${Math.round(p.totalBytes / 1e6)} MB`;
  return p.total > 0 ? `${p.phase} ${Math.floor((100 * p.done) / p.total)}%` : p.phase;
}

/** One webview panel showing a SnapshotDocument. */
export class SnapshotView {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly doc: SnapshotDocument, readonly panel: vscode.WebviewPanel, private readonly provider: HeapSnapshotEditorProvider) {
    doc.views.add(this);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)),
      doc.onDidChangeState((s) => this.postState(s)),
      panel.onDidChangeViewState(() => provider.viewStateChanged(this)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private postState(s: LoadState): void {
    if (s.kind === 'loading') {
      if (s.progress) this.post({ type: 'progress', progress: s.progress });
    } else if (s.kind === 'loaded') {
      this.post({ type: 'loaded', summary: s.summary });
    } else {
      this.post({ type: 'loadFailed', error: s.error });
    }
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'init', fileName: this.doc.fileName, settings: readSettings(this.doc.uri) });
        this.postState(this.doc.state);
        return;
      case 'request': {
        let result: Result<any>;
        if (!WEBVIEW_REQUESTS.has(m.request.kind)) result = { err: { message: `Request "${m.request.kind}" is not allowed from the view` } };
        else result = await this.doc.request(m.request);
        this.post({ type: 'reply', id: m.id, result });
        return;
      }
      case 'cancelLoad':
        this.doc.cancelLoad();
        return;
      case 'reload':
        this.doc.reload();
        return;
      case 'saveExport':
        await saveExport(this.doc.uri, m.format, m.content, m.suggestedName);
        return;
      case 'openLocation':
        await openLocation(m.file, m.line, m.column);
        return;
    }
  }

  dispose(): void {
    this.doc.views.delete(this);
    this.provider.viewDisposed(this);
    for (const d of this.disposables) d.dispose();
  }
}

async function saveExport(docUri: vscode.Uri, format: 'svg' | 'dot', content: string, suggestedName: string): Promise<void> {
  const safeName = suggestedName.replace(/[^\w.@-]+/g, '_').slice(0, 120) || `graph.${format}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(docUri, '..', safeName),
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'Graphviz DOT': ['dot', 'gv'] },
    title: `Export graph as ${format.toUpperCase()}`,
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
  void vscode.window.showInformationMessage(`Graph exported to ${vscode.workspace.asRelativePath(target)}`);
}

async function openLocation(file: string, line: number, column: number): Promise<void> {
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
  try {
    const uri = /^[a-z][\w+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside });
  } catch (e) {
    void vscode.window.showWarningMessage(`Cannot open ${file}: ${(e as Error).message}`);
  }
}

export class HeapSnapshotEditorProvider implements vscode.CustomReadonlyEditorProvider<SnapshotDocument> {
  private readonly docs = new Set<SnapshotDocument>();
  private active: SnapshotView | undefined;
  // added for the leak hints (issue 5): which snapshot is focused, and when one is closed
  private readonly activeViewEmitter = new vscode.EventEmitter<SnapshotView>();
  /** Fires when a Retention Graph view becomes the active editor. */
  readonly onDidActivateView = this.activeViewEmitter.event;
  private readonly closedEmitter = new vscode.EventEmitter<SnapshotDocument>();
  /** Fires when a document's last editor has closed (its worker is ended). */
  readonly onDidCloseDocument = this.closedEmitter.event;

  /** Registers the editor, its settings listener and its context key. */
  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): HeapSnapshotEditorProvider {
    const provider = new HeapSnapshotEditorProvider(context.extensionUri, log);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true }),
      onDidChangeSettings(() => {
        for (const d of provider.docs) void d.applySettings();
      }),
    );
    void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT, false);
    return provider;
  }

  private constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {}

  /** The Retention Graph view that is active, or was active most recently and is still open. */
  get activeView(): SnapshotView | undefined {
    return this.active;
  }

  openCustomDocument(uri: vscode.Uri): SnapshotDocument {
    const worker = vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath;
    const doc = new SnapshotDocument(uri, worker, this.log, (d) => {
      this.docs.delete(d);
      this.closedEmitter.fire(d);
    });
    this.docs.add(doc);
    return doc;
  }

  resolveCustomEditor(doc: SnapshotDocument, panel: vscode.WebviewPanel): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.webview.html = webviewHtml(panel.webview, dist, media);
    const view = new SnapshotView(doc, panel, this);
    if (panel.active) this.viewStateChanged(view);
  }

  viewStateChanged(view: SnapshotView): void {
    if (view.panel.active) {
      this.active = view;
      this.activeViewEmitter.fire(view);
    }
    void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT, view.panel.active || this.anyActive());
  }

  viewDisposed(view: SnapshotView): void {
    if (this.active === view) this.active = undefined;
    void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT, this.anyActive());
  }

  private anyActive(): boolean {
    for (const d of this.docs) for (const v of d.views) if (v.panel.active) return true;
    return false;
  }
}

/** The webview page: CSP default-src 'none', one nonce'd script, assets only from dist/ and media/. */
export function webviewHtml(webview: vscode.Webview, dist: vscode.Uri, media: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
  // the page fetches this and starts its ELK layout worker from a blob: URL (webviews allow no other)
  const layoutWorker = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'layoutWorker.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'webview.css'));
  const src = webview.cspSource;
  const csp = webviewCsp(src, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Retention Graph</title>
</head>
<body>
<div id="app" data-layout-worker="${layoutWorker.toString()}"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
