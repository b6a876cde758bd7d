// Details panel of the selected graph node: identity, sizes, distance, retainers, source location
// and allocation stack. Everything from the snapshot goes in as text.
import type { NodeDetails, RetainerInfo, SourceLocation } from '../extension/core/results';
import { button, h } from './dom';
import { edgeLabel, formatBytes, formatCount, singleLine, truncate } from './format';

export interface DetailsHandlers {
  expandRetainers(id: number): void;
  showAsTarget(id: number, title: string): void;
  selectRetainer(r: RetainerInfo): void;
  openLocation(loc: { file: string; line: number; column: number }): void;
}

/** Shown retainers at most (the engine may list thousands for a popular object). */
export const MAX_RETAINERS_LISTED = 200;

function row(label: string, value: string | Node): HTMLElement {
  return h('div', { class: 'kv' }, h('span', { class: 'k', text: label }), typeof value === 'string' ? h('span', { class: 'v', text: value }) : value);
}

function locationText(l: { file: string; line: number; column: number }): string {
  return `${l.file}:${l.line}${l.column > 0 ? `:${l.column}` : ''}`;
}

export function renderDetails(d: NodeDetails, handlers: DetailsHandlers): HTMLElement {
  const panel = h('div', { class: 'details-body' });
  panel.append(h('h3', { class: 'details-title', text: truncate(singleLine(d.className || d.type), 120) }));
  if (d.label) panel.append(h('div', { class: 'details-label', text: truncate(singleLine(d.label), 300) }));
  panel.append(
    row('Id', `@${d.id}`),
    row('Type', d.type),
    row('Name', truncate(singleLine(d.name), 300)),
    row('Self size', formatBytes(d.selfSize)),
    row('Retained size', formatBytes(d.retainedSize)),
    row('Distance', d.distance < 0 ? 'unreachable from the GC roots' : formatCount(d.distance)),
    row('Dominator', `@${d.dominatorId}`),
  );
  if (d.cyclicGarbage) panel.append(h('div', { class: 'badge garbage', text: 'cyclic garbage: freed only by the cyclic GC' }));
  if (d.location) panel.append(locationRow(d.location, handlers));
  panel.append(h('div', { class: 'details-actions' },
    button('Expand retainers', () => handlers.expandRetainers(d.id)),
    button('Graph of this object', () => handlers.showAsTarget(d.id, `${d.className} @${d.id}`), 'secondary')));

  panel.append(h('h4', { text: `Retainers (${formatCount(d.retainers.length)})` }));
  const list = h('ul', { class: 'retainers' });
  for (const r of d.retainers.slice(0, MAX_RETAINERS_LISTED)) {
    const item = h('li', {},
      h('span', { class: 'ret-edge', text: edgeLabel(r.edgeType, r.edgeName) }),
      ' in ',
      h('span', { class: 'ret-class', text: truncate(singleLine(r.fromClass), 80) }),
      h('span', { class: 'ret-id', text: ` @${r.fromId}` }),
      r.fromLabel && r.fromLabel !== `@${r.fromId}` ? h('span', { class: 'ret-label', text: ` ${truncate(singleLine(r.fromLabel), 60)}` }) : null,
      h('span', { class: 'ret-dist', text: r.fromDistance < 0 ? ' (unreachable)' : ` (distance ${r.fromDistance})` }));
    const b = h('button', { class: 'link', attrs: { type: 'button', title: 'Show in the graph' } }, item);
    b.addEventListener('click', () => handlers.selectRetainer(r));
    list.append(h('li', { class: 'ret-item' }, b));
  }
  if (d.retainers.length > MAX_RETAINERS_LISTED) {
    list.append(h('li', { class: 'dim', text: `… ${formatCount(d.retainers.length - MAX_RETAINERS_LISTED)} more` }));
  }
  if (d.retainers.length === 0) list.append(h('li', { class: 'dim', text: 'no retainers (a root)' }));
  panel.append(list);

  if (d.allocationStack && d.allocationStack.length) {
    panel.append(h('h4', { text: 'Allocation stack' }));
    const st = h('ol', { class: 'stack' });
    for (const f of d.allocationStack) {
      const b = h('button', { class: 'link', attrs: { type: 'button', title: 'Go to source' } },
        h('span', { class: 'fn', text: truncate(singleLine(f.functionName || '(anonymous)'), 80) }),
        h('span', { class: 'loc', text: ` ${truncate(singleLine(locationText(f)), 160)}` }));
      b.addEventListener('click', () => handlers.openLocation({ file: f.file, line: f.line, column: f.column }));
      st.append(h('li', {}, b));
    }
    panel.append(st);
  }
  return panel;
}

function locationRow(l: SourceLocation, handlers: DetailsHandlers): HTMLElement {
  const b = h('button', { class: 'link goto', attrs: { type: 'button', title: 'Go to source' }, text: truncate(singleLine(locationText(l)), 160) });
  b.addEventListener('click', () => handlers.openLocation({ file: l.file, line: l.line, column: l.column }));
  return row(`Location (${l.kind})`, b);
}
