// Overview tab: totals, the Request-like suspects and the class summary table.
import type { AnalysisSummary, ClassSummaryRow, PathEdge, SuspectClass } from '../extension/core/results';
import { h } from './dom';
import { formatBytes, formatCount, singleLine, truncate } from './format';
import type { Column, SortState } from './tableModel';
import { VirtualTable } from './virtualTable';

export interface OverviewHandlers {
  openSuspect(s: SuspectClass): void;
  classTableState(sort: SortState, filter: string): void;
}

export const CLASS_COLUMNS: Column<ClassSummaryRow>[] = [
  { id: 'name', title: 'Class', value: (r) => r.name, text: (r) => truncate(singleLine(r.name), 200), numeric: false, firstDir: 'asc' },
  { id: 'count', title: 'Count', value: (r) => r.count, text: (r) => formatCount(r.count), numeric: true, firstDir: 'desc' },
  { id: 'selfSize', title: 'Self size', value: (r) => r.selfSize, text: (r) => formatBytes(r.selfSize), numeric: true, firstDir: 'desc' },
  { id: 'retainedSize', title: 'Retained size', value: (r) => r.retainedSize, text: (r) => formatBytes(r.retainedSize), numeric: true, firstDir: 'desc' },
];

/** "A -[x]-> B -[y]-> C" as a chain of text spans (class names and edge names, all as text). */
export function pathChain(edges: PathEdge[]): HTMLElement {
  const chain = h('div', { class: 'chain' });
  edges.forEach((e, i) => {
    if (i === 0) chain.append(h('span', { class: 'chain-node', text: truncate(singleLine(e.from), 60) }));
    chain.append(h('span', { class: `chain-edge edge-${e.type}`, text: ` —${truncate(singleLine(e.type === 'element' && !e.name.startsWith('[') ? `[${e.name}]` : e.name), 40)}→ ` }));
    chain.append(h('span', { class: 'chain-node', text: truncate(singleLine(e.to), 60) }));
  });
  return chain;
}

function suspectCard(s: SuspectClass, selected: boolean, open: (s: SuspectClass) => void): HTMLElement {
  const badges = h('span', { class: 'badges' });
  if (s.inCycle > 0) badges.append(h('span', { class: 'badge cycle', text: `on a cycle: ${formatCount(s.inCycle)}` }));
  if (s.cyclicGarbage > 0) badges.append(h('span', { class: 'badge garbage', text: `cyclic garbage: ${formatCount(s.cyclicGarbage)}` }));
  if (s.reachable > 0) badges.append(h('span', { class: 'badge reachable', text: `reachable from roots: ${formatCount(s.reachable)}` }));
  const card = h('div', {
    class: `suspect${selected ? ' selected' : ''}`,
    attrs: { role: 'button', tabindex: '0', 'data-name': s.name, 'aria-label': `${s.name}: ${s.count} instances. Open the graph.` },
  },
  h('div', { class: 'suspect-head' },
    h('span', { class: 'suspect-name', text: truncate(singleLine(s.name), 120) }),
    h('span', { class: 'suspect-num', text: `${formatCount(s.count)} instance${s.count === 1 ? '' : 's'}` }),
    h('span', { class: 'suspect-num', text: `retained ${formatBytes(s.retainedSize)}` }),
    h('span', { class: 'suspect-num dim', text: `self ${formatBytes(s.selfSize)}` }),
    badges),
  h('p', { class: 'explanation', text: s.explanation }));
  const path = s.paths[0];
  if (path && path.edges.length) {
    card.append(h('div', { class: 'path-caption', text: `Shortest path from a root (${formatCount(path.count)} of ${formatCount(s.count)}):` }), pathChain(path.edges));
  }
  const cyc = s.cycles[0];
  if (cyc && cyc.edges.length) {
    card.append(h('div', { class: 'path-caption', text: `Shortest cycle (${formatCount(cyc.count)} of ${formatCount(s.count)}):` }), pathChain(cyc.edges));
  }
  card.append(h('div', { class: 'open-hint', text: s.exampleIds.length ? 'Enter or click: show the retention graph' : 'no example instance to show' }));
  const go = () => { if (s.exampleIds.length) open(s); };
  card.addEventListener('click', go);
  card.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      go();
    }
  });
  return card;
}

export class OverviewView {
  readonly element: HTMLElement;
  private readonly totals = h('div', { class: 'totals' });
  private readonly suspects = h('div', { class: 'suspects' });
  readonly table: VirtualTable<ClassSummaryRow>;

  constructor(private handlers: OverviewHandlers, sort: SortState, filter: string) {
    this.table = new VirtualTable<ClassSummaryRow>({
      columns: CLASS_COLUMNS,
      filterKey: (r) => r.name,
      label: 'Class summary',
      sort,
      filter,
      onStateChange: (s, f) => handlers.classTableState(s, f),
      rowTitle: (r) => r.name,
    });
    this.element = h('section', { class: 'overview' },
      this.totals,
      h('h2', { text: 'Request-like objects' }),
      this.suspects,
      h('h2', { text: 'Classes' }),
      this.table.element);
  }

  render(summary: AnalysisSummary, selectedSuspect: string | undefined): void {
    this.totals.replaceChildren(
      stat('Nodes', formatCount(summary.nodeCount)),
      stat('Edges', formatCount(summary.edgeCount)),
      stat('Total size', formatBytes(summary.totalSize)),
      stat('Classes', formatCount(summary.classes.length)),
      stat('Heap', summary.isPython ? 'Python' : 'V8'),
    );
    this.suspects.replaceChildren();
    if (summary.suspects.length === 0) {
      this.suspects.append(h('p', { class: 'empty', text: 'No Request-like classes found. Add patterns in the setting retentionGraph.requestLikePatterns.' }));
    }
    for (const s of summary.suspects) {
      const card = suspectCard(s, s.name === selectedSuspect, (x) => this.handlers.openSuspect(x));
      this.suspects.append(card);
    }
    this.table.setRows(summary.classes);
  }
}

function stat(label: string, value: string): HTMLElement {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value', text: value }), h('div', { class: 'stat-label', text: label }));
}
