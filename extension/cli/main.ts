// Entry of the `retention-graph` CLI (bundled to dist/cli.js; bin/retention-graph.js loads it).
// Dev: `npx tsx extension/cli/main.ts analyze FILE`.
import { runCli, EXIT } from './run';

// No SIGINT handler: the engine's phases are synchronous, so a handler could not run before they
// end; Node's default (terminate at once; the shell reports 130) is what a user pressing Ctrl-C wants.

// a closed pipe (e.g. `| head`) is not an error worth a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw e;
});

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTTY: Boolean(process.stderr.isTTY),
}).then((code) => {
  process.exitCode = code;
}, (e) => {
  process.stderr.write(`retention-graph: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = EXIT.internal;
});
