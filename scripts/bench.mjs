// `npm run bench`: times our engine against the anchors on the same real Node heap snapshots.
//
//   node scripts/bench.mjs [--sizes 50,300,1000] [--runs N] [--tools ours,devtools,...]
//                          [--timeout SECONDS] [--md FILE]
//
// 1. Generates snapshots of about 50 MB, 300 MB and 1 GB with a real Node program
//    (bench/gen/heapProgram.cjs) into bench/out/ (gitignored), reusing files already there.
// 2. Bundles our engine (bench/runners/ours.ts, full pipeline: streaming parse + analyze() + SCCs +
//    class summary) and Chrome DevTools' heap snapshot worker (bench/devtoolsBundle.mjs) with esbuild.
// 3. Runs every tool on every file in its own child process (fresh memory), N times round-robin
//    (run i of every tool before run i + 1 of any), recording wall
//    time (the runner's own clock, from before it reads the file to the end of its analysis) and
//    peak RSS (/usr/bin/time %M when available, else the child's process.resourceUsage()).
//    A run that crashes, runs out of memory or passes the timeout is reported as such.
// 4. Prints a table (medians) with our speed ratio to each anchor and writes it as Markdown to
//    bench/out/latest.md (or --md FILE), raw numbers to bench/out/latest.json.
//
// Python exporter row: when python/bench_export.py exists it is run once (with the first size) as
//   /usr/bin/python3 python/bench_export.py
// which builds a Python heap of about one million objects, dumps it as a .heapsnapshot and prints a
// JSON line; the dump time (its "seconds"), the objects written, the file size and the process's
// peak RSS are reported.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildDevToolsBundle } from '../bench/devtoolsBundle.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'out');
const BUILD = path.join(OUT, 'build');
const RUNNERS = path.join(ROOT, 'bench', 'runners');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const ALL_TOOLS = ['ours', 'vscode', 'memlab', 'devtools', 'heapsnapshot-parser', 'json-parse', 'python-export'];
const LABELS = {
  ours: 'retention-graph (this repo)',
  vscode: '@vscode/v8-heap-parser',
  memlab: '@memlab/core',
  devtools: 'Chrome DevTools worker',
  'heapsnapshot-parser': 'heapsnapshot-parser',
  'json-parse': 'JSON.parse',
  'python-export': 'Python exporter (write)',
};
const WHAT = {
  ours: 'parse + retainers + distances + dominators + retained sizes + SCCs + class summary',
  vscode: 'decode + class groups with retained sizes',
  memlab: 'parse + shortest paths + dominators + retained sizes',
  devtools: 'load + full JSHeapSnapshot init (2 threads)',
  'heapsnapshot-parser': 'parse only (object per node/edge)',
  'json-parse': 'parse only',
  'python-export': 'dump a Python heap (python/bench_export.py)',
};

function parseArgs(argv) {
  const o = { sizes: [50, 300, 1000], runs: 1, tools: ALL_TOOLS, timeout: 240, md: path.join(OUT, 'latest.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--runs') o.runs = Math.max(1, Number(v()));
    else if (a === '--tools') o.tools = v().split(',');
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '--md') o.md = path.resolve(v());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/bench.mjs [--sizes 50,300,1000] [--runs N] [--tools a,b] [--timeout S] [--md FILE]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const t of o.tools) if (!ALL_TOOLS.includes(t)) throw new Error(`unknown tool ${t} (known: ${ALL_TOOLS.join(', ')})`);
  if (o.sizes.some((s) => !(s > 0))) throw new Error('--sizes takes positive numbers (MB)');
  return o;
}

/** Records of the generator program per target size: ~2 KB of snapshot per record plus ~4 MB base. */
function scaleFor(sizeMB) {
  return Math.max(1000, Math.round((sizeMB * 1e6 - 4e6) / 2000));
}

function snapshotPath(sizeMB) {
  return path.join(OUT, `node-${sizeMB}mb.heapsnapshot`);
}

