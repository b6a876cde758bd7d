import { strict as assert } from 'node:assert';
import {
  depthShade, edgeLabel, formatByteDelta, formatBytes, formatCount, formatCountDelta, nodeLines, nodeTooltip,
  progressPercent, singleLine, truncate, MAX_BOX_CHARS,
} from '../../webview/format';
import type { GraphNode } from '../../extension/core/results';

const node = (over: Partial<GraphNode> = {}): GraphNode => ({
  key: '7', id: 7, kind: 'node', type: 'object', className: 'Request', label: 'GET /missing', selfSize: 320,
  retainedSize: 1740, distance: 4, depth: 0, isTarget: true, isRoot: false, ...over,
});

describe('webview formatting', () => {
  it('formats bytes with decimal units and three significant digits', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1000), '1.00 kB');
    assert.equal(formatBytes(1234), '1.23 kB');
    assert.equal(formatBytes(12345), '12.3 kB');
    assert.equal(formatBytes(123456), '123 kB');
    assert.equal(formatBytes(999_999), '1.00 MB'); // rounds up into the next unit, not "1000 kB"
    assert.equal(formatBytes(2.5e9), '2.50 GB');
    assert.equal(formatBytes(-1500), '-1.50 kB');
    assert.equal(formatBytes(Number.NaN), '—');
    assert.equal(formatByteDelta(1500), '+1.50 kB');
    assert.equal(formatByteDelta(0), '0 B');
  });

  it('groups counts by thousands independent of the locale', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1000), '1\u202f000');
    assert.equal(formatCount(14_000_000), '14\u202f000\u202f000');
    assert.equal(formatCount(-12345), '-12\u202f345');
    assert.equal(formatCountDelta(3), '+3');
    assert.equal(formatCountDelta(-3), '-3');
  });

  it('truncates with an ellipsis and keeps one line', () => {
    assert.equal(truncate('abcdef', 10), 'abcdef');
    assert.equal(truncate('abcdefghijkl', 5), 'abcd…');
    assert.equal(truncate('abcdefghijkl', 5).length, 5);
    assert.equal(singleLine('a\nb\tc\u0000d\u202ee'), 'a\\nb\\tc\\u0000d\\u202ee');
  });

  it('draws boxes as objgraph does: class on top, short value below', () => {
    assert.deepEqual(nodeLines(node()), ['Request', 'GET /missing']);
    // objgraph headings: the short type name, the value/site on the second line
    assert.deepEqual(nodeLines(node({ className: 'aiohttp.web_request.Request' })), ['Request', 'GET /missing']);
    assert.deepEqual(nodeLines(node({ className: 'frame _handle_request web_protocol.py:467', label: 'web_protocol.py:467' })),
      ['frame', 'web_protocol.py:467']);
    const long = 'x'.repeat(200);
    const [a, b] = nodeLines(node({ className: long, label: `line1\nline2${long}` }));
    assert.equal(a.length, MAX_BOX_CHARS);
    assert.ok(a.endsWith('…'));
    assert.ok(b.startsWith('line1\\nline2'));
    assert.ok(!b.includes('\n'));
    assert.deepEqual(nodeLines(node({ kind: 'more', key: 'more:7', moreCount: 1234, moreIds: [1, 2] })), ['1\u202f234 more', 'click to expand']);
    // a fold box without a count falls back to its id list
    assert.equal(nodeLines(node({ kind: 'more', moreIds: [1, 2, 3] }))[0], '3 more');
    const tip = nodeTooltip(node());
    assert.match(tip, /@7/);
    assert.match(tip, /retained 1\.74 kB/);
    assert.match(tip, /target/);
    assert.match(nodeTooltip(node({ distance: -1 })), /not reachable/);
  });

  it('labels edges by property name, key or index', () => {
    assert.equal(edgeLabel('property', '_match_info'), '_match_info');
    assert.equal(edgeLabel('element', '3'), '[3]');
    assert.equal(edgeLabel('hidden', '0'), '[0]');
    assert.equal(edgeLabel('context', 'request'), 'request');
    assert.equal(edgeLabel('more', ''), '');
    assert.equal(edgeLabel('property', 'a\nb'), 'a\\nb');
  });

  it('shades by depth, capped, and computes progress percentages', () => {
    assert.deepEqual([0, 1, 2, 5, 9, -1].map(depthShade), [0, 1, 2, 5, 5, 5]);
    assert.equal(progressPercent(5, 10), 50);
    assert.equal(progressPercent(20, 10), 100);
    assert.equal(progressPercent(1, 0), undefined);
  });
});
