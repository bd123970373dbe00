#!/usr/bin/env node
// The `lvs` command (package.json "bin"): runs the bundled CLI from `npm run build`. From the
// sources, without a build, use `npm run lvs -- <command>` (tsx) instead.
import { existsSync } from 'node:fs';

const cli = new URL('../out/main/cli.js', import.meta.url);

if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write(
    'lvs: not built yet: run npm run build (or use npm run lvs -- <command> from the sources)\n',
  );
  process.exitCode = 2;
}
