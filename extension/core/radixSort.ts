// LSD radix sort of a permutation by 32-bit unsigned keys: O(n), stable, typed arrays only.
// Used to order millions of nodes by id (snapshot diff) or location rows by node ordinal, where
// a comparator sort would take seconds and a Map per node would take gigabytes. Keys travel with
// their indexes so every pass reads sequentially (random reads of the key array cost ~10x more).

/** Indexes 0..keys.length-1 ordered by keys[i] ascending (ties keep index order). Two 16-bit passes. */
export function radixOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let key = keys.slice();
  let idx2 = new Uint32Array(n);
  let key2 = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i] >>> shift) & 0xffff]++;
    // skip a pass where every key has the same digit (common for the high half)
    if (n === 0 || counts[(key[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = key[i];
      const slot = counts[(k >>> shift) & 0xffff]++;
      idx2[slot] = idx[i];
      key2[slot] = k;
    }
    let t = idx; idx = idx2; idx2 = t;
    t = key; key = key2; key2 = t;
  }
  return idx;
}
