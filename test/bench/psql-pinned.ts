/**
 * psql as parity's yardstick needs parity's session: the pinned settings (values serialise the
 * same, so the same hashes are computed), and result rows sent to /dev/null so psql's printing
 * neither costs memory here nor varies with the result size. Timings still go to stdout.
 */
import { PINNED_SETTINGS } from '../../src/sources/types.js';
import { literal, psqlExec, runPsqlConcurrently } from './psql.js';

/** `set` statements for every pinned setting but application_name (psql names itself). */
export function pinnedSetup(extra: string[] = []): string {
  const sets = Object.entries(PINNED_SETTINGS)
    .filter(([name]) => name !== 'application_name')
    .map(([name, value]) => `set ${name} = ${literal(value)};`);
  return [...sets, ...extra, '\\o /dev/null'].join('\n');
}

/**
 * Times one prepared statement over a list of parameter sets (e.g. the key batches of a shadow
 * read): one untimed pass over every set, then `runs` timed passes. Returns each pass's total ms.
 */
export function timeBatchesWithPsql(url: string, text: string, batches: readonly unknown[][], runs: number, setup: string): number[] {
  return passTimes(psqlExec(url, batchScript(text, batches, runs, setup)), batches.length, runs);
}

/** timeBatchesWithPsql without blocking, so both sides' sessions can run side by side as parity's reads do. */
export async function timeBatchesWithPsqlConcurrently(url: string, text: string, batches: readonly unknown[][], runs: number, setup: string): Promise<number[]> {
  return passTimes(await runPsqlConcurrently(url, batchScript(text, batches, runs, setup)), batches.length, runs);
}

function batchScript(text: string, batches: readonly unknown[][], runs: number, setup: string): string {
  const pass = batches.map((params) => `execute bench_batch(${params.map(literal).join(', ')});`).join('\n');
  return `set application_name = 'psql-bench';\n${setup}\nprepare bench_batch as ${text};\n${pass}\n\\timing on\n${Array.from({ length: runs }, () => pass).join('\n')}\n`;
}

function passTimes(out: string, batches: number, runs: number): number[] {
  const times = [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]));
  if (times.length !== runs * batches) throw new Error(`expected ${runs * batches} timings from psql, got ${times.length}:\n${out.slice(0, 500)}`);
  return Array.from({ length: runs }, (_, run) => times.slice(run * batches, (run + 1) * batches).reduce((a, b) => a + b, 0));
}
