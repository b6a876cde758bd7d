// A growable list of uint32 values in a typed array (node ordinals, edge ordinals, pairs of them).
import { mappedBuffer } from './scratch';

/** Values in items[0 .. length), doubling the array when full. */
export class U32List {
  items = new Uint32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.items.length) {
      // mapped from 1 MiB on, so the outgrown arrays' memory goes back (scratch.ts)
      const b = new Uint32Array(mappedBuffer(8 * this.length), 0, this.length * 2);
      b.set(this.items);
      this.items = b;
    }
    this.items[this.length++] = v;
  }
}
