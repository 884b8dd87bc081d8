/** Production beside parity: pgbench -S throughput and p99 latency, alone and with a throttled scan running. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { psqlExec } from './psql.js';

export interface PgbenchResult { tps: number; p99_ms: number; transactions: number }

/** Initialises a pgbench database (scale 10, 1M accounts) once. */
export function ensurePgbench(url: string): void {
  const ready = psqlExec(url, "select to_regclass('pgbench_accounts') is not null;").trim();
  if (ready === 't') return;
  const { status, stderr } = requireSync('pgbench', ['-i', '-q', '-s', '10', url]);
  if (status !== 0) throw new Error(`pgbench -i failed: ${stderr}`);
}

function requireSync(command: string, args: string[]) {
  return spawnSync(command, args, { encoding: 'utf8' });
}

/** Runs `pgbench -S -c 4 -j 2 -T seconds` with per-transaction logs and computes TPS and p99. */
export async function runPgbench(url: string, seconds: number): Promise<PgbenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-pgbench-'));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('pgbench', ['-S', '-c', '4', '-j', '2', '-T', String(seconds), '-n', '-l', '--log-prefix', path.join(dir, 'tx'), url]);
      let text = '';
      child.stdout.on('data', (d) => { text += d; });
      child.stderr.on('data', (d) => { text += d; });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`))));
    });
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    const latencies: number[] = [];
    for (const file of await readdir(dir)) {
      for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
        const fields = line.split(' ');
        if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? Number.NaN;
    return { tps, p99_ms: Math.round(p99 * 1000) / 1000, transactions: latencies.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
