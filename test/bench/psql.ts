/** The yardstick: the same SQL run bare through psql, timed by psql's own \timing. */
import { spawn, spawnSync } from 'node:child_process';

export interface PsqlTarget { url: string }

/** Renders a bound value as a SQL literal, for PREPARE/EXECUTE in psql. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `'${String(value).replaceAll("'", "''")}'`;
}

function runPsql(url: string, script: string): string {
  const result = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url], { input: script, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Times `text` (with $n parameters bound to `params`) `runs` times in one psql session after one
 * warm-up, returning each run's milliseconds as psql reports them. `setup` (SQL or psql
 * meta-commands, e.g. pinned session settings) runs first, untimed.
 */
export function timeWithPsql(url: string, text: string, params: unknown[], runs: number, setup = ''): number[] {
  const execute = params.length > 0 ? `execute bench_q(${params.map(literal).join(', ')});` : `${text};`;
  const prepare = params.length > 0 ? `prepare bench_q as ${text};\n` : '';
  const script = `set application_name = 'psql-bench';\n${setup ? `${setup}\n` : ''}${prepare}${execute}\n\\timing on\n${Array.from({ length: runs }, () => execute).join('\n')}\n`;
  const out = runPsql(url, script);
  const times = [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]));
  if (times.length !== runs) throw new Error(`expected ${runs} timings from psql, got ${times.length}:\n${out.slice(0, 500)}`);
  return times;
}

/** runPsql without blocking, so several psql sessions can run side by side. */
export function runPsqlConcurrently(url: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql failed: ${err}`))));
    child.stdin.end(script);
  });
}

/** timeWithPsql without blocking, so several psql sessions can run side by side. */
export async function timeWithPsqlConcurrently(url: string, text: string, params: unknown[], runs: number, setup = ''): Promise<number[]> {
  const execute = params.length > 0 ? `execute bench_q(${params.map(literal).join(', ')});` : `${text};`;
  const prepare = params.length > 0 ? `prepare bench_q as ${text};\n` : '';
  const script = `set application_name = 'psql-bench';\n${setup ? `${setup}\n` : ''}${prepare}${execute}\n\\timing on\n${Array.from({ length: runs }, () => execute).join('\n')}\n`;
  const out = await runPsqlConcurrently(url, script);
  const times = [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]));
  if (times.length !== runs) throw new Error(`expected ${runs} timings from psql, got ${times.length}`);
  return times;
}

/** Runs a statement through psql without timing (setup). */
export function psqlExec(url: string, script: string): string {
  return runPsql(url, script);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
