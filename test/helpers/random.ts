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

/**
 * A WeakMap edge name in V8's form ("<n> / part of key (K @k) -> value (V @v) pair in WeakMap
 * (table @t)") with class names from `parts`, then, three times in four, a near miss: one character
 * deleted, one of `inserts` inserted, or the end cut off.
 */
export function weakMapNameOrNearMiss(rnd: (k: number) => number, parts: readonly string[], table: string, inserts: readonly string[]): string {
  const pick = <T>(a: readonly T[]) => a[rnd(a.length)];
  let s = `${rnd(20)} / part of key (${pick(parts)} @${rnd(999)}) -> value (${pick(parts)} @${rnd(99999)}) pair in WeakMap (table @${table})`;
  const m = rnd(4);
  if (m === 1) {
    const at = rnd(s.length);
    s = s.slice(0, at) + s.slice(at + 1);
  } else if (m === 2) {
    const at = rnd(s.length);
    s = s.slice(0, at) + pick(inserts) + s.slice(at);
  } else if (m === 3) {
    s = s.slice(0, s.length - 1 - rnd(5));
  }
  return s;
}
