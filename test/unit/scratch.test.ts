// Mapped buffers and scratch blocks (extension/core/scratch.ts): sizes, padding, carving.
import { strict as assert } from 'node:assert';
import { MAPPED_BYTES, mappedBuffer, mappedSharedBuffer, ScratchBlock } from '../../extension/core/scratch';

describe('mapped buffers and scratch blocks', () => {
  it('pads buffers from 1 MiB up to more than glibc\'s largest mmap threshold, and no others', () => {
    assert.ok(MAPPED_BYTES > 32 * 1024 * 1024);
    assert.equal(mappedBuffer(0).byteLength, 0);
    assert.equal(mappedBuffer((1 << 20) - 1).byteLength, (1 << 20) - 1);
    assert.equal(mappedBuffer(1 << 20).byteLength, MAPPED_BYTES);
    assert.equal(mappedBuffer(MAPPED_BYTES - 1).byteLength, MAPPED_BYTES);
    assert.equal(mappedBuffer(MAPPED_BYTES + 5).byteLength, MAPPED_BYTES + 5);
    const s = mappedSharedBuffer(3 << 20);
    assert.ok(s instanceof SharedArrayBuffer);
    assert.equal(s.byteLength, MAPPED_BYTES);
    assert.equal(mappedSharedBuffer(100).byteLength, 100);
  });

  it('carves aligned, disjoint, zeroed arrays and refuses to overflow', () => {
    const b = new ScratchBlock(3 + 4 * 5 + 4 * 2 + 3 * 7);
    const a = b.u8(3);
    const x = b.u32(5);
    const y = b.i32(2);
    for (const v of [x, y]) assert.equal(v.byteOffset % 8, 0);
    assert.deepEqual([...a, ...x, ...y], new Array(10).fill(0));
    a.fill(255);
    x.fill(0xffffffff);
    y.fill(-1);
    // nothing overlaps: each array still holds its own values
    assert.deepEqual([...a], [255, 255, 255]);
    assert.deepEqual([...x], new Array(5).fill(0xffffffff));
    assert.deepEqual([...y], [-1, -1]);
    assert.throws(() => b.u32(4), /full/);
    assert.equal(b.u32(3).length, 3, "what is left still fits");
    // a block of 1 MiB or more lies in a mapped buffer; its arrays cover only what was asked
    const big = new ScratchBlock(1 << 20);
    assert.equal(big.buffer.byteLength, MAPPED_BYTES);
    assert.equal(big.u32(1000).length, 1000);
  });
});
