// Snapshots for the webview harness, written at test time: an aiohttp-like Request cycle (the shape
// of objgraph's 404 picture, in V8 form), the same with hostile strings, a wide fan-in for the
// "N more" fold, and a real Node.js heap snapshot from a small leaking program.
import { spawnSync } from 'node:child_process';
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotBuilder } from './snapshotBuilder';

/** Strings a snapshot may contain that must stay literal text in the webview. */
export const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  svg: '</svg><img src=x onerror="window.__pwned=2">',
  js: 'javascript:window.__pwned=3',
  template: '{{constructor.constructor("window.__pwned=4")()}}',
};

/**
 * The aiohttp 404 chain (BACKGROUND.md), as objects: Request -_match_info-> MatchInfoError
 * -_exception-> HTTPNotFound -__traceback__-> traceback -tb_frame-> frame -request-> Request, and
 * frame -resp-> HTTPNotFound; a module-level list keeps one request reachable. `hostile` puts
 * untrusted strings into class names, property names and string values.
 */
export function aiohttpLikeSnapshot(opts: { hostile?: boolean; requests?: number; fanIn?: number } = {}): string {
  const b = new SnapshotBuilder();
  const hx = opts.hostile ? HOSTILE : null;
  const global = b.node('object', 'Window / global', { selfSize: 64 });
  b.gcRoot(global);
  const app = b.obj('Application', 120);
  b.prop(global, app, 'app');
  const requests = opts.requests ?? 3;
  for (let i = 0; i < requests; i++) {
    const req = b.obj(hx ? `Request${hx.script}` : 'Request', 320);
    const match = b.obj('MatchInfoError', 80);
    const exc = b.obj(hx ? `HTTPNotFound${hx.svg}` : 'HTTPNotFound', 96);
    const tb = b.obj('traceback', 48);
    const tb2 = b.obj('traceback', 48);
    const frame = b.node('closure', hx ? `_handle_request ${hx.js}` : '_handle_request', { selfSize: 112 });
    const frame2 = b.node('closure', 'resolve', { selfSize: 112 });
    const url = b.node('string', hx ? `GET /missing ${hx.template}` : 'GET /missing', { selfSize: 40 });
    b.prop(req, match, '_match_info').prop(match, exc, hx ? hx.template : '_exception').prop(exc, tb, '__traceback__')
      .prop(tb, frame, 'tb_frame').edge(frame, req, 'context', 'request').edge(frame, exc, 'context', 'resp')
      .prop(tb, tb2, 'tb_next').prop(tb2, frame2, 'tb_frame').edge(frame2, req, 'context', hx ? hx.svg : 'request')
      .prop(req, url, 'path');
    if (i === 0) b.prop(app, req, 'last_request');
    else b.edge(b.gcRoots, tb, 'element', 100 + i); // the others only through the "(GC roots)" holder
  }
  const fanIn = opts.fanIn ?? 0;
  if (fanIn > 0) {
    const shared = b.obj('SharedRequestContext', 200);
    b.prop(app, shared, 'context');
    for (let i = 0; i < fanIn; i++) {
      const holder = b.obj(`Handler${i % 7}`, 30 + i);
      b.prop(app, holder, `h${i}`).prop(holder, shared, 'ctx');
    }
  }
  for (let i = 0; i < 40; i++) {
    const o = b.obj(`Filler${i % 13}${hx && i === 5 ? hx.script : ''}`, 16 + i);
    b.edge(global, o, 'element', i);
  }
  return b.toJSON();
}

/** A snapshot with many classes (for the virtualised table). */
export function manyClassesSnapshot(classes: number): string {
  const b = new SnapshotBuilder();
  const global = b.node('object', 'Window / global', { selfSize: 64 });
  b.gcRoot(global);
  for (let i = 0; i < classes; i++) {
    const o = b.obj(`Class${String(i).padStart(5, '0')}`, 8 + (i % 97));
    b.edge(global, o, 'element', i);
  }
  const req = b.obj('IncomingRequest', 100);
  b.prop(global, req, 'pending');
  return b.toJSON();
}

