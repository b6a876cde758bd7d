// A sortable, filterable table that renders only the rows in view (fixed row height), so tens of
// thousands of rows scroll smoothly. Rows are focusable; arrow keys move, Enter activates.
import { h, clear } from './dom';
import { filterRows, nextSort, scrollToRow, sortRows, visibleRange, type Column, type SortState } from './tableModel';

export const ROW_HEIGHT = 24;

export interface VirtualTableOptions<R> {
  columns: Column<R>[];
  /** text the filter box matches against */
  filterKey: (r: R) => string;
  label: string;
  sort: SortState;
  filter: string;
  onStateChange(sort: SortState, filter: string): void;
  /** Enter / click on a row; omit for read-only rows */
  onActivate?: (r: R) => void;
  rowTitle?: (r: R) => string;
}

export class VirtualTable<R> {
  readonly element: HTMLElement;
  private rows: R[] = [];
  private view: R[] = [];
  private sort: SortState;
  private filter: string;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly count: HTMLElement;
  private readonly headerButtons = new Map<string, HTMLButtonElement>();
  private focusIndex = -1;
  private raf = 0;

  constructor(private opts: VirtualTableOptions<R>) {
    this.sort = opts.sort;
    this.filter = opts.filter;
    const input = h('input', {
      class: 'filter',
      attrs: { type: 'search', placeholder: 'Filter by name…', 'aria-label': `Filter ${opts.label}`, spellcheck: 'false' },
    });
    input.value = this.filter;
    input.addEventListener('input', () => {
      this.filter = input.value;
      this.refresh();
      this.opts.onStateChange(this.sort, this.filter);
    });
    this.count = h('span', { class: 'row-count' });
    const header = h('div', { class: 'vt-header', attrs: { role: 'row' } });
    for (const c of opts.columns) {
      const b = h('button', {
        class: `vt-sort${c.numeric ? ' num' : ''}`,
        attrs: { type: 'button', role: 'columnheader', 'data-column': c.id },
        text: c.title,
      });
      b.addEventListener('click', () => {
        this.sort = nextSort(this.sort, c.id, c.firstDir);
        this.refresh();
        this.opts.onStateChange(this.sort, this.filter);
      });
      this.headerButtons.set(c.id, b);
      header.append(b);
    }
    this.spacer = h('div', { class: 'vt-spacer' });
    this.body = h('div', { class: 'vt-rows', attrs: { role: 'rowgroup' } });
    this.spacer.append(this.body);
    this.scroller = h('div', { class: 'vt-scroll', attrs: { tabindex: '-1' } }, this.spacer);
    this.scroller.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
    this.element = h('div', { class: 'vtable', attrs: { role: 'table', 'aria-label': opts.label } },
      h('div', { class: 'vt-toolbar' }, input, this.count), header, this.scroller);
    this.body.addEventListener('keydown', (ev) => this.onKey(ev));
    // remember the focused row so re-rendering (on scroll) can give it the focus back
    this.body.addEventListener('focusin', (ev) => {
      const i = Number((ev.target as HTMLElement).dataset.index ?? -1);
      if (i >= 0) this.focusIndex = i;
    });
  }

  setRows(rows: R[]): void {
    this.rows = rows;
    this.refresh();
  }

  /** The rows currently listed (filtered and sorted), for tests and keyboard moves. */
  get visibleRows(): readonly R[] {
    return this.view;
  }

  private refresh(): void {
    const col = this.opts.columns.find((c) => c.id === this.sort.column) ?? this.opts.columns[0];
    this.view = sortRows(filterRows(this.rows, this.filter, this.opts.filterKey), col, this.sort.dir);
    for (const [id, b] of this.headerButtons) {
      const active = id === col.id;
      b.setAttribute('aria-sort', active ? (this.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
      b.classList.toggle('sorted', active);
      b.dataset.dir = active ? this.sort.dir : '';
    }
    this.count.textContent = this.view.length === this.rows.length
      ? `${this.rows.length} rows`
      : `${this.view.length} of ${this.rows.length} rows`;
    this.spacer.style.height = `${this.view.length * ROW_HEIGHT}px`;
    this.focusIndex = Math.min(this.focusIndex, this.view.length - 1);
    this.render();
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private render(): void {
    const { start, end } = visibleRange(this.scroller.scrollTop, this.scroller.clientHeight || 400, ROW_HEIGHT, this.view.length);
    const hadFocus = this.body.contains(document.activeElement);
    clear(this.body);
    this.body.style.transform = `translateY(${start * ROW_HEIGHT}px)`;
    // one row is in the tab order (roving tabindex): the focused one if rendered, else the first in view
    const tabRow = this.focusIndex >= start && this.focusIndex < end ? this.focusIndex : start;
    for (let i = start; i < end; i++) {
      const r = this.view[i];
      const row = h('div', {
        class: `vt-row${i % 2 ? ' odd' : ''}`,
        attrs: { role: 'row', tabindex: i === tabRow ? '0' : '-1', 'data-index': String(i) },
      });
      if (this.opts.rowTitle) row.title = this.opts.rowTitle(r);
      for (const c of this.opts.columns) {
        row.append(h('span', { class: `vt-cell${c.numeric ? ' num' : ''}`, attrs: { role: 'cell' }, text: c.text(r) }));
      }
      row.addEventListener('click', () => {
        this.focusIndex = i;
        this.opts.onActivate?.(r);
      });
      this.body.append(row);
    }
    if (hadFocus && this.focusIndex >= start && this.focusIndex < end) {
      (this.body.children[this.focusIndex - start] as HTMLElement | undefined)?.focus({ preventScroll: true });
    }
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement;
    const i = Number(target.dataset.index ?? -1);
    if (i < 0) return;
    let next = i;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    if (ev.key === 'ArrowDown') next = i + 1;
    else if (ev.key === 'ArrowUp') next = i - 1;
    else if (ev.key === 'PageDown') next = i + page;
    else if (ev.key === 'PageUp') next = i - page;
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = this.view.length - 1;
    else if (ev.key === 'Enter') {
      this.opts.onActivate?.(this.view[i]);
      ev.preventDefault();
      return;
    } else return;
    ev.preventDefault();
    next = Math.max(0, Math.min(this.view.length - 1, next));
    this.focusIndex = next;
    this.scroller.scrollTop = scrollToRow(this.scroller.scrollTop, this.scroller.clientHeight, ROW_HEIGHT, next);
    this.render();
    const el = this.body.querySelector<HTMLElement>(`[data-index="${next}"]`);
    el?.focus({ preventScroll: true });
  }
}
