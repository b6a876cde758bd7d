// Draws a laid-out back-reference graph with D3: joins nodes and edges by key, transitions between
// layouts, zooms and pans. Positions come from layout.ts; colours come from the stylesheet (classes
// only, themed by --vscode-* variables); every snapshot string goes in with .text() or an attribute.
import {
  curveBasis, line, select, zoom, zoomIdentity, zoomTransform, type Selection, type ZoomBehavior, type ZoomTransform,
} from 'd3';
import type { BackrefGraph, GraphEdge, GraphNode } from '../extension/core/results';
import { depthShade, nodeLines, nodeTooltip } from './format';
import { layoutGraph, type Measure, type Positioned, type PositionedEdge, type PositionedNode } from './layout';
import { LayoutClient, LayoutSuperseded, layoutWorkerUrl } from './layoutClient';
import type { ZoomState } from './state';
import { exportSvg } from './svgExport';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PAD_X = 10;
const PAD_Y = 5;
const LINE_H = 16;
const MIN_BOX_W = 60;
/** Below this scale box text is unreadable; a first view never goes smaller. */
const MIN_READABLE_SCALE = 0.55;

export interface GraphViewHandlers {
  /** a box was clicked or Enter was pressed on it */
  onActivate(node: GraphNode): void;
  onZoom(z: ZoomState): void;
}

interface DrawnNode extends PositionedNode {
  node: GraphNode;
}

interface DrawnEdge extends PositionedEdge {
  edge: GraphEdge;
}

/** Measures text with a canvas in the fonts the stylesheet gives graph text. */
export function canvasMeasure(svg: SVGSVGElement): Measure {
  const ctx = document.createElement('canvas').getContext('2d');
  const cs = getComputedStyle(svg);
  const family = cs.fontFamily || 'sans-serif';
  const size = parseFloat(cs.fontSize) || 12;
  const width = (text: string, weight: string, px: number): number => {
    if (!ctx) return text.length * px * 0.6;
    ctx.font = `${weight} ${px}px ${family}`;
    return ctx.measureText(text).width;
  };
  return {
    node(n: GraphNode) {
      const [a, b] = nodeLines(n);
      const w = Math.max(width(a, '600', size), width(b, '400', size));
      return { width: Math.max(MIN_BOX_W, Math.ceil(w) + 2 * PAD_X), height: 2 * LINE_H + 2 * PAD_Y };
    },
    edgeLabel(text: string) {
      return { width: Math.ceil(width(text, '400', size - 1)) + 4, height: LINE_H };
    },
  };
}

export class GraphView {
  readonly svg: SVGSVGElement;
  private root: Selection<SVGSVGElement, unknown, null, undefined>;
  private viewport: Selection<SVGGElement, unknown, null, undefined>;
  private zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private positioned: Positioned | null = null;
  private graph: BackrefGraph | null = null;
  private selectedKey: string | undefined;
  private generation = 0;
  private readonly layouts = new LayoutClient(layoutWorkerUrl(document));
  private readonly busy: HTMLElement;

  constructor(private readonly container: HTMLElement, private handlers: GraphViewHandlers) {
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('class', 'graph');
    this.svg.setAttribute('role', 'group');
    this.svg.setAttribute('aria-label', 'Back-reference graph');
    container.append(this.svg);
    // shown over the previous drawing while a layout runs (which stays zoomable and clickable)
    this.busy = document.createElement('div');
    this.busy.className = 'layout-busy';
    this.busy.setAttribute('role', 'status');
    this.busy.hidden = true;
    container.append(this.busy);
    this.root = select(this.svg);
    const defs = this.root.append('defs');
    for (const kind of ['plain', 'cycle', 'rootpath']) {
      defs.append('marker')
        .attr('id', `arrow-${kind}`)
        .attr('viewBox', '0 0 10 10')
        .attr('refX', 9)
        .attr('refY', 5)
        .attr('markerUnits', 'userSpaceOnUse')
        .attr('markerWidth', 9)
        .attr('markerHeight', 9)
        .attr('orient', 'auto-start-reverse')
        .append('path')
        .attr('class', `arrowhead ${kind}`)
        .attr('d', 'M0,0 L10,5 L0,10 z');
    }
    this.viewport = this.root.append('g').attr('class', 'viewport').attr('data-viewport', '');
    this.viewport.append('g').attr('class', 'edges');
    this.viewport.append('g').attr('class', 'edge-labels');
    this.viewport.append('g').attr('class', 'nodes');
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .on('zoom', (ev: { transform: ZoomTransform }) => {
        this.viewport.attr('transform', ev.transform.toString());
        this.handlers.onZoom({ k: ev.transform.k, x: ev.transform.x, y: ev.transform.y });
      });
    this.root.call(this.zoomer).on('dblclick.zoom', null);
  }

