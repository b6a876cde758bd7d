import { strict as assert } from 'node:assert';
import { WorkspaceFileIndex, mapRecordedPath, normalizeRecordedPath } from '../../extension/hints/pathMapping';

describe('path mapping for source hints', () => {
  const files = [
    '/ws/server.js',
    '/ws/lib/a/util.js',
    '/ws/lib/b/util.js',
    '/ws/py/app.py',
    '/other/root/handlers/app.py',
  ];
  const index = new WorkspaceFileIndex(files);

  it('normalises file URLs, Windows paths and drops non-file schemes', () => {
    assert.equal(normalizeRecordedPath('file:///ws/server.js'), '/ws/server.js');
    assert.equal(normalizeRecordedPath('file:///C:/proj/x%20y.js'), 'C:/proj/x y.js');
    assert.equal(normalizeRecordedPath('C:\\proj\\x.js'), 'C:/proj/x.js');
    assert.equal(normalizeRecordedPath('node:internal/http'), '');
    assert.equal(normalizeRecordedPath('<frozen importlib._bootstrap>'), '');
    assert.equal(normalizeRecordedPath('http://127.0.0.1:8080/static/app.js?v=1'), '/static/app.js');
  });

  it('takes an exact path as it is', () => {
    assert.deepEqual(mapRecordedPath('/ws/server.js', index), { file: '/ws/server.js', method: 'exact' });
  });

  it('maps a container path by a unique suffix', () => {
    assert.deepEqual(mapRecordedPath('/app/server.js', index), { file: '/ws/server.js', method: 'suffix' });
  });

  it('prefers the longest unique suffix and refuses a tie', () => {
    assert.deepEqual(mapRecordedPath('/srv/lib/a/util.js', index), { file: '/ws/lib/a/util.js', method: 'suffix' });
    assert.equal(mapRecordedPath('/srv/util.js', index), undefined);
    // app.py exists twice; only one under handlers/
    assert.equal(mapRecordedPath('/container/app.py', index), undefined);
    assert.deepEqual(mapRecordedPath('/container/handlers/app.py', index), { file: '/other/root/handlers/app.py', method: 'suffix' });
  });

  it('applies prefix mappings before suffixes, longest prefix first', () => {
    const m = [
      { from: '/app', to: '/ws/lib' },
      { from: '/app/py/', to: '/ws/py' },
    ];
    assert.deepEqual(mapRecordedPath('/app/py/app.py', index, m), { file: '/ws/py/app.py', method: 'prefix' });
    assert.deepEqual(mapRecordedPath('/app/a/util.js', index, m), { file: '/ws/lib/a/util.js', method: 'prefix' });
  });

  it('gives nothing for files outside the workspace', () => {
    assert.equal(mapRecordedPath('/usr/lib/python3/dist-packages/aiohttp/web_protocol.py', index), undefined);
  });
});
