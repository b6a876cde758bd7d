// Graphviz DOT of a back-reference graph, drawn the way objgraph's show_backrefs draws: boxes with
// "type\nshort value", grey fill shading by depth (objgraph's HSV gradient from white at the targets
// to 30 % grey at the deepest level, white text on dark fills), labelled edges, targets in red,
// roots/modules green, "N more" boxes with a dotted red edge. Additions: edges on a cycle through a
// target in bold red, edges of the shortest root path in bold blue; edges out of a target do not
// constrain the ranking, so the target stays at the bottom as in objgraph's pictures; roots go on
// the top rank.
// Every snapshot string is untrusted: all of them go through `dotString`, node ids are generated.
import type { BackrefGraph, GraphNode } from './results';
import { edgeLabelText, shortClassName, truncateText, visibleText } from './labels';

/** Longest box heading, characters. */
const MAX_TITLE_CHARS = 60;

/**
 * A DOT double-quoted string for untrusted text: backslashes and quotes escaped, `&` written as
 * `&amp;` (Graphviz expands entities in plain labels), line breaks as `\n`, control characters and
 * lone surrogates made visible (Graphviz needs valid UTF-8). Never an HTML-like `<...>` label.
 */
export function dotString(s: string): string {
  const lines = s.split('\n').map((line) => visibleText(line));
  const body = lines.join('\n')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/&/g, '&amp;')
    .replace(/\n/g, '\\n');
  return `"${body}"`;
}

/** objgraph's _gradient: linear interpolation of HSV triples by depth / maxDepth. */
function gradient(start: [number, number, number], end: [number, number, number], depth: number, maxDepth: number): [number, number, number] {
  if (maxDepth <= 0) return start;
  const f = Math.min(1, Math.max(0, depth / maxDepth));
  return [0, 1, 2].map((i) => start[i] * (1 - f) + end[i] * f) as [number, number, number];
}

function hsv(c: [number, number, number]): string {
  return `"${c.map((x) => String(Math.round(x * 1000) / 1000)).join(',')}"`;
}

/** The two label lines of a box, as objgraph: short type name, then the short value. */
function boxLabel(n: GraphNode): string {
  // synthetic roots are named by their label alone ("(GC roots)", "(Python gc.garbage)")
  if (n.type === 'synthetic' && n.label) return visibleText(n.label);
  const title = truncateText(visibleText(shortClassName(n.className || n.type)), MAX_TITLE_CHARS);
  const value = visibleText(n.label ?? '');
  return value ? `${title}\n${value}` : title;
}

export interface DotOptions {
  /** depth drawn darkest (objgraph's max_depth); default: the deepest node of the graph */
  maxDepth?: number;
}

/** Graphviz DOT text (`digraph ObjectGraph`) of a back-reference graph; `dot -Tsvg` renders it. */
export function backrefGraphToDot(graph: BackrefGraph, options: DotOptions = {}): string {
  const ids = new Map<string, string>();
  let deepest = 0;
  graph.nodes.forEach((n, i) => {
    ids.set(n.key, `${n.kind === 'more' ? 'more' : 'n'}${i}`);
    if (n.kind === 'node' && n.depth > deepest) deepest = n.depth;
  });
  const maxDepth = options.maxDepth ?? Math.max(1, deepest);
  const targetKeys = new Set(graph.nodes.filter((n) => n.isTarget).map((n) => n.key));
  const out: string[] = [];
  out.push('digraph ObjectGraph {');
  out.push('  node[shape=box, style=filled, fillcolor=white];');
  for (const n of graph.nodes) {
    const id = ids.get(n.key)!;
    if (n.kind === 'more') {
      const count = n.moreCount ?? n.moreIds?.length ?? 0;
      const fill = gradient([0, 1, 1], [0, 1, 0.3], n.depth, maxDepth);
      out.push(`  ${id}[label=${dotString(`${count} more backreferences`)}, shape=box, height=0.25, color=red, fillcolor=${hsv(fill)}, fontcolor=white, fontsize=10];`);
      continue;
    }
    const attrs: string[] = [`label=${dotString(boxLabel(n))}`];
    const fill = gradient([0, 0, 1], [0, 0, 0.3], n.depth, maxDepth);
    if (n.isRoot) { fill[0] = 0.3; fill[1] = 1; }
    attrs.push(`fillcolor=${hsv(fill)}`);
    if (n.isTarget) attrs.push('fontcolor=red');
    else if (fill[2] < 0.5) attrs.push('fontcolor=white');
    attrs.push(`tooltip=${dotString(`${n.className || n.type} @${n.id}`)}`);
    out.push(`  ${id}[${attrs.join(', ')}];`);
  }
  for (const e of graph.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from === undefined || to === undefined) continue;
    if (e.type === 'more' || from.startsWith('more')) {
      out.push(`  ${from} -> ${to} [color=red, style=dotted, len=0.25, weight=10];`);
      continue;
    }
    const attrs: string[] = [];
    const label = edgeLabelText(e.type, e.name);
    if (label !== '') attrs.push(`label=${dotString(label)}`);
    if (e.onCycle) attrs.push('color=red', 'penwidth=2');
    else if (e.onRootPath) attrs.push('color="0.6,0.6,0.8"', 'penwidth=2');
    if (e.type === 'weak') attrs.push('style=dashed');
    // an edge out of a target closes a cycle: it must not pull the target up, targets stay at the bottom
    if (targetKeys.has(e.from)) attrs.push('constraint=false');
    out.push(`  ${from} -> ${to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  // roots (where the walk stopped) on the top rank, as in objgraph's chains
  const rootIds = graph.nodes.filter((n) => n.kind === 'node' && n.isRoot && !n.isTarget).map((n) => ids.get(n.key)!);
  if (rootIds.length > 0) out.push(`  { rank=min; ${rootIds.join('; ')}; }`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
