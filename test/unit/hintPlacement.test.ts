import { strict as assert } from 'node:assert';
import {
  diagnosticMessage, expandMappings, findAssignments, hopText, hoverLines, lensTitle, placeFindings, safeText, type TermMatch,
} from '../../extension/hints/hintPlacement';
import { WorkspaceFileIndex, mapRecordedPath } from '../../extension/hints/pathMapping';
import type { SourceFinding } from '../../extension/core/results';

const SERVER = [
  "'use strict';",
  'const recentErrors = [];',
  '// recentErrors.push(err) in a comment does not count',
  'function notFound(req, res) {',
  '  const err = new Error(req.url);',
  '  err.context = req;',
  '  if (err.context === req) log(err);',
  '  recentErrors.push(err);',
  '  return { context: req };',
  '}',
].join('\n');

function finding(over: Partial<SourceFinding>): SourceFinding {
  return {
    kind: 'closure', file: '', line: 0, column: 0, label: 'function f', className: 'IncomingMessage', count: 30,
    retainedSize: 2.1 * 1024 * 1024, chainText: 'via recentErrors[] → Error.context', chainIsCycle: false, hopIndex: -1,
    chain: [
      { from: 'system / Context', type: 'context', name: 'recentErrors', to: 'Array' },
      { from: 'Array', type: 'element', name: '[]', to: 'Error' },
      { from: 'Error', type: 'property', name: 'context', to: 'IncomingMessage', location: { file: '/app/server.js', line: 6, column: 3, kind: 'class' } },
    ],
    exampleIds: [7], ...over,
  };
}

