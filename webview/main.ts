// Webview entry (bundled by scripts/build.mjs into dist/webview.js, an IIFE).
// The host page must provide: <div id="root"></div>, media/webview.css as a <link> and this script
// with the CSP nonce. The app sends {type:'ready'} first; the host answers with 'init', then
// 'progress'… and 'loaded' (or 'loadFailed'); after a hide/show it must send 'init' + 'loaded' again.
import { App } from './app';
import { h } from './dom';

const root = document.getElementById('app') ?? document.getElementById('root') ?? document.body;

function fatal(message: string): void {
  // never a blank panel: whatever failed, say so as text
  root.append(h('div', { class: 'status failed' }, h('h2', { class: 'error-title', text: 'Retention Graph failed in the webview' }), h('p', { class: 'error-message', text: message })));
}

window.addEventListener('error', (ev) => {
  // a benign browser notice, not a failure of ours
  if (/ResizeObserver loop/.test(ev.message)) return;
  fatal(ev.message);
});
window.addEventListener('unhandledrejection', (ev) => fatal(ev.reason instanceof Error ? ev.reason.message : String(ev.reason)));
try {
  new App(root);
} catch (e) {
  fatal(e instanceof Error ? e.message : String(e));
}
