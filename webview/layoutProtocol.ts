// Messages between the webview page and its layout worker (one union per direction, replies by id).
import type { ElkNode } from 'elkjs/lib/elk-api';

/** page → worker: lay out this prepared ELK graph */
export interface LayoutWorkerRequest {
  id: number;
  graph: ElkNode;
}

/** worker → page: ELK's output graph and how long ELK took (ms), or ELK's error message */
export type LayoutWorkerReply = { id: number; ok: ElkNode; ms: number } | { id: number; err: string };