describe('leak hints: placing findings on workspace lines', () => {
  it('finds assignment lines of a property and a variable, not comparisons or comments', () => {
    assert.deepEqual(findAssignments('/ws/server.js', SERVER, 'context', 'property').map((m) => m.line), [6, 9]);
    const v = findAssignments('/ws/server.js', SERVER, 'recentErrors', 'variable');
    assert.deepEqual(v.map((m) => [m.line, m.column]), [[2, 7], [8, 3]]);
    assert.deepEqual(findAssignments('/ws/app.py', 'class H:\n    def f(self, r):\n        self.pending = r\n        x == self.pending\n', 'pending', 'property').map((m) => m.line), [3]);
    assert.deepEqual(findAssignments('/ws/server.js', SERVER, 'nothing', 'property'), []);
    // regex metacharacters in a snapshot name are matched literally
    assert.deepEqual(findAssignments('/ws/x.js', 'a.$x = 1;\nab = 2;', '$x', 'property').map((m) => m.line), [1]);
  });

  it('maps recorded paths by prefix setting and unique suffix; ambiguous suffix and library files give nothing', () => {
    const index = new WorkspaceFileIndex(['/ws/api/server.js', '/ws/a/util.js', '/ws/b/util.js', '/ws2/app.py']);
    const mappings = expandMappings([{ from: '/app', to: '${workspaceFolder:api-root}' }, { from: '/srv', to: '${workspaceFolder:nope}' }],
      [{ name: 'ws', path: '/ws' }, { name: 'api-root', path: '/ws/api' }]);
    assert.deepEqual(mappings, [{ from: '/app', to: '/ws/api' }]);
    const map = (p: string) => mapRecordedPath(p, index, mappings);
    const none = (): TermMatch[] => [];
    const placed = placeFindings([
      finding({ kind: 'closure', file: '/app/server.js', line: 12, column: 5 }),
      finding({ kind: 'closure', file: '/container/util.js', line: 3 }),
      finding({ kind: 'frame', file: '/usr/lib/python3/dist-packages/aiohttp/web_protocol.py', line: 467 }),
      finding({ kind: 'frame', file: '/opt/app.py', line: 22 }),
    ], map, none);
    assert.deepEqual(placed.map((h) => [h.file, h.line, h.method, h.detail]), [
      ['/ws/api/server.js', 12, 'location', 'prefix'],
      ['/ws2/app.py', 22, 'location', 'suffix'],
    ]);
  });

  it('keeps only the innermost allocation frame that is a workspace file, and places search terms', () => {
    const index = new WorkspaceFileIndex(['/ws/server.js']);
    const search = (term: string, kind: 'property' | 'variable') => findAssignments('/ws/server.js', SERVER, term, kind);
    const placed = placeFindings([
      finding({ kind: 'allocation', file: 'node:_http_server', line: 1100, group: 'allocation:IncomingMessage' }),
      finding({ kind: 'allocation', file: '/app/server.js', line: 5, group: 'allocation:IncomingMessage' }),
      finding({ kind: 'allocation', file: '/app/server.js', line: 40, group: 'allocation:IncomingMessage' }),
      finding({ kind: 'property', searchTerm: 'context', searchKind: 'property', hopIndex: 2 }),
    ], (p) => mapRecordedPath(p, index), search);
    assert.deepEqual(placed.map((h) => [h.finding.kind, h.line, h.method]), [
      ['allocation', 5, 'location'], ['property', 6, 'text search'], ['property', 9, 'text search'],
    ]);
  });

  it('texts: lens title with counts and chain, hover says how the line was found, hostile strings made inert', () => {
    const f = finding({ kind: 'property', searchTerm: 'context', searchKind: 'property', hopIndex: 2 });
    assert.equal(lensTitle(f), 'Retention Graph: 30 IncomingMessage alive · 2.20 MB retained · via recentErrors[] → Error.context — show graph');
    const lines = hoverLines([{ file: '/ws/server.js', line: 6, column: 3, finding: f, method: 'text search', detail: '.context =' }], 'a.heapsnapshot',
      (hop) => (hop.location ? `server.js:${hop.location.line}` : ''));
    assert.ok(lines[1].startsWith('Found by text search for the retaining property `context`'), lines[1]);
    assert.equal(lines[3], '1. system / Context (variable recentErrors) → Array');
    assert.equal(lines[5], '3. Error .context → IncomingMessage — server.js:6  ← this line');
    assert.equal(hopText({ from: 'aiohttp.web_request.Request', type: 'property', name: '_match_info', to: 'aiohttp.web_urldispatcher.MatchInfoError' }),
      'Request ._match_info → MatchInfoError');
    assert.equal(safeText('a\u202eb\nc'), 'a b c');
  });

  it('a frame hint says what sits on the line; root hops are left out and the rest numbered from 1', () => {
    const f = finding({
      kind: 'frame', file: '/srv/app.py', line: 22, label: 'frame log_requests (local request)', className: 'aiohttp.web_request.Request', count: 4,
      retainedSize: 480, chainText: 'via … → traceback.tb_frame', chainIsCycle: false,
      chain: [
        { from: '(root)', type: 'element', name: '[]', to: '(Python gc.garbage)' },
        { from: 'traceback', type: 'property', name: 'tb_frame', to: 'frame RequestHandler._handle_request web_protocol.py:467',
          location: { file: '/usr/lib/python3/dist-packages/aiohttp/web_protocol.py', line: 467, column: 0, kind: 'frame' } },
      ],
    });
    const h = { file: '/ws/app.py', line: 22, column: 0, finding: f, method: 'location' as const, detail: 'suffix' };
    assert.equal(diagnosticMessage(h, 'py.heapsnapshot'), 'frame log_requests (local request): 4 Request alive · 480 B retained · via … → traceback.tb_frame (py.heapsnapshot)');
    const lines = hoverLines([h], 'py.heapsnapshot', (hop) => (hop.location ? `${hop.location.file}:${hop.location.line} (not in the workspace)` : ''));
    assert.equal(lines[1], 'Here: frame log_requests (local request).');
    assert.match(lines[2], /^From the snapshot's location: a frame .*path mapped by its unique suffix\)\.$/);
    assert.equal(lines[4], '1. traceback .tb_frame → frame RequestHandler._handle_request web_protocol.py:467 — /usr/lib/python3/dist-packages/aiohttp/web_protocol.py:467 (not in the workspace)');
    assert.equal(lines.length, 5);
  });
});
