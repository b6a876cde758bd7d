import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { computeRetainers } from '../../extension/core/retainers';

describe('snapshot builder and retainers', () => {
  it('builds a graph and indexes retainers per target', () => {
    const b = new SnapshotBuilder();
    const a = b.obj('A', 16);
    const c = b.obj('C', 24);
    b.gcRoot(a).prop(a, c, 'child').prop(c, a, 'parent');
    const s = b.build();
    assert.equal(s.nodeCount, 4);
    assert.equal(s.edgeCount, 4);
    assert.equal(s.name(a), 'A');
    assert.equal(s.edgeName(s.firstEdge[a]), 'child');
    assert.equal(s.edgeFrom(s.firstEdge[c]), c);
    const r = computeRetainers(s);
    const of = (n: number) => Array.from(r.retainerNode.subarray(r.firstRetainer[n], r.firstRetainer[n + 1])).sort();
    assert.deepEqual(of(a), [b.gcRoots, c].sort());
    assert.deepEqual(of(c), [a]);
    assert.deepEqual(of(b.root), []);
  });
});

import { analyze } from '../../extension/core/analysis';
describe('analysis pipeline (skeleton)', () => {
  it('computes distances, dominators and retained sizes on a diamond', () => {
    const b = new SnapshotBuilder();
    const top = b.obj('Top', 1);
    const l = b.obj('L', 2);
    const r = b.obj('R', 4);
    const bottom = b.obj('Bottom', 8);
    b.gcRoot(top).prop(top, l, 'l').prop(top, r, 'r').prop(l, bottom, 'x').prop(r, bottom, 'y');
    const a = analyze(b.build());
    assert.equal(a.distances[bottom], 4);
    assert.equal(a.dominators[bottom], top);
    assert.equal(a.retainedSizes[top], 15);
    assert.equal(a.retainedSizes[l], 2);
  });
});
