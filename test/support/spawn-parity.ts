/**
 * Runs the real `parity` binary (node bin/parity.js) the way a user would: a fresh process, its
 * own working directory, and an environment without DATABASE_URL or any PARITY_* setting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(REPO_ROOT, 'bin', 'parity.js');
export const REPO_CHECKS = path.join(REPO_ROOT, 'checks');

export interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The environment of a user who configured nothing. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key.startsWith('PARITY_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const created: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs. */
export async function tempDir(prefix = 'parity-cli-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir made (the demo's is ~100 MB). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<Finished>;
}

export interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The process is killed after this long, so a hung test never leaves it holding a data directory. */
  killAfterMs?: number;
  /** An installed `parity` executable to run instead of this checkout's bin/parity.js. */
  bin?: string;
}

/** Generous: the machines running the suite may be busy, and PGlite creates databases slowly there. */
export const SPAWN_TIMEOUT_MS = 170_000;

/** Starts `parity …args` and returns handles to its output and exit. */
export function startParity(args: string[], options: SpawnOptions): Started {
  const [command, commandArgs] = options.bin ? [options.bin, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(command, commandArgs, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? SPAWN_TIMEOUT_MS);
  killer.unref();
  child.on('close', () => clearTimeout(killer));
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; for (const l of listeners) l(); });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  let closed = false;
  const exited = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      resolve({ code, signal, stdout: out, stderr: err });
      for (const l of listeners) l();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = SPAWN_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${pattern}; stdout:\n${out}\nstderr:\n${err}`)); }, timeoutMs);
        const check = () => {
          const match = out.match(pattern);
          if (match) { clearTimeout(timer); listeners.delete(check); resolve(match); return; }
          if (closed) { clearTimeout(timer); listeners.delete(check); reject(new Error(`parity exited before printing ${pattern}; stdout:\n${out}\nstderr:\n${err}`)); }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs `parity …args` to completion. */
export function runParity(args: string[], options: SpawnOptions): Promise<Finished> {
  return startParity(args, options).exited;
}
