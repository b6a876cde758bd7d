// Shared bits of the bench runners: each runner is one child process that analyses one file and
// prints one JSON line {ok, ms, maxRssMB, ...} on stdout (peak RSS from process.resourceUsage()).

/** Prints the result line and exits. */
export function report(fields) {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ok: true, maxRssMB, ...fields })}\n`);
  process.exit(0);
}

/** Prints a failure line (the runner's own words) and exits 0 so the bench can record it. */
export function fail(err) {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const message = String(err && err.message ? err.message : err).split('\n')[0].slice(0, 200);
  process.stdout.write(`${JSON.stringify({ ok: false, maxRssMB, error: message })}\n`);
  process.exit(0);
}

export function now() {
  return performance.now();
}
