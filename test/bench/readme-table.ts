/**
 * Renders test/bench/results/latest.json as the Markdown table the README quotes
 * (`npm run bench:table`), so the README always shows measured numbers, never typed-in ones.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationResult } from './harness.js';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
const report = JSON.parse(await readFile(file, 'utf8')) as {
  date: string; rows: number; runs: number; machine: { cpus: string; memory_gib: number; node: string; postgres: string };
  peak_rss_mb: number; pgbench_note?: string; peak_rss_issue7_mb?: number | null; peak_rss_diffs_mb?: number | null; operations: OperationResult[];
  pgbench?: {
    command: string; alone: { tps: number; p99_ms: number }; beside_throttled_parity: { tps: number; p99_ms: number }; tps_loss: number; met: boolean;
    throttle?: Record<string, number>; parity_duty_cycle?: number;
    other_throttles?: { throttle: string; scan: Record<string, number>; beside: { tps: number; p99_ms: number }; tps_loss: number; parity_duty_cycle: number }[];
  };
};

const lines = [
  `Measured on ${report.machine.cpus}, ${report.machine.memory_gib} GiB, Node ${report.machine.node}, PostgreSQL ${report.machine.postgres}; ${report.rows.toLocaleString('en-US')} rows unless an entry names its size, median of ${report.runs} after a warm-up unless \`--runs\` was given; each entry's date in the last column (partial runs, \`--only …\`, refresh their own entries).`,
  '',
  '| operation | parity | baseline | ratio | target | met | measured |',
  '|---|---:|---:|---:|---|---|---|',
];
const day = (op: OperationResult) => op.measured_at ?? report.date.slice(0, 10);
/** Two decimals, three below 0.1: a 3.4% ratio against a 3% limit must not print as 0.03×. */
const ratioText = (ratio: number) => ratio.toFixed(ratio < 0.1 ? 3 : 2);
/** Entries run on a table of their own size (the bigtable entries: --bigtable-rows) say so. */
const sized = (op: OperationResult) => {
  const rows = Number(op.extra?.table_rows);
  return Number.isFinite(rows) && rows !== report.rows ? `${op.operation} (${rows.toLocaleString('en-US')} rows)` : op.operation;
};
for (const op of report.operations) {
  const met = Number.isFinite(op.limit) && op.limit !== null ? (op.met ? 'yes' : '**no**') : '—';
  lines.push(`| ${sized(op)} | ${op.parity_ms.toLocaleString('en-US')} ms | ${op.baseline_ms.toLocaleString('en-US')} ms | ${ratioText(op.ratio)}× | ${op.target} | ${met} | ${day(op)} |`);
}
const engineRss = report.peak_rss_issue7_mb;
if (engineRss !== undefined && engineRss !== null) lines.push(`| parity process peak RSS, engine operations (issue 7), Postgres state store | ${engineRss} MB | | | < 200 MB | ${engineRss < 200 ? 'yes' : '**no**'} | |`);
const diffRss = report.peak_rss_diffs_mb;
if (diffRss !== undefined && diffRss !== null) lines.push(`| parity process peak RSS, table_diff and shadow_read, Postgres state store | ${diffRss} MB | | | reported | — | |`);
if (report.pgbench) {
  const p = report.pgbench;
  const throttleText = (scan?: Record<string, number>) => (scan ? `target_chunk_ms ${scan.target_chunk_ms}, pause_ms ${scan.pause_ms}${scan.max_parallel_workers === 0 ? ', no parallel workers' : ''}` : 'throttled');
  const duty = (d?: number) => (d === undefined ? '' : `, ${Math.round(d * 100)}% busy`);
  lines.push(`| \`${p.command}\` TPS, alone → beside a throttled parity scan (${throttleText(p.throttle)}${duty(p.parity_duty_cycle)}) | ${Math.round(p.beside_throttled_parity.tps).toLocaleString('en-US')} | ${Math.round(p.alone.tps).toLocaleString('en-US')} | ${(p.tps_loss * 100).toFixed(1)}% loss | ≤ 10% TPS loss | ${p.met ? 'yes' : '**no**'} | |`);
  lines.push(`| pgbench p99 latency, alone → beside | ${p.beside_throttled_parity.p99_ms} ms | ${p.alone.p99_ms} ms | | reported | — | |`);
  for (const o of p.other_throttles ?? []) {
    lines.push(`| pgbench TPS beside the ${o.throttle} throttle (${throttleText(o.scan)}${duty(o.parity_duty_cycle)}) | ${Math.round(o.beside.tps).toLocaleString('en-US')} | ${Math.round(p.alone.tps).toLocaleString('en-US')} | ${(o.tps_loss * 100).toFixed(1)}% loss; p99 ${o.beside.p99_ms} ms | reported | — | |`);
  }
}
if (report.pgbench_note) lines.push('', `pgbench: ${report.pgbench_note}`);
process.stdout.write(`${lines.join('\n')}\n`);
