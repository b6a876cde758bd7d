// The layout worker (bundled by scripts/build.mjs into dist/layoutWorker.js, an IIFE): runs ELK on the
// prepared, already-measured graphs the page posts (layout.ts prepareLayout), off the page's thread.
// It never sees snapshot strings: ELK ids are positional and label texts are placeholders.
import { elkHere, runElkHere } from './layout';
import type { LayoutWorkerReply, LayoutWorkerRequest } from './layoutProtocol';

// This file is compiled with the DOM lib (one tsconfig for the webview); a worker scope needs only these two.
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<LayoutWorkerRequest>) => void) | null;
  postMessage(msg: LayoutWorkerReply): void;
};

// ELK's bundled build claims self.onmessage when its first instance is made: make it now, then take it back
elkHere();
scope.onmessage = (ev) => {
  const { id, graph } = ev.data;
  const started = performance.now();
  runElkHere(graph).then(
    (out) => scope.postMessage({ id, ok: out, ms: performance.now() - started }),
    (e: unknown) => scope.postMessage({ id, err: e instanceof Error ? e.message : String(e) }),
  );
};
