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
  peak_rss_mb: number; operations: OperationResult[];
  pgbench?: { command: string; alone: { tps: number; p99_ms: number }; beside_throttled_parity: { tps: number; p99_ms: number }; tps_loss: number; met: boolean };
};

const lines = [
  `Measured ${report.date.slice(0, 10)} on ${report.machine.cpus}, ${report.machine.memory_gib} GiB, Node ${report.machine.node}, PostgreSQL ${report.machine.postgres}; ${report.rows.toLocaleString('en-US')} rows, median of ${report.runs} after a warm-up.`,
  '',
  '| operation | parity | baseline | ratio | target | met |',
  '|---|---:|---:|---:|---|---|',
];
for (const op of report.operations) {
  const met = Number.isFinite(op.limit) && op.limit !== null ? (op.met ? 'yes' : '**no**') : '—';
  lines.push(`| ${op.operation} | ${op.parity_ms.toLocaleString('en-US')} ms | ${op.baseline_ms.toLocaleString('en-US')} ms | ${op.ratio.toFixed(2)}× | ${op.target} | ${met} |`);
}
lines.push(`| parity process peak RSS | ${report.peak_rss_mb} MB | | | < 200 MB | ${report.peak_rss_mb < 200 ? 'yes' : '**no**'} |`);
if (report.pgbench) {
  const p = report.pgbench;
  lines.push(`| \`${p.command}\` TPS, alone → beside a throttled parity scan | ${Math.round(p.beside_throttled_parity.tps).toLocaleString('en-US')} | ${Math.round(p.alone.tps).toLocaleString('en-US')} | ${(p.tps_loss * 100).toFixed(1)}% loss | ≤ 10% TPS loss | ${p.met ? 'yes' : '**no**'} |`);
  lines.push(`| pgbench p99 latency, alone → beside | ${p.beside_throttled_parity.p99_ms} ms | ${p.alone.p99_ms} ms | | reported | — |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
