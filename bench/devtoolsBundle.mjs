// Builds Chrome DevTools' heap snapshot worker (chrome-devtools-frontend, front_end/entrypoints/
// heap_snapshot_worker/) into one ESM file that runs in Node: esbuild bundles the TypeScript sources;
// the UI-string module (core/i18n) is replaced by a stub because the worker only uses it to format
// progress messages, and Promise.withResolvers is polyfilled for Node 20. Used by the parity test and
// by `npm run bench`. Nothing from DevTools is copied into this repository.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** Directory of chrome-devtools-frontend's front_end sources. */
export function devtoolsFrontEnd() {
  return path.join(path.dirname(require.resolve('chrome-devtools-frontend/package.json')), 'front_end');
}

const I18N_STUB = `
const str = (s) => String(s);
export const i18n = {
  serializeUIString: (s, values) => JSON.stringify({ string: s, values: values ?? {} }),
  registerUIStrings: () => ({}),
  getLazilyComputedLocalizedString: (_file, s) => () => str(s),
  getLocalizedString: (_file, s) => str(s),
  lockedLazyString: (s) => () => s,
  lockedString: str,
};
export const i18nTypes = {};
`;

const POLYFILL = 'if (!Promise.withResolvers) Promise.withResolvers = function () { let resolve, reject; '
  + 'const promise = new this((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };';

/** Bundles HeapSnapshotLoader + SecondaryInitManager into outFile (ESM). Returns outFile. */
export async function buildDevToolsBundle(outFile) {
  const fe = devtoolsFrontEnd();
  const worker = path.join(fe, 'entrypoints', 'heap_snapshot_worker');
  await esbuild.build({
    stdin: {
      contents: `export { HeapSnapshotLoader } from ${JSON.stringify(path.join(worker, 'HeapSnapshotLoader.ts'))};
export { SecondaryInitManager } from ${JSON.stringify(path.join(worker, 'HeapSnapshot.ts'))};`,
      resolveDir: worker,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: outFile,
    logLevel: 'error',
    banner: { js: POLYFILL },
    plugins: [{
      name: 'stub-i18n',
      setup(b) {
        b.onResolve({ filter: /(^|\/)i18n\.js$/ }, (args) =>
          (args.importer.includes(`${path.sep}core${path.sep}`) || args.importer.includes('front_end')
            ? { path: 'i18n', namespace: 'devtools-stub' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'devtools-stub' }, () => ({ contents: I18N_STUB, loader: 'js' }));
      },
    }],
  });
  return outFile;
}

/** URL of a built bundle, for import(). */
export function bundleUrl(file) {
  return pathToFileURL(file).href;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node bench/devtoolsBundle.mjs OUT.mjs');
    process.exit(2);
  }
  await buildDevToolsBundle(path.resolve(out));
  console.log(out);
}
