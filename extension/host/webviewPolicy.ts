// The webview's Content Security Policy, in one place: used by the custom editor's HTML and by the
// test harness that serves the same page, so the tests run under the policy that ships. No vscode.

/** CSP of the Retention Graph webview for a resource origin (`webview.cspSource`) and a script nonce. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    // the page fetches dist/layoutWorker.js and starts its ELK worker from a blob: URL
    `connect-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}
