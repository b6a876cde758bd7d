// Bad input for the streaming parser: each case must end in a SnapshotError with the right code and
// a message naming the field or byte offset — never a hang, another exception or a silent result.
import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { SnapshotParser, parseSnapshotBytes } from '../../extension/core/parser';
import { SnapshotError, type SnapshotErrorCode } from '../../extension/core/errors';

const enc = new TextEncoder();

function sample(): SnapshotBuilder {
  const b = new SnapshotBuilder();
  const a = b.obj('A', 16);
  const c = b.obj('C', 24);
  const s = b.node('string', 'text ü', { selfSize: 20 });
  b.gcRoot(a).prop(a, c, 'child').prop(c, a, 'parent').edge(c, s, 'element', 0).edge(a, s, 'hidden', 1);
  return b;
}

/** The sample as an object to tamper with. */
function obj(): any {
  return sample().toObject();
}

function text(o: any): string {
  return JSON.stringify(o);
}

/** Parses and returns the SnapshotError; fails if parsing succeeds or throws anything else. */
function errorOf(input: string | Uint8Array, chunk = 0): SnapshotError {
  const bytes = typeof input === 'string' ? enc.encode(input) : input;
  try {
    if (chunk > 0) {
      const p = new SnapshotParser();
      for (let off = 0; off < bytes.length; off += chunk) p.write(bytes.subarray(off, off + chunk));
      p.end();
    } else {
      parseSnapshotBytes(bytes);
    }
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw new Error(`expected a SnapshotError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a SnapshotError, but the input parsed');
}

/** Asserts code, that the message contains each of `mentions`, and the same error for 1-byte and 7-byte chunks. */
function expectError(input: string | Uint8Array, code: SnapshotErrorCode, mentions: (string | RegExp)[]): SnapshotError {
  const e = errorOf(input);
  assert.equal(e.code, code, e.message);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(e.message.includes(m), `"${e.message}" should mention "${m}"`);
    else assert.match(e.message, m);
  }
  for (const chunk of [1, 7]) {
    const e2 = errorOf(input, chunk);
    assert.equal(e2.code, code, `chunk ${chunk}: ${e2.message}`);
    assert.equal(e2.message, e.message, `chunk ${chunk}`);
  }
  return e;
}

const OFFSET = /byte offset \d+/;

describe('streaming parser: bad input', () => {
  it('sample is valid (the cases below differ from it in one way each)', () => {
    assert.equal(parseSnapshotBytes(enc.encode(text(obj()))).nodeCount, 5);
  });

  it('empty file and whitespace-only file', () => {
    expectError('', 'empty', ['empty']);
    expectError(' \n\t ', 'empty', ['whitespace']);
  });

  it('not JSON: text, binary, a JSON array, garbage inside', () => {
    expectError('hello world', 'not-json', ["'h'", 'byte offset 0']);
    expectError(new Uint8Array([0, 1, 2, 3, 255]), 'not-json', ['binary', 'byte offset 0']);
    expectError('[1,2,3]', 'not-json', ["'['"]);
    expectError('  {"snapshot" 5}', 'not-json', ["':'", 'byte offset 14']);
    const good = text(obj());
    expectError(`${good}x`, 'not-json', ['after the end', `byte offset ${enc.encode(good).length}`]);
    expectError(good.replace('"nodes":[', '"nodes":[1,,'), 'not-json', ["','", OFFSET]);
    expectError(good.replace('"nodes":[', '"nodes":[01,'), 'not-json', ["'01'", OFFSET]);
    expectError(good.replace('"nodes":[', '"nodes":[1 2,'), 'not-json', ["','", OFFSET]);
    expectError(good.replace('"nodes":[', '"nodes":[+1,'), 'not-json', ["'+'", OFFSET]);
    expectError(good.replace('"nodes":[', '"nodes":[1.,'), 'not-json', ["'1.'", OFFSET]);
    expectError(good.replace(/\]\s*,\s*"edges"/, ',],"edges"'), 'not-json', ["',' before ']'", OFFSET]);
    expectError(good.replace('"strings":["",', '"strings":["\\x",'), 'not-json', ['escape', 'strings', OFFSET]);
    expectError(good.replace('"strings":["",', '"strings":["a\tb",'), 'not-json', ['control', 'strings', OFFSET]);
    expectError(good.replace('"strings":[', '"strings":["a" "b",'), 'not-json', ['strings', OFFSET]);
    expectError(good.replace('"trace_tree":[]', '"trace_tree":[],"junk":{"a" 1}'), 'not-json', ['junk', OFFSET]);
    expectError(good.replace('"trace_tree":[]', '"trace_tree":[],"junk":[tru]'), 'not-json', ["'tru'", OFFSET]);
    expectError(good.replace('"trace_tree":[]', '"trace_tree":[],"junk":[1}'), 'not-json', ['junk', OFFSET]);
  });

  it('gzip-compressed data given to the core parser says to decompress', () => {
    const gz = gzipSync(enc.encode(text(obj())));
    expectError(gz, 'gzip', ['gzip', 'decompress', 'byte offset 0']);
  });

  it('truncated at every byte offset gives a truncation error naming the section and offset', () => {
    const bytes = enc.encode(text(obj()));
    const sections = new Set<string>();
    for (let cut = 0; cut < bytes.length; cut++) {
      const e = errorOf(bytes.subarray(0, cut));
      assert.equal(e.code, cut === 0 ? 'empty' : 'truncated', `cut ${cut}: ${e.message}`);
      if (cut > 0) {
        assert.ok(e.message.includes(`byte offset ${cut}`), e.message);
        const m = /ends inside (.*?) \(/.exec(e.message) ?? /ends inside (.*)$/.exec(e.message);
        sections.add(m ? m[1].replace(/\d+/g, 'N') : e.message);
      }
      // and the same prefix fed byte by byte
      if (cut % 17 === 0 && cut > 0) assert.equal(errorOf(bytes.subarray(0, cut), 1).code, 'truncated');
    }
    const all = [...sections].join(' | ');
    for (const s of ['"nodes" array', '"edges" array', '"strings" array', 'value of "snapshot"', 'top-level key']) {
      assert.ok(all.includes(s), `some truncation should mention ${s}: ${all}`);
    }
  });

  it('missing or odd meta', () => {
    const cases: [(o: any) => void, string[]][] = [
      [(o) => delete o.snapshot.meta, ['snapshot.meta']],
      [(o) => (o.snapshot = [1, 2]), ['snapshot', 'not an object']],
      [(o) => delete o.snapshot.meta.node_fields, ['snapshot.meta.node_fields']],
      [(o) => (o.snapshot.meta.node_fields = 'type,name'), ['snapshot.meta.node_fields']],
      [(o) => (o.snapshot.meta.node_fields = o.snapshot.meta.node_fields.filter((f: string) => f !== 'edge_count')), ['edge_count', 'node_fields']],
      [(o) => (o.snapshot.meta.node_fields = [...o.snapshot.meta.node_fields, 'id']), ['duplicate', 'node_fields']],
      [(o) => (o.snapshot.meta.node_fields = [...o.snapshot.meta.node_fields, 7]), ['node_fields', 'not a string']],
      [(o) => (o.snapshot.meta.node_types[0] = 'string'), ['snapshot.meta.node_types[0]', 'type']],
      [(o) => delete o.snapshot.meta.node_types, ['snapshot.meta.node_types']],
      [(o) => (o.snapshot.meta.node_types[0] = []), ['node_types[0]', 'empty']],
      [(o) => (o.snapshot.meta.edge_fields = ['type', 'name_or_index']), ['to_node', 'edge_fields']],
      [(o) => (o.snapshot.meta.edge_types[0] = null), ['snapshot.meta.edge_types[0]']],
      [(o) => (o.snapshot.node_count = -3), ['snapshot.node_count']],
      [(o) => (o.snapshot.edge_count = 'many'), ['snapshot.edge_count']],
    ];
    for (const [tamper, mentions] of cases) {
      const o = obj();
      tamper(o);
      expectError(text(o), 'bad-meta', mentions);
    }
    expectError('{"snapshot":{"meta":{"node_fields":[}}', 'not-json', ['snapshot', OFFSET]);
  });

  it('missing sections', () => {
    for (const k of ['snapshot', 'nodes', 'edges', 'strings']) {
      const o = obj();
      delete o[k];
      expectError(text(o), 'missing-section', [`"${k}"`]);
    }
  });

  it('sections of the wrong kind and duplicate keys', () => {
    const good = text(obj());
    expectError(good.replace(/"nodes":\[[^\]]*\]/, '"nodes":{}'), 'bad-value', ['"nodes" must be an array', OFFSET]);
    expectError(good.replace('"strings":[', '"strings":[5,'), 'bad-value', ['strings[0]', OFFSET]);
    expectError(good.replace('"edges":[', '"edges":["x",'), 'bad-value', ['edges', OFFSET]);
    expectError(good.replace('"edges":[', '"edges":[[1],'), 'bad-value', ['edges', OFFSET]);
    expectError(good.replace('"samples":[]', '"samples":[],"samples":[]'), 'bad-value', ['"samples"', 'twice', OFFSET]);
  });

  it('node_count / edge_count disagreeing with the arrays', () => {
    let o = obj();
    o.snapshot.node_count += 1;
    expectError(text(o), 'count-mismatch', ['snapshot.node_count', '6', '5 nodes']);
    o = obj();
    o.snapshot.node_count -= 1;
    expectError(text(o), 'count-mismatch', ['more than the 4 nodes', 'field nodes', OFFSET]);
    o = obj();
    o.snapshot.edge_count += 2;
    expectError(text(o), 'count-mismatch', ['snapshot.edge_count']);
    o = obj();
    o.snapshot.edge_count -= 1;
    expectError(text(o), 'count-mismatch', ['edges declared', 'field edges', OFFSET]);
    // array length not a multiple of the field count
    o = obj();
    o.nodes.pop();
    o.snapshot.node_count = null;
    expectError(text(o), 'count-mismatch', ['nodes array has 34 numbers', '7 node fields', OFFSET]);
    o = obj();
    o.edges.push(1);
    o.snapshot.edge_count = null;
    expectError(text(o), 'count-mismatch', ['edges array has', '3 edge fields', OFFSET]);
  });

  it('edge counts of the nodes not summing to the edge array', () => {
    const o = obj();
    const nf = o.snapshot.meta.node_fields.length;
    o.nodes[nf * 2 + o.snapshot.meta.node_fields.indexOf('edge_count')] += 1;
    expectError(text(o), 'count-mismatch', ['edge_count', 'add up to 7', '6 edges']);
  });

  it('to_node not a multiple of the node field count, or out of range', () => {
    const ef = 3;
    const toIdx = 2;
    let o = obj();
    o.edges[ef * 1 + toIdx] += 1;
    let e = expectError(text(o), 'bad-edge', ['Edge 1', 'to_node', 'not a multiple of the node field count 7', 'edges[5]', OFFSET]);
    // the offset points at the bad number
    const t = text(o);
    assert.equal(t.slice(e.offset, e.offset! + String(o.edges[5]).length), String(o.edges[5]));
    o = obj();
    o.edges[toIdx] = 7 * 5;
    expectError(text(o), 'bad-edge', ['Edge 0', 'to_node 35', 'past the last node', OFFSET]);
    // without node_count the range check happens at the end and names the field
    o = obj();
    o.edges[toIdx] = 7 * 50;
    o.snapshot.node_count = null;
    e = expectError(text(o), 'bad-edge', ['Edge 0', 'to_node 350', 'edges[2]']);
  });

  it('string index out of range: node names and string-named edges, not element/hidden edges', () => {
    let o = obj();
    const S = o.strings.length;
    o.nodes[7 * 3 + 1] = S;
    expectError(text(o), 'bad-string-index', ['Node 3', `name ${S}`, 'nodes[22]']);
    o = obj();
    o.edges[3 * 2 + 1] = S + 5; // edge 2 is the property edge "child"
    expectError(text(o), 'bad-string-index', ['Edge 2', 'property', `${S + 5}`, 'edges[7]']);
    // the same, spelled so that the general (not the V8 fast) record loop reads it
    expectError(JSON.stringify(o, null, 1), 'bad-string-index', ['Edge 2', 'property', `${S + 5}`, 'edges[7]']);
    // element and hidden edges carry numbers, which may exceed the string count
    o = obj();
    o.edges[1] = 1e6; // root -> (GC roots) element edge
    o.edges[3 * 5 + 1] = 4e9; // c -> s, element
    o.edges[3 * 3 + 1] = 77; // a -> s, hidden
    const parsed = parseSnapshotBytes(enc.encode(text(o)));
    assert.deepEqual([parsed.edgeNameOrIndex[0], parsed.edgeNameOrIndex[5], parsed.edgeName(3)], [1e6, 4e9, 77]);
  });

  it('type enum index out of range, for nodes and edges', () => {
    let o = obj();
    o.nodes[7 * 2] = 15;
    expectError(text(o), 'bad-value', ['Node 2', 'type 15', '15 node types', 'nodes[14]', OFFSET]);
    o = obj();
    o.edges[3 * 2] = 7;
    expectError(text(o), 'bad-value', ['Edge 2', 'type 7', '7 edge types', 'edges[6]', OFFSET]);
  });

  it('values: non-integers, negatives, ids above 32 bits, sizes above 2^53', () => {
    const good = text(obj());
    const nodesAt = (_unused: string, k: number, v: string) => {
      const o = obj();
      o.nodes[k] = 999999;
      assert.equal(good.includes('999999'), false);
      return text(o).replace('999999', v);
    };
    expectError(nodesAt('', 7 + 3, '1.5'), 'bad-value', ['integer', '1.5', 'nodes', OFFSET]);
    expectError(nodesAt('', 7 + 3, '-4'), 'bad-value', ['Negative', 'nodes', OFFSET]);
    expectError(nodesAt('', 7 + 3, '1e400'), 'bad-value', ['nodes', OFFSET]);
    expectError(nodesAt('', 7 + 2, '4294967296'), 'bad-value', ['Node 1', 'id 4294967296', '32 bits', 'nodes[9]', OFFSET]);
    expectError(nodesAt('', 7 + 3, '18014398509481984'), 'bad-value', ['self_size', '2^53', OFFSET]);
    expectError(nodesAt('', 7 + 6, '256'), 'bad-value', ['detachedness 256', OFFSET]);
    assert.equal(parseSnapshotBytes(enc.encode(nodesAt('', 7 + 3, '9007199254740991'))).nodeSelfSize[1], 2 ** 53 - 1);
    const o = obj();
    o.trace_tree = [1, 0, 0, 0, [-2, 0, 0, 0, []]];
    o.snapshot.meta.trace_function_info_fields = ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'];
    o.trace_function_infos = [1, 0, 0, 1, 1, 1];
    expectError(text(o), 'bad-value', ['Negative', 'trace_tree', OFFSET]);
  });

  it('odd side tables', () => {
    let o = obj();
    o.locations = [7 * 99, 1, 1, 1];
    expectError(text(o), 'bad-value', ['object_index', 'locations']);
    o = obj();
    o.locations = [7, 1, 1];
    expectError(text(o), 'count-mismatch', ['locations', '4 fields']);
    o = obj();
    o.trace_tree = [1, 0, 0, 0];
    o.trace_function_infos = [1, 0, 0, 1, 1, 1];
    expectError(text(o), 'bad-value', ['incomplete', 'trace_tree']);
    o = obj();
    o.trace_tree = [1, 0, 0, 0, 5];
    o.trace_function_infos = [1, 0, 0, 1, 1, 1];
    expectError(text(o), 'bad-value', ['children', 'trace_tree']);
    o = obj();
    o.trace_tree = [1, 0, 0, 0, []];
    expectError(text(o), 'bad-value', ['function_info_index', 'trace_tree']);
    o = obj();
    o.trace_function_infos = [1, 999, 0, 1, 1, 1];
    expectError(text(o), 'bad-string-index', ['trace_function_infos', '999']);
  });

  it('a cancelled parser stays failed; write after end is refused', () => {
    const ac = new AbortController();
    const p = new SnapshotParser({ signal: ac.signal });
    const bytes = enc.encode(text(obj()));
    p.write(bytes.subarray(0, 10));
    ac.abort();
    assert.throws(() => p.write(bytes.subarray(10)), (e: any) => e.code === 'cancelled' && e.message === 'Cancelled');
    assert.throws(() => p.end(), (e: any) => e.code === 'cancelled');
  });

  it('random corruption never hangs and never throws anything but SnapshotError', () => {
    const base = enc.encode(text(obj()));
    let s = 12345;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const alphabet = enc.encode('0123456789[]{},:" -.eE\\u\n');
    let parsed = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = base.slice();
      const edits = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rnd() * bytes.length);
        bytes[at] = rnd() < 0.7 ? alphabet[Math.floor(rnd() * alphabet.length)] : Math.floor(rnd() * 256);
      }
      try {
        const snap = parseSnapshotBytes(bytes);
        parsed++;
        // whatever parsed must be internally consistent
        assert.equal(snap.firstEdge[snap.nodeCount], snap.edgeCount);
        for (let e = 0; e < snap.edgeCount; e++) assert.ok(snap.edgeTo[e] < snap.nodeCount);
        for (let n = 0; n < snap.nodeCount; n++) assert.ok(snap.nodeName[n] < snap.strings.length);
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw new Error(`round ${round}: ${String(e)}\n${new TextDecoder().decode(bytes)}`);
        assert.ok(e.offset !== undefined || e.field !== undefined || e.code === 'empty', e.message);
      }
    }
    assert.ok(parsed < 3000);
  });
});
