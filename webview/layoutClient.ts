// Runs ELK in a Web Worker so a large graph never freezes the page (zoom, pan and clicks keep
// working while it is laid out). VS Code webviews only start workers from blob:/data: URLs, so the
// page fetches dist/layoutWorker.js (its webview URI comes from the host page, #app's
// data-layout-worker) and starts the worker from a Blob URL. A newer request supersedes an older one:
// the busy worker is ended and a fresh one started. If no worker can start, ELK runs in the page
// (layout.ts is the same pure code either way, so the drawing is the same).
import type { ElkNode } from 'elkjs/lib/elk-api';
import { runElkHere, type ElkRunner } from './layout';
import type { LayoutWorkerReply, LayoutWorkerRequest } from './layoutProtocol';

/** Rejection of a layout that a newer request replaced before it finished. */
export class LayoutSuperseded extends Error {
  constructor() {
    super('layout superseded by a newer one');
    this.name = 'LayoutSuperseded';
  }
}

interface Job {
  id: number;
  graph: ElkNode;
  resolve(out: ElkNode): void;
  reject(e: unknown): void;
}

export class LayoutClient {
  private blobUrl: Promise<string> | null = null;
  private worker: Worker | null = null;
  private job: Job | null = null;
  private seq = 0;
  private failed: string | null = null;
  /** where the last finished layout ran, and how long ELK took there (ms) */
  last: { where: 'worker' | 'page'; ms: number } | null = null;

  /** `scriptUrl`: the worker bundle's URL (undefined: always lay out in the page). */
  constructor(private readonly scriptUrl: string | undefined) {}

  /** The ELK runner for layout.ts: in the worker when it can start, else in this thread. */
  readonly run: ElkRunner = async (graph) => {
    const id = ++this.seq;
    this.supersede();
    const worker = await this.startWorker();
    if (id !== this.seq) throw new LayoutSuperseded();
    if (!worker) return await this.inPage(graph);
    const started = performance.now();
    const out = await new Promise<ElkNode>((resolve, reject) => {
      this.job = { id, graph, resolve, reject };
      const msg: LayoutWorkerRequest = { id, graph };
      worker.postMessage(msg);
    });
    this.last = { where: 'worker', ms: performance.now() - started };
    return out;
  };

  /** Ends the worker (the view is going away). */
  dispose(): void {
    this.supersede();
    this.worker?.terminate();
    this.worker = null;
  }

  private async inPage(graph: ElkNode): Promise<ElkNode> {
    const started = performance.now();
    const out = await runElkHere(graph);
    this.last = { where: 'page', ms: performance.now() - started };
    return out;
  }

  /** A running job is dropped: ELK cannot be interrupted, so its worker is ended. */
  private supersede(): void {
    const j = this.job;
    if (!j) return;
    this.job = null;
    this.worker?.terminate();
    this.worker = null;
    j.reject(new LayoutSuperseded());
  }

  private async startWorker(): Promise<Worker | null> {
    if (this.failed) return null;
    if (this.worker) return this.worker;
    if (!this.scriptUrl) {
      this.fail('the host page gave no layout worker URL');
      return null;
    }
    try {
      this.blobUrl ??= (async () => {
        const r = await fetch(this.scriptUrl as string);
        if (!r.ok) throw new Error(`fetching the layout worker: HTTP ${r.status}`);
        return URL.createObjectURL(new Blob([await r.text()], { type: 'text/javascript' }));
      })();
      const url = await this.blobUrl;
      if (this.failed) return null;
      if (this.worker) return this.worker;
      const w = new Worker(url, { name: 'retention-graph-layout' });
      w.onmessage = (ev: MessageEvent<LayoutWorkerReply>) => {
        const j = this.job;
        if (!j || ev.data.id !== j.id) return;
        this.job = null;
        if ('ok' in ev.data) j.resolve(ev.data.ok);
        else j.reject(new Error(`layout failed: ${String(ev.data.err)}`));
      };
      // the worker could not load or run (CSP, a broken bundle): lay out in the page from now on
      w.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        if (this.worker !== w) return;
        this.fail(ev.message || 'the layout worker failed to start');
        const j = this.job;
        this.job = null;
        if (j) this.inPage(j.graph).then(j.resolve, j.reject);
      };
      this.worker = w;
      return w;
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return null;
    }
  }

  private fail(reason: string): void {
    this.worker?.terminate();
    this.worker = null;
    if (this.failed) return;
    this.failed = reason;
    console.warn(`Retention Graph: no layout worker (${reason}); laying graphs out in the page`);
  }
}

/** The layout worker's URL as the host page gives it (data-layout-worker on #app), if any. */
export function layoutWorkerUrl(doc: Document): string | undefined {
  const el = doc.getElementById('app') ?? doc.querySelector('[data-layout-worker]');
  return (el as HTMLElement | null)?.dataset.layoutWorker || undefined;
}
