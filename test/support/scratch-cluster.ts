/**
 * A throwaway Postgres 15 cluster on its own port, in a temp directory, run as the postgres user —
 * for fault injection that stops or kills a server mid-check without touching the shared one.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface ScratchCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  exec(sql: string): Promise<Record<string, unknown>[]>;
  start(): Promise<void>;
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Ends a standby's recovery (pg_ctl promote): it starts a timeline of its own and takes writes. */
  promote(): Promise<void>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const PREFIX = 'parity-pg-';
/** Which test run made a cluster: global setup names it, so a later run can tell leftovers from live clusters. */
const OWNER_FILE = 'test-run.pid';

/** A directory owned by postgres (0700) for one cluster's data, socket and log. */
async function clusterDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), PREFIX));
  await writeFile(path.join(dir, OWNER_FILE), process.env.PARITY_TEST_RUN_PID ?? String(process.pid));
  const { uid, gid } = await uidOf('postgres');
  await chown(dir, uid, gid);
  await chmod(dir, 0o700);
  return dir;
}

const asPostgres = (bin: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(BIN, bin), ...args], { timeout: 120_000 });

/** Starts the cluster in `dir`/data on a free port, with extra server settings. */
async function startCluster(dir: string, settings: Record<string, string>): Promise<ScratchCluster> {
  const data = path.join(dir, 'data');
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=30${Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`).join('')}`;
  const cluster: ScratchCluster = {
    port,
    url,
    async exec(sql) {
      const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        return [...(await client.unsafe(sql))];
      } finally {
        await client.end({ timeout: 2 });
      }
    },
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async promote() {
      await asPostgres('pg_ctl', ['-D', data, '-w', '-t', '60', 'promote']);
    },
    async destroy() {
      await cluster.stop('immediate').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

/** initdb + start, with extra server settings (`-c name=value`); the caller must destroy() it. */
export async function createScratchCluster(settings: Record<string, string> = {}): Promise<ScratchCluster> {
  const dir = await clusterDir();
  await asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  return startCluster(dir, settings);
}

/**
 * A hot standby streaming from `primary` (pg_basebackup -R: standby.signal and primary_conninfo
 * written for us); the caller must destroy() it before the primary.
 */
export async function createScratchStandby(primary: ScratchCluster, settings: Record<string, string> = {}): Promise<ScratchCluster> {
  const dir = await clusterDir();
  await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', path.join(dir, 'data'), '-R', '-X', 'stream', '--no-sync']);
  return startCluster(dir, { hot_standby: 'on', ...settings });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops and removes scratch clusters whose test run is gone (a run killed mid-file leaves its
 * servers running and its directories behind), or every cluster of `run` (its teardown: any left
 * is a leak). Clusters of other live runs — another checkout's tests — are left alone, as are
 * directories with no owner file.
 */
export async function sweepScratchClusters(options: { run?: string } = {}): Promise<string[]> {
  const swept: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(tmpdir(), name);
    const owner = await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => undefined);
    if (owner === undefined) continue;
    const ownerPid = Number(owner.trim());
    const leftover = options.run !== undefined ? owner.trim() === options.run : !Number.isInteger(ownerPid) || ownerPid <= 0 || !alive(ownerPid);
    if (!leftover) continue;
    const running = await stat(path.join(dir, 'data', 'postmaster.pid')).then(() => true, () => false);
    if (running) await asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', '-t', '60', 'stop']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    swept.push(dir);
  }
  return swept;
}