async function ensureSnapshot(sizeMB) {
  const file = snapshotPath(sizeMB);
  if (fs.existsSync(file)) return file;
  const tmp = `${file}.tmp`;
  console.error(`generating ${path.relative(ROOT, file)} (a Node program with ${scaleFor(sizeMB)} request records)...`);
  const t0 = Date.now();
  const r = await runChild(process.execPath, ['--max-old-space-size=16384', path.join(ROOT, 'bench', 'gen', 'heapProgram.cjs'),
    String(scaleFor(sizeMB)), tmp], 3600);
  if (r.code !== 0) throw new Error(`snapshot generator failed: ${r.stderr.slice(-500)}`);
  fs.renameSync(tmp, file);
  console.error(`  ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return file;
}

/** Committed (tracked) file in the repo? The bench uses helper modules only once they are committed. */
function tracked(rel) {
  try {
    execFileSync('git', ['ls-files', '--error-unmatch', rel], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return fs.existsSync(path.join(ROOT, rel)) && !fs.existsSync(path.join(ROOT, '.git'));
  }
}

/** Bundles bench/runners/ours.ts; the hooks module picks the loader and the extra phases that exist. */
async function buildOurs() {
  const abs = (rel) => JSON.stringify(path.join(ROOT, rel));
  const lines = [];
  if (tracked('extension/node/loadSnapshot.ts')) {
    lines.push(`import { loadSnapshotFile } from ${abs('extension/node/loadSnapshot.ts')};`);
    lines.push('export const load = (f) => loadSnapshotFile(f, { shared: true });');
  } else {
    // Until the streaming parser is committed: whole-file JSON.parse (fails past ~512 MB).
    lines.push("import { readFileSync } from 'node:fs';");
    lines.push(`import { snapshotFromObject } from ${abs('test/helpers/snapshotBuilder.ts')};`);
    lines.push("export const load = async (f) => snapshotFromObject(JSON.parse(readFileSync(f, 'utf8')));");
  }
  if (tracked('extension/node/parallelAnalysis.ts')) {
    lines.push(`import { analyzeSnapshot } from ${abs('extension/node/parallelAnalysis.ts')};`);
    lines.push('export const analyzeAll = (snap) => analyzeSnapshot(snap);');
  } else {
    lines.push(`import { analyze } from ${abs('extension/core/analysis.ts')};`);
    lines.push('export const analyzeAll = async (snap) => analyze(snap);');
  }
  const extra = [];
  if (tracked('extension/core/cycles.ts')) {
    // cyclesOf: free when the parallel analysis already computed them on its helper thread
    lines.push(`import { cyclesOf } from ${abs('extension/core/cycles.ts')};`);
    extra.push("['cycles', (a) => cyclesOf(a)]");
  }
  if (tracked('extension/core/classSummary.ts')) {
    // classTotalsOf: cached, free when the analysis already computed the totals
    lines.push(`import { classTotalsOf } from ${abs('extension/core/classSummary.ts')};`);
    extra.push("['classSummary', (a) => classTotalsOf(a)]");
  }
  lines.push(`export const extraPhases = [${extra.join(', ')}];`);
  const hooks = lines.join('\n');
  // CommonJS like the shipped bundles (the loader finds its parse worker next to itself via __dirname).
  const outfile = path.join(BUILD, 'ours.cjs');
  for (const worker of ['parseWorker', 'analysisWorker']) {
    if (!tracked(`extension/node/${worker}.ts`)) continue;
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'extension', 'node', `${worker}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: path.join(BUILD, `${worker}.js`),
      logLevel: 'error',
    });
  }
  await esbuild.build({
    entryPoints: [path.join(RUNNERS, 'ours.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
    plugins: [{
      name: 'bench-hooks',
      setup(b) {
        b.onResolve({ filter: /^\.\/oursHooks$/ }, () => ({ path: 'oursHooks', namespace: 'bench-hooks' }));
        b.onLoad({ filter: /.*/, namespace: 'bench-hooks' }, () => ({ contents: hooks, loader: 'ts', resolveDir: ROOT }));
      },
    }],
  });
  return { outfile, loader: tracked('extension/node/loadSnapshot.ts') ? 'streaming' : 'JSON.parse (fallback)', extra };
}

/** Runs a child in its own process group; kills the group (by its pid) on timeout. */
function runChild(cmd, args, timeoutS) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 1e6) stderr = stderr.slice(-1e5); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function runnerArgs(tool, file, bundles) {
  switch (tool) {
    case 'ours': return [bundles.ours, file];
    case 'devtools': return [path.join(RUNNERS, 'devtools.mjs'), bundles.devtools, file, '--threads', '2'];
    case 'memlab': return [path.join(RUNNERS, 'memlab.mjs'), file];
    case 'vscode': return [path.join(RUNNERS, 'vscode.mjs'), file];
    case 'heapsnapshot-parser': return [path.join(RUNNERS, 'heapsnapshotParser.mjs'), file];
    case 'json-parse': return [path.join(RUNNERS, 'jsonParse.mjs'), file];
    default: throw new Error(tool);
  }
}

