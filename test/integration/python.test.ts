// Runs the Python exporter's unit tests (python/tests, unittest) with Debian's /usr/bin/python3 and,
// when it is a different interpreter, the `python3` on PATH, so they are part of `npm test`.
import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Interpreters to test: Debian's, plus the PATH one when it resolves to another executable. */
function interpreters(): string[] {
  const list = ['/usr/bin/python3'];
  try {
    const onPath = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    if (onPath && realpathSync(onPath) !== realpathSync(list[0])) list.push(onPath);
  } catch {
    // no python3 on PATH: Debian's alone
  }
  return list;
}

describe('Python exporter unit tests (python/tests)', function () {
  this.timeout(1_200_000);
  for (const py of interpreters()) {
    it(`pass with ${py}`, async () => {
      const version = execFileSync(py, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
      assert.ok(Number(version.split('.')[1]) >= 9 || Number(version.split('.')[0]) > 3, `Python 3.9+ (got ${version})`);
      const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
        execFile(py, ['-m', 'unittest', 'discover', '-s', path.join(ROOT, 'python', 'tests'), '-v'],
          { cwd: ROOT, maxBuffer: 16 << 20, timeout: 1_100_000 },
          (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
      });
      assert.equal(code, 0, `unittest failed with ${py}:\n${out.slice(-6000)}`);
      const ran = /Ran (\d+) tests?/.exec(out);
      assert.ok(ran && Number(ran[1]) >= 14, `all tests ran: ${ran?.[0]}`);
      assert.doesNotMatch(out, /skipped/, 'no test was skipped');
    });
  }
});
