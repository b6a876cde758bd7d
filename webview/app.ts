// The webview application: loading/error states, the Overview / Graph / Diff tabs, and the wiring
// between host messages, engine requests and the views. UI state persists through setState.
import type { AnalysisSettings, AnalysisSummary, BackrefGraph, GraphNode, NodeDetails, SuspectClass } from '../extension/core/results';
import type { ErrorValue, ToWebview } from '../extension/protocol';
import type { Progress } from '../extension/core/progress';
import { renderDetails } from './details';
import { DiffView } from './diffView';
import { button, clear, h } from './dom';
import { formatBytes, formatCount, progressPercent, singleLine, truncate } from './format';
import {
  capGraph, expansionOptions, graphOptions, graphStats, mergeExpansion, nextTooMany, parentKeyOfMore,
} from './graphModel';
import { GraphView } from './graphView';
import { EngineError, Host } from './host';
import { exportFileName } from './exportName';
import { OverviewView } from './overview';
import { restoreState, type Tab, type UiState } from './state';

type LoadState =
  | { kind: 'waiting' }
  | { kind: 'loading'; progress?: Progress & { bytesRead?: number; totalBytes?: number } }
  | { kind: 'failed'; error: ErrorValue }
  | { kind: 'loaded' };

export class App {
  private readonly host = new Host<UiState>();
  private state: UiState;
  private settings: AnalysisSettings | undefined;
  private summary: AnalysisSummary | undefined;
  private fileName = '';
  private load: LoadState = { kind: 'waiting' };
  private saveTimer = 0;

  private readonly rootEl: HTMLElement;
  private readonly statusEl = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly tabsEl = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Views' } });
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly panels = new Map<Tab, HTMLElement>();
  private readonly overview: OverviewView;
  private readonly diffView: DiffView;
  private readonly graphPanel = h('section', { class: 'graph-panel' });
  private readonly graphTitle = h('h2', { class: 'graph-title' });
  private readonly graphNotice = h('div', { class: 'notice', attrs: { role: 'status' } });
  private readonly graphArea = h('div', { class: 'graph-area' });
  private readonly detailsEl = h('aside', { class: 'details', attrs: { 'aria-label': 'Selected object' } });
  private readonly rootPathButton: HTMLButtonElement;
  private readonly graphView: GraphView;
  private graphRequest = 0;

