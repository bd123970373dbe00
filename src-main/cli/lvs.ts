// The `lvs` command: the only module that runs the CLI on import. Everything else (main.ts,
// the commands) can be imported without side effects. Built to out/main/cli.js (bin/lvs.js).
import { main } from './main';

process.exitCode = await main(process.argv.slice(2));
