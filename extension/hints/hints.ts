// Inline leak hints (issue 5): CodeLens, diagnostics and hovers on the source lines a snapshot's
// Request-like findings point at. Hints belong to ONE analysed snapshot at a time — the most
// recently focused Retention Graph editor — named in a status bar item; they update when another
// snapshot is focused and go away when it is closed or cleared. The engine finds the anchors in the
// worker (`hints` request, core/sourceHints.ts); this file maps them onto workspace files
// (hintPlacement.ts, pathMapping.ts) and shows them.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HintHop, SourceFinding } from '../core/results';
import type { FromWebview } from '../protocol';
import type { HeapSnapshotEditorProvider, SnapshotDocument } from '../host/heapSnapshotEditor';
import { SECTION } from '../host/settings';
import { WorkspaceFileIndex, mapRecordedPath, normalizeRecordedPath, type PathMapping } from './pathMapping';
import {
  diagnosticMessage, expandMappings, findAssignments, hoverLines, hopText, lensTitle, placeFindings, readableHops, type PlacedHint, type TermMatch,
} from './hintPlacement';

export const HINT_COMMANDS = {
  clear: 'retentionGraph.hints.clear',
  toggle: 'retentionGraph.hints.toggle',
  showGraph: 'retentionGraph.hints.showGraph',
  reveal: 'retentionGraph.hints.revealSnapshot',
} as const;

/** Files the text search reads: sources only, skipping dependencies and build output. */
const SOURCE_GLOB = '**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx,py}';
const EXCLUDE_GLOB = '**/{node_modules,.git,dist,out,build,__pycache__,.venv,venv,site-packages}/**';
const MAX_FILES = 20000;
const MAX_SEARCH_FILES = 3000;
const MAX_SEARCH_BYTES = 2_000_000;

interface HintState {
  doc: SnapshotDocument;
  hints: PlacedHint[];
  /** recorded chain files (outside the workspace) that exist on this machine: clickable in related information */
  existingFiles: Set<string>;
}

interface HintOptions {
  enabled: boolean;
  minCount: number;
  minRetainedBytes: number;
  severity: vscode.DiagnosticSeverity;
}

function readHintOptions(): HintOptions {
  const c = vscode.workspace.getConfiguration(SECTION);
  const num = (key: string, dflt: number, min: number): number => {
    const v = c.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
  };
  const sev = c.get<string>('hints.severity', 'warning');
  const severity = sev === 'error' ? vscode.DiagnosticSeverity.Error : sev === 'information' ? vscode.DiagnosticSeverity.Information
    : sev === 'hint' ? vscode.DiagnosticSeverity.Hint : vscode.DiagnosticSeverity.Warning;
  return { enabled: c.get<boolean>('hints.enabled', true) !== false, minCount: num('hints.minCount', 2, 1), minRetainedBytes: num('hints.minRetainedBytes', 0, 0), severity };
}

function readMappings(): PathMapping[] {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath }));
  return expandMappings(vscode.workspace.getConfiguration(SECTION).get('pathMappings'), folders);
}

