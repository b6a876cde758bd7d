// The `retentionGraph.*` settings that change what the engine reports, read into AnalysisSettings.
import * as vscode from 'vscode';
import type { AnalysisSettings } from '../core/results';

export const SECTION = 'retentionGraph';

/** Current analysis settings (package.json defaults when unset). */
export function readSettings(scope?: vscode.Uri): AnalysisSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const strings = (key: string): string[] => (c.get<unknown[]>(key) ?? []).filter((x): x is string => typeof x === 'string');
  const positive = (key: string, dflt: number): number => {
    const v = c.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : dflt;
  };
  return {
    requestLikePatterns: strings('requestLikePatterns'),
    maxDepth: positive('maxDepth', 3),
    tooMany: positive('tooMany', 10),
    ignoredEdges: strings('ignoredEdges'),
    paths: positive('paths', 3),
  };
}

/** Calls `listener` when any analysis setting changes. */
export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (['requestLikePatterns', 'maxDepth', 'tooMany', 'ignoredEdges', 'paths'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) listener();
  });
}
