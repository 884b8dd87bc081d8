/**
 * Runs the CLI's `main(argv, io)` inside the test process: the same commands, exit codes and
 * output as the binary, without paying a Node + tsx start-up per call. Each command keeps one
 * spawned smoke test (spawn-parity.ts) for what only a real process shows: signals, locks, bin/.
 */
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { cleanEnv } from './spawn-parity.js';

export interface MainOptions {
  /** The working directory `./checks` and `./.parity` resolve against during the call. */
  cwd: string;
  /** Defaults to the environment of a user who configured nothing (as for a spawned process). */
  env?: Record<string, string | undefined>;
}

/** Collects what a command writes; not a TTY, so no progress display, as under a pipe. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** What a command did: its exit code and everything it wrote. */
export interface MainResult { code: number; stdout: string; stderr: string }

let running = false;

/** Runs `parity …args` in-process and resolves with its exit code and output. */
export async function runMain(args: string[], options: MainOptions): Promise<MainResult> {
  // The working directory is process-wide: two overlapping calls would read each other's ./checks.
  if (running) throw new Error('runMain calls must not overlap (they change the working directory)');
  running = true;
  const stdout = capture();
  const stderr = capture();
  const previous = process.cwd();
  try {
    process.chdir(options.cwd);
    const code = await main(['node', 'parity', ...args], { stdout: stdout.stream, stderr: stderr.stream, env: options.env ?? cleanEnv() });
    // Lets writes still buffered in the streams land before they are read.
    await new Promise((resolve) => setImmediate(resolve));
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    process.chdir(previous);
    running = false;
  }
}
