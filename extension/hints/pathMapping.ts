// Maps a source path recorded in a snapshot (often from another machine or a container:
// "/app/server.js", "/usr/lib/python3/dist-packages/aiohttp/web_protocol.py", "file:///C:/x.js")
// to a file of the workspace: first by the user's prefix mappings, then by the longest unique
// path suffix. Never guesses between two candidates: ambiguity yields no file. Pure, no vscode.

/** One `retentionGraph.pathMappings` entry: recorded paths starting with `from` live under `to`. */
export interface PathMapping {
  from: string;
  to: string;
}

/** How a recorded path was resolved, for the hover's wording. */
export type MappingMethod = 'exact' | 'prefix' | 'suffix';

export interface MappedPath {
  file: string;
  method: MappingMethod;
}

/** Normalises a recorded path or URL to forward slashes without a file:// scheme; '' when it is no file. */
export function normalizeRecordedPath(p: string): string {
  let s = p.trim();
  if (!s) return '';
  if (/^(node|internal|wasm|data|evalmachine|chrome|chrome-extension|webpack-internal):/i.test(s) || s.startsWith('<')) return '';
  if (/^file:\/\//i.test(s)) {
    s = s.replace(/^file:\/\//i, '');
    try {
      s = decodeURIComponent(s);
    } catch {
      // keep the raw text when the URL escapes are broken
    }
    if (/^\/[A-Za-z]:\//.test(s)) s = s.slice(1);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    // http(s):// script URLs: keep the path part, it may still match by suffix
    s = s.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    s = s.replace(/[?#].*$/, '');
  }
  s = s.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  return s;
}

function segments(p: string): string[] {
  return p.split('/').filter((x) => x && x !== '.');
}

/** Index of workspace files by basename, for suffix matching. Paths use forward slashes. */
export class WorkspaceFileIndex {
  private readonly byBase = new Map<string, string[]>();
  private readonly all = new Set<string>();
  private readonly caseInsensitive: boolean;

  constructor(files: Iterable<string>, opts: { caseInsensitive?: boolean } = {}) {
    this.caseInsensitive = opts.caseInsensitive ?? false;
    for (const raw of files) {
      const f = raw.replace(/\\/g, '/');
      const key = this.key(f);
      this.all.add(key);
      const base = this.key(segments(f).pop() ?? '');
      const list = this.byBase.get(base);
      if (list) list.push(f);
      else this.byBase.set(base, [f]);
    }
  }

  private key(s: string): string {
    return this.caseInsensitive ? s.toLowerCase() : s;
  }

  has(file: string): boolean {
    return this.all.has(this.key(file));
  }

  /** Files whose trailing path segments match the recorded path longest; unique or nothing. */
  bySuffix(recorded: string): string | undefined {
    const want = segments(recorded).map((s) => this.key(s));
    if (!want.length) return undefined;
    const candidates = this.byBase.get(want[want.length - 1]);
    if (!candidates) return undefined;
    let best = 0;
    let bestFiles: string[] = [];
    for (const c of candidates) {
      const have = segments(c).map((s) => this.key(s));
      let k = 0;
      while (k < want.length && k < have.length && want[want.length - 1 - k] === have[have.length - 1 - k]) k++;
      if (k > best) {
        best = k;
        bestFiles = [c];
      } else if (k === best) {
        bestFiles.push(c);
      }
    }
    return bestFiles.length === 1 ? bestFiles[0] : undefined;
  }
}

/** Resolves a recorded path to one workspace file, or undefined (unknown or ambiguous). */
export function mapRecordedPath(recorded: string, index: WorkspaceFileIndex, mappings: PathMapping[] = []): MappedPath | undefined {
  const p = normalizeRecordedPath(recorded);
  if (!p) return undefined;
  if (index.has(p)) return { file: p, method: 'exact' };
  // Longest matching prefix first, so "/app/lib/" wins over "/app/".
  const sorted = [...mappings].sort((a, b) => b.from.length - a.from.length);
  for (const m of sorted) {
    const from = normalizeRecordedPath(m.from);
    if (!from) continue;
    const prefix = from.endsWith('/') ? from : `${from}/`;
    if (p === from || p.startsWith(prefix)) {
      const rest = p === from ? '' : p.slice(prefix.length);
      const to = m.to.replace(/\\/g, '/').replace(/\/+$/, '');
      const cand = rest ? `${to}/${rest}` : to;
      if (index.has(cand)) return { file: cand, method: 'prefix' };
    }
  }
  const s = index.bySuffix(p);
  return s ? { file: s, method: 'suffix' } : undefined;
}
