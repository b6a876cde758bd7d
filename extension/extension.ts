// Entry of dist/extension.js. activate() is the table of contents: each feature registers itself
// and owns its disposables.
import * as vscode from 'vscode';
import { HeapSnapshotEditorProvider } from './host/heapSnapshotEditor';
import * as commands from './host/commands';
import * as hints from './hints/hints';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Retention Graph', { log: true });
  context.subscriptions.push(log);
  const editor = HeapSnapshotEditorProvider.register(context, log);
  commands.register(context, editor);
  hints.register(context, editor);
}

export function deactivate(): void {
  // every worker is ended by its document's dispose, which VS Code calls on shutdown
}
