import { strict as assert } from 'node:assert';
import { filterRows, nextSort, scrollToRow, sortRows, visibleRange, type Column } from '../../webview/tableModel';
import { restoreState, initialState } from '../../webview/state';
import { normaliseColor, localUrl } from '../../webview/svgColors';
import { exportFileName } from '../../webview/exportName';

interface Row { name: string; n: number }
const byN: Column<Row> = { id: 'n', title: 'N', value: (r) => r.n, text: (r) => String(r.n), numeric: true, firstDir: 'desc' };
const byName: Column<Row> = { id: 'name', title: 'Name', value: (r) => r.name, text: (r) => r.name, numeric: false, firstDir: 'asc' };

describe('webview tables', () => {
  const rows: Row[] = [{ name: 'b', n: 2 }, { name: 'A', n: 10 }, { name: 'c', n: 2 }, { name: 'Request', n: 1 }];

  it('filters case-insensitively by substring', () => {
    assert.deepEqual(filterRows(rows, 'REQ', (r) => r.name).map((r) => r.name), ['Request']);
    assert.equal(filterRows(rows, '  ', (r) => r.name).length, 4);
    assert.equal(filterRows(rows, 'zzz', (r) => r.name).length, 0);
  });

  it('sorts numerically and stably, both directions', () => {
    assert.deepEqual(sortRows(rows, byN, 'desc').map((r) => r.name), ['A', 'b', 'c', 'Request']);
    assert.deepEqual(sortRows(rows, byN, 'asc').map((r) => r.name), ['Request', 'b', 'c', 'A']);
    assert.deepEqual(sortRows(rows, byName, 'asc').map((r) => r.name), ['A', 'Request', 'b', 'c']);
    assert.deepEqual(rows.map((r) => r.name), ['b', 'A', 'c', 'Request'], 'input not modified');
  });

  it('flips the direction on the same header and starts fresh on another', () => {
    assert.deepEqual(nextSort({ column: 'n', dir: 'desc' }, 'n', 'desc'), { column: 'n', dir: 'asc' });
    assert.deepEqual(nextSort({ column: 'n', dir: 'asc' }, 'name', 'asc'), { column: 'name', dir: 'asc' });
  });

  it('renders only the rows in view (plus overscan) for any scroll position', () => {
    assert.deepEqual(visibleRange(0, 240, 24, 10_000, 5), { start: 0, end: 16 });
    const mid = visibleRange(24 * 5000, 240, 24, 10_000, 5);
    assert.equal(mid.start, 4995);
    assert.equal(mid.end, 5016);
    assert.ok(mid.end - mid.start < 40, 'a window, not the whole table');
    assert.deepEqual(visibleRange(24 * 20_000, 240, 24, 10_000, 5), { start: 10_000, end: 10_000 });
    assert.deepEqual(visibleRange(0, 240, 24, 0), { start: 0, end: 0 });
    assert.equal(scrollToRow(0, 240, 24, 3), 0);
    assert.equal(scrollToRow(0, 240, 24, 20), 21 * 24 - 240);
    assert.equal(scrollToRow(1000, 240, 24, 2), 48);
  });

  it('sorts and filters 100 000 rows', () => {
    const many: Row[] = [];
    for (let i = 0; i < 100_000; i++) many.push({ name: `Class${(i * 7919) % 100_000}`, n: (i * 31) % 977 });
    const out = sortRows(filterRows(many, 'class1', (r) => r.name), byN, 'desc');
    assert.ok(out.length > 10_000);
    for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].n >= out[i].n);
  });
});

describe('webview persisted state', () => {
  it('restores a valid state and drops malformed parts', () => {
    const s = initialState();
    s.tab = 'graph';
    s.graph = { ids: [1, 2], title: 'Request', expansions: [{ id: 5, tooMany: 35 }], showRootPath: true, zoom: { k: 0.5, x: 10, y: 20 }, selectedId: 2 };
    assert.deepEqual(restoreState(JSON.parse(JSON.stringify(s))), s);
    assert.deepEqual(restoreState(undefined), initialState());
    assert.deepEqual(restoreState({ version: 2, tab: 'graph' }), initialState());
    const bad = restoreState({ version: 1, tab: 'diff', graph: { ids: ['x'] }, classFilter: 3 });
    assert.equal(bad.tab, 'overview', 'no diff tab without a diff');
    assert.equal(bad.graph, undefined);
    assert.equal(bad.classFilter, '');
    const z = restoreState({ version: 1, graph: { ids: [1], title: 't', expansions: [{ id: 'x' }], zoom: { k: 0, x: 1, y: 1 } } });
    assert.deepEqual(z.graph?.expansions, []);
    assert.equal(z.graph?.zoom, undefined);
  });
});

describe('webview SVG export helpers', () => {
  it('normalises computed colours to #rrggbb plus opacity', () => {
    assert.deepEqual(normaliseColor('rgb(255, 0, 16)'), { color: '#ff0010' });
    assert.deepEqual(normaliseColor('rgba(0, 0, 0, 0.5)'), { color: '#000000', opacity: 0.5 });
    assert.deepEqual(normaliseColor('color(srgb 1 0.5 0)'), { color: '#ff8000' });
    assert.deepEqual(normaliseColor('color(srgb 0 0 1 / 0.25)'), { color: '#0000ff', opacity: 0.25 });
    assert.deepEqual(normaliseColor('none'), { color: 'none' });
    assert.deepEqual(normaliseColor('#abc'), { color: '#abc' });
  });

  it('points marker references inside the exported file', () => {
    assert.equal(localUrl('url("http://127.0.0.1:5/webview.html#arrow-cycle")'), 'url(#arrow-cycle)');
    assert.equal(localUrl('url(#arrow-plain)'), 'url(#arrow-plain)');
    assert.equal(localUrl('none'), 'none');
  });

  it('makes safe export file names from untrusted titles', () => {
    assert.equal(exportFileName('Request', 'svg'), 'Request.svg');
    assert.equal(exportFileName('<script>alert(1)</script>', 'dot'), 'script_alert_1_script_.dot');
    assert.equal(exportFileName('../../etc/passwd', 'svg'), 'etc_passwd.svg');
    assert.equal(exportFileName('', 'svg'), 'retention-graph.svg');
    assert.ok(exportFileName('x'.repeat(500), 'svg').length <= 64);
  });
});
