// Diff tab: per-class changes between this snapshot and another ("Compare With Another Snapshot").
import type { DiffResult, DiffRow } from '../extension/core/results';
import { h } from './dom';
import { formatByteDelta, formatBytes, formatCount, formatCountDelta, singleLine, truncate } from './format';
import type { Column, SortState } from './tableModel';
import { VirtualTable } from './virtualTable';

export const DIFF_COLUMNS: Column<DiffRow>[] = [
  { id: 'name', title: 'Class', value: (r) => r.name, text: (r) => truncate(singleLine(r.name), 200), numeric: false, firstDir: 'asc' },
  { id: 'newCount', title: '# New', value: (r) => r.newCount, text: (r) => formatCount(r.newCount), numeric: true, firstDir: 'desc' },
  { id: 'deletedCount', title: '# Deleted', value: (r) => r.deletedCount, text: (r) => formatCount(r.deletedCount), numeric: true, firstDir: 'desc' },
  { id: 'countDelta', title: '# Delta', value: (r) => r.countDelta, text: (r) => formatCountDelta(r.countDelta), numeric: true, firstDir: 'desc' },
  { id: 'countAfter', title: 'Count', value: (r) => r.countAfter, text: (r) => formatCount(r.countAfter), numeric: true, firstDir: 'desc' },
  { id: 'sizeBefore', title: 'Size before', value: (r) => r.sizeBefore, text: (r) => formatBytes(r.sizeBefore), numeric: true, firstDir: 'desc' },
  { id: 'sizeAfter', title: 'Size after', value: (r) => r.sizeAfter, text: (r) => formatBytes(r.sizeAfter), numeric: true, firstDir: 'desc' },
  { id: 'sizeDelta', title: 'Size delta', value: (r) => r.sizeDelta, text: (r) => formatByteDelta(r.sizeDelta), numeric: true, firstDir: 'desc' },
];

export interface DiffHandlers {
  state(sort: SortState, filter: string): void;
  openNew(name: string, ids: number[]): void;
}

export class DiffView {
  readonly element: HTMLElement;
  private readonly caption = h('p', { class: 'diff-caption' });
  private table: VirtualTable<DiffRow>;
  private diff: DiffResult | null = null;

  constructor(handlers: DiffHandlers, sort: SortState, filter: string) {
    this.table = new VirtualTable<DiffRow>({
      columns: DIFF_COLUMNS,
      filterKey: (r) => r.name,
      label: 'Per-class changes',
      sort,
      filter,
      onStateChange: (s, f) => handlers.state(s, f),
      onActivate: (r) => {
        const ids = this.diff?.newIds[r.name] ?? [];
        if (ids.length) handlers.openNew(r.name, ids);
      },
      rowTitle: (r) => `${r.name}: Enter or click shows the retention graph of new instances (if any)`,
    });
    this.element = h('section', { class: 'diff' }, this.caption, this.table.element);
  }

  render(diff: DiffResult, otherFileName: string, fileName: string): void {
    this.diff = diff;
    let grew = 0;
    for (const r of diff.rows) if (r.countDelta > 0) grew++;
    this.caption.textContent = `${fileName} compared with ${otherFileName}: ${formatCount(diff.rows.length)} classes changed, ${formatCount(grew)} grew.`;
    this.table.setRows(diff.rows);
  }
}
