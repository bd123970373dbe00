import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Import-direction guards. Exact names go in `paths` (a `patterns` entry such as 'events' would
// also match a local './sim/events'); prefixes and folder names go in `patterns` as regexes.
const nodeBuiltins = builtinModules
  .filter((name) => !name.startsWith('_'))
  .map((name) => ({ name, message: 'Node built-ins are not allowed here.' }));
const nodePrefix = { regex: '^node:', message: 'Node built-ins are not allowed here.' };
const electron = [{ name: 'electron', message: 'Electron is only for src-main/electron.' }];
const electronSub = { regex: '^electron/', message: 'Electron is only for src-main/electron.' };
const folder = (name) => ({
  regex: `(^|/)${name}(/|$)`,
  message: `Do not import from ${name}: see the import rules in eslint.config.js.`,
});

const mainRestrictions = {
  paths: [
    { name: 'react', message: 'src-main has no UI; React belongs in src-renderer.' },
    { name: 'react-dom', message: 'src-main has no UI; React belongs in src-renderer.' },
    { name: 'd3', message: 'src-main has no UI; d3 belongs in src-renderer.' },
  ],
  patterns: [
    { regex: '^react(-dom)?/', message: 'React belongs in src-renderer.' },
    { regex: '^d3-', message: 'd3 belongs in src-renderer.' },
    folder('src-renderer'),
  ],
};

/** Each src-main folder, and the folders it must not import from (those above it, or beside it). */
const MAIN_LAYERS = {
  runtime: ['node', 'lab', 'sim', 'monitor', 'cli', 'electron'],
  node: ['lab', 'sim', 'monitor', 'cli', 'electron'],
  lab: ['sim', 'monitor', 'cli', 'electron'],
  sim: ['node', 'lab', 'monitor', 'cli', 'electron'],
  monitor: ['cli', 'electron'],
  cli: ['electron'],
};
// A relative import that climbs out of src-main/<from> into src-main/<to>.
const upward = (from, to) => ({
  regex: `^(\\.\\./)+${to}(/|$)`,
  message: `src-main/${from} may not import from src-main/${to}: see the layers in docs/architecture.md.`,
});

export default defineConfig([
  globalIgnores(['tmp-*', 'out/', 'dist/', 'node_modules/', 'coverage/', 'tests/artifacts/']),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    // Node-side code and tooling.
    files: ['**/*.{js,mjs,cjs,ts}'],
    ignores: ['src-renderer/**', 'src-shared/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    ...reactHooks.configs.flat.recommended,
  },
  {
    // Pure core: runs in Node, in worker threads and in the browser renderer alike.
    files: ['src-shared/**'],
    languageOptions: { globals: { ...globals.es2024 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins,
            ...electron,
            { name: 'react', message: 'src-shared is UI-free.' },
            { name: 'react-dom', message: 'src-shared is UI-free.' },
          ],
          patterns: [
            nodePrefix,
            electronSub,
            { regex: '^react(-dom)?/', message: 'src-shared is UI-free.' },
            folder('src-main'),
            folder('src-renderer'),
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...electron],
          patterns: [nodePrefix, electronSub, folder('src-main')],
        },
      ],
    },
  },
  {
    files: ['src-main/**'],
    rules: { 'no-restricted-imports': ['error', mainRestrictions] },
  },
  // Layers inside src-main, top to bottom (docs/architecture.md): electron, cli, monitor, lab and
  // sim, node, runtime. A folder imports only from the folders below it.
  ...Object.entries(MAIN_LAYERS).map(([name, above]) => ({
    files: [`src-main/${name}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: mainRestrictions.paths,
          patterns: [...mainRestrictions.patterns, ...above.map((f) => upward(name, f))],
        },
      ],
    },
  })),
  {
    // The preload runs in a sandboxed renderer: only `electron` is available there.
    files: ['src-main/electron/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...mainRestrictions.paths, ...nodeBuiltins],
          patterns: [...mainRestrictions.patterns, nodePrefix],
        },
      ],
    },
  },
]);
