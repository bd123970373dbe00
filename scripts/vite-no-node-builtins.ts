// A Vite plugin for bundles that must run in a browser: the first import of a Node built-in
// fails the build and names the module that made it, wherever in the dependency tree it is.
// The browser tests build with it (tests/browser/bundle.ts); a Vite config may use it too.
import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';

/** Fails the build on any import of a Node built-in, whoever imports it. */
export function noNodeBuiltins(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'no-node-builtins',
    // Before any resolver that could find a polyfill or an empty stub for it.
    enforce: 'pre',
    resolveId(id, importer) {
      if (id.startsWith('node:') || builtins.has(id))
        this.error(`${importer ?? '?'} imports the Node built-in "${id}"`);
      return null;
    },
  };
}
