// The webview's side of the protocol: posts FromWebview messages, matches engine replies by id,
// and hands every other ToWebview message to one listener.
import type { EngineReply, EngineRequest, ErrorValue, FromWebview, ToWebview } from '../extension/protocol';

export interface VsCodeApi<S> {
  postMessage(msg: FromWebview): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/** An engine request that failed: carries the engine's error value. */
export class EngineError extends Error {
  constructor(readonly value: ErrorValue) {
    super(value.message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class Host<S> {
  readonly api: VsCodeApi<S>;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listener: (msg: ToWebview) => void = () => undefined;

  constructor() {
    this.api = acquireVsCodeApi<S>();
    window.addEventListener('message', (ev: MessageEvent) => this.receive(ev.data));
  }

  /** Sets the handler of every host message that is not an engine reply. */
  onMessage(f: (msg: ToWebview) => void): void {
    this.listener = f;
  }

  post(msg: FromWebview): void {
    this.api.postMessage(msg);
  }

  /** Sends an engine request through the host; resolves with the reply or rejects with EngineError. */
  request<R extends EngineRequest>(request: R): Promise<EngineReply<R['kind']>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'request', id, request });
    });
  }

  private receive(data: unknown): void {
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    const msg = data as ToWebview;
    if (msg.type === 'reply') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ('ok' in msg.result) p.resolve(msg.result.ok);
      else p.reject(new EngineError(msg.result.err));
      return;
    }
    this.listener(msg);
  }
}
