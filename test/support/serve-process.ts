/** Real `parity serve` processes for multi-replica tests: spawned from bin/parity.js, killed by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './spawn-parity.js';

export interface ServeProcess {
  child: ChildProcess;
  instanceId: string;
  /** Resolves with the URL once the server listens; rejects if the process exits first. */
  ready: Promise<string>;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL (a crash), sent to this process only. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

/** Starts `parity serve --port 0` with the given environment. */
export function spawnServe(instanceId: string, env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PARITY_LOG_LEVEL: 'info', PARITY_INSTANCE_ID: instanceId, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let onLine: ((line: string) => void) | undefined;
  const take = (chunk: Buffer) => {
    text += chunk.toString();
    for (const line of chunk.toString().split('\n')) onLine?.(line);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<string>((resolve, reject) => {
    onLine = (line) => {
      // The structured url field is redacted in logs; the message carries the address.
      const match = /parity listening on (http:\/\/[^"\s]+)/.exec(line);
      if (match) resolve(match[1]!);
    };
    void exited.then((code) => reject(new Error(`${instanceId} exited (${code}) before listening:\n${text}`)));
  });
  ready.catch(() => {});
  return {
    child, instanceId, ready, exited,
    output: () => text,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
