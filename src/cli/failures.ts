/**
 * Faults that stop a command, turned into a message a person can act on and the exit code CI
 * branches on: configuration and check-file problems are 64; anything else means parity could not
 * do its job (2), never a pass.
 */
import { ConfigError } from '../config/config.js';
import { DataDirLockedError } from '../embedded/lockfile.js';
import { redact } from '../logging/secrets.js';
import { CheckFileError, formatProblem } from '../checkfile/problems.js';
import { EXIT, type CliIo } from './exit.js';

/** What went wrong, in one line for a report (the stderr lines say it in full). */
export function failureSummary(error: unknown): string {
  if (error instanceof CheckFileError) {
    const first = error.problems[0];
    return `${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in check files${first ? `, first: ${formatProblem(first)}` : ''}`;
  }
  if (error instanceof ConfigError) return error.message;
  return redact(error instanceof Error ? error.message : String(error));
}

/** Prints what went wrong to stderr and returns the exit code for it. */
export function reportFailure(error: unknown, io: CliIo): number {
  const write = (text: string) => io.stderr.write(`${text}\n`);
  if (error instanceof CheckFileError) {
    for (const problem of error.problems) write(formatProblem(problem));
    write(`parity: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in check files`);
    return EXIT.badConfig;
  }
  if (error instanceof ConfigError) {
    write(error.message);
    return EXIT.badConfig;
  }
  if (error instanceof DataDirLockedError) {
    write(`parity: ${error.message}`);
    return EXIT.couldNotVerify;
  }
  write(`parity: ${redact(error instanceof Error ? error.message : String(error))}`);
  return EXIT.couldNotVerify;
}
