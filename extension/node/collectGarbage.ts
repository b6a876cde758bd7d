// A full V8 garbage collection on request, for the analysis threads (extension/node only: core
// stays free of V8 specifics).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let gcFunction: (() => void) | null | undefined;

/**
 * A full garbage collection now, when this V8 lets us ask for one (`--expose-gc` set at run time,
 * `gc` taken from a new context). The analysis drops big typed arrays between phases while its
 * JS heap stays tiny (5 MB at 1 GB), so V8 would free their memory only seconds later, after the
 * next phase has allocated its own: collecting at the phase boundaries lowers the peak. A
 * collection of such a heap takes a few milliseconds.
 */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFunction = null;
    }
  }
  gcFunction?.();
}
