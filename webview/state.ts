// The webview's UI state, kept with vscode.getState/setState so hiding and showing the editor
// (which destroys and recreates the webview document) restores the same view.
import type { DiffResult } from '../extension/core/results';
import type { Expansion } from './graphModel';
import type { SortState } from './tableModel';

export type Tab = 'overview' | 'graph' | 'diff';

export interface ZoomState {
  k: number;
  x: number;
  y: number;
}

export interface GraphState {
  /** the targets asked for (node ids) */
  ids: number[];
  title: string;
  /** retainer expansions applied on top of the engine's graph, in order */
  expansions: Expansion[];
  selectedId?: number;
  showRootPath: boolean;
  zoom?: ZoomState;
}

export interface UiState {
  version: 1;
  tab: Tab;
  selectedSuspect?: string;
  graph?: GraphState;
  classSort: SortState;
  classFilter: string;
  diff?: { diff: DiffResult; otherFileName: string };
  diffSort: SortState;
  diffFilter: string;
}

export function initialState(): UiState {
  return {
    version: 1,
    tab: 'overview',
    classSort: { column: 'retainedSize', dir: 'desc' },
    classFilter: '',
    diffSort: { column: 'sizeDelta', dir: 'desc' },
    diffFilter: '',
  };
}

/** Accepts a stored state if it has the current shape, else starts fresh (never throws). */
export function restoreState(raw: unknown): UiState {
  const s = initialState();
  if (!raw || typeof raw !== 'object' || (raw as { version?: unknown }).version !== 1) return s;
  const r = raw as Partial<UiState>;
  if (r.tab === 'overview' || r.tab === 'graph' || (r.tab === 'diff' && r.diff)) s.tab = r.tab;
  if (typeof r.selectedSuspect === 'string') s.selectedSuspect = r.selectedSuspect;
  if (r.graph && Array.isArray(r.graph.ids) && r.graph.ids.every((x) => typeof x === 'number')) {
    s.graph = {
      ids: r.graph.ids,
      title: typeof r.graph.title === 'string' ? r.graph.title : '',
      expansions: Array.isArray(r.graph.expansions)
        ? r.graph.expansions.filter((x) => x && typeof x.id === 'number' && typeof x.tooMany === 'number')
        : [],
      showRootPath: !!r.graph.showRootPath,
    };
    if (typeof r.graph.selectedId === 'number') s.graph.selectedId = r.graph.selectedId;
    const z = r.graph.zoom;
    if (z && [z.k, z.x, z.y].every((v) => typeof v === 'number' && Number.isFinite(v)) && z.k > 0) s.graph.zoom = { k: z.k, x: z.x, y: z.y };
  }
  if (r.classSort && typeof r.classSort.column === 'string') s.classSort = r.classSort;
  if (typeof r.classFilter === 'string') s.classFilter = r.classFilter;
  if (r.diff && Array.isArray(r.diff.diff?.rows)) s.diff = r.diff;
  if (r.diffSort && typeof r.diffSort.column === 'string') s.diffSort = r.diffSort;
  if (typeof r.diffFilter === 'string') s.diffFilter = r.diffFilter;
  return s;
}
