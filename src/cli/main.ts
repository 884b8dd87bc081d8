/**
 * The `parity` command line. Each command is one file under commands/ that registers itself on
 * the program; exit codes are part of the contract (see EXIT below).
 */
import { Command, CommanderError } from 'commander';
import { commandRegistrars } from './commands/index.js';

/** Exit codes: CI pipelines branch on these. */
export const EXIT = {
  ok: 0,
  /** A check failed, or a gate denied. */
  failed: 1,
  /** Could not verify (a check errored, a gate could not be evaluated). */
  couldNotVerify: 2,
  /** Bad configuration or check files (EX_USAGE). */
  badConfig: 64,
} as const;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export type CommandRegistrar = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

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
