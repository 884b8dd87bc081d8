/**
 * `npm run bench` — parity against the same SQL run bare through psql, in the same run, on the
 * local Postgres. Prints a table of medians and ratios plus peak RSS, and writes
 * test/bench/results/latest.json. Flags: --rows N (default 10,000,000), --runs N (default 5),
 * --database URL (server to use; default postgres://postgres@127.0.0.1:5432/test), --skip-pgbench,
 * --pgbench-seconds N (default 20), --only engine|diff|pgbench.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDatabase } from './databases.js';
import { openStore } from '../../src/store/store.js';
import { ensureBenchData } from './data.js';
import { catalogOf, runOnce, round, trackingRss, type BenchContext, type OperationResult } from './harness.js';
import { engineOperations } from './ops-engine.js';
import { ensurePgbench, runPgbench } from './pgbench.js';
import { psqlExec } from './psql.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { extraOperations } from './ops-extra.js';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '5' },
    database: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'skip-pgbench': { type: 'boolean', default: false },
    'pgbench-seconds': { type: 'string', default: '20' },
    only: { type: 'string' },
  },
});

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const rows = Number(flags.rows);
  const runs = Number(flags.runs);
  const only = flags.only;
  const appUrl = await ensureDatabase(flags.database, 'parity_bench');
  const stateUrl = await ensureDatabase(flags.database, 'parity_bench_state');
  const buildStarted = performance.now();
  const { rebuilt } = ensureBenchData(appUrl, rows, log);
  const buildSeconds = round((performance.now() - buildStarted) / 1000);
  const store = await openStore({ databaseUrl: stateUrl, dataDir: 'memory:bench' });
  const peakRss = { value: process.memoryUsage().rss };
  const ctx: BenchContext = { sourceUrls: { app: appUrl }, store, runs, log, peakRss };
  const operations: OperationResult[] = [];
  let pgbench: Record<string, unknown> | undefined;
  try {
    if (!only || only === 'engine') operations.push(...(await engineOperations(ctx)));
    if (!only || only === 'diff') operations.push(...(await extraOperations({ ...ctx, server: flags.database, rows })));
    if ((!only || only === 'pgbench') && !flags['skip-pgbench']) pgbench = await pgbenchComparison(ctx, flags.database, Number(flags['pgbench-seconds']));
  } finally {
    await store.close();
  }

  const machine = {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memory_gib: round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: psqlExec(appUrl, 'show server_version;').trim(),
  };
  const report = { date: new Date().toISOString(), rows, runs, data_rebuilt: rebuilt, data_build_s: buildSeconds, machine, peak_rss_mb: round(peakRss.value / 2 ** 20), peak_rss_target_mb: 200, operations, pgbench };
  printTable(report.operations, report.peak_rss_mb, pgbench);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), out)}`);
}

/** pgbench -S alone, then beside a throttled (chunked, pausing) parity scan looping over the users table. */
async function pgbenchComparison(ctx: BenchContext, server: string, seconds: number): Promise<Record<string, unknown>> {
  const url = await ensureDatabase(server, 'parity_pgbench');
  ensurePgbench(url);
  log(`pgbench -S -c 4 for ${seconds}s alone…`);
  const alone = await runPgbench(url, seconds);
  const catalog = catalogOf(`
checks:
  - { id: throttled-parity, kind: column_parity, source: app, table: users, key: [id], old: full_name, new: "first_name || ' ' || last_name", sample: 0 }
`, { app: ctx.sourceUrls.app! }, { mode: 'chunked', chunk_rows: 50000, target_chunk_ms: 200, pause_ms: 50 });
  const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  let stop = false;
  let scans = 0;
  const loop = trackingRss(ctx.peakRss, async () => {
    while (!stop) {
      await runOnce(catalog, sources, ctx.store);
      scans++;
    }
  });
  log(`pgbench -S -c 4 for ${seconds}s beside a throttled parity scan…`);
  const beside = await runPgbench(url, seconds).finally(() => { stop = true; });
  await loop;
  await sources.closeAll();
  const tpsLoss = (alone.tps - beside.tps) / alone.tps;
  return {
    command: `pgbench -S -c 4 -j 2 -T ${seconds}`,
    alone, beside_throttled_parity: beside, parity_scans_completed: scans,
    tps_loss: round(tpsLoss, 4), tps_loss_target: 0.1, met: tpsLoss <= 0.1,
    p99_increase_ms: round(beside.p99_ms - alone.p99_ms, 3),
  };
}

function printTable(operations: OperationResult[], rssMb: number, pgbench?: Record<string, unknown>): void {
  const lines = ['| operation | parity (ms) | psql (ms) | ratio | target | met |', '|---|---:|---:|---:|---|---|'];
  for (const op of operations) {
    lines.push(`| ${op.operation} | ${op.parity_ms} | ${op.baseline_ms} | ${op.ratio.toFixed(2)}× | ${op.target} | ${Number.isFinite(op.limit) ? (op.met ? 'yes' : '**no**') : '—'} |`);
  }
  lines.push(`| parity process peak RSS | ${rssMb} MB | | | < 200 MB | ${rssMb < 200 ? 'yes' : '**no**'} |`);
  if (pgbench) {
    const alone = pgbench.alone as { tps: number; p99_ms: number };
    const beside = pgbench.beside_throttled_parity as { tps: number; p99_ms: number };
    lines.push(`| pgbench -S TPS alone → beside throttled parity | ${round(beside.tps)} | ${round(alone.tps)} | loss ${(Number(pgbench.tps_loss) * 100).toFixed(1)}% | ≤ 10% TPS loss | ${pgbench.met ? 'yes' : '**no**'} |`);
    lines.push(`| pgbench -S p99 latency alone → beside (ms) | ${beside.p99_ms} | ${alone.p99_ms} | | reported | — |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
