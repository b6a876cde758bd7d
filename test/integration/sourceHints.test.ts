// Leak hints engine on real snapshots: the e2e fixture server (test/e2e/fixtures/hints-node/server.js)
// run with --track-heap-objects, so allocation stacks are recorded too. Expected lines are looked up
// in the fixture's source text.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSnapshotFile } from '../../extension/node/loadSnapshot';
import { analyze } from '../../extension/core/analysis';
import { buildSummary } from '../../extension/core/report';
import { computeSourceHints } from '../../extension/core/sourceHints';

const SERVER = path.join(__dirname, '..', 'e2e', 'fixtures', 'hints-node', 'server.js');

describe('sourceHints on a real Node snapshot (--track-heap-objects)', function () {
  this.timeout(120_000);
  let dir = '';
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names the retaining variable and property of the leaked requests, and the workspace allocation site of the client request', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rg-hints-'));
    const file = path.join(dir, 'leak.heapsnapshot');
    const leaked = parseInt(execFileSync(process.execPath, ['--track-heap-objects', SERVER, file, '10'], { timeout: 60_000, encoding: 'utf8' }), 10);
    assert.equal(leaked, 5);
    const a = analyze(await loadSnapshotFile(file));
    const summary = buildSummary(a);
    const hints = computeSourceHints(a, summary, { minCount: 1 });
    const im = hints.filter((h) => h.className === 'IncomingMessage');
    assert.ok(im.length > 0);
    assert.ok(im[0].count >= leaked, `count ${im[0].count}`);
    assert.equal(im[0].chainText, 'via recentErrors[] → Error.context');
    const terms = im.filter((h) => h.kind === 'property').map((h) => `${h.searchKind}:${h.searchTerm}`);
    assert.deepEqual(terms, ['variable:recentErrors', 'property:context']);
    // the client side: http.get( inside get()'s Promise executor allocated the ClientRequest still
    // held by its socket; V8's trace tree records the allocating *function's* position (the executor)
    const src = readFileSync(SERVER, 'utf8').split('\n');
    const getLine = src.findIndex((l) => l.includes('new Promise((resolve, reject) =>')) + 1;
    const alloc = hints.filter((h) => h.className === 'ClientRequest' && h.kind === 'allocation');
    const inServer = alloc.filter((h) => h.file === SERVER);
    assert.ok(inServer.length > 0, JSON.stringify(alloc.map((h) => [h.file, h.line])));
    assert.equal(inServer[0].line, getLine);
    assert.ok(alloc.every((h) => h.group === 'allocation:ClientRequest'));
    // the default threshold (2) leaves the single ClientRequest out
    assert.ok(computeSourceHints(a, summary).every((h) => h.className !== 'ClientRequest'));
  });
});
