/**
 * The `parity` command line. Each command is one file under commands/ that registers itself on
 * the program; exit codes are part of the contract (see exit.ts).
 */
import { Command, CommanderError } from 'commander';
import { commandRegistrars } from './commands/index.js';
import { EXIT, type CliIo } from './exit.js';

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('parity')
    .description('Verify expand/contract Postgres migrations: declarative checks, gates, shadow reads')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const register of commandRegistrars) register(program, io, (code) => { exitCode = code; });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes are configuration errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badConfig;
    }
    throw error;
  }
  return exitCode;
}