/** Writes a real Node.js heap snapshot of a small program that leaks request objects in a cycle. */
export function nodeLeakSnapshot(dir: string): string {
  const program = `
    class IncomingRequest { constructor(url) { this.url = url; this.body = Buffer.alloc(64); } }
    class RouteError extends Error {}
    const kept = [];
    for (let i = 0; i < 25; i++) {
      const req = new IncomingRequest('/missing/' + i);
      const err = new RouteError('not found');
      err.request = req; req._error = err;            // a cycle through the request
      kept.push(() => req);                            // a closure keeps it reachable
    }
    globalThis.leakRegistry = { kept };
    require('v8').writeHeapSnapshot(${JSON.stringify(join(dir, 'node-leak.heapsnapshot'))});
  `;
  const r = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`snapshot program failed: ${r.stderr}`);
  const f = readdirSync(dir).find((x) => x === 'node-leak.heapsnapshot');
  if (!f) throw new Error('no snapshot written');
  return join(dir, f);
}

/** Writes the fixture files into `dir` and returns their paths. */
export function writeFixtures(dir: string): { aiohttp: string; hostile: string; fanIn: string; many: string; broken: string } {
  const files = {
    aiohttp: join(dir, 'aiohttp-like.heapsnapshot'),
    hostile: join(dir, 'hostile.heapsnapshot'),
    fanIn: join(dir, 'fan-in.heapsnapshot'),
    many: join(dir, 'many-classes.heapsnapshot'),
    broken: join(dir, 'broken.heapsnapshot'),
  };
  writeFileSync(files.aiohttp, aiohttpLikeSnapshot());
  writeFileSync(files.hostile, aiohttpLikeSnapshot({ hostile: true }));
  writeFileSync(files.fanIn, aiohttpLikeSnapshot({ fanIn: 40, requests: 1 }));
  writeFileSync(files.many, manyClassesSnapshot(12000));
  writeFileSync(files.broken, aiohttpLikeSnapshot().slice(0, 300));
  return files;
}

/**
 * A large, densely cross-linked retention graph for layout tests: `layers` × `width` objects, each
 * retaining one or two objects of the next layer and now and then one a few layers down (a fixed
 * LCG picks which), the last layer retaining
 * one `LeakTarget`, which closes a few cycles back into the mesh. Its back-reference graph with a
 * deep maxDepth and a large tooMany has about layers × width + 4 boxes and 1.7× as many edges.
 */
export function layeredMeshSnapshot(layers: number, width: number): string {
  const b = new SnapshotBuilder();
  const global = b.node('object', 'Window / global', { selfSize: 64 });
  b.gcRoot(global);
  let s = 12345;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const rows: number[][] = [];
  for (let l = 0; l < layers; l++) {
    const row: number[] = [];
    for (let i = 0; i < width; i++) row.push(b.obj(`Handler${l}_${i % 5}`, 16 + i));
    rows.push(row);
  }
  rows[0].forEach((o, i) => b.prop(global, o, `slot${i}`));
  for (let l = 0; l + 1 < layers; l++) {
    rows[l].forEach((o, i) => {
      const a = rnd(width);
      b.prop(o, rows[l + 1][a], `next${i % 7}`);
      if (rnd(2) === 0) b.prop(o, rows[l + 1][(a + 1 + rnd(width - 1)) % width], `peer${i % 3}`);
      // now and then a reference that skips layers, as real heaps have (long edges cost ELK most)
      if (rnd(5) === 0 && l + 3 < layers) b.prop(o, rows[l + 2 + rnd(Math.min(5, layers - l - 2))][rnd(width)], `cache${i % 4}`);
    });
  }
  const target = b.obj('LeakTarget', 256);
  rows[layers - 1].forEach((o, i) => b.prop(o, target, `held${i % 4}`));
  for (let k = 0; k < Math.min(3, layers); k++) b.prop(target, rows[layers - 1 - k][k % width], `back${k}`);
  // and a second, tiny suspect apart from the mesh: global -> SmallHolder -> LeakTargetSmall
  const holder = b.obj('SmallHolder', 24);
  b.prop(global, holder, 'small').prop(holder, b.obj('LeakTargetSmall', 64), 'item');
  return b.toJSON();
}
