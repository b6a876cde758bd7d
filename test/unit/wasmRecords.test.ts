// The parser's record fast path in WebAssembly (wasmRecords.ts) and the plain-number runs of the
// other arrays (locations, samples): the same snapshot, or the same error, as the general loops,
// on generated files whose records use every form the format allows (separators with whitespace,
// fractions and exponents that are integers, leading zeros, numbers past every limit, self sizes
// that widen the column, first trace ids and detachedness values), in one buffer of several wasm
// windows and cut into random chunks.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { loadSnapshotFile, type LoadOptions, type LoadStats } from '../../extension/node/loadSnapshot';
import { execFileSync } from 'node:child_process';
import { SnapshotParser, parseSnapshotBytes } from '../../extension/core/parser';
import type { HeapSnapshot } from '../../extension/core/model';
import { WasmRecords } from '../../extension/core/wasmRecords';
import { WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { StringTable } from '../../extension/core/strings';
import { assertSameSnapshot } from '../helpers/snapshotCompare';
import { seededInts, weakMapNameOrNearMiss } from '../helpers/random';

const enc = new TextEncoder();

interface Variant {
  /** node fields: 5 (no trace_node_id), 6 or 7 (detachedness) */
  nf: 5 | 6 | 7;
  nodes: number;
  /** one number written in an odd form (fraction, exponent, leading zero, too many digits, ...) */
  anomaly: boolean;
  /** separators with whitespace, CR, doubled newlines now and then */
  oddSeparators: boolean;
  /** strings past the string scan's first window, or past a whole window, now and then */
  longStrings?: boolean;
  /** declare this many nodes (0) or edges (1) fewer than the arrays hold */
  fewer?: [0 | 1, number];
}

const SEPARATORS = [',', ',\n', '\n,'];
const ODD_SEPARATORS = [', ', ' ,', ',\r\n', '\n\n,', ',\t', ' , '];
/** forms of a number that the fast paths must leave to the general loop (valid JSON or not) */
const ODD_NUMBERS = (v: number) => [`${v + 1}`, `${v}.0`, `${v}e0`, `0${v}`, `-${v}`, `${v}.5`, '1'.repeat(12), '9'.repeat(16),
  '1'.repeat(20), '2'.repeat(25), `${2 ** 32}`, `${2 ** 32 - 1}`, `${v}E+0`, '-0'];

function snapshotText(seed: number, v: Variant): string {
  const rnd = seededInts(seed);
  const n = v.nodes;
  const nodeFields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'].slice(0, v.nf);
  const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings = ['', 'root'];
  // plain ASCII, UTF-8, escapes of every kind, WeakMap-like names, and now and then a long one
  // (past the 64 KB first window of the string scan, or past a whole window)
  const kinds = [(k: number) => `s${k}_${'x'.repeat(rnd(40))}`, () => 'héllo wörld – 日本 😀', () => 'say "hi"\\ \n\t',
    () => `line\u2028sep \u00e9 ${'y'.repeat(rnd(20))}`, (k: number) => `${k} / part of key (Obj @${k}) -> value (V @9) pair in WeakMap (table @3)`,
    () => (v.longStrings ? 'z'.repeat(rnd(3) === 0 ? (1 << 20) + rnd(5000) : 70_000 + rnd(9000)) : 'short'), () => '\u0001\u001f'];
  const weights = [60, 6, 4, 4, 10, 1, 2];
  for (let k = 0; k < 300; k++) {
    let r = rnd(87);
    let kind = 0;
    while (r >= weights[kind]) r -= weights[kind++];
    strings.push(kinds[kind](k));
  }
  const digits = () => {
    // a digit count from 1 to 10, then a value of about that size
    const d = 1 + rnd(10);
    return Math.floor(Math.pow(10, d - 1) + rnd(1_000_000_007) % Math.pow(10, d - 1) * 9);
  };
  const sep = () => (v.oddSeparators && rnd(40) === 0 ? ODD_SEPARATORS[rnd(ODD_SEPARATORS.length)] : SEPARATORS[rnd(3) === 0 ? 0 : 2]);
  const fields: string[][] = [];
  const edgeCounts: number[] = [];
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const ec = i === 0 ? 3 : rnd(6) === 0 ? rnd(40) : rnd(5);
    edgeCounts.push(ec);
    edges += ec;
    const r = [rnd(nodeTypes.length), rnd(strings.length), i === 0 ? 1 : 1 + 2 * i + rnd(2), rnd(8) === 0 ? digits() : rnd(200), ec];
    if (v.nf >= 6) r.push(rnd(50) === 0 ? 1 + rnd(9999) : 0);
    if (v.nf === 7) r.push(rnd(30) === 0 ? rnd(5) : 0);
    // a self size past 2^32 now and then (the column widens to Float64)
    if (rnd(3000) === 0) r[3] = 2 ** 32 + rnd(2 ** 20);
    fields.push(r.map(String));
  }
  const edgeFields: string[][] = [];
  for (let e = 0; e < edges; e++) {
    const t = rnd(edgeTypes.length);
    const name = t === 1 || t === 4 ? rnd(rnd(5) === 0 ? 100000 : 50) : rnd(strings.length);
    edgeFields.push([String(t), String(name), String(rnd(n) * v.nf)]);
  }
  const locations: string[][] = [];
  for (let k = 0; k < n; k += 1 + rnd(4)) locations.push([String(k * v.nf), String(rnd(300)), String(digits() % 100000), String(rnd(120))]);
  if (v.anomaly) {
    // one number in an odd form, in the nodes, the edges or the locations (not in their last
    // records: those are read by the general loop anyway)
    const where = rnd(3);
    const rows = where === 0 ? fields : where === 1 ? edgeFields : locations;
    const row = rows[rnd(rows.length >> 1)];
    const f = rnd(row.length);
    const forms = ODD_NUMBERS(Number(row[f]));
    row[f] = forms[rnd(forms.length)];
  }
  const arr = (rows: string[][]) => rows.map((r) => r.join(',')).map((r, k) => (k === 0 ? r : sep() + r)).join('').replace(/^/, '');
  const meta = {
    node_fields: nodeFields,
    node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'].slice(0, v.nf),
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [edgeTypes, 'string_or_number', 'node'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const [which, less] = v.fewer ?? [0, 0];
  return `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${n - (which === 0 ? less : 0)},"edge_count":${edges - (which === 1 ? less : 0)}},\n`
    + `"nodes":[${arr(fields)}],\n"edges":[${arr(edgeFields)}],\n"samples":[${arr(locations.slice(0, 50))}],\n`
    + `"locations":[${arr(locations)}],\n"strings":[${stringsText(rnd, strings, v)}]}`;
}

/** The strings array's body: JSON strings (escapes where JSON needs them) and separators. */
function stringsText(rnd: (k: number) => number, strings: string[], v: Variant): string {
  const parts = strings.map((x) => JSON.stringify(x));
  if (v.anomaly && rnd(3) === 0) {
    // a string with a raw control byte (short, or long enough to be read eight bytes at a time), an
    // unclosed one, a missing or a doubled comma, a number, a bad escape
    const k = 2 + rnd(parts.length - 2);
    const forms = ['"a\u0001b"', '"abcdefghijklmnop\u0001qrstuvwxyz0123"', '"0123456789abcdef\nline two of it"', '"unclosed',
      `${parts[k]} ${parts[k]}`, `${parts[k]},`, `,${parts[k]}`, '12', '"bad \\q escape"'];
    parts[k] = forms[rnd(forms.length)];
  }
  const sep = () => (v.oddSeparators && rnd(10) === 0 ? [', ', ' ,', ',\r\n', '\n\n,', ' , '][rnd(5)] : ',\n');
  return parts.map((x, k) => (k === 0 ? x : sep() + x)).join('');
}

type Outcome = { snap: HeapSnapshot } | { error: string };

function parse(bytes: Uint8Array, wasm: boolean, chunks: number[] | null): Outcome {
  try {
    if (!chunks) return { snap: parseSnapshotBytes(bytes, { wasm }) };
    const p = new SnapshotParser({ wasm });
    let off = 0;
    for (let k = 0; off < bytes.length; k++) {
      const size = chunks[k % chunks.length];
      p.write(bytes.subarray(off, off + size));
      off += size;
    }
    return { snap: p.end() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function assertSameOutcome(a: Outcome, b: Outcome, label: string): void {
  if ('error' in a || 'error' in b) {
    assert.deepEqual(b, a, label);
    return;
  }
  assertSameSnapshot(b.snap, a.snap, label);
  const la = a.snap.locations;
  const lb = b.snap.locations;
  assert.equal(lb?.count, la?.count, `${label} locations`);
  if (la && lb) {
    for (const k of ['node', 'scriptId', 'line', 'column'] as const) assert.deepEqual(lb[k], la[k], `${label} locations.${k}`);
  }
}

describe('parser record fast path in WebAssembly', () => {
  it('is available here (so the comparisons below run it)', () => {
    assert.ok(WasmRecords.get(), 'WebAssembly refused the records module');
  });

  it('gives the JavaScript loops\' snapshot or error on generated files, in one buffer and in chunks', function () {
    this.timeout(120_000);
    const rnd = seededInts(7);
    let errors = 0;
    let widened = 0;
    for (let c = 0; c < 48; c++) {
      const v: Variant = { nf: ([5, 6, 7] as const)[c % 3], nodes: c < 3 ? 60_000 : 300 + rnd(3000), anomaly: c % 4 === 3, oddSeparators: c % 2 === 1,
        longStrings: c < 12 };
      const bytes = enc.encode(snapshotText(1000 + c, v));
      const label = `file ${c} (${JSON.stringify(v)})`;
      // the oracle: chunks too short for any fast path (records or plain runs), so only the general loops
      const general = parse(bytes, false, Array.from({ length: 5 }, () => 1 + rnd(18)));
      if ('error' in general) errors++;
      else if (general.snap.nodeSelfSize instanceof Float64Array) widened++;
      assertSameOutcome(general, parse(bytes, false, null), `${label} JavaScript, one buffer`);
      assertSameOutcome(general, parse(bytes, true, null), `${label} wasm, one buffer`);
      const chunks = Array.from({ length: 7 }, () => 1 + rnd(rnd(2) === 0 ? 300 : 70_000));
      assertSameOutcome(general, parse(bytes, true, chunks), `${label} wasm, chunks ${chunks}`);
    }
    // the generator reaches both outcomes and the wide self sizes
    assert.ok(errors >= 3 && errors <= 20, `errors in ${errors} of 48 files`);
    assert.ok(widened >= 3, `widened self sizes in ${widened} files`);
  });

  it('agrees with the general loops on 1 500 small files with one number in an odd form or a count too small', function () {
    this.timeout(120_000);
    const rnd = seededInts(8);
    let errors = 0;
    for (let c = 0; c < 1500; c++) {
      const v: Variant = { nf: ([5, 6, 7] as const)[c % 3], nodes: 40 + rnd(100), anomaly: c % 10 !== 0, oddSeparators: c % 5 === 1,
        fewer: c % 10 === 0 ? [rnd(2) as 0 | 1, 1 + rnd(3)] : undefined };
      const bytes = enc.encode(snapshotText(5000 + c, v));
      const label = `small file ${c} (${JSON.stringify(v)})`;
      const general = parse(bytes, false, [1 + rnd(18)]);
      if ('error' in general) errors++;
      assertSameOutcome(general, parse(bytes, false, null), `${label} JavaScript, one buffer`);
      assertSameOutcome(general, parse(bytes, true, null), `${label} wasm, one buffer`);
    }
    assert.ok(errors > 300 && errors < 1400, `errors in ${errors} of 1500 files`);
  });

  it('reads in place what the file loader read into its memory: same snapshot or error (one thread and with the parse worker)', async function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wasm-'));
    try {
      const workerPath = path.join(dir, 'parseWorker.js');
      await esbuild.build({
        entryPoints: [path.join(__dirname, '../../extension/node/parseWorker.ts')], outfile: workerPath, bundle: true,
        platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
      });
      const rnd = seededInts(9);
      let errors = 0;
      for (let c = 0; c < 24; c++) {
        const v: Variant = { nf: ([5, 6, 7] as const)[c % 3], nodes: c < 2 ? 60_000 : 200 + rnd(3000), anomaly: c % 3 === 2, oddSeparators: c % 2 === 1,
          longStrings: c < 4 };
        const bytes = enc.encode(snapshotText(9000 + c, v));
        const file = path.join(dir, `s${c}.heapsnapshot`);
        fs.writeFileSync(file, bytes);
        const general = parse(bytes, false, Array.from({ length: 5 }, () => 1 + rnd(18)));
        if ('error' in general) errors++;
        const load = async (opts: LoadOptions): Promise<Outcome> => {
          try {
            return { snap: await loadSnapshotFile(file, opts) };
          } catch (e) {
            return { error: (e as Error).message };
          }
        };
        const readSize = [4 << 20, 1 + rnd(70_000), 64 << 10][c % 3];
        const label = `file ${c} (${JSON.stringify(v)}), blocks of ${readSize}`;
        assertSameOutcome(general, await load({ parallel: false, readSize }), `${label}, one thread`);
        const stats: LoadStats = {};
        assertSameOutcome(general, await load({ parallel: { workerPath, minBytes: 0 }, readSize, stats }), `${label}, parse worker`);
        if (!('error' in general)) assert.ok(stats.edgesOnWorker, `${label}: the worker took no edges`);
      }
      assert.ok(errors >= 2 && errors <= 12, `errors in ${errors} of 24 files`);
      // every load gave the blocks back (errors too), so each one read in place
      const w = WasmRecords.get()!;
      assert.ok(w.lendReadBlocks(), 'the read blocks were not given back');
      w.returnReadBlocks();
      // and dropped its instance (the analysis does not hold the parser's memory)
      await loadSnapshotFile(path.join(dir, 's0.heapsnapshot'), { parallel: false });
      assert.notEqual(WasmRecords.get(), w, 'the loader kept the WebAssembly instance');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses the WeakMap edge names while it reads the strings, as WeakMapEdgeNames would (names and near misses)', () => {
    const rnd = seededInts(12);
    const parts = ['Object', 'Foo bar', 'ü', '', ') -> value (', ' @12', 'x\u2028y', 'Map @3) -> value (Set', '日本', '"q"', 'IncomingMessage'];
    // near misses and the limits of the table id, written out
    const strings = ['', 'root', '1 / part of key (Key @) -> value (Value @5) pair in WeakMap (table @7)',
      '1 / part of key (Key @3) -> value (Value @) pair in WeakMap (table @7)', '1 / part of key (Key @3) -> value (Value @5) pair in WeakMap (table @)',
      '1 / part of key (Key @3) -> value (Value @5) pair in WeakMap (table @4294967295)', '1 / part of key (Key @3) -> value (Value @5) pair in WeakMap (table @4294967296)',
      '1 / part of key (Key @3)-> value (Value @5) pair in WeakMap (table @7)', ' / part of key (Key @3) -> value (Value @5) pair in WeakMap (table @7)'];
    for (let r = 0; r < 6000; r++) {
      const table = rnd(4) === 0 ? '9'.repeat(10 + rnd(30)) : String(rnd(2 ** 32 + 5));
      strings.push(weakMapNameOrNearMiss(rnd, parts, table, ['@', ')', '(', ' ', '1', 'a', 'é', '/', '"']));
    }
    const meta = {
      node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object'], 'string', 'number', 'number', 'number'],
      edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
    };
    const text = `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":1,"edge_count":0},"nodes":[0,1,1,0,0],"edges":[],"strings":${JSON.stringify(strings)}}`;
    const snap = parseSnapshotBytes(enc.encode(text));
    assert.ok(snap.strings.weakMapParse, 'no parse kept while reading');
    const kept = snap.strings.weakMapParse!.state;
    let byWasm = 0;
    for (let i = 0; i < strings.length; i++) if (kept[i] >= 2) byWasm++;
    const during = new WeakMapEdgeNames(snap.strings);
    assert.equal(snap.strings.weakMapParse, null, 'dropped once taken over');
    const own = new WeakMapEdgeNames(StringTable.from(strings));
    let names = 0;
    for (let i = 0; i < strings.length; i++) {
      const label = `${i}: ${JSON.stringify(strings[i])}`;
      assert.equal(during.isPairName(i), own.isPairName(i), label);
      if (!own.isPairName(i)) continue;
      names++;
      assert.equal(during.tableId(i), own.tableId(i), `table id of ${label}`);
      assert.equal(during.pairHash(i), own.pairHash(i), `hash of ${label}`);
    }
    // the ASCII names come from the scan (the escaped and the non-ASCII ones are parsed afterwards)
    assert.ok(names > 1500 && byWasm > names / 3, `${names} names, ${byWasm} parsed in the scan`);
  });

  it('the committed module is what its AssemblyScript source compiles to', function () {
    this.timeout(120_000);
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
  });
});
