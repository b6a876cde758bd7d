// aiohttp end to end: Debian's /usr/bin/python3 with python3-aiohttp 3.8.4 runs
// fixtures/aiohttp_app.py on 127.0.0.1 under gc.DEBUG_SAVEALL, the exporter (python/) dumps the heap,
// then the CLI (`analyze --json`) must report the Request objects as cyclic garbage with the
// chain of BACKGROUND.md edge for edge. The snapshot itself is also walked directly and checked
// with the heapsnapshot-parser oracle and our own loader.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'aiohttp_app.py');
const DEBIAN_PYTHON = '/usr/bin/python3';
const COUNT = 3; // requests of each kind: bounded

interface FixtureResult { port: number; statuses: (number | string)[]; garbage: number; summary: { nodes: number; edges: number } }

/** The exporter's file, parsed with just enough structure to walk edges by name. */
class PySnap {
  readonly nf: number;
  readonly ef: number;
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  readonly firstEdge: Int32Array;
  readonly count: number;
  private readonly nameField: number;

  constructor(file: string) {
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    const meta = raw.snapshot.meta;
    this.nf = meta.node_fields.length;
    this.ef = meta.edge_fields.length;
    this.nodes = raw.nodes;
    this.edges = raw.edges;
    this.strings = raw.strings;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.nameField = meta.node_fields.indexOf('name');
    const ec = meta.node_fields.indexOf('edge_count');
    this.count = this.nodes.length / this.nf;
    assert.equal(raw.snapshot.node_count, this.count);
    assert.equal(raw.snapshot.edge_count, this.edges.length / this.ef);
    this.firstEdge = new Int32Array(this.count + 1);
    let acc = 0;
    for (let n = 0; n < this.count; n++) {
      this.firstEdge[n] = acc;
      acc += this.nodes[n * this.nf + ec];
    }
    this.firstEdge[this.count] = acc;
    assert.equal(acc * this.ef, this.edges.length, 'edge counts add up');
  }

  name(n: number): string {
    return this.strings[this.nodes[n * this.nf + this.nameField]];
  }

  /** Outgoing edges of n as [type, name or index, target ordinal]. */
  out(n: number): [string, string | number, number][] {
    const res: [string, string | number, number][] = [];
    for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
      const t = this.edgeTypes[this.edges[e * this.ef]];
      const v = this.edges[e * this.ef + 1];
      const to = this.edges[e * this.ef + 2];
      assert.equal(to % this.nf, 0, 'to_node is a node offset');
      res.push([t, t === 'element' || t === 'hidden' ? v : this.strings[v], to / this.nf]);
    }
    return res;
  }

  /** Target of n's edge `name` of type `type`, or -1. */
  edge(n: number, type: string, name: string): number {
    for (const [t, v, to] of this.out(n)) if (t === type && v === name) return to;
    return -1;
  }

  find(name: string): number[] {
    const res: number[] = [];
    for (let n = 0; n < this.count; n++) if (this.name(n) === name) res.push(n);
    return res;
  }

  group(name: string): number {
    for (const [, , to] of this.out(0)) if (this.name(to) === name) return to;
    return -1;
  }

  /** Nodes reachable from `from` over non-weak edges without entering `blocked`. */
  reachable(from: number, blocked: Set<number>): Uint8Array {
    const seen = new Uint8Array(this.count);
    const stack = [from];
    seen[from] = 1;
    while (stack.length) {
      const n = stack.pop()!;
      for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
        if (this.edgeTypes[this.edges[e * this.ef]] === 'weak') continue;
        const to = this.edges[e * this.ef + 2] / this.nf;
        if (seen[to] || blocked.has(to)) continue;
        seen[to] = 1;
        stack.push(to);
      }
    }
    return seen;
  }
}

interface CliEdge { from: string; type: string; name: string; to: string; fromId: number; toId: number }
interface CliSuspect {
  name: string; count: number; cyclicGarbage: number; reachable: number; inCycle: number;
  cycles: { count: number; edges: CliEdge[] }[]; explanation: string;
}

async function analyze(file: string): Promise<{ isPython: boolean; suspects: CliSuspect[] }> {
  const { stdout } = await run('npx', ['tsx', path.join(ROOT, 'extension/cli/main.ts'), 'analyze', file, '--json'],
    { cwd: ROOT, maxBuffer: 64 << 20, timeout: 300_000 });
  return JSON.parse(stdout);
}

