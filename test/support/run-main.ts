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

/** Calls in flight, chained: the working directory is process-wide, so calls take turns. */
let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs `parity …args` in-process and resolves with its exit code and output. Overlapping calls
 * (Promise.all, or a call a timed-out test left running) wait for each other instead of reading
 * each other's ./checks.
 */
export function runMain(args: string[], options: MainOptions): Promise<MainResult> {
  const result = turn.then(() => runOnce(args, options));
  turn = result.catch(() => {});
  return result;
}

async function runOnce(args: string[], options: MainOptions): Promise<MainResult> {
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
  }
}
