// ESLint flat config. The rule that matters most: extension/core/ is the pure engine and may not
// import vscode, fs or other host/DOM facilities (it runs in the worker, the CLI and the tests alike).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const hostModules = ['vscode', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'worker_threads',
  'node:worker_threads', 'child_process', 'node:child_process', 'path', 'node:path', 'os', 'node:os',
  'zlib', 'node:zlib'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.cache/**', 'bench/out/**', 'test-artifacts/**', 'python/**', '.prof/**',
    // AssemblyScript (its own types and builtins), compiled by scripts/build-wasm.mjs
    'extension/core/wasm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js', 'test/**/fixtures/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['extension/core/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostModules.map((name) => ({ name, message: 'extension/core is the pure engine: no host, fs or vscode imports.' })),
        patterns: [{ group: ['vscode/*', '../host/*', '../worker/*', '../cli/*', '../../webview/*'], message: 'extension/core must stay pure.' }],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement', 'require', 'process', 'Buffer'],
    },
  },
);
