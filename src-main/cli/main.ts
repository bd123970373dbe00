import { Command, CommanderError } from 'commander';
import { registerClaims } from './claims-command';
import { EXIT, ExitError, UsageError } from './errors';
import { registerLab } from './lab-command';
import { registerNode } from './node-command';
import { registerSim } from './sim-command';
import { errorMessage } from '../../src-shared/error-message';

export function buildProgram(): Command {
  const program = new Command('lvs')
    .description('LVS Node: drift-based consensus swarm, lab and simulator')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  registerSim(program);
  registerNode(program);
  registerLab(program);
  registerClaims(program);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeErr: () => undefined });
  return program;
}

/** Runs the CLI; user mistakes print one line and exit 2, never a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        return EXIT.ok;
      if (err.code === 'commander.help') {
        // `lvs help [command]` showed help (exit code 0); `lvs` alone names no command.
        if (err.exitCode === 0) return EXIT.ok;
        process.stderr.write(
          `lvs: missing command: one of ${program.commands.map((c) => c.name()).join(', ')} (see lvs --help)\n`,
        );
        return EXIT.usage;
      }
      // One line, even where commander adds a suggestion on a line of its own.
      const text = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`lvs: ${text.trim()}\n`);
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`lvs: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ExitError) {
      process.stderr.write(`lvs: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`lvs: ${errorMessage(err)}\n`);
    return EXIT.failure;
  }
}
