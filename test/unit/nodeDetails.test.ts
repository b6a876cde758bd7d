import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze } from '../../extension/core/analysis';
import { getNodeDetails, MAX_DETAIL_RETAINERS } from '../../extension/core/nodeDetails';
import { PY_GARBAGE, PY_MODULES, PY_STACKS, PY_UNREACHABLE } from '../../extension/core/python';

describe('nodeDetails: one node for the side panel', () => {
  it('reports identity, sizes, distance, dominator and retainers sorted by distance', () => {
    const b = new SnapshotBuilder();
    const holder = b.obj('Holder', 16);
    const mid = b.obj('Mid', 8);
    const t = b.obj('Target', 40);
    const child = b.obj('Child', 24);
    const w = b.obj('WeakRef', 4);
    b.gcRoot(holder).gcRoot(w).prop(holder, mid, 'mid').prop(mid, t, 'far').prop(holder, t, 'near').prop(t, child, 'child');
    b.edge(w, t, 'weak', 'target');
    const s = b.build();
    const a = analyze(s);
    const d = getNodeDetails(a, t);
    assert.equal(d.id, s.nodeId[t]);
    assert.equal(d.type, 'object');
    assert.equal(d.className, 'Target');
    assert.equal(d.name, 'Target');
    assert.equal(d.label, `@${s.nodeId[t]}`);
    assert.equal(d.selfSize, 40);
    assert.equal(d.retainedSize, 64);
    assert.equal(d.distance, a.distances[holder] + 1);
    assert.equal(d.dominatorId, s.nodeId[holder]);
    assert.equal(d.cyclicGarbage, false);
    assert.equal(d.retainerCount, 3);
    assert.deepEqual(d.retainers.map((r) => [r.fromClass, r.edgeType, r.edgeName]), [
      ['Holder', 'property', 'near'],
      ['Mid', 'property', 'far'],
      ['WeakRef', 'weak', 'target'], // weak retainers last
    ]);
    assert.equal(d.retainers[0].fromId, s.nodeId[holder]);
    assert.equal(d.retainers[0].fromDistance, a.distances[holder]);
    assert.equal(d.location, undefined);
    assert.equal(d.allocationStack, undefined);
    assert.throws(() => getNodeDetails(a, s.nodeCount), RangeError);
  });

  it('caps the retainer list at 200, closest first', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('T');
    const far: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const h = b.obj('H');
      if (i % 10 === 0) b.gcRoot(h);
      else { const m = b.obj('M'); b.gcRoot(m).prop(m, h, 'h'); far.push(h); }
      b.prop(h, t, `r${i}`);
    }
    const s = b.build();
    const d = getNodeDetails(analyze(s), t);
    assert.equal(d.retainers.length, MAX_DETAIL_RETAINERS);
    assert.equal(d.retainerCount, 1500);
    const dists = d.retainers.map((r) => r.fromDistance);
    assert.deepEqual(dists, [...dists].sort((x, y) => x - y));
    // the 150 direct gc-root holders come first
    assert.equal(dists.filter((x) => x === dists[0]).length, 150);
    assert.deepEqual(d.retainers.slice(0, 3).map((r) => r.edgeName), ['r0', 'r10', 'r20']);
  });

  it('marks Python cyclic garbage and gives frames their file:line', () => {
    const b = new SnapshotBuilder();
    const groups = [PY_MODULES, PY_STACKS, PY_GARBAGE, PY_UNREACHABLE].map((n) => b.node('synthetic', n, { selfSize: 0 }));
    groups.forEach((g, i) => b.edge(b.root, g, 'element', i + 2));
    const mod = b.obj('module app');
    b.prop(groups[0], mod, 'app');
    const live = b.obj('dict');
    b.prop(mod, live, '__dict__');
    const req = b.obj('aiohttp.web_request.Request');
    const frame = b.obj('frame RequestHandler._handle_request web_protocol.py:467');
    b.edge(groups[2], req, 'element', 0).prop(req, frame, '_frame').edge(frame, req, 'context', 'request');
    const s = b.build();
    const a = analyze(s);
    assert.equal(getNodeDetails(a, req).cyclicGarbage, true);
    assert.equal(getNodeDetails(a, live).cyclicGarbage, false);
    const f = getNodeDetails(a, frame);
    assert.equal(f.cyclicGarbage, true);
    assert.equal(f.label, 'web_protocol.py:467');
    assert.deepEqual(f.location, { file: 'web_protocol.py', line: 467, column: 0, kind: 'frame' });
    assert.deepEqual(getNodeDetails(a, req).retainers.map((r) => [r.fromLabel, r.edgeType, r.edgeName]),
      [['(Python gc.garbage)', 'element', '0'], ['web_protocol.py:467', 'context', 'request']]);
  });
});
