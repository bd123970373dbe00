import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The version in package.json, found from this module (sources or build); `unknown` if not. */
export function appVersion(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lvs-node' && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