  /**
   * Lays out (in the layout worker when it runs) and draws a graph; restores `zoom` if given, else
   * fits it. Resolves when drawn, or without drawing when a newer show() superseded this one.
   */
  async show(graph: BackrefGraph, opts: { zoom?: ZoomState; selectedKey?: string; animate?: boolean } = {}): Promise<void> {
    const gen = ++this.generation;
    this.setBusy(`Laying out ${graph.nodes.length} boxes…`);
    let positioned: Positioned;
    try {
      positioned = await layoutGraph(graph, canvasMeasure(this.svg), this.layouts.run);
    } catch (e) {
      if (gen !== this.generation || e instanceof LayoutSuperseded) return;
      this.setBusy(null);
      throw e;
    }
    if (gen !== this.generation) return; // a newer graph arrived while this one was laid out
    this.setBusy(null);
    const last = this.layouts.last;
    if (last) {
      this.svg.dataset.layout = last.where;
      this.svg.dataset.layoutMs = String(Math.round(last.ms));
    }
    this.graph = graph;
    this.positioned = positioned;
    this.selectedKey = opts.selectedKey;
    this.draw(opts.animate ?? false);
    if (opts.zoom) this.setZoom(opts.zoom);
    else if (!opts.animate) this.overview();
  }

  /** True while a layout runs. */
  get layingOut(): boolean {
    return !this.busy.hidden;
  }

  private setBusy(text: string | null): void {
    this.busy.hidden = text === null;
    this.busy.textContent = text ?? '';
    this.container.classList.toggle('laying-out', text !== null);
    this.svg.setAttribute('aria-busy', String(text !== null));
  }

  /** Re-measures and re-lays out the current graph (fonts changed with the theme). */
  async relayout(): Promise<void> {
    if (this.graph) await this.show(this.graph, { zoom: this.currentZoom(), selectedKey: this.selectedKey });
  }

  get current(): BackrefGraph | null {
    return this.graph;
  }

  currentZoom(): ZoomState {
    const t = zoomTransform(this.svg);
    return { k: t.k, x: t.x, y: t.y };
  }

