// Pure parts of the virtualised tables: filtering, sorting and which rows are in view.

export type SortDir = 'asc' | 'desc';

export interface SortState {
  column: string;
  dir: SortDir;
}

export interface Column<R> {
  id: string;
  title: string;
  /** value used for sorting (numbers sort numerically, strings by code points) */
  value: (r: R) => number | string;
  /** text shown in the cell */
  text: (r: R) => string;
  numeric: boolean;
  /** direction used on the first click of this column's header */
  firstDir: SortDir;
}

/** Rows whose text (by `key`) contains the filter, case-insensitively; all rows for an empty filter. */
export function filterRows<R>(rows: readonly R[], filter: string, key: (r: R) => string): R[] {
  const f = filter.trim().toLowerCase();
  if (!f) return rows.slice();
  return rows.filter((r) => key(r).toLowerCase().includes(f));
}

/** Stable sort by a column; ties keep the input order. */
export function sortRows<R>(rows: readonly R[], col: Column<R>, dir: SortDir): R[] {
  const idx = rows.map((r, i) => ({ r, i, v: col.value(r) }));
  const sign = dir === 'asc' ? 1 : -1;
  idx.sort((a, b) => {
    let c: number;
    if (typeof a.v === 'number' && typeof b.v === 'number') c = a.v - b.v;
    else {
      const sa = String(a.v);
      const sb = String(b.v);
      c = sa < sb ? -1 : sa > sb ? 1 : 0;
    }
    return c !== 0 ? c * sign : a.i - b.i;
  });
  return idx.map((x) => x.r);
}

/** The sort after clicking a header: same column flips, another column starts at its first direction. */
export function nextSort(current: SortState, column: string, firstDir: SortDir): SortState {
  if (current.column === column) return { column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { column, dir: firstDir };
}

/** Rows [start, end) to render for a scroll position, with `overscan` extra rows on each side. */
export function visibleRange(
  scrollTop: number, viewportHeight: number, rowHeight: number, rowCount: number, overscan = 8,
): { start: number; end: number } {
  if (rowCount <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(rowCount, first - overscan));
  const end = Math.max(start, Math.min(rowCount, first + visible + overscan));
  return { start, end };
}

/** The scrollTop that brings row `i` into view (unchanged when it already is). */
export function scrollToRow(scrollTop: number, viewportHeight: number, rowHeight: number, i: number): number {
  const top = i * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}
