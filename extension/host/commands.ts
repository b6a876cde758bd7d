// The "Retention Graph: …" commands. Analyze opens our custom editor; the others act on the active
// Retention Graph editor (their `when` clauses in package.json hide them otherwise).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { VIEW_TYPE, type HeapSnapshotEditorProvider, type SnapshotView } from './heapSnapshotEditor';
import { formatBytes } from '../core/format';

export const COMMANDS = {
  analyze: 'retentionGraph.analyze',
  /** the editor-title / explorer button: same as analyze, always with a file */
  openInRetentionGraph: 'retentionGraph.openInRetentionGraph',
  findRequestLike: 'retentionGraph.findRequestLike',
  showRetainers: 'retentionGraph.showRetainers',
  compare: 'retentionGraph.compare',
  exportGraph: 'retentionGraph.exportGraph',
} as const;

const SNAPSHOT_FILTER = { 'Heap snapshots': ['heapsnapshot'] };

/** Registers every command; `provider` gives the active view. */
export function register(context: vscode.ExtensionContext, provider: HeapSnapshotEditorProvider): void {
  const withView = (f: (v: SnapshotView) => Promise<void> | void) => async () => {
    const v = provider.activeView;
    if (!v) {
      void vscode.window.showInformationMessage('Open a heap snapshot in Retention Graph first.');
      return;
    }
    await f(v);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.analyze, analyze),
    vscode.commands.registerCommand(COMMANDS.openInRetentionGraph, analyze),
    vscode.commands.registerCommand(COMMANDS.findRequestLike, withView(findRequestLike)),
    vscode.commands.registerCommand(COMMANDS.showRetainers, withView(showRetainers)),
    vscode.commands.registerCommand(COMMANDS.compare, withView(compare)),
    vscode.commands.registerCommand(COMMANDS.exportGraph, withView(exportGraph)),
  );
}

/**
 * Opens a snapshot in Retention Graph: the given file (explorer / editor-title button), else one
 * picked in a file dialog that starts at the snapshot shown in the active tab, if any.
 */
async function analyze(uri?: vscode.Uri): Promise<void> {
  let target = uri instanceof vscode.Uri ? uri : undefined;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false, filters: SNAPSHOT_FILTER, title: 'Analyze Heap Snapshot', openLabel: 'Analyze',
      defaultUri: activeSnapshotUri(),
    });
    if (!picked?.length) return;
    target = picked[0];
  }
  await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
}

/** The .heapsnapshot file of the active tab (any editor), if it shows one. */
function activeSnapshotUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri?.path.endsWith('.heapsnapshot') ? uri : undefined;
}

async function findRequestLike(v: SnapshotView): Promise<void> {
  const s = v.doc.state;
  if (s.kind !== 'loaded') {
    void vscode.window.showInformationMessage(s.kind === 'loading' ? 'The snapshot is still being analysed.' : 'The snapshot could not be analysed.');
    return;
  }
  const suspects = s.summary.suspects;
  if (suspects.length === 0) {
    void vscode.window.showInformationMessage('No Request-like objects found (patterns: retentionGraph.requestLikePatterns).');
    return;
  }
  const pick = await vscode.window.showQuickPick(suspects.map((x) => ({
    label: x.name,
    description: `${x.count} alive · ${formatBytes(x.retainedSize)} retained${x.inCycle ? ` · ${x.inCycle} on a cycle` : ''}`,
    detail: x.explanation,
    ids: x.exampleIds,
  })), { title: 'Request-like objects', placeHolder: 'Pick a class to show its retention graph', matchOnDetail: true });
  if (pick) v.post({ type: 'showGraph', ids: pick.ids.slice(0, 1), title: pick.label });
}

async function showRetainers(v: SnapshotView): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: 'Show Retainers of Object', prompt: 'Node id of the object, as DevTools shows it (e.g. @12345)', placeHolder: '@12345',
    validateInput: (t) => (parseNodeId(t) === undefined ? 'Enter a node id like @12345' : undefined),
  });
  const id = text === undefined ? undefined : parseNodeId(text);
  if (id === undefined) return;
  const r = await v.doc.request({ kind: 'details', id });
  if ('err' in r) {
    void vscode.window.showErrorMessage(`@${id}: ${r.err.message}`);
    return;
  }
  v.post({ type: 'showGraph', ids: [id], title: `@${id}` });
}

/** "@123", "123" → 123 */
export function parseNodeId(text: string): number | undefined {
  const m = /^\s*@?(\d{1,10})\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 0xffffffff ? n : undefined;
}

async function compare(v: SnapshotView): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, filters: SNAPSHOT_FILTER, title: `Compare ${v.doc.fileName} with…`, openLabel: 'Compare',
    defaultUri: vscode.Uri.joinPath(v.doc.uri, '..'),
  });
  if (!picked?.length) return;
  const other = picked[0];
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Retention Graph: comparing with ${path.basename(other.fsPath)}` },
    () => v.doc.request({ kind: 'diff', otherPath: other.fsPath }),
  );
  if ('err' in r) {
    void vscode.window.showErrorMessage(`Compare failed: ${r.err.message}`);
    return;
  }
  v.post({ type: 'showDiff', diff: r.ok, otherFileName: path.basename(other.fsPath) });
  v.panel.reveal();
}

async function exportGraph(v: SnapshotView): Promise<void> {
  const pick = await vscode.window.showQuickPick([
    { label: 'SVG', description: 'the graph as drawn', format: 'svg' as const },
    { label: 'DOT', description: 'Graphviz source (render with `dot -Tpng`)', format: 'dot' as const },
  ], { title: 'Export Graph' });
  if (pick) v.post({ type: 'exportGraph', format: pick.format });
}

