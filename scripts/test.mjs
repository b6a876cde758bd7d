// `npm test`: every check and every test. Types, lint, bundles, then mocha over unit, integration
// and end-to-end suites (pass suite folders as arguments to run fewer, e.g. `npm test -- unit`).
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
const only = suites.length ? suites : ['unit', 'integration', 'e2e'];
function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}
run('npx', ['tsc', '--noEmit', '-p', '.']);
run('npx', ['tsc', '--noEmit', '-p', 'webview']);
run('npx', ['eslint', '.']);
run('node', ['scripts/build.mjs']);
run('npx', ['mocha', '--reporter', './test/helpers/summaryReporter.cjs', ...only.map((s) => `test/${s}/**/*.test.ts`)]);
