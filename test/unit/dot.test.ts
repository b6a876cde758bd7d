import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { analyze } from '../../extension/core/analysis';
import { buildBackrefGraph } from '../../extension/core/backrefs';
import { backrefGraphToDot, dotString } from '../../extension/core/dot';
import type { BackrefGraph } from '../../extension/core/results';

/** Renders DOT text with Graphviz; fails the test on any error or warning about the input. */
function renderSvg(dot: string): string {
  const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
  assert.equal(r.error, undefined, `graphviz not runnable: ${r.error}`);
  assert.equal(r.status, 0, `dot failed: ${r.stderr}\n${dot}`);
  assert.equal(r.stderr, '', `dot warned: ${r.stderr}`);
  return r.stdout;
}

/** Decodes the XML character references Graphviz writes into SVG text. */
function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot|apos);/gi, (_m, ent: string) => {
    if (ent[0] === '#') return String.fromCodePoint(ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[ent.toLowerCase()];
  });
}

/** The text lines Graphviz drew, decoded. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => xmlDecode(m[1]));
}

const HOSTILE_CLASS = '"</svg><script>alert(1)</script>';
const HOSTILE_EDGE = '\\"; node [label=';
const HOSTILE_STRING = '<b>&amp;</b>\\N {{x}} javascript:';

function hostileGraph(): { graph: BackrefGraph; ids: Record<string, number> } {
  const b = new SnapshotBuilder();
  const t = b.obj('Request');
  const evil = b.obj(HOSTILE_CLASS);
  const arr = b.node('object', 'Array');
  const str = b.node('string', HOSTILE_STRING);
  const holder = b.obj('Holder');
  b.gcRoot(holder).prop(holder, evil, 'evil').prop(evil, t, HOSTILE_EDGE);
  b.prop(holder, arr, 'list').edge(arr, t, 'element', 0).edge(arr, str, 'element', 1);
  b.prop(str, t, 'odd'); // strings hold nothing in V8, but the builder does not care: it tests labels
  b.prop(t, evil, 'back'); // a 2-cycle Request ↔ evil
  const s = b.build();
  const a = analyze(s);
  const graph = buildBackrefGraph(a, [t]);
  return { graph, ids: { t: s.nodeId[t], evil: s.nodeId[evil], str: s.nodeId[str], holder: s.nodeId[holder] } };
}

describe('dot: objgraph-style Graphviz export', () => {
  it('writes objgraph\'s preamble, target in red, depth shading, labelled edges', () => {
    const { graph } = hostileGraph();
    const dot = backrefGraphToDot(graph);
    assert.match(dot, /^digraph ObjectGraph \{\n {2}node\[shape=box, style=filled, fillcolor=white\];\n/);
    const target = dot.split('\n').find((l) => l.includes('label="Request\\n@'))!;
    assert.ok(target, dot);
    assert.match(target, /fontcolor=red/);
    assert.match(target, /fillcolor="0,0,1"/, 'targets are white (depth 0)');
    // cycle edges bold red, both directions of the 2-cycle
    const red = dot.split('\n').filter((l) => l.includes('->') && l.includes('color=red, penwidth=2'));
    assert.equal(red.length, 2, dot);
    assert.ok(dot.includes('label="[0]"'), 'element edges labelled with their index');
    // the edge out of the target (closing the cycle) does not rank the target above its referrers
    const back = red.find((l) => l.includes('label="back"'))!;
    assert.match(back, /constraint=false/);
    assert.equal(red.filter((l) => l.includes('constraint=false')).length, 1);
  });

  it('renders with Graphviz and keeps hostile snapshot strings literal', () => {
    const { graph } = hostileGraph();
    const svg = renderSvg(backrefGraphToDot(graph));
    assert.equal((svg.match(/<g id="node\d+" class="node">/g) ?? []).length, graph.nodes.length);
    assert.equal((svg.match(/<g id="edge\d+" class="edge">/g) ?? []).length, graph.edges.length);
    assert.ok(!/<script/i.test(svg), 'no script element');
    assert.equal((svg.match(/<\/svg>/g) ?? []).length, 1, 'one closing svg tag');
    const texts = svgTexts(svg);
    assert.ok(texts.includes(HOSTILE_CLASS), `class drawn literally: ${JSON.stringify(texts)}`);
    assert.ok(texts.includes(HOSTILE_EDGE), 'edge name drawn literally');
    assert.ok(texts.includes(JSON.stringify(HOSTILE_STRING).slice(0, 39) + '…') || texts.includes(JSON.stringify(HOSTILE_STRING)),
      `string preview drawn literally: ${JSON.stringify(texts)}`);
    assert.ok(texts.includes('Request'));
    assert.ok(texts.includes('back'));
  });

  it('escapes quotes, backslashes, entities, newlines and control characters', () => {
    assert.equal(dotString('a"b'), '"a\\"b"');
    assert.equal(dotString('a\\b'), '"a\\\\b"');
    assert.equal(dotString('x&lt;'), '"x&amp;lt;"');
    assert.equal(dotString('one\ntwo'), '"one\\ntwo"');
    assert.equal(dotString('nul\u0000bell\u0007'), '"nul\\\\u0000bell\\\\u0007"');
    assert.equal(dotString('lone\ud800'), '"lone\ufffd"');
    const svg = renderSvg(`digraph G { a[label=${dotString('<not html> & "q" \\N \\l')}]; }\n`);
    assert.ok(svgTexts(svg).includes('<not html> & "q" \\N \\l'), svg);
  });

  it('draws folded referrers as "N more backreferences" with a dotted edge', () => {
    const b = new SnapshotBuilder();
    const t = b.obj('T');
    for (let i = 0; i < 25; i++) { const h = b.obj('H'); b.gcRoot(h).prop(h, t, `p${i}`); }
    const graph = buildBackrefGraph(analyze(b.build()), [t], { maxDepth: 1, includeRootPath: false });
    const dot = backrefGraphToDot(graph);
    assert.match(dot, /more\d+\[label="15 more backreferences"/);
    assert.match(dot, /more\d+ -> n\d+ \[color=red, style=dotted/);
    const texts = svgTexts(renderSvg(dot));
    assert.ok(texts.includes('15 more backreferences'));
    assert.equal(texts.filter((x) => x === 'H').length, 10);
  });

  it('shades by depth like objgraph\'s gradient, roots green', () => {
    const b = new SnapshotBuilder();
    const c = [b.obj('A'), b.obj('B'), b.obj('C')];
    const t = b.obj('T');
    b.gcRoot(c[0]).prop(c[0], c[1], 'x').prop(c[1], c[2], 'y').prop(c[2], t, 'z');
    const graph = buildBackrefGraph(analyze(b.build()), [t], { maxDepth: 3 });
    const dot = backrefGraphToDot(graph);
    const fill = (title: string) => /fillcolor="([^"]+)"/.exec(dot.split('\n').find((l) => l.includes(`label="${title}\\n`))!)![1];
    // depths: T 0, C 1, B 2, A 3, (GC roots) 4 → max depth 4: v = 1 - 0.7 * depth / 4
    assert.equal(fill('T'), '0,0,1');
    assert.equal(fill('C'), '0,0,0.825');
    assert.equal(fill('B'), '0,0,0.65');
    assert.equal(fill('A'), '0,0,0.475');
    assert.equal(/fillcolor="([^"]+)"/.exec(dot.split('\n').find((l) => l.includes('label="(GC roots)"'))!)![1], '0.3,1,0.3');
    assert.match(dot.split('\n').find((l) => l.includes('label="A\\n'))!, /fontcolor=white/);
    renderSvg(dot);
  });
});