/** The hints of the current snapshot, and the providers that show them. */
export class HintStore implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private state: HintState | undefined;
  /** a document whose hints the user cleared: focusing it again does not bring them back */
  private cleared: SnapshotDocument | undefined;
  /** bumped on every change, so a slow computation for an older request is dropped */
  private generation = 0;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('Retention Graph');
  private readonly status = vscode.window.createStatusBarItem('retentionGraph.hints', vscode.StatusBarAlignment.Left, 50);
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensEmitter.event;
  private byFile = new Map<string, PlacedHint[]>();

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.status.name = 'Retention Graph leak hints';
  }

  get current(): HintState | undefined {
    return this.state;
  }

  /** Computes and shows the hints of `doc` (after its load finishes), replacing the current ones. */
  async showFor(doc: SnapshotDocument, force = false): Promise<void> {
    if (!force && (this.cleared === doc || this.state?.doc === doc)) return;
    const gen = ++this.generation;
    const opts = readHintOptions();
    if (!opts.enabled) {
      this.set(undefined);
      return;
    }
    if (doc.state.kind === 'loading') {
      await new Promise<void>((resolve) => {
        const sub = doc.onDidChangeState((s) => {
          if (s.kind !== 'loading') {
            sub.dispose();
            resolve();
          }
        });
      });
    }
    if (gen !== this.generation || doc.state.kind !== 'loaded') return;
    const r = await doc.request({ kind: 'hints', options: { minCount: opts.minCount, minRetainedBytes: opts.minRetainedBytes } });
    if (gen !== this.generation) return;
    if ('err' in r) {
      this.log.warn(`leak hints failed for ${doc.fileName}: ${r.err.message}`);
      return;
    }
    const hints = await this.place(r.ok);
    const existingFiles = await existing(hints.flatMap((h) => h.finding.chain.map((hop) => normalizeRecordedPath(hop.location?.file ?? ''))));
    if (gen !== this.generation) return;
    this.cleared = undefined;
    this.log.info(`leak hints: ${r.ok.length} findings, ${hints.length} placed on workspace lines (${doc.fileName})`);
    this.set({ doc, hints, existingFiles });
  }

  /** Removes the hints (Clear command, or the snapshot was closed). */
  clear(userAction: boolean): void {
    this.generation++;
    if (userAction && this.state) this.cleared = this.state.doc;
    this.set(undefined);
  }

  documentClosed(doc: SnapshotDocument): void {
    if (this.cleared === doc) this.cleared = undefined;
    if (this.state?.doc === doc) this.clear(false);
  }

  private async place(findings: SourceFinding[]): Promise<PlacedHint[]> {
    if (findings.length === 0 || !vscode.workspace.workspaceFolders?.length) return [];
    const uris = await vscode.workspace.findFiles('**/*', EXCLUDE_GLOB, MAX_FILES);
    const index = new WorkspaceFileIndex(uris.map((u) => u.fsPath), { caseInsensitive: process.platform === 'win32' });
    const mappings = readMappings();
    const terms = new Map<string, TermMatch[]>();
    const wanted = findings.filter((f) => f.kind === 'property' && f.searchTerm);
    if (wanted.length) {
      const sources = await vscode.workspace.findFiles(SOURCE_GLOB, EXCLUDE_GLOB, MAX_SEARCH_FILES);
      for (const u of sources) {
        let text: string;
        try {
          const bytes = await vscode.workspace.fs.readFile(u);
          if (bytes.byteLength > MAX_SEARCH_BYTES) continue;
          text = new TextDecoder().decode(bytes);
        } catch {
          continue;
        }
        for (const f of wanted) {
          const key = `${f.searchKind}\u0001${f.searchTerm}`;
          const found = findAssignments(u.fsPath.replace(/\\/g, '/'), text, f.searchTerm!, f.searchKind ?? 'property');
          if (found.length) terms.set(key, [...(terms.get(key) ?? []), ...found]);
        }
      }
    }
    return placeFindings(findings, (p) => mapRecordedPath(p, index, mappings), (term, kind) => (terms.get(`${kind}\u0001${term}`) ?? []).slice(0, 5));
  }

  private set(state: HintState | undefined): void {
    this.state = state;
    this.byFile = new Map();
    for (const h of state?.hints ?? []) {
      const list = this.byFile.get(h.file);
      if (list) list.push(h);
      else this.byFile.set(h.file, [h]);
    }
    this.publishDiagnostics();
    this.lensEmitter.fire();
    if (state) {
      const n = state.hints.length;
      this.status.text = `$(pulse) ${n} leak hint${n === 1 ? '' : 's'}: ${state.doc.fileName}`;
      this.status.tooltip = `Retention Graph leak hints from ${state.doc.uri.fsPath} (click to show the snapshot)`;
      this.status.command = HINT_COMMANDS.reveal;
      this.status.show();
    } else {
      this.status.hide();
    }
  }

  private publishDiagnostics(): void {
    this.diagnostics.clear();
    if (!this.state) return;
    const severity = readHintOptions().severity;
    for (const [file, hints] of this.byFile) {
      const uri = vscode.Uri.file(file);
      const diags: vscode.Diagnostic[] = [];
      for (const h of firstPerSuspectLine(hints)) {
        const range = lineRange(h);
        const d = new vscode.Diagnostic(range, diagnosticMessage(h, this.state.doc.fileName), severity);
        d.source = 'Retention Graph';
        d.code = h.finding.kind;
        d.relatedInformation = readableHops(h.finding.chain).map(({ hop }, k) => {
          const loc = this.hopLocation(hop) ?? new vscode.Location(uri, range);
          return new vscode.DiagnosticRelatedInformation(loc, `${k + 1}. ${hopText(hop)}${hop.location ? ` (${path.basename(hop.location.file)}:${hop.location.line})` : ''}`);
        });
        diags.push(d);
      }
      this.diagnostics.set(uri, diags);
    }
  }

  /** A clickable location for a hop: its workspace file, else its recorded file when that exists here (a library). */
  private hopLocation(hop: HintHop): vscode.Location | undefined {
    if (!hop.location) return undefined;
    const pos = new vscode.Position(Math.max(0, hop.location.line - 1), Math.max(0, hop.location.column - 1));
    const placed = this.state?.hints.find((h) => h.finding.file === hop.location!.file && h.line === hop.location!.line);
    if (placed) return new vscode.Location(vscode.Uri.file(placed.file), pos);
    const local = normalizeRecordedPath(hop.location.file);
    if (local && this.state?.existingFiles.has(local)) return new vscode.Location(vscode.Uri.file(local), pos);
    return undefined;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const hints = this.byFile.get(document.uri.fsPath.replace(/\\/g, '/')) ?? this.byFile.get(document.uri.fsPath);
    if (!hints || !this.state) return [];
    const docUri = this.state.doc.uri.toString();
    return firstPerSuspectLine(hints).map((h) => new vscode.CodeLens(lineRange(h), {
      title: lensTitle(h.finding),
      command: HINT_COMMANDS.showGraph,
      arguments: [docUri, h.finding.exampleIds.slice(0, 1), h.finding.className],
      tooltip: 'Open the snapshot\'s Retention Graph focused on this group',
    }));
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hints = (this.byFile.get(document.uri.fsPath.replace(/\\/g, '/')) ?? []).filter((h) => h.line - 1 === position.line);
    if (!hints.length || !this.state) return undefined;
    const md = new vscode.MarkdownString(undefined, false);
    md.isTrusted = false;
    md.supportHtml = false;
    const lines = hoverLines(hints, this.state.doc.fileName, (hop) => this.hopWhere(hop));
    // every line is plain text (snapshot strings are untrusted): appendText escapes Markdown
    lines.forEach((l, i) => {
      if (i > 0) md.appendMarkdown('  \n');
      md.appendText(l);
    });
    return new vscode.Hover(md, lineRange(hints[0]));
  }

  /** "server.js:12 (this workspace)" / "web_protocol.py:467 (library: /usr/lib/…)" */
  private hopWhere(hop: HintHop): string {
    if (!hop.location || !hop.location.file) return '';
    const placed = this.state?.hints.find((h) => h.finding.file === hop.location!.file && h.line === hop.location!.line);
    if (placed) return `${vscode.workspace.asRelativePath(placed.file)}:${placed.line}`;
    const p = normalizeRecordedPath(hop.location.file) || hop.location.file;
    return `${p}:${hop.location.line} (not in the workspace)`;
  }

  /** Opens the snapshot's Retention Graph editor and shows the graph of the given ids. */
  async showGraph(docUri: string, ids: number[], title: string): Promise<void> {
    const doc = this.state?.doc;
    if (!doc || doc.uri.toString() !== docUri) {
      void vscode.window.showInformationMessage('That snapshot is no longer open in Retention Graph.');
      return;
    }
    const view = [...doc.views][0];
    if (!view) return;
    if (view.panel.visible) {
      view.panel.reveal(view.panel.viewColumn);
      view.post({ type: 'showGraph', ids, title });
      return;
    }
    // a hidden webview's page is gone (no retainContextWhenHidden): revealing reloads it, and
    // it can take the message only after it said {type: 'ready'} (the editor answers that first)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), 15_000);
      const sub = view.panel.webview.onDidReceiveMessage((m: FromWebview) => {
        if (m.type === 'ready') done();
      });
      function done(): void {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
      view.panel.reveal(view.panel.viewColumn);
    });
    view.post({ type: 'showGraph', ids, title });
  }

  reveal(): void {
    const view = this.state ? [...this.state.doc.views][0] : undefined;
    view?.panel.reveal(view.panel.viewColumn);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.status.dispose();
    this.lensEmitter.dispose();
  }
}

