// The real CLI as a user runs it: usage, exit codes, bad input files, --fail-on-suspects, --dot,
// and diff over two snapshots of the leaky 404 server taken before and after more requests.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SnapshotBuilder, snapshotFromObject } from '../helpers/snapshotBuilder';
import { leaky404Snapshots, runCliProcess, snapshotDir, type Leaky404Snapshots } from '../helpers/realSnapshots';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

function tempFile(name: string, content: string | Buffer): string {
  const f = path.join(snapshotDir(), name);
  writeFileSync(f, content);
  return f;
}

/** The byte offsets named in an error message ("byte offset N"), in order. */
function offsetsIn(message: string): number[] {
  return [...message.matchAll(/byte offset (\d+)/g)].map((m) => Number(m[1]));
}

/** The last byte offset named in an error message (where the problem was seen), or null. */
function offsetIn(message: string): number | null {
  const all = offsetsIn(message);
  return all.length ? all[all.length - 1] : null;
}

/** A small valid snapshot with one IncomingMessage held by a global array. */
function smallSnapshotJson(withSuspect: boolean): string {
  const b = new SnapshotBuilder();
  const arr = b.node('array', '', { selfSize: 16 });
  const holder = b.obj('Holder', 24);
  b.gcRoot(holder).prop(holder, arr, 'items');
  const victim = b.obj(withSuspect ? 'IncomingMessage' : 'Harmless', 200);
  b.edge(arr, victim, 'element', 0);
  return b.toJSON();
}

