// A real Node program whose heap looks like a busy web service's: request-like objects with headers
// and context objects that point back at them (cycles), closures over them (listeners), Maps keyed by
// id, WeakMaps keyed by the requests, arrays of recent errors, strings, and numbers. It builds
// `scale` such records, then writes a heap snapshot with v8.writeHeapSnapshot.
// usage: node --max-old-space-size=8192 heapProgram.cjs SCALE OUT.heapsnapshot
'use strict';
const v8 = require('node:v8');
const { EventEmitter } = require('node:events');

const scale = Number(process.argv[2]);
const out = process.argv[3];
if (!(scale > 0) || !out) {
  console.error('usage: node heapProgram.cjs SCALE OUT.heapsnapshot');
  process.exit(2);
}

class IncomingMessage {
  constructor(id) {
    this.id = id;
    this.method = id % 5 === 0 ? 'POST' : 'GET';
    this.url = `/api/items/${id}?page=${id % 17}`;
    this.headers = { host: 'localhost', 'user-agent': `bench/${id % 13}`, accept: '*/*', 'x-request-id': `req-${id}` };
    this.rawHeaders = ['Host', 'localhost', 'Accept', '*/*'];
    this.complete = id % 3 !== 0;
  }
}
class RequestContext {
  constructor(req) {
    this.req = req;
    this.startedAt = 1700000000000 + req.id;
    this.tags = new Set([`t${req.id % 7}`, `u${req.id % 101}`]);
    this.log = [];
  }
}

const store = {
  byId: new Map(),
  meta: new WeakMap(),
  recentErrors: [],
  emitter: new EventEmitter(),
  buckets: Array.from({ length: 64 }, () => []),
  strings: [],
};
store.emitter.setMaxListeners(0);

for (let i = 0; i < scale; i++) {
  const req = new IncomingMessage(i);
  const ctx = new RequestContext(req);
  req.context = ctx;
  ctx.log.push({ at: i, msg: `handled ${req.url}` });
  store.byId.set(i, ctx);
  store.meta.set(req, { seen: i, weight: i * 1.5, label: `meta-${i % 1000}` });
  store.buckets[i % 64].push(req);
  if (i % 10 === 0) {
    const err = new Error(`Not Found: ${req.url}`);
    err.context = ctx;
    store.recentErrors.push(err);
  }
  if (i % 4 === 0) {
    const onData = (chunk) => { ctx.log.push(chunk); return req.id; };
    store.emitter.on(`data-${i % 256}`, onData);
  }
  if (i % 50 === 0) store.strings.push('x'.repeat(20 + (i % 200)) + i);
}
globalThis.benchStore = store;
console.error(`built ${scale} records in ${Math.round(process.uptime() * 1000)} ms`);
v8.writeHeapSnapshot(out);
console.log(out);
