// Command-line parsing for `retention-graph`: turns argv into one typed command or a UsageError.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called (exit code 2, message and a hint on stderr). */
export class UsageError extends Error {
  constructor(message: string, readonly command?: 'analyze' | 'diff') {
    super(message);
    this.name = 'UsageError';
  }
}

export interface AnalyzeCommand {
  kind: 'analyze';
  file: string;
  /** extra Request-like class regexes (added to the defaults) */
  match: string[];
  json: boolean;
  /** distinct shortest retainer path groups per suspect */
  paths: number;
  maxDepth: number;
  tooMany: number;
  /** rows of the class table in human output */
  top: number;
  dot: string | null;
  failOnSuspects: boolean;
  ignoreEdges: string[];
  /** print wall-clock milliseconds per engine phase on stderr */
  timings: boolean;
}

export interface DiffCommand {
  kind: 'diff';
  before: string;
  after: string;
  /** extra Request-like class regexes (added to the defaults) for the Request-like section */
  match: string[];
  json: boolean;
  top: number;
}

export type Command =
  | AnalyzeCommand
  | DiffCommand
  | { kind: 'help'; topic?: 'analyze' | 'diff' }
  | { kind: 'version' };

export const DEFAULTS = { paths: 3, maxDepth: 3, tooMany: 10, top: 20 };

function positiveInt(flag: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 1e6) {
    throw new UsageError(`${flag} needs an integer ≥ ${min}, got '${v}'`);
  }
  return Number(v);
}

/** Parses argv (without node and script) into a Command; throws UsageError on bad usage. */
export function parseCommand(argv: string[]): Command {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    const topic = sub === 'help' && (rest[0] === 'analyze' || rest[0] === 'diff') ? rest[0] : undefined;
    return { kind: 'help', topic };
  }
  if (sub === '--version' || sub === '-V' || sub === 'version') return { kind: 'version' };
  if (sub === 'analyze') return parseAnalyze(rest);
  if (sub === 'diff') return parseDiff(rest);
  throw new UsageError(`unknown command '${sub}' (expected analyze or diff)`);
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: ParseArgsConfig['options'], command: 'analyze' | 'diff'): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message, command);
  }
}

function parseAnalyze(args: string[]): Command {
  const { values, positionals } = parse(args, {
    match: { type: 'string', multiple: true, short: 'm' },
    json: { type: 'boolean' },
    paths: { type: 'string' },
    'max-depth': { type: 'string' },
    'too-many': { type: 'string' },
    top: { type: 'string' },
    dot: { type: 'string' },
    'fail-on-suspects': { type: 'boolean' },
    'ignore-edge': { type: 'string', multiple: true },
    timings: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, 'analyze');
  if (values.help) return { kind: 'help', topic: 'analyze' };
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `analyze takes one FILE, got ${positionals.length}` : 'analyze needs a FILE', 'analyze');
  }
  const match = regexes(values.match as string[] | undefined, 'analyze');
  const dot = values.dot as string | undefined;
  if (dot === '') throw new UsageError('--dot needs an output file name', 'analyze');
  return {
    kind: 'analyze',
    file: positionals[0],
    match,
    json: Boolean(values.json),
    paths: positiveInt('--paths', values.paths as string | undefined, DEFAULTS.paths),
    maxDepth: positiveInt('--max-depth', values['max-depth'] as string | undefined, DEFAULTS.maxDepth),
    tooMany: positiveInt('--too-many', values['too-many'] as string | undefined, DEFAULTS.tooMany),
    top: positiveInt('--top', values.top as string | undefined, DEFAULTS.top),
    dot: dot ?? null,
    failOnSuspects: Boolean(values['fail-on-suspects']),
    ignoreEdges: (values['ignore-edge'] as string[] | undefined) ?? [],
    timings: Boolean(values.timings),
  };
}

function regexes(list: string[] | undefined, command: 'analyze' | 'diff'): string[] {
  for (const m of list ?? []) {
    try {
      new RegExp(m);
    } catch (e) {
      throw new UsageError(`--match '${m}' is not a valid regular expression: ${(e as Error).message}`, command);
    }
  }
  return list ?? [];
}

function parseDiff(args: string[]): Command {
  const { values, positionals } = parse(args, {
    match: { type: 'string', multiple: true, short: 'm' },
    json: { type: 'boolean' },
    top: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'diff');
  if (values.help) return { kind: 'help', topic: 'diff' };
  if (positionals.length !== 2) throw new UsageError(`diff needs BEFORE and AFTER files, got ${positionals.length} file(s)`, 'diff');
  return {
    kind: 'diff',
    before: positionals[0],
    after: positionals[1],
    match: regexes(values.match as string[] | undefined, 'diff'),
    json: Boolean(values.json),
    top: positiveInt('--top', values.top as string | undefined, DEFAULTS.top),
  };
}

export const HELP = {
  main: `retention-graph — why is this object still alive? (V8 / Python .heapsnapshot files)

Usage:
  retention-graph analyze FILE [options]     explain what keeps Request-like objects alive
  retention-graph diff BEFORE AFTER [--json] per-class growth between two snapshots
  retention-graph --help | help COMMAND      this text, or a command's options
  retention-graph --version

Exit codes: 0 ok, 1 suspects found (analyze --fail-on-suspects), 2 bad input or usage,
3 internal error. Progress is written to stderr only when stderr is a terminal.
`,
  analyze: `Usage: retention-graph analyze FILE [options]

Reads FILE (.heapsnapshot), prints totals, the most common classes with retained sizes, and for
each Request-like class: counts, sizes, how many sit on a reference cycle, the shortest retainer
paths grouped by shape, the shortest cycles and a one-sentence explanation.

Options:
  -m, --match REGEX      also treat classes matching REGEX as suspects (repeatable)
      --json             print the stable JSON report (docs/cli.md) instead of text
      --paths K          distinct retainer path groups per suspect (default ${DEFAULTS.paths})
      --max-depth N      depth of the back-reference graph for --dot (default ${DEFAULTS.maxDepth})
      --too-many N       fold referrers beyond N into one "N more" node (default ${DEFAULTS.tooMany})
      --ignore-edge NAME never follow edges with this name in paths/graphs (repeatable)
      --top N            rows of the class table in text output (default ${DEFAULTS.top})
      --dot OUT.dot      write the back-reference graph of the dominant suspect's examples
                         (Graphviz DOT, objgraph style: dot -Tsvg OUT.dot > out.svg)
      --fail-on-suspects exit 1 when any suspect instance is found
      --timings          print milliseconds per engine phase on stderr
  -h, --help             this text
`,
  diff: `Usage: retention-graph diff BEFORE AFTER [--json] [--match REGEX]... [--top N]

Compares two snapshots of the same process: per class, instance count and self size before and
after, the deltas, how many instances are new (node id not in BEFORE) and how many are gone.
Request-like classes (the analyze defaults plus --match) are also listed on their own.

Options:
  -m, --match REGEX      also treat classes matching REGEX as Request-like (repeatable)
      --json             print the stable JSON report (docs/cli.md) instead of text
      --top N            rows in text output (default ${DEFAULTS.top})
  -h, --help             this text
`,
};