describe('CLI: usage and exit codes', function () {
  this.timeout(60000);

  it('--version prints the package version', async () => {
    const r = await runCliProcess(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `retention-graph ${pkg.version}`);
  });

  it('--help for the program and each command', async () => {
    const main = await runCliProcess(['--help']);
    assert.equal(main.code, 0);
    assert.match(main.stdout, /analyze FILE/);
    assert.match(main.stdout, /diff BEFORE AFTER/);
    const analyze = await runCliProcess(['analyze', '--help']);
    assert.equal(analyze.code, 0);
    for (const flag of ['--match', '--json', '--paths', '--max-depth', '--too-many', '--dot', '--fail-on-suspects']) {
      assert.ok(analyze.stdout.includes(flag), `analyze --help mentions ${flag}`);
    }
    const diff = await runCliProcess(['diff', '--help']);
    assert.equal(diff.code, 0);
    assert.match(diff.stdout, /BEFORE AFTER/);
  });

  it('usage errors exit 2 with a message on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['analyze'], /analyze needs a FILE/],
      [['analyze', 'a', 'b'], /one FILE/],
      [['analyze', 'x.heapsnapshot', '--paths', 'many'], /--paths needs an integer/],
      [['analyze', 'x.heapsnapshot', '--match', '(unclosed'], /not a valid regular expression/],
      [['analyze', 'x.heapsnapshot', '--no-such-flag'], /no-such-flag/],
      [['diff', 'only-one'], /BEFORE and AFTER/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCliProcess(args);
      assert.equal(r.code, 2, `exit code for ${args.join(' ')}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stdout, '');
    }
  });

  it('a missing file exits 2', async () => {
    const r = await runCliProcess(['analyze', path.join(snapshotDir(), 'does-not-exist.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ENOENT|no such file/i);
  });
});

describe('CLI: bad input files exit 2 and name the byte offset', function () {
  this.timeout(60000);
  let real: Leaky404Snapshots;
  before(async () => { real = await leaky404Snapshots(); });

  it('empty file', async () => {
    const r = await runCliProcess(['analyze', tempFile('empty.heapsnapshot', '')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /empty/i);
    assert.equal(offsetIn(r.stderr), 0);
    assert.equal(r.stdout, '');
  });

  it('not JSON at all', async () => {
    const r = await runCliProcess(['analyze', tempFile('text.heapsnapshot', 'this is not a heap snapshot\n')]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(offsetIn(r.stderr), 0, r.stderr);
  });

  it('invalid JSON in the middle of the nodes array names that byte', async () => {
    const good = smallSnapshotJson(true);
    const at = good.indexOf('"nodes":[') + '"nodes":['.length + 4;
    const bad = `${good.slice(0, at)}x${good.slice(at + 1)}`;
    const r = await runCliProcess(['analyze', tempFile('corrupt.heapsnapshot', bad)]);
    assert.equal(r.code, 2, r.stderr);
    const off = offsetIn(r.stderr);
    assert.ok(off !== null, r.stderr);
    assert.ok(Math.abs(off - at) <= 1, `offset ${off} should point at byte ${at}: ${r.stderr}`);
  });

  it('a real snapshot truncated in the middle', async () => {
    const full = readFileSync(real.before);
    const cut = Math.floor(full.length * 0.6);
    const r = await runCliProcess(['analyze', tempFile('truncated.heapsnapshot', full.subarray(0, cut))]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /truncat|end/i);
    const off = offsetIn(r.stderr);
    assert.ok(off !== null && off <= cut && off >= cut - 64, `offset ${off} should be near the cut at ${cut}: ${r.stderr}`);
  });

  it('a gzip-compressed snapshot is named as such', async () => {
    const gz = gzipSync(Buffer.from(smallSnapshotJson(true)));
    const r = await runCliProcess(['analyze', tempFile('snap.heapsnapshot.gz', gz)]);
    // either read through zlib (exit 0 and the suspect found) or refused with a gzip message
    if (r.code === 0) {
      assert.match(r.stdout, /IncomingMessage/);
    } else {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /gzip/i);
    }
  });

  it('edge counts that do not sum to the edge array', async () => {
    const o = JSON.parse(smallSnapshotJson(true));
    const nf = o.snapshot.meta.node_fields.length;
    o.nodes[nf + o.snapshot.meta.node_fields.indexOf('edge_count')] += 3; // root claims 3 more edges
    const r = await runCliProcess(['analyze', tempFile('badcounts.heapsnapshot', JSON.stringify(o))]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /edge/i);
  });
});

describe('CLI: analyze on small snapshots', function () {
  this.timeout(60000);

  it('--fail-on-suspects exits 1 only when suspects exist', async () => {
    const withSuspect = tempFile('suspect.heapsnapshot', smallSnapshotJson(true));
    const without = tempFile('clean.heapsnapshot', smallSnapshotJson(false));
    const a = await runCliProcess(['analyze', withSuspect, '--fail-on-suspects']);
    assert.equal(a.code, 1, a.stderr);
    assert.match(a.stdout, /IncomingMessage/);
    const b = await runCliProcess(['analyze', withSuspect]);
    assert.equal(b.code, 0, b.stderr);
    const c = await runCliProcess(['analyze', without, '--fail-on-suspects']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /No Request-like objects/);
    // progress goes to stderr only on a terminal; here stderr is a pipe
    assert.equal(a.stderr + b.stderr + c.stderr, '');
  });

  it('--dot without suspects writes nothing and says so', async () => {
    const file = tempFile('clean3.heapsnapshot', smallSnapshotJson(false));
    const out = path.join(snapshotDir(), 'none.dot');
    const r = await runCliProcess(['analyze', file, '--dot', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).dot, null);
    assert.match(r.stderr, /no suspects/);
    assert.ok(!existsSync(out));
  });

  it('--timings lists the engine phases on stderr, stdout unchanged', async () => {
    const file = tempFile('timed.heapsnapshot', smallSnapshotJson(true));
    const plain = await runCliProcess(['analyze', file, '--json']);
    const timed = await runCliProcess(['analyze', file, '--json', '--timings']);
    assert.equal(timed.code, 0, timed.stderr);
    const phases = timed.stderr.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    assert.equal(phases[0], 'parse');
    for (const p of ['retainers', 'distances', 'dominators', 'cycles', 'classSummary', 'requestLike']) assert.ok(phases.includes(p), `${p} in ${phases}`);
    assert.equal(phases[phases.length - 1], 'total');
    assert.deepEqual(JSON.parse(timed.stdout), JSON.parse(plain.stdout));
  });

  it('--match adds a class; the JSON names the path from the root to the object', async () => {
    const file = tempFile('clean2.heapsnapshot', smallSnapshotJson(false));
    const r = await runCliProcess(['analyze', file, '--match', '^Harmless$', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.schema, 'retention-graph/analyze@1');
    assert.equal(j.totals.nodeCount, 5);
    const s = j.suspects.find((x: any) => x.name === 'Harmless');
    assert.ok(s, 'Harmless is a suspect');
    assert.equal(s.count, 1);
    assert.equal(s.selfSize, 200);
    assert.equal(s.paths[0].count, 1);
    const tail = s.paths[0].edges.slice(-2).map((e: any) => [e.from, e.type, e.name, e.to]);
    assert.deepEqual(tail, [['Holder', 'property', 'items', '(array)'], ['(array)', 'element', '[]', 'Harmless']]);
  });
});

describe('CLI: untrusted snapshot strings', function () {
  this.timeout(60000);

  it('escapes control characters from class names in text output; JSON keeps them exactly', async () => {
    const ESC = String.fromCharCode(27);
    const evil = `Evil${ESC}[2J\nName\u202e`;
    const b = new SnapshotBuilder();
    const o = b.obj(evil, 64);
    b.gcRoot(o);
    const file = tempFile('evil.heapsnapshot', b.toJSON());
    const text = await runCliProcess(['analyze', file, '--match', '^Evil']);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes(ESC), 'no raw escape character reaches the terminal');
    assert.ok(!text.stdout.includes('\u202e'), 'no bidi override reaches the terminal');
    assert.ok(text.stdout.includes('Evil\\u001b[2J\\u000aName\\u202e'), text.stdout);
    const json = await runCliProcess(['analyze', file, '--match', '^Evil', '--json']);
    assert.equal(JSON.parse(json.stdout).suspects[0].name, evil);
  });
});

describe('CLI: real snapshots of the leaky 404 server', function () {
  this.timeout(60000);
  let real: Leaky404Snapshots;
  before(async () => { real = await leaky404Snapshots(); });

  it('--fail-on-suspects exits 1; the text report shows classes, the suspect and its path', async () => {
    const r = await runCliProcess(['analyze', real.before, '--fail-on-suspects']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Most common classes/);
    assert.match(r.stdout, new RegExp(`IncomingMessage — ${real.notFoundBefore} instances`));
    assert.match(r.stdout, /recentErrors/);
    assert.equal(r.stderr, '');
  });

  it('draws progress on stderr when it is a terminal (under script(1))', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const repo = path.join(__dirname, '..', '..');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, '--import', 'tsx', path.join(repo, 'extension', 'cli', 'main.ts'), 'analyze', real.before, '--top', '3']
      .map(q).join(' ');
    // stdout goes to a file, so the terminal shows only stderr
    const out = path.join(snapshotDir(), 'tty-stdout.txt');
    const r = spawnSync('script', ['-qefc', `${cmd} > ${q(out)}`, '/dev/null'], { cwd: repo, encoding: 'utf8', timeout: 45000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const ESC = String.fromCharCode(27);
    assert.ok(r.stdout.includes(`\r${ESC}[K`), JSON.stringify(r.stdout.slice(0, 300)));
    assert.match(r.stdout, /(parse|read)[^\r]*%/, JSON.stringify(r.stdout.slice(0, 300)));
    assert.match(readFileSync(out, 'utf8'), /Most common classes/);
    assert.ok(!readFileSync(out, 'utf8').includes(ESC), 'no escape codes on stdout');
  });

  it('--dot writes an objgraph-style back-reference graph that Graphviz accepts', async () => {
    const out = path.join(snapshotDir(), 'backrefs.dot');
    const r = await runCliProcess(['analyze', real.before, '--dot', out, '--max-depth', '4', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.dot, out);
    // the dominant suspect (docs/cli.md): most instances, then most retained bytes
    const dominant = [...j.suspects].sort((a: any, b: any) => b.count - a.count || b.retainedSize - a.retainedSize)[0];
    const dot = readFileSync(out, 'utf8');
    assert.match(dot, /^\s*digraph/);
    assert.match(dot, /->/);
    // its example instances are the graph's targets
    for (const id of dominant.paths[0].exampleIds.slice(0, 3)) {
      assert.ok(dot.includes(`${dominant.name}\\n@${id}`), `target ${dominant.name} @${id} in the graph`);
    }
    assert.match(dot, /recentErrors/);
    if (spawnSync('dot', ['-V']).status === 0) {
      const svg = spawnSync('dot', ['-Tsvg', out], { encoding: 'utf8' });
      assert.equal(svg.status, 0, svg.stderr);
      assert.match(svg.stdout, /<svg/);
    }
  });

  it('diff shows the Request class growth and the new ids', async () => {
    const r = await runCliProcess(['diff', real.before, real.after, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.schema, 'retention-graph/diff@1');
    const more = real.notFoundAfter - real.notFoundBefore;
    for (const name of ['IncomingMessage', 'RequestContext']) {
      const row = d.rows.find((x: any) => x.name === name);
      assert.ok(row, `${name} row`);
      assert.equal(row.countBefore, real.notFoundBefore, name);
      assert.equal(row.countAfter, real.notFoundAfter, name);
      assert.equal(row.countDelta, more, name);
      assert.equal(row.newCount, more, name);
      assert.equal(row.deletedCount, 0, name);
    }
    // the new ids really are IncomingMessages of the second snapshot that the first does not have
    const before = snapshotFromObject(JSON.parse(readFileSync(real.before, 'utf8')));
    const after = snapshotFromObject(JSON.parse(readFileSync(real.after, 'utf8')));
    const ids = d.newIds.IncomingMessage as number[];
    assert.equal(ids.length, more);
    for (const id of ids) {
      assert.equal(before.ordinalOfId(id), -1, `@${id} is not in the first snapshot`);
      const n = after.ordinalOfId(id);
      assert.ok(n >= 0 && after.className(n) === 'IncomingMessage', `@${id} is an IncomingMessage`);
    }
    assert.ok(d.requestLike.includes('IncomingMessage') && d.requestLike.includes('ServerResponse'), String(d.requestLike));
    assert.ok(!d.requestLike.includes('RequestContext'), 'RequestContext is not Request-like by default');
    // text: the Request-like section shows the growth even with a one-row class table
    const text = await runCliProcess(['diff', real.before, real.after, '--top', '1', '--match', '^RequestContext$']);
    assert.equal(text.code, 0, text.stderr);
    const section = text.stdout.slice(text.stdout.indexOf('Request-like classes:'));
    for (const name of ['IncomingMessage', 'ServerResponse', 'RequestContext']) {
      assert.match(section, new RegExp(`\\b${real.notFoundBefore}\\s+${real.notFoundAfter}\\s+\\+${more}\\s+${more}\\s+0\\s+\\S+ \\S+\\s+${name}\\n`), section);
    }
    assert.match(section, new RegExp(`new IncomingMessage ids: ${ids.slice(0, 3).map((i) => `@${i}`).join(' ')}`));
  });

  it('the bundled bin runs the same CLI', async function () {
    const dist = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    if (!existsSync(dist)) {
      const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
    const r = await runCliProcess(['analyze', real.before, '--json'], { bin: true });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.suspects.find((s: any) => s.name === 'IncomingMessage').count, real.notFoundBefore);
  });
});
