// Source anchors of leak findings: for each Request-like suspect above the thresholds, the places in
// source code its retention points at, for the editor's CodeLens / diagnostics / hovers (issue 5).
//   class      the leaking object's constructor (V8 `locations` row of the instance)
//   closure    closures on the dominant chain, or closures whose context captures the object or a
//              chain node (a listener capturing `req`)
//   frame      Python frames on the dominant chain/cycle, and frames holding the object in a local
//              (file:line of the running line; full path from the frame's code object)
//   allocation the allocation stack of an example instance (V8 trace tree / tracemalloc), grouped
//   property   retaining property / variable names of the dominant chain, for the host's text search
// Recorded paths are returned as written; mapping them to workspace files is the host's job.
import type { Analysis } from './analysis';
import type {
  AnalysisSummary, HintHop, PathEdge, SourceFinding, SourceHintOptions, SourceLocation, SuspectClass,
} from './results';
import { allocationStack, nodeLocation } from './locations';
import { isPythonSnapshot, lastComponent, parsePyCodeSite } from './python';
import { RETAINER_TYPE, RetainerEdges } from './retainers';

/** Python C-level fields and V8 internals that are never user-written assignments. */
const NOT_SEARCH_TERMS = new Set([
  'tb_frame', 'tb_next', 'f_back', 'f_locals', 'f_globals', 'f_code', 'cell_contents', 'gi_frame', 'cr_frame',
  'map', 'shared', 'prototype', 'constructor', 'elements', 'properties', 'table', 'native',
]);

/**
 * Source findings of the summary's suspects: one per anchor (class definition, capturing closure,
 * Python frame, allocation frame, retaining name), each carrying the suspect's count, retained size
 * (bytes), the dominant chain with per-hop locations, and example node ids. Suspects below
 * `minCount` instances or `minRetainedBytes` get none.
 */
export function computeSourceHints(analysis: Analysis, summary: AnalysisSummary, opts: SourceHintOptions = {}): SourceFinding[] {
  const minCount = opts.minCount ?? 2;
  const minBytes = opts.minRetainedBytes ?? 0;
  const out: SourceFinding[] = [];
  for (const s of summary.suspects) {
    if (s.count < minCount || s.retainedSize < minBytes) continue;
    out.push(...suspectFindings(analysis, s, opts));
  }
  return out;
}