async function fixture(dir: string, mode: string): Promise<{ file: string; result: FixtureResult }> {
  const file = path.join(dir, `${mode}.heapsnapshot`);
  const { stdout } = await run(DEBIAN_PYTHON, [FIXTURE, mode, file, String(COUNT)], { timeout: 300_000 });
  return { file, result: JSON.parse(stdout.trim().split('\n').pop()!) };
}

/** The exception-path chain of BACKGROUND.md, as [edge type, edge name, target node name]. */
function exceptionChain(exc: string): [string, string, string][] {
  return [
    ['property', '_match_info', 'aiohttp.web_urldispatcher.MatchInfoError'],
    ['property', '_exception', `aiohttp.web_exceptions.${exc}`],
    ['property', '__traceback__', 'traceback'],
    ['property', 'tb_frame', 'frame RequestHandler._handle_request'],
    ['context', 'request', 'aiohttp.web_request.Request'],
  ];
}

describe('aiohttp heaps through the Python exporter (Debian python3 + aiohttp 3.8.4)', function () {
  this.timeout(900_000);
  let dir: string;
  let errors: { file: string; result: FixtureResult };
  let post: { file: string; result: FixtureResult };
  let refused: { file: string; result: FixtureResult };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rg-aiohttp-'));
    // separate processes: the normal POST must be judged on a heap that saw no error requests
    [errors, post, refused] = await Promise.all([fixture(dir, 'errors'), fixture(dir, 'post'), fixture(dir, 'refused')]);
  });
  after(() => {
    if (dir && !process.env.KEEP_SNAPSHOTS) rmSync(dir, { recursive: true, force: true });
  });

  it('the fixture really made 404, 405, 200 and refused requests', () => {
    assert.deepEqual(errors.result.statuses, Array.from({ length: COUNT }, () => [404, 405]).flat());
    assert.deepEqual(post.result.statuses, Array(COUNT).fill(200));
    assert.deepEqual(refused.result.statuses, Array(COUNT).fill('ClientConnectorError'));
    assert.ok(errors.result.garbage > 0, 'DEBUG_SAVEALL kept the cyclic garbage');
  });

  it('CLI: every Request of the 404/405 run is cyclic garbage, with the chain edge for edge', async () => {
    const report = await analyze(errors.file);
    assert.equal(report.isPython, true);
    const req = report.suspects.find((s) => s.name === 'aiohttp.web_request.Request');
    assert.ok(req, 'Request is a suspect');
    assert.equal(req.count, 2 * COUNT);
    assert.equal(req.cyclicGarbage, 2 * COUNT);
    assert.equal(req.reachable, 0);
    for (const exc of ['HTTPNotFound', 'HTTPMethodNotAllowed']) {
      const want = exceptionChain(exc);
      const cycle: CliSuspect['cycles'][number] | undefined = req.cycles.find((c) => c.edges.length === want.length && c.edges[1].to.endsWith(exc));
      assert.ok(cycle, `a ${exc} cycle is reported: ${JSON.stringify(req.cycles.map((c) => c.edges.map((e) => e.name)))}`);
      assert.equal(cycle.count, COUNT);
      assert.equal(cycle.edges[0].from, 'aiohttp.web_request.Request');
      cycle.edges.forEach((e: CliEdge, k: number) => {
        assert.equal(e.type, want[k][0], `edge ${k} type`);
        assert.equal(e.name, want[k][1], `edge ${k} name`);
        assert.ok(e.to.startsWith(want[k][2]), `edge ${k} goes to ${want[k][2]}, not ${e.to}`);
        if (k > 0) assert.equal(e.fromId, cycle.edges[k - 1].toId, 'edges are contiguous');
      });
      assert.equal(cycle.edges[cycle.edges.length - 1].toId, cycle.edges[0].fromId, 'the cycle closes on the same Request');
      assert.match(cycle.edges[3].to, /^frame RequestHandler\._handle_request web_protocol\.py:\d+$/);
    }
    assert.match(req.explanation, /cyclic garbage: Request `\._match_info` → MatchInfoError `\._exception` → HTTP\w+ `\.__traceback__` → traceback `\.tb_frame` → frame `_handle_request` \(web_protocol\.py\) local `request` → Request/);
  });

  it('snapshot: each Request closes its cycle and is reachable only through (Python gc.garbage)', () => {
    const snap = new PySnap(errors.file);
    const reqs = snap.find('aiohttp.web_request.Request');
    assert.equal(reqs.length, 2 * COUNT);
    const garbage = snap.group('(Python gc.garbage)');
    const unreachable = snap.group('(Python unreachable)');
    assert.ok(garbage > 0 && unreachable > 0);
    const live = snap.reachable(0, new Set([garbage, unreachable]));
    const kinds = new Map<string, number>();
    for (const r of reqs) {
      assert.equal(live[r], 0, 'not reachable from modules or thread stacks');
      let n = r;
      const chain = exceptionChain('');
      for (const [type, name, toName] of chain) {
        const to = snap.edge(n, type, name);
        assert.ok(to >= 0, `${snap.name(n)} has a ${type} edge ${name}`);
        assert.ok(snap.name(to).startsWith(toName), `${name} → ${snap.name(to)}`);
        if (name === '_exception') kinds.set(snap.name(to), (kinds.get(snap.name(to)) ?? 0) + 1);
        n = to;
      }
      assert.equal(n, r, 'frame local `request` is the same Request');
      assert.ok(snap.out(garbage).some(([, , to]) => to === r), 'listed in gc.garbage');
    }
    assert.deepEqual([...kinds.entries()].sort(), [
      ['aiohttp.web_exceptions.HTTPMethodNotAllowed', COUNT], ['aiohttp.web_exceptions.HTTPNotFound', COUNT]]);
  });

  it('a normal POST leaves no Request behind (CLI and snapshot)', async () => {
    const report = await analyze(post.file);
    const req = report.suspects.find((s) => s.name === 'aiohttp.web_request.Request');
    assert.ok(!req || req.count === 0, `no Request suspects: ${JSON.stringify(req)}`);
    const snap = new PySnap(post.file);
    assert.deepEqual(snap.find('aiohttp.web_request.Request'), []);
    // the same file does hold the server's other objects: the check above is not vacuous
    assert.ok(snap.find('aiohttp.web_app.Application').length > 0 || snap.find('type aiohttp.web_request.Request').length > 0);
  });

  it('refused client connection: ClientRequest held via ConnectionRefusedError.__traceback__ → frame local req', async () => {
    const report = await analyze(refused.file);
    const cr = report.suspects.find((s) => s.name === 'aiohttp.client_reqrep.ClientRequest');
    assert.ok(cr, 'ClientRequest is a suspect');
    assert.equal(cr.count, COUNT);
    assert.equal(cr.cyclicGarbage, COUNT);
    assert.match(cr.explanation, /local `req`/);

    const snap = new PySnap(refused.file);
    const reqs = new Set(snap.find('aiohttp.client_reqrep.ClientRequest'));
    assert.equal(reqs.size, COUNT);
    const held = new Set<number>();
    for (const e of snap.find('ConnectionRefusedError')) {
      const tb = snap.edge(e, 'property', '__traceback__');
      if (tb < 0) continue;
      assert.equal(snap.name(tb), 'traceback');
      const frame = snap.edge(tb, 'property', 'tb_frame');
      assert.match(snap.name(frame), /^frame \S+ connector\.py:\d+$/);
      const req = snap.edge(frame, 'context', 'req');
      if (reqs.has(req)) held.add(req);
    }
    assert.equal(held.size, COUNT, 'every ClientRequest is held by a ConnectionRefusedError traceback frame');
  });

  it('the files pass the heapsnapshot-parser oracle and our loader', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const oracle = require('heapsnapshot-parser');
    for (const f of [errors, post, refused]) {
      const parsed = oracle.parse(readFileSync(f.file, 'utf8'));
      assert.equal(parsed.nodes.length, f.result.summary.nodes);
      assert.equal(parsed.edges.length, f.result.summary.edges);
      assert.equal(parsed.nodes[0].type, 'synthetic');
      const ours = await loadSnapshotFile(f.file);
      assert.equal(ours.nodeCount, f.result.summary.nodes);
      assert.equal(ours.edgeCount, f.result.summary.edges);
      const req = parsed.nodes.filter((n: { name: string }) => n.name === 'aiohttp.web_request.Request').length;
      let mine = 0;
      for (let n = 0; n < ours.nodeCount; n++) if (ours.name(n) === 'aiohttp.web_request.Request') mine++;
      assert.equal(mine, req);
    }
  });
});
