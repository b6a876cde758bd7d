// Types of the module scripts/bench.mjs generates at bench time (see buildOurs there): the snapshot
// loader in use and the optional phases after analyze() that exist in this checkout.
import type { HeapSnapshot } from '../../extension/core/model';
import type { Analysis } from '../../extension/core/analysis';

export declare function load(file: string): Promise<HeapSnapshot>;
/** analyze() (one thread) or parallelAnalysis.analyzeSnapshot (two threads, cycles included) */
export declare function analyzeAll(snap: HeapSnapshot): Promise<Analysis>;
export declare const extraPhases: Array<[string, (a: Analysis) => unknown]>;