  constructor(root: HTMLElement) {
    this.rootEl = root;
    this.state = restoreState(this.host.api.getState());
    this.overview = new OverviewView({
      openSuspect: (s) => this.openSuspect(s),
      classTableState: (sort, filter) => this.update({ classSort: sort, classFilter: filter }),
    }, this.state.classSort, this.state.classFilter);
    this.diffView = new DiffView({
      state: (sort, filter) => this.update({ diffSort: sort, diffFilter: filter }),
      openNew: (name, ids) => this.openGraph(ids.slice(0, 20), `new ${name}`),
    }, this.state.diffSort, this.state.diffFilter);

    this.rootPathButton = button('Path to root', () => this.toggleRootPath(), 'toggle');
    this.rootPathButton.title = 'Highlight the shortest path from a GC root to the target';
    const toolbar = h('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph' } },
      button('Fit', () => this.graphView.fit(), 'secondary'),
      button('+', () => this.graphView.zoomBy(1.25), 'secondary icon'),
      button('−', () => this.graphView.zoomBy(0.8), 'secondary icon'),
      this.rootPathButton,
      button('Export SVG', () => void this.exportGraph('svg'), 'secondary'),
      button('Export DOT', () => void this.exportGraph('dot'), 'secondary'));
    const legend = h('div', { class: 'legend' },
      h('span', { class: 'key target', text: 'target' }),
      h('span', { class: 'key root', text: 'GC root' }),
      h('span', { class: 'key cycle', text: 'cycle edge' }),
      h('span', { class: 'key rootpath', text: 'path to root' }),
      h('span', { class: 'key shade', text: 'darker = farther from target' }));
    this.graphView = new GraphView(this.graphArea, {
      onActivate: (n) => this.activateNode(n),
      onZoom: (z) => {
        if (this.state.graph) {
          this.state.graph.zoom = z;
          this.scheduleSave();
        }
      },
    });
    this.graphPanel.append(
      h('div', { class: 'graph-head' }, this.graphTitle, toolbar),
      legend,
      this.graphNotice,
      h('div', { class: 'graph-main' }, this.graphArea, this.detailsEl));
    this.detailsEl.append(h('p', { class: 'dim', text: 'Click a box (or focus it and press Enter) to see its details.' }));

    this.panels.set('overview', this.overview.element);
    this.panels.set('graph', this.graphPanel);
    this.panels.set('diff', this.diffView.element);
    for (const [tab, label] of [['overview', 'Overview'], ['graph', 'Graph'], ['diff', 'Diff']] as [Tab, string][]) {
      const b = h('button', { class: 'tab', attrs: { type: 'button', role: 'tab', id: `tab-${tab}`, 'aria-controls': `panel-${tab}` }, text: label });
      b.addEventListener('click', () => this.setTab(tab));
      b.addEventListener('keydown', (ev) => this.tabKey(ev, tab));
      this.tabButtons.set(tab, b);
      this.tabsEl.append(b);
      const p = this.panels.get(tab)!;
      p.id = `panel-${tab}`;
      p.setAttribute('role', 'tabpanel');
      p.setAttribute('aria-labelledby', `tab-${tab}`);
    }
    clear(root);
    root.append(this.statusEl, this.tabsEl, ...this.panels.values());
    this.render();
    this.host.onMessage((m) => this.onMessage(m));
    // fonts of the boxes follow the theme: measure again when VS Code switches it
    new MutationObserver(() => void this.graphView.relayout())
      .observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.host.post({ type: 'ready' });
  }

  private onMessage(m: ToWebview): void {
    switch (m.type) {
      case 'init':
        this.fileName = m.fileName;
        this.settings = m.settings;
        if (this.load.kind === 'waiting') this.load = { kind: 'loading' };
        this.render();
        break;
      case 'progress':
        this.load = { kind: 'loading', progress: m.progress };
        this.renderStatus();
        break;
      case 'loaded':
        this.load = { kind: 'loaded' };
        this.summary = m.summary;
        this.overview.render(m.summary, this.state.selectedSuspect);
        this.render();
        if (this.state.graph) void this.loadGraph(false);
        break;
      case 'loadFailed':
        this.load = { kind: 'failed', error: m.error };
        this.render();
        break;
      case 'showGraph':
        this.openGraph(m.ids, m.title ?? `@${m.ids.join(', @')}`);
        break;
      case 'showDiff':
        this.update({ diff: { diff: m.diff, otherFileName: m.otherFileName } });
        this.diffView.render(m.diff, m.otherFileName, this.fileName);
        this.setTab('diff');
        break;
      case 'exportGraph':
        void this.exportGraph(m.format);
        break;
      case 'settingsChanged':
        this.settings = m.settings;
        this.summary = m.summary;
        this.overview.render(m.summary, this.state.selectedSuspect);
        if (this.state.graph) void this.loadGraph(false);
        break;
      case 'reply':
        break;
    }
  }

  private update(patch: Partial<UiState>): void {
    this.state = { ...this.state, ...patch };
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = 0;
      this.host.api.setState(this.state);
    }, 150);
  }

  private saveNow(): void {
    if (this.saveTimer) window.clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    this.host.api.setState(this.state);
  }

  // ---- rendering of the frame: status line, tabs ----

  private render(): void {
    this.renderStatus();
    const loaded = this.load.kind === 'loaded';
    this.tabsEl.hidden = !loaded;
    if (this.state.diff && !this.diffView.element.dataset.rendered) {
      this.diffView.render(this.state.diff.diff, this.state.diff.otherFileName, this.fileName);
      this.diffView.element.dataset.rendered = '1';
    }
    for (const [tab, b] of this.tabButtons) {
      const active = tab === this.state.tab;
      b.setAttribute('aria-selected', String(active));
      b.tabIndex = active ? 0 : -1;
      b.hidden = (tab === 'diff' && !this.state.diff) || (tab === 'graph' && !this.state.graph);
      this.panels.get(tab)!.hidden = !loaded || !active;
    }
  }

  private renderStatus(): void {
    const s = this.statusEl;
    clear(s);
    s.className = `status ${this.load.kind}`;
    const l = this.load;
    if (l.kind === 'waiting') {
      s.append(h('p', { text: 'Waiting for the extension host…' }));
    } else if (l.kind === 'loading') {
      const p = l.progress;
      const pct = p ? progressPercent(p.done, p.total) : undefined;
      const bar = h('progress', { attrs: { max: '100', 'aria-label': 'Analysis progress' } });
      if (pct !== undefined) bar.value = pct;
      const phase = p ? `${p.phase}${pct !== undefined ? ` ${pct.toFixed(0)}%` : ''}` : 'starting';
      const bytes = p?.totalBytes ? ` · ${formatBytes(p.bytesRead ?? 0)} of ${formatBytes(p.totalBytes)} read` : '';
      s.append(
        h('p', { text: `Analysing ${this.fileName || 'snapshot'}: ${phase}${bytes}` }),
        bar,
        button('Cancel', () => this.host.post({ type: 'cancelLoad' }), 'secondary'));
    } else if (l.kind === 'failed') {
      const e = l.error;
      const where: string[] = [];
      if (e.code) where.push(`code ${e.code}`);
      if (e.field !== undefined) where.push(`field ${e.field}`);
      if (e.offset !== undefined) where.push(`byte offset ${formatCount(e.offset)}`);
      const cancelled = e.code === 'cancelled';
      s.append(
        h('h2', { class: 'error-title', text: cancelled ? `Analysis of ${this.fileName || 'this file'} was cancelled` : `Could not analyse ${this.fileName || 'this file'}` }),
        h('p', { class: 'error-message', text: e.message }));
      if (where.length && !cancelled) s.append(h('p', { class: 'error-where', text: where.join(' · ') }));
      // a cancelled load can be started again; a broken file would only fail the same way
      if (cancelled) s.append(button('Reload', () => this.host.post({ type: 'reload' })));
    } else {
      s.append(h('p', { class: 'file-line', text: this.fileName }));
    }
  }

  private setTab(tab: Tab): void {
    this.update({ tab });
    this.render();
    if (tab === 'graph' && this.graphView.current && !this.state.graph?.zoom) this.graphView.overview();
  }

  private tabKey(ev: KeyboardEvent, tab: Tab): void {
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const visible = [...this.tabButtons.entries()].filter(([, b]) => !b.hidden).map(([t]) => t);
    const i = visible.indexOf(tab);
    const next = visible[(i + (ev.key === 'ArrowRight' ? 1 : visible.length - 1)) % visible.length];
    this.setTab(next);
    this.tabButtons.get(next)?.focus();
  }

  // ---- graph ----

  private openSuspect(s: SuspectClass): void {
    this.update({ selectedSuspect: s.name });
    if (this.summary) this.overview.render(this.summary, s.name);
    // one example, as objgraph draws one object's chain; its whole root path and cycle are included
    this.openGraph(s.exampleIds.slice(0, 1), `${s.name} @${s.exampleIds[0]}`);
  }

  private openGraph(ids: number[], title: string): void {
    this.update({ graph: { ids, title, expansions: [], showRootPath: false }, tab: 'graph' });
    this.render();
    void this.loadGraph(true);
  }

  /** Fetches the graph of the current targets, replays expansions, draws it. */
  private async loadGraph(fresh: boolean): Promise<void> {
    const gs = this.state.graph;
    if (!gs || this.load.kind !== 'loaded') return;
    const req = ++this.graphRequest;
    this.graphTitle.textContent = `Retainers of ${truncate(singleLine(gs.title), 100)}`;
    this.rootPathButton.setAttribute('aria-pressed', String(gs.showRootPath));
    this.graphView.setRootPath(gs.showRootPath);
    this.notice('Computing the back-reference graph…');
    clear(this.detailsEl);
    this.detailsEl.append(h('p', { class: 'dim', text: 'Click a box (or focus it and press Enter) to see its details.' }));
    try {
      let g = await this.host.request({ kind: 'backrefs', ids: gs.ids, options: graphOptions(this.settings) });
      for (const x of gs.expansions) {
        const reply = await this.host.request({ kind: 'backrefs', ids: [x.id], options: expansionOptions(this.settings, x.tooMany) });
        g = mergeExpansion(g, reply, String(x.id));
      }
      if (req !== this.graphRequest) return;
      g = capGraph(g);
      this.notice(`Laying out ${g.nodes.length} boxes…`);
      await nextFrame(); // let the notice paint first: without a layout worker ELK runs in this thread
      await this.graphView.show(g, { zoom: fresh ? undefined : gs.zoom, selectedKey: gs.selectedId !== undefined ? String(gs.selectedId) : undefined });
      if (req !== this.graphRequest) return;
      this.describeGraph(g);
      if (gs.selectedId !== undefined) void this.showDetails(gs.selectedId);
    } catch (e) {
      if (req === this.graphRequest) this.notice(errorText(e), true);
    }
  }

  private describeGraph(g: BackrefGraph): void {
    const st = graphStats(g);
    const parts = [`${formatCount(st.nodes)} objects, ${formatCount(st.edges)} references`];
    if (st.cycleEdges) parts.push(`${formatCount(st.cycleEdges)} on cycles (highlighted)`);
    if (st.folded) parts.push(`${formatCount(st.folded)} referrers folded into "more" boxes`);
    if (g.truncated && !st.folded) parts.push('cut at the size cap (maxNodes): not every retainer is shown');
    this.notice(parts.join(' · '), false, g.truncated);
  }

  private notice(text: string, error = false, warn = false): void {
    this.graphNotice.textContent = text;
    this.graphNotice.className = `notice${error ? ' error' : ''}${warn ? ' warn' : ''}`;
  }

  private activateNode(n: GraphNode): void {
    if (n.kind === 'more') {
      const parent = parentKeyOfMore(n.key);
      const anchor = this.graphView.current?.nodes.find((x) => x.key === parent);
      if (anchor) void this.expand(anchor.id, anchor.key);
      return;
    }
    if (this.state.graph) {
      this.state.graph.selectedId = n.id;
      this.scheduleSave();
    }
    this.graphView.select(n.key);
    void this.showDetails(n.id);
  }

  /** Shows more retainers of node `id` in the graph (one step of EXPAND_STEP more). */
  private async expand(id: number, key: string): Promise<void> {
    const gs = this.state.graph;
    const cur = this.graphView.current;
    if (!gs || !cur) return;
    const tooMany = nextTooMany(cur, key, this.settings?.tooMany ?? 10);
    this.notice('Expanding retainers…');
    try {
      const reply = await this.host.request({ kind: 'backrefs', ids: [id], options: expansionOptions(this.settings, tooMany) });
      const merged = capGraph(mergeExpansion(cur, reply, key));
      gs.expansions = [...gs.expansions.filter((x) => x.id !== id), { id, tooMany }];
      this.saveNow();
      await this.graphView.show(merged, { zoom: this.graphView.currentZoom(), selectedKey: gs.selectedId !== undefined ? String(gs.selectedId) : undefined, animate: true });
      this.describeGraph(merged);
      this.graphView.overview();
      this.graphView.focusNode(key);
    } catch (e) {
      this.notice(errorText(e), true);
    }
  }

  private async showDetails(id: number): Promise<void> {
    clear(this.detailsEl);
    this.detailsEl.append(h('p', { class: 'dim', text: `Loading @${id}…` }));
    let d: NodeDetails;
    try {
      d = await this.host.request({ kind: 'details', id });
    } catch (e) {
      clear(this.detailsEl);
      this.detailsEl.append(h('p', { class: 'error-message', text: errorText(e) }));
      return;
    }
    if (this.state.graph?.selectedId !== id) return;
    clear(this.detailsEl);
    this.detailsEl.append(renderDetails(d, {
      expandRetainers: (x) => void this.expand(x, String(x)),
      showAsTarget: (x, title) => this.openGraph([x], title),
      selectRetainer: (r) => {
        const key = String(r.fromId);
        const node = this.graphView.current?.nodes.find((n) => n.key === key);
        if (node) {
          this.activateNode(node);
          this.graphView.focusNode(key);
        } else {
          void this.expand(d.id, String(d.id));
        }
      },
      openLocation: (loc) => this.host.post({ type: 'openLocation', ...loc }),
    }));
  }

  private toggleRootPath(): void {
    const gs = this.state.graph;
    if (!gs) return;
    gs.showRootPath = !gs.showRootPath;
    this.rootPathButton.setAttribute('aria-pressed', String(gs.showRootPath));
    this.graphView.setRootPath(gs.showRootPath);
    this.saveNow();
  }

  private async exportGraph(format: 'svg' | 'dot'): Promise<void> {
    const gs = this.state.graph;
    if (!gs || !this.graphView.current) {
      this.notice('Open a graph first (click a suspect in the Overview), then export it.', true);
      return;
    }
    const name = exportFileName(gs.title || 'retention-graph', format);
    try {
      const content = format === 'svg'
        ? this.graphView.exportSvg()
        : await this.host.request({ kind: 'dot', ids: gs.ids, options: graphOptions(this.settings) });
      this.host.post({ type: 'saveExport', format, content, suggestedName: name });
    } catch (e) {
      this.notice(errorText(e), true);
    }
  }
}

function errorText(e: unknown): string {
  if (e instanceof EngineError) {
    const v = e.value;
    const where = [v.field !== undefined ? `field ${v.field}` : '', v.offset !== undefined ? `byte offset ${v.offset}` : ''].filter(Boolean);
    return where.length ? `${v.message} (${where.join(', ')})` : v.message;
  }
  return e instanceof Error ? e.message : String(e);
}

function nextFrame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}
