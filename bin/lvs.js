#!/usr/bin/env -S node --max-semi-space-size=2
// The `lvs` command (package.json "bin"): runs the bundled CLI from `npm run build`. From the
// sources, without a build, use `npm run lvs -- <command>` (tsx) instead.
//
// --max-semi-space-size=2 (MB): V8's young generation would otherwise grow to 16 MB per
// semi-space while libp2p starts and the first peers connect, which took a headless node's peak
// RSS to 116-123 MB for a steady 92; with it the peak is about 103 MB (docs/benchmarks.md). A
// node allocates little per cycle, so the smaller young generation costs no measurable CPU.
// `env -S` splits the flags off on Linux and macOS; npm 9 and later read it too when they write
// the Windows shims (npm/cmd-shim#96).
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
