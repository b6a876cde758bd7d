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
