/** The CLI's contract with its callers: exit codes, the I/O it writes to, how commands register. */
import type { Command } from 'commander';

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
