// Column-by-column comparison of two HeapSnapshots (parser tests).
import { strict as assert } from 'node:assert';
import type { HeapSnapshot } from '../../extension/core/model';

const COLUMNS = ['nodeType', 'nodeName', 'nodeId', 'nodeSelfSize', 'nodeTraceId', 'nodeDetachedness', 'firstEdge',
  'edgeType', 'edgeNameOrIndex', 'edgeTo'] as const;

/** Asserts every column, the strings and the meta of a equal those of b. */
export function assertSameSnapshot(a: HeapSnapshot, b: HeapSnapshot, label = ''): void {
  assert.equal(a.nodeCount, b.nodeCount, `${label} nodeCount`);
  assert.equal(a.edgeCount, b.edgeCount, `${label} edgeCount`);
  for (const k of COLUMNS) {
    const x = a[k];
    const y = b[k];
    if (x === null || y === null) {
      assert.equal(x, y, `${label} ${k}`);
      continue;
    }
    assert.equal(x.constructor, y.constructor, `${label} ${k} type`);
    assert.equal(x.length, y.length, `${label} ${k} length`);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) assert.fail(`${label} ${k}[${i}]: ${x[i]} !== ${y[i]}`);
    }
  }
  assert.deepEqual(a.strings.toArray(), b.strings.toArray(), `${label} strings`);
  assert.deepEqual(a.meta.nodeFields, b.meta.nodeFields);
  assert.deepEqual(a.meta.edgeFields, b.meta.edgeFields);
  assert.deepEqual(a.meta.nodeTypes, b.meta.nodeTypes);
  assert.deepEqual(a.meta.edgeTypes, b.meta.edgeTypes);
}
