/** Production beside parity: pgbench -S throughput and p99 latency, alone and with a throttled scan running. */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/** Runs `pgbench -S -c 4 -j 2 -T seconds` with per-transaction logs and computes TPS and p99; `onExit` fires as pgbench ends, before its logs are read. */
export async function runPgbench(url: string, seconds: number, onExit?: () => void): Promise<PgbenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-pgbench-'));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('pgbench', ['-S', '-c', '4', '-j', '2', '-T', String(seconds), '-n', '-l', '--log-prefix', path.join(dir, 'tx'), url]);
      let text = '';
      child.stdout.on('data', (d) => { text += d; });
      child.stderr.on('data', (d) => { text += d; });
      child.on('error', reject);
      child.on('close', (code) => {
        onExit?.();
        return code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`));
      });
    });
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    // Streamed into a typed array: the per-transaction logs hold ~10^6 lines, and this process's
    // RSS is what the benchmark reports for parity.
    let latencies = new Float64Array(1 << 20);
    let count = 0;
    for (const file of await readdir(dir)) {
      for await (const line of createInterface({ input: createReadStream(path.join(dir, file)), crlfDelay: Infinity })) {
        const fields = line.split(' ');
        if (fields.length < 3) continue;
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = Number(fields[2]) / 1000;
      }
    }
    const sorted = latencies.subarray(0, count).sort();
    const p99 = count > 0 ? sorted[Math.min(count - 1, Math.floor(count * 0.99))]! : Number.NaN;
    return { tps, p99_ms: Math.round(p99 * 1000) / 1000, transactions: count };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
