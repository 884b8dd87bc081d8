/** A `parity serve` child process for the bench's server entries (gate, embedded). */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeChild {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `node BIN serve --port 0`; resolves once it says where it listens (its logs are then drained and dropped). */
export async function serveChild(bin: string, env: NodeJS.ProcessEnv): Promise<ServeChild> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /parity listening on (http:\/\/[^"\s]+)/.exec(text);
      if (match) {
        // From here on the logs are drained and dropped: the server writes them, nobody reads them.
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`parity serve exited (${code}) before listening:\n${text}`)));
  });
  return {
    url,
    child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
