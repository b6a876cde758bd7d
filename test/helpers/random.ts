// Deterministic pseudo-random integers for the random-graph tests (an LCG: the same seed gives the
// same graphs on every run, so a failure names a reproducible round).

/** rnd(k): the next integer in [0, k) of the sequence started by `seed`. */
export function seededInts(seed: number): (k: number) => number {
  let s = seed >>> 0;
  return (k: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
}