/** One timed run of one tool on one file. */
async function runOnce(tool, file, sizeMB, bundles, timeoutS) {
  const timeFile = path.join(BUILD, `time-${process.pid}.txt`);
  let cmd;
  let args;
  if (tool === 'python-export') {
    cmd = '/usr/bin/python3';
    args = [path.join(ROOT, 'python', 'bench_export.py')];
  } else {
    cmd = process.execPath;
    // Node's default heap limit would make the anchors fail early; give everyone the same big limit.
    args = ['--max-old-space-size=16384', ...runnerArgs(tool, file, bundles)];
  }
  const r = TIME ? await runChild(TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args], timeoutS)
    : await runChild(cmd, args, timeoutS);
  let timeRssMB = null;
  let cpuMs = null;
  if (TIME && fs.existsSync(timeFile)) {
    const m = /([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(fs.readFileSync(timeFile, 'utf8'));
    if (m) {
      timeRssMB = Number(m[2]) / 1024;
      cpuMs = (Number(m[3]) + Number(m[4])) * 1000;
    }
    fs.rmSync(timeFile, { force: true });
  }
  const line = r.stdout.split('\n').filter((l) => l.startsWith('{"')).pop();
  let res = null;
  try { res = line ? JSON.parse(line) : null; } catch { res = null; }
  if (r.timedOut) return { ok: false, status: `timeout > ${timeoutS} s`, rssMB: timeRssMB };
  if (tool === 'python-export' && r.code === 0 && res && typeof res.seconds === 'number') {
    return { ok: true, ms: res.seconds * 1000, rssMB: timeRssMB, note: `${res.objects} objects, ${Math.round(res.file_bytes / 1e6)} MB file` };
  }
  if (res && res.ok) return { ok: true, ms: res.ms, cpuMs, rssMB: timeRssMB ?? res.maxRssMB, phases: res.phases, stepCpu: res.cpu, queries: res.queries };
  const why = res && res.error ? res.error
    : (r.stderr.match(/(heap out of memory|RangeError[^\n]*|Error[^\n]*|memory access out of bounds[^\n]*)/) ?? [])[0]
      ?? `exit ${r.code ?? r.signal}`;
  return { ok: false, status: `fails: ${why.slice(0, 90)}`, rssMB: timeRssMB ?? res?.maxRssMB ?? null };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmtS = (ms) => `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
const fmtMB = (mb) => (mb == null ? '?' : mb >= 1024 ? `${(mb / 1024).toFixed(2)} GB` : `${Math.round(mb)} MB`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(BUILD, { recursive: true });
  const hasPython = fs.existsSync(path.join(ROOT, 'python', 'bench_export.py'));
  const tools = opts.tools.filter((t) => t !== 'python-export' || hasPython);
  const bundles = {};
  if (tools.includes('ours')) {
    const o = await buildOurs();
    bundles.ours = o.outfile;
    console.error(`ours: loader ${o.loader}; extra phases: ${o.extra.length ? o.extra.map((e) => e.match(/'(\w+)'/)[1]).join(', ') : 'none'}`);
  }
  if (tools.includes('devtools')) bundles.devtools = await buildDevToolsBundle(path.join(BUILD, 'devtools.mjs'));
  const results = [];
  const cpu = (await import('node:os')).cpus();
  for (const sizeMB of opts.sizes) {
    const file = await ensureSnapshot(sizeMB);
    const fileBytes = fs.statSync(file).size;
    const fileMB = fileBytes / 1e6;
    const sizeTools = tools.filter((tool) => tool !== 'python-export' || sizeMB === opts.sizes[0]);
    // Round-robin: run i of every tool before run i + 1 of any, so that a slow spell of the machine
    // (its speed drifts by 2x within minutes here) does not land on one tool's runs only.
    const runsOf = new Map(sizeTools.map((tool) => [tool, []]));
    for (let i = 0; i < opts.runs; i++) {
      for (const tool of sizeTools) {
        const runs = runsOf.get(tool);
        if (runs.length > 0 && !runs[runs.length - 1].ok) continue; // a failure repeats; do not spend the time again
        process.stderr.write(`${sizeMB} MB  ${LABELS[tool]}  run ${i + 1}/${opts.runs} ... `);
        const r = await runOnce(tool, file, sizeMB, bundles, opts.timeout);
        process.stderr.write(r.ok ? `${fmtS(r.ms)}, ${fmtMB(r.rssMB)}\n` : `${r.status}\n`);
        runs.push(r);
      }
    }
    for (const tool of sizeTools) {
      const runs = runsOf.get(tool);
      const ok = runs.every((r) => r.ok);
      const row = { sizeMB, fileMB, fileBytes, tool, label: LABELS[tool], what: WHAT[tool], runs };
      if (runs[0].note) row.what += ` (${runs[0].note})`;
      if (ok) {
        row.ms = median(runs.map((r) => r.ms));
        row.rssMB = median(runs.map((r) => r.rssMB ?? 0));
        if (runs.every((r) => r.cpuMs != null)) row.cpuMs = median(runs.map((r) => r.cpuMs));
        if (runs[0].phases) {
          row.phases = {};
          // a phase some runs skip (e.g. classIds, when the helper was first) counts as 0 in those
          const keys = [...new Set(runs.flatMap((r) => Object.keys(r.phases ?? {})))];
          for (const k of keys) row.phases[k] = median(runs.map((r) => r.phases?.[k] ?? 0));
        }
        if (runs[0].queries) {
          row.queries = {};
          for (const k of Object.keys(runs[0].queries)) row.queries[k] = median(runs.map((r) => r.queries[k]));
        }
        if (runs[0].stepCpu) {
          row.stepCpu = {};
          for (const k of Object.keys(runs[0].stepCpu)) row.stepCpu[k] = median(runs.map((r) => r.stepCpu[k]));
        }
      } else {
        row.status = runs[runs.length - 1].status;
        row.rssMB = runs[runs.length - 1].rssMB;
      }
      results.push(row);
    }
  }
  const md = renderMarkdown(results, opts, cpu);
  console.log(md);
  fs.writeFileSync(path.join(OUT, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
  fs.mkdirSync(path.dirname(opts.md), { recursive: true });
  fs.writeFileSync(opts.md, md);
  console.error(`written: ${path.relative(ROOT, opts.md)}, bench/out/latest.json`);
}

function renderMarkdown(results, opts, cpu) {
  const out = [];
  out.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}, `
    + `median of ${opts.runs} run${opts.runs > 1 ? 's' : ''}, each tool in its own process. `
    + 'Time = wall clock of the tool\'s work from reading the file; CPU time = user + system of its whole process '
    + '(all threads, including start-up); RSS = peak resident set size; the last column divides the tool\'s wall time by ours.');
  out.push('');
  out.push('| snapshot | tool | what it does | time | CPU time | peak RSS | its time / ours |');
  out.push('|---|---|---|---:|---:|---:|---:|');
  for (const sizeMB of opts.sizes) {
    const rows = results.filter((r) => r.sizeMB === sizeMB);
    const ours = rows.find((r) => r.tool === 'ours');
    for (const r of rows) {
      const time = r.ms != null ? fmtS(r.ms) : r.status;
      let ratio = '';
      if (r.tool !== 'ours' && r.tool !== 'python-export' && ours?.ms != null) {
        ratio = r.ms != null ? `${(r.ms / ours.ms).toFixed(1)}×` : 'n/a (it fails)';
      }
      const snapshot = r.tool === 'python-export' ? '(own heap)' : `${Math.round(r.fileMB)} MB`;
      out.push(`| ${snapshot} | ${r.label} | ${r.what} | ${time} | ${r.cpuMs != null ? fmtS(r.cpuMs) : ''} | ${fmtMB(r.rssMB)} | ${ratio} |`);
    }
  }
  const withPhases = results.filter((r) => r.tool === 'ours' && r.phases);
  if (withPhases.length) {
    out.push('');
    out.push('Our phases (ms, median). Two threads: the main thread parses the WeakMap edge names the load\'s string scan left '
      + '(weakMapNames: the escaped and non-ASCII ones) and runs distances (with page-owned flags) while the helper thread computes the essential edges '
      + 'but for the page-owned rule (essentialEdges) and builds the retainers (retainers, both together); the main thread runs the '
      + 'dominators\' search from the root (dominatorDfs) while the helper fills the retainers, then the rest of the dominators; '
      + 'classIds run on the main thread while it waits for the retainers, else on the helper beside the dominators; shallowSizes '
      + 'and cycles run on the helper beside the dominators; waitForHelper is the main thread\'s wait for the essential edges, '
      + 'the retainers and the shallow sizes; the dominators also give the class-top flags when the class ids and the moved '
      + 'shallow sizes are there (classSummary is then one sequential pass); pathIndex (the retainer-path hub indexes) runs on the '
      + 'helper beside classSummary, and the main thread groups the hubs the helper has not taken yet (pathIndexMain). '
      + 'A phase a run skipped counts as 0 in its median. "total" is the wall time of the whole pipeline, not the sum.');
    out.push('');
    const keys = [...new Set(withPhases.flatMap((r) => Object.keys(r.phases)))];
    out.push(`| snapshot | ${keys.join(' | ')} | total | peak RSS / file size |`);
    out.push(`|---|${keys.map(() => '---:').join('|')}|---:|---:|`);
    for (const r of withPhases) {
      out.push(`| ${Math.round(r.fileMB)} MB | ${keys.map((k) => Math.round(r.phases[k] ?? 0)).join(' | ')} | ${Math.round(r.ms)} | ${((r.rssMB * 1048576) / r.fileBytes).toFixed(2)}× |`);
    }
    const withCpu = withPhases.filter((r) => r.stepCpu);
    if (withCpu.length) {
      out.push('');
      out.push('Our CPU time per step (ms, median; process CPU, robust against other load on the machine):');
      out.push('');
      const ck = Object.keys(withCpu[0].stepCpu);
      out.push(`| snapshot | ${ck.join(' | ')} | total |`);
      out.push(`|---|${ck.map(() => '---:').join('|')}|---:|`);
      for (const r of withCpu) {
        const tot = ck.reduce((sum, k) => sum + (r.stepCpu[k] ?? 0), 0);
        out.push(`| ${Math.round(r.fileMB)} MB | ${ck.map((k) => Math.round(r.stepCpu[k] ?? 0)).join(' | ')} | ${Math.round(tot)} |`);
      }
    }
  }
  const withQueries = results.filter((r) => r.tool === 'ours' && r.queries);
  if (withQueries.length) {
    out.push('');
    out.push('Per-object queries once loaded (ms; k = 3 shortest retainer paths, default backref subgraph; up to 20 IncomingMessage objects):');
    out.push('');
    out.push('| snapshot | objects | paths median | paths max | backrefs median | backrefs max |');
    out.push('|---|---:|---:|---:|---:|---:|');
    for (const r of withQueries) {
      const q = r.queries;
      out.push(`| ${Math.round(r.fileMB)} MB | ${q.objects} | ${q.pathsMedianMs.toFixed(1)} | ${q.pathsMaxMs.toFixed(1)} | ${q.backrefsMedianMs.toFixed(1)} | ${q.backrefsMaxMs.toFixed(1)} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
