// The `retention-graph` command: parses argv, loads snapshots, runs the engine and prints a report.
// Kept apart from main.ts (which only calls runCli with the real process) so tests can run it in-process.
import { writeFile } from 'node:fs/promises';
import { parseCommand, HELP, UsageError, type AnalyzeCommand, type DiffCommand } from './args';
import { analyzeJson, analyzeText, diffJson, diffText } from './report';
import { loadSnapshotFile } from '../node/loadSnapshot';
import { analyzeSnapshot } from '../node/parallelAnalysis';
import { buildSummary } from '../core/report';
import { buildBackrefGraph } from '../core/backrefs';
import { backrefGraphToDot } from '../core/dot';
import { diffSnapshots } from '../core/diff';
import { compilePatterns, DEFAULT_REQUEST_LIKE_PATTERNS } from '../core/requestLike';
import { SnapshotError } from '../core/errors';
import type { Progress } from '../core/progress';
import type { AnalysisSettings, AnalysisSummary } from '../core/results';
import { version } from '../../package.json';

/** Exit codes of the CLI (documented in docs/cli.md). */
export const EXIT = { ok: 0, suspects: 1, badInput: 2, internal: 3, interrupted: 130 } as const;

/** Where the CLI writes; the real process by default, buffers in tests. */
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** progress lines are drawn only when this is true */
  stderrIsTTY: boolean;
  signal?: AbortSignal;
}

/** Draws "phase NN%" on one terminal line, at most every 100 ms; clear() erases it. */
class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly io: CliIo, private readonly label: string) {}

  readonly report = (p: Progress): void => {
    if (!this.io.stderrIsTTY) return;
    const now = Date.now();
    if (now - this.last < 100 && p.done < p.total) return;
    this.last = now;
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
    this.io.stderr(`\r\x1b[K${this.label}: ${p.phase} ${pct}%`);
    this.shown = true;
  };

  clear(): void {
    if (this.shown) this.io.stderr('\r\x1b[K');
    this.shown = false;
  }
}

/** Runs the CLI on argv (without node and script); resolves with the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`retention-graph: ${e.message}\nRun 'retention-graph ${e.command ? `${e.command} ` : ''}--help' for usage.\n`);
      return EXIT.badInput;
    }
    throw e;
  }
  try {
    switch (command.kind) {
      case 'help':
        io.stdout(HELP[command.topic ?? 'main']);
        return EXIT.ok;
      case 'version':
        io.stdout(`retention-graph ${version}\n`);
        return EXIT.ok;
      case 'analyze':
        return await runAnalyze(command, io);
      case 'diff':
        return await runDiff(command, io);
    }
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (e instanceof SnapshotError) {
    if (e.code === 'cancelled') {
      io.stderr('retention-graph: interrupted\n');
      return EXIT.interrupted;
    }
    io.stderr(`retention-graph: ${e.message}\n`);
    return EXIT.badInput;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    // file system problems with the user's input: missing file, a directory, no permission
    io.stderr(`retention-graph: cannot read ${err.path ?? 'input'}: ${err.code}\n`);
    return EXIT.badInput;
  }
  io.stderr(`retention-graph: internal error: ${err?.stack ?? String(e)}\n`);
  return EXIT.internal;
}

async function load(file: string, io: CliIo) {
  const progress = new ProgressLine(io, file);
  try {
    const t0 = performance.now();
    const snap = await loadSnapshotFile(file, { signal: io.signal, onProgress: progress.report, shared: true });
    const parseMs = performance.now() - t0;
    const analysis = await analyzeSnapshot(snap, { signal: io.signal, onProgress: progress.report });
    analysis.timings.parse ??= parseMs;
    return analysis;
  } finally {
    progress.clear();
  }
}

function settingsOf(cmd: AnalyzeCommand): AnalysisSettings {
  return {
    requestLikePatterns: cmd.match,
    maxDepth: cmd.maxDepth,
    tooMany: cmd.tooMany,
    ignoredEdges: cmd.ignoreEdges,
    paths: cmd.paths,
  };
}

/** The suspect whose examples --dot draws: most instances, then most retained bytes. */
function dominantSuspect(sum: AnalysisSummary) {
  let best: AnalysisSummary['suspects'][number] | null = null;
  for (const s of sum.suspects) {
    if (!best || s.count > best.count || (s.count === best.count && s.retainedSize > best.retainedSize)) best = s;
  }
  return best;
}

async function runAnalyze(cmd: AnalyzeCommand, io: CliIo): Promise<number> {
  const analysis = await load(cmd.file, io);
  const summary = buildSummary(analysis, settingsOf(cmd));
  let dotWritten: string | null = null;
  if (cmd.dot) {
    const s = dominantSuspect(summary);
    if (!s) {
      io.stderr('retention-graph: no suspects, so no back-reference graph was written\n');
    } else {
      const ids = (s.paths[0]?.exampleIds.length ? s.paths[0].exampleIds : s.exampleIds).slice(0, 3);
      const ordinals = ids.map((id) => analysis.snap.ordinalOfId(id)).filter((n) => n >= 0);
      const graph = buildBackrefGraph(analysis, ordinals, {
        maxDepth: cmd.maxDepth, tooMany: cmd.tooMany, ignoredEdges: cmd.ignoreEdges,
      });
      await writeFile(cmd.dot, backrefGraphToDot(graph));
      dotWritten = cmd.dot;
    }
  }
  if (cmd.json) io.stdout(`${JSON.stringify(analyzeJson(cmd.file, summary, dotWritten), null, 2)}\n`);
  else io.stdout(analyzeText(cmd.file, summary, cmd.top, dotWritten));
  if (cmd.timings) {
    const first = (phase: string) => (phase === 'parse' ? 0 : 1);
    const rows = Object.entries(summary.timings).sort(([a], [b]) => first(a) - first(b));
    const total = rows.reduce((a, [, ms]) => a + ms, 0);
    io.stderr(`${rows.map(([phase, ms]) => `${phase.padEnd(16)} ${ms.toFixed(0).padStart(7)} ms`).join('\n')}\n${'total'.padEnd(16)} ${total.toFixed(0).padStart(7)} ms\n`);
  }
  const found = summary.suspects.some((s) => s.count > 0);
  return cmd.failOnSuspects && found ? EXIT.suspects : EXIT.ok;
}

async function runDiff(cmd: DiffCommand, io: CliIo): Promise<number> {
  const before = await load(cmd.before, io);
  const after = await load(cmd.after, io);
  const d = diffSnapshots(before.snap, after.snap);
  const patterns = compilePatterns([...DEFAULT_REQUEST_LIKE_PATTERNS, ...cmd.match]);
  const requestLike = (name: string) => patterns.some((p) => p.test(name));
  if (cmd.json) io.stdout(`${JSON.stringify(diffJson(cmd.before, cmd.after, d, requestLike), null, 2)}\n`);
  else io.stdout(diffText(cmd.before, cmd.after, d, cmd.top, requestLike));
  return EXIT.ok;
}
