/**
 * The `parity` command line. Each command is one file under commands/ that registers itself on
 * the program; exit codes are part of the contract (see exit.ts).
 */
import { Command, CommanderError } from 'commander';
import { commandLoaders } from './commands/index.js';
import { EXIT, type CliIo } from './exit.js';
import { PARITY_VERSION } from '../meta/version.js';

/** The command an invocation names: its first argument that is not an option. */
function invokedCommand(argv: string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith('-'));
}

/**
 * The commands this invocation needs: the one it names, none for a bare --version, and all of them
 * otherwise (help, or an unknown command that commander should name alternatives for).
 */
function loadersFor(argv: string[]): Array<(typeof commandLoaders)[string]> {
  const args = argv.slice(2);
  const named = invokedCommand(argv);
  if (named !== undefined && Object.hasOwn(commandLoaders, named)) return [commandLoaders[named]!];
  if (named === undefined && args.length > 0 && args.every((arg) => arg === '--version' || arg === '-V')) return [];
  return Object.values(commandLoaders);
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('parity')
    .description('Verify expand/contract Postgres migrations: declarative checks, gates, shadow reads')
    .version(PARITY_VERSION, '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const load of await loadersFor(argv)) (await load())(program, io, (code) => { exitCode = code; });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes are configuration errors. Not under `gate`,
      // whose 0 means "allowed": `parity gate "$MIGRATION" … && deploy` with a migration of
      // `--help` or `--version` printed text instead of an answer, and must not deploy.
      if (error.exitCode === 0) return invokedCommand(argv) === 'gate' ? EXIT.badConfig : EXIT.ok;
      return EXIT.badConfig;
    }
    throw error;
  }
  return exitCode;
}