function suspectFindings(analysis: Analysis, s: SuspectClass, opts: SourceHintOptions): SourceFinding[] {
  const { snap } = analysis;
  const python = isPythonSnapshot(snap);
  const garbage = s.cyclicGarbage + (s.heldByUnknown ?? 0);
  const useCycle = s.cycles.length > 0 && (s.paths.length === 0 || (python && garbage >= s.reachable));
  const group = useCycle ? s.cycles[0] : s.paths[0];
  const edges = group?.edges ?? [];
  const exampleIds = group?.exampleIds.length ? group.exampleIds : s.exampleIds;
  const chain: HintHop[] = edges.map((e) => {
    const n = e.fromId === undefined ? -1 : snap.ordinalOfId(e.fromId);
    const location = n >= 0 ? sourceOf(analysis, n) : undefined;
    return location ? { ...e, location } : { ...e };
  });
  const base = {
    className: s.name, count: s.count, retainedSize: s.retainedSize, chainText: chainText(edges),
    chain, chainIsCycle: useCycle, exampleIds,
  };
  const findings: SourceFinding[] = [];
  const seen = new Set<string>();
  const add = (kind: SourceFinding['kind'], loc: SourceLocation, label: string, hopIndex: number, group?: string): void => {
    if (!loc.file || loc.line <= 0) return;
    const key = `${kind}\u0001${loc.file}\u0001${loc.line}\u0001${group ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ ...base, kind, file: loc.file, line: loc.line, column: loc.column, label, hopIndex, ...(group ? { group } : {}) });
  };
  const examples = exampleIds.map((id) => snap.ordinalOfId(id)).filter((n) => n >= 0);
  const first = examples[0] ?? -1;

  // (a) the class definition: V8 writes an object's constructor location in its `locations` row
  if (first >= 0 && !python) {
    const loc = nodeLocation(snap, first);
    if (loc && loc.kind === 'class') add('class', loc, `class ${s.name}`, -1);
  }

  // chain hops: closures and Python frames/functions that retain the next hop
  chain.forEach((h, i) => {
    if (!h.location) return;
    if (h.location.kind === 'frame') add('frame', h.location, siteLabel(h.from), i);
    else if (h.location.kind === 'function') add(python ? 'frame' : 'closure', h.location, siteLabel(h.from), i);
  });

  // (b, c) neighbourhood: closures capturing an example or a chain node through their context, and
  // Python frames / coroutines holding an example in a local
  const maxClosures = opts.maxClosures ?? 8;
  let closures = 0;
  // only contexts holding an example itself: a module's Context holding a chain variable is shared
  // by every function of the module, which says nothing about which one leaks
  const holders = examples.slice(0, 5);
  const ty = snap.types;
  const { firstRetainer, retainerType, retainerNode } = analysis.retainers;
  const slotEdges = new RetainerEdges(snap, analysis.retainers);
  for (const n of holders) {
    for (let r = firstRetainer[n]; r < firstRetainer[n + 1] && closures < maxClosures; r++) {
      if ((retainerType[r] & RETAINER_TYPE) !== ty.edgeContext) continue;
      const e = slotEdges.edgeAt(n, r);
      const owner = retainerNode[r];
      const via = String(snap.edgeName(e));
      if (python) {
        const loc = sourceOf(analysis, owner);
        if (loc && loc.kind === 'frame') {
          add('frame', loc, `${siteLabel(snap.name(owner))} (local ${via})`, hopOf(chain, snap.nodeId[owner]));
          closures++;
        }
        continue;
      }
      // V8: owner is a Context; the closures pointing at it through `context` captured `via`
      const capturing = snap.nodeType[owner] === ty.nodeClosure ? [owner] : closuresOfContext(analysis, owner);
      for (const c of capturing) {
        if (closures >= maxClosures) break;
        const loc = nodeLocation(snap, c);
        if (!loc) continue;
        const name = snap.name(c) || '(anonymous)';
        add('closure', loc, `function ${name} (captures ${via})`, hopOf(chain, snap.nodeId[c]));
        closures++;
      }
    }
  }

  // (d) allocation site: the stack of the first example, innermost first; the host keeps the first
  // frame that is a workspace file
  if (first >= 0) {
    const stack = allocationStack(snap, first);
    const max = opts.maxAllocationFrames ?? 8;
    if (stack) {
      for (const f of stack.slice(0, max)) {
        add('allocation', { file: f.file, line: f.line, column: f.column, kind: 'allocation' },
          `allocated in ${f.functionName || '(anonymous)'}`, -1, `allocation:${s.name}`);
      }
    }
  }

  // (e) retaining names for the host's text search
  const terms = new Set<string>();
  chain.forEach((h, i) => {
    if (h.type !== 'property' && h.type !== 'context') return;
    // a Python frame's local is a parameter or variable of that frame, already anchored as a frame
    if (h.type === 'context' && parsePyCodeSite(h.from)) return;
    if (!/^[A-Za-z_$][\w$]*$/.test(h.name) || h.name.startsWith('__') || NOT_SEARCH_TERMS.has(h.name)) return;
    if (terms.has(h.name)) return;
    terms.add(h.name);
    findings.push({
      ...base, kind: 'property', file: '', line: 0, column: 0, label: isScope(h.from) ? `variable ${h.name}` : `${shortName(h.from)}.${h.name}`,
      searchTerm: h.name, searchKind: h.type === 'context' ? 'variable' : 'property', hopIndex: i,
    });
  });
  return findings;
}

/** Closure nodes whose `context` edge points at a V8 Context node (at most 16). */
function closuresOfContext(analysis: Analysis, ctx: number): number[] {
  const { snap } = analysis;
  const { firstRetainer, retainerNode } = analysis.retainers;
  const slotEdges = new RetainerEdges(snap, analysis.retainers);
  const out: number[] = [];
  for (let r = firstRetainer[ctx]; r < firstRetainer[ctx + 1] && out.length < 16; r++) {
    const owner = retainerNode[r];
    if (snap.nodeType[owner] !== snap.types.nodeClosure) continue;
    const e = slotEdges.edgeAt(ctx, r);
    if (snap.edgeHasStringName(e) && snap.strings.equals(snap.edgeNameOrIndex[e], 'context')) out.push(owner);
  }
  return out;
}

function hopOf(chain: HintHop[], fromId: number): number {
  return chain.findIndex((h) => h.fromId === fromId);
}

/**
 * Source location of node ordinal n (locations.nodeLocation), with a Python frame's or function's
 * full file path taken from its code object (node names carry only the basename).
 */
export function sourceOf(analysis: Analysis, n: number): SourceLocation | undefined {
  const { snap } = analysis;
  const loc = nodeLocation(snap, n);
  if (!loc || loc.file === '') return loc;
  const name = snap.name(n);
  if (!name.startsWith('frame ') && !name.startsWith('function ') && !name.startsWith('coroutine ') && !name.startsWith('generator ')) return loc;
  for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
    if (!snap.edgeHasStringName(e)) continue;
    const en = snap.strings.get(snap.edgeNameOrIndex[e]);
    if (en !== 'f_code' && en !== '__code__' && en !== 'gi_code' && en !== 'cr_code') continue;
    const code = parsePyCodeSite(snap.name(snap.edgeTo[e]));
    if (code && code.file && (code.file.endsWith(`/${loc.file}`) || code.file.endsWith(`\\${loc.file}`) || code.file === loc.file)) {
      return { ...loc, file: code.file };
    }
  }
  return loc;
}

/** "frame log_requests", "function onRequest" from a node's class name. */
function siteLabel(name: string): string {
  const c = parsePyCodeSite(name);
  if (c) return `${c.kind} ${lastComponent(c.qualname)}`;
  return name ? `function ${name}` : 'function (anonymous)';
}

/** Short class name in chain text: Python qualified names by their last component, sites by kind and function. */
function shortName(cls: string): string {
  const c = parsePyCodeSite(cls);
  if (c) return `${c.kind} ${lastComponent(c.qualname)}`;
  if (/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/.test(cls)) return lastComponent(cls);
  return cls;
}

/** Nodes whose edges read as bare variable names at the start of a chain (scopes, modules, roots). */
function isScope(cls: string): boolean {
  return cls === '' || cls.startsWith('(') || cls.startsWith('system /') || cls === 'Context' || cls.startsWith('module ');
}

/**
 * The short chain of a CodeLens: "via recentErrors[] → Error.context" — the last `maxSegments`
 * named hops, element/index hops written as "[]" on the preceding name, scope variables bare.
 */
export function chainText(edges: PathEdge[], maxSegments = 3): string {
  const segs: string[] = [];
  for (const e of edges) {
    // synthetic roots and their internal slots ("(GC roots)[]", "(Stack roots).28") say nothing to a reader
    if (e.from.startsWith('(') || ((e.type === 'internal' || e.type === 'hidden') && isScope(e.from))) continue;
    const indexed = e.type === 'element' || e.type === 'hidden' || e.name === '[]' || /^\d+$/.test(e.name);
    if (indexed) {
      if (segs.length) segs[segs.length - 1] += '[]';
      else segs.push(`${shortName(e.from)}[]`);
      continue;
    }
    if (e.type === 'context' && (e.from.startsWith('frame ') || e.from.startsWith('coroutine '))) segs.push(`${shortName(e.from)} local ${e.name}`);
    else if (isScope(e.from)) segs.push(e.name);
    else segs.push(`${shortName(e.from)}.${e.name}`);
  }
  if (segs.length === 0) return '';
  const shown = segs.length > maxSegments ? ['…', ...segs.slice(-maxSegments)] : segs;
  return `via ${shown.join(' → ')}`;
}