  private draw(animate: boolean): void {
    const p = this.positioned!;
    const g = this.graph!;
    const byKey = new Map(g.nodes.map((n) => [n.key, n] as const));
    const drawnNodes: DrawnNode[] = p.nodes.map((pn) => ({ ...pn, node: byKey.get(pn.key)! }));
    const drawnEdges: DrawnEdge[] = p.edges.map((pe) => ({ ...pe, edge: g.edges[pe.index] }));
    const dur = animate ? 300 : 0;

    const path = line<{ x: number; y: number }>().x((d) => d.x).y((d) => d.y).curve(curveBasis);
    const edgeClass = (d: DrawnEdge): string =>
      `edge${d.edge.onCycle ? ' cycle' : ''}${d.edge.onRootPath ? ' root-path' : ''}${d.edge.from.startsWith('more:') ? ' folded' : ''}`;
    const marker = (d: DrawnEdge): string =>
      `url(#arrow-${d.edge.onCycle ? 'cycle' : 'plain'})`;

    const edges = this.viewport.select<SVGGElement>('g.edges')
      .selectAll<SVGPathElement, DrawnEdge>('path.edge')
      .data(drawnEdges, (d) => d.key)
      .join(
        (enter) => enter.append('path').attr('opacity', animate ? 0 : 1),
        (update) => update,
        (exit) => exit.remove(),
      )
      .attr('class', edgeClass)
      .attr('data-key', (d) => d.key)
      .attr('marker-end', marker);
    edges.select('title').remove();
    edges.append('title').text((d) => `${d.edge.type} ${d.edge.name}${d.edge.onCycle ? ' (on a cycle)' : ''}${d.edge.onRootPath ? ' (shortest path to a root)' : ''}`);
    edges.transition().duration(dur).attr('d', (d) => path(d.points) ?? '').attr('opacity', 1);

    const labels = this.viewport.select<SVGGElement>('g.edge-labels')
      .selectAll<SVGTextElement, DrawnEdge>('text.edge-label')
      .data(drawnEdges.filter((d) => d.label), (d) => d.key)
      .join((enter) => enter.append('text').attr('opacity', animate ? 0 : 1))
      .attr('class', (d) => `edge-label${d.edge.onCycle ? ' cycle' : ''}${d.edge.onRootPath ? ' root-path' : ''}`)
      .text((d) => d.label!.text);
    labels.transition().duration(dur)
      .attr('x', (d) => d.label!.x + 2)
      .attr('y', (d) => d.label!.y + d.label!.height * 0.75)
      .attr('opacity', 1);

    const nodes = this.viewport.select<SVGGElement>('g.nodes')
      .selectAll<SVGGElement, DrawnNode>('g.node')
      .data(drawnNodes, (d) => d.key)
      .join(
        (enter) => {
          const ng = enter.append('g')
            .attr('transform', (d) => `translate(${d.x},${d.y})`)
            .attr('opacity', animate ? 0 : 1)
            .attr('tabindex', '0')
            .attr('role', 'button');
          ng.append('rect');
          ng.append('text').attr('class', 'line1');
          ng.append('text').attr('class', 'line2');
          ng.append('title');
          ng.on('click', (ev: MouseEvent, d) => {
            ev.stopPropagation();
            this.handlers.onActivate(d.node);
          });
          ng.on('keydown', (ev: KeyboardEvent, d) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              this.handlers.onActivate(d.node);
            }
          });
          return ng;
        },
        (update) => update,
        (exit) => exit.remove(),
      )
      .attr('class', (d) => nodeClass(d.node, d.key === this.selectedKey))
      .attr('data-key', (d) => d.key)
      .attr('data-id', (d) => String(d.node.id))
      .attr('aria-label', (d) => nodeTooltip(d.node).split('\n').slice(0, 3).join(', '));
    nodes.select('rect')
      .attr('width', (d) => d.width)
      .attr('height', (d) => d.height)
      .attr('rx', (d) => (d.node.kind === 'more' ? 8 : 2));
    nodes.select('text.line1')
      .attr('x', (d) => d.width / 2)
      .attr('y', PAD_Y + LINE_H * 0.8)
      .text((d) => nodeLines(d.node)[0]);
    nodes.select('text.line2')
      .attr('x', (d) => d.width / 2)
      .attr('y', PAD_Y + LINE_H * 1.8)
      .text((d) => nodeLines(d.node)[1]);
    nodes.select('title').text((d) => nodeTooltip(d.node));
    nodes.transition().duration(dur)
      .attr('transform', (d) => `translate(${d.x},${d.y})`)
      .attr('opacity', 1);
  }

  /** Marks one box as selected (or none). */
  select(key: string | undefined): void {
    this.selectedKey = key;
    this.viewport.selectAll<SVGGElement, DrawnNode>('g.node')
      .attr('class', (d) => nodeClass(d.node, d.key === key));
  }

  /** Highlights the shortest path to a root (edges flagged onRootPath) and dims the rest. */
  setRootPath(on: boolean): void {
    this.svg.classList.toggle('show-root-path', on);
  }

  /** Moves keyboard focus to a box. */
  focusNode(key: string): void {
    const el = this.svg.querySelector<SVGGElement>(`g.node[data-key="${CSS.escape(key)}"]`);
    el?.focus();
  }

  /** Scales and centres the whole graph in the view (never above 1:1). */
  fit(): void {
    const p = this.positioned;
    if (!p) return;
    const w = this.svg.clientWidth || 800;
    const hgt = this.svg.clientHeight || 600;
    const k = Math.min(1, w / Math.max(1, p.width), hgt / Math.max(1, p.height));
    const x = (w - p.width * k) / 2;
    const y = Math.max(0, (hgt - p.height * k) / 2);
    this.root.call(this.zoomer.transform, zoomIdentity.translate(x, y).scale(k));
  }

  /**
   * The first view of a graph: fit it when that stays readable; a large graph is shown at a readable
   * scale instead, centred on the target at the bottom of the view ("Fit" still shows all of it).
   */
  overview(): void {
    const p = this.positioned;
    if (!p) return;
    const w = this.svg.clientWidth || 800;
    const hgt = this.svg.clientHeight || 600;
    const k = Math.min(1, w / Math.max(1, p.width), hgt / Math.max(1, p.height));
    if (k >= MIN_READABLE_SCALE) {
      this.fit();
      return;
    }
    const targetKeys = new Set(this.graph!.nodes.filter((n) => n.isTarget).map((n) => n.key));
    const t = p.nodes.find((n) => targetKeys.has(n.key)) ?? p.nodes[p.nodes.length - 1];
    const kk = MIN_READABLE_SCALE;
    const x = w / 2 - (t.x + t.width / 2) * kk;
    const y = hgt - 24 - (t.y + t.height) * kk;
    this.root.call(this.zoomer.transform, zoomIdentity.translate(x, y).scale(kk));
  }

  setZoom(z: ZoomState): void {
    this.root.call(this.zoomer.transform, zoomIdentity.translate(z.x, z.y).scale(z.k));
  }

  zoomBy(factor: number): void {
    this.root.transition().duration(150).call(this.zoomer.scaleBy, factor);
  }

  /** The current graph as a standalone SVG document (whole graph, theme colours inlined). */
  exportSvg(): string {
    const p = this.positioned;
    return exportSvg(this.svg, { x: 0, y: 0, width: p?.width ?? 0, height: p?.height ?? 0 });
  }
}

function nodeClass(n: GraphNode, selected: boolean): string {
  const c = ['node', `shade-${depthShade(n.depth)}`];
  if (n.kind === 'more') c.push('more');
  if (n.isTarget) c.push('target');
  if (n.isRoot) c.push('root');
  if (n.distance < 0) c.push('unreachable');
  if (selected) c.push('selected');
  return c.join(' ');
}