/** Which of these absolute paths exist as files here (at most 100 distinct are checked). */
async function existing(paths: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Set(paths.filter((p) => p.startsWith('/') || /^[A-Za-z]:\//.test(p)))].slice(0, 100);
  await Promise.all(unique.map(async (p) => {
    try {
      const st = await vscode.workspace.fs.stat(vscode.Uri.file(p));
      if (st.type & vscode.FileType.File) out.add(p);
    } catch {
      // not here
    }
  }));
  return out;
}

/** The whole line of a hint (CodeLens sits above it). */
function lineRange(h: PlacedHint): vscode.Range {
  const line = Math.max(0, h.line - 1);
  return new vscode.Range(line, Math.max(0, h.column - 1), line, Number.MAX_SAFE_INTEGER);
}

/** One hint per (line, suspect): the first, in the engine's order (locations before text search). */
function firstPerSuspectLine(hints: PlacedHint[]): PlacedHint[] {
  const seen = new Set<string>();
  return hints.filter((h) => {
    const k = `${h.line}\u0001${h.finding.className}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Registers the hint store, its providers, commands and listeners. */
export function register(context: vscode.ExtensionContext, editor: HeapSnapshotEditorProvider): HintStore {
  const log = vscode.window.createOutputChannel('Retention Graph Hints', { log: true });
  const store = new HintStore(log);
  const selector: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'vscode-remote' }];
  const refresh = (): void => {
    const doc = store.current?.doc ?? editor.activeView?.doc;
    if (doc) void store.showFor(doc, true);
    else store.clear(false);
  };
  context.subscriptions.push(
    log,
    store,
    vscode.languages.registerCodeLensProvider(selector, store),
    vscode.languages.registerHoverProvider(selector, store),
    editor.onDidActivateView((v) => void store.showFor(v.doc)),
    editor.onDidCloseDocument((d) => store.documentClosed(d)),
    vscode.commands.registerCommand(HINT_COMMANDS.clear, () => store.clear(true)),
    vscode.commands.registerCommand(HINT_COMMANDS.toggle, async () => {
      const c = vscode.workspace.getConfiguration(SECTION);
      await c.update('hints.enabled', !(c.get<boolean>('hints.enabled', true) !== false), vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand(HINT_COMMANDS.showGraph, (docUri: string, ids: number[], title: string) => store.showGraph(docUri, ids, title)),
    vscode.commands.registerCommand(HINT_COMMANDS.reveal, () => store.reveal()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (['hints', 'pathMappings', 'requestLikePatterns', 'paths', 'ignoredEdges'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) refresh();
    }),
  );
  const active = editor.activeView;
  if (active) void store.showFor(active.doc);
  return store;
}
