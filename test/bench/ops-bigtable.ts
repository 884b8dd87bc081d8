/**
 * Issue 14's operations on bigtable_users (data.ts, sized by --bigtable-rows): a chunked
 * column_parity killed at ~50% and resumed (total cost against one uninterrupted run), an early
 * stop on a table whose first chunk already fails (chunks read), and an incremental run after 0.1%
 * of the rows changed (time against a full chunked run, interleaved). Chunks are sized from the
 * row count (about 40 per scan up to 400M rows), so the entries also run at a small size:
 * `npm run bench -- --only bigtable --bigtable-rows 200000 --runs 2`.
 */
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { catalogOf, result, round, runOnce, type BenchContext, type OperationResult } from './harness.js';
import { median, psqlExec } from './psql.js';

const parityCheck = (stop: string, sample = 20) => `
checks:
  - id: name-parity
    kind: column_parity
    source: app
    table: bigtable_users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    sample: ${sample}
    ${stop === 'default' ? '' : `stop_after: ${stop}`}
`;

/**
 * The same comparison over the rows without injected mismatches (so every pass passes and the
 * incremental chain holds): once as a plain check, the full run, and once incremental.
 */
const cleanCheck = (id: string, incremental: boolean) => `
checks:
  - id: ${id}
    kind: column_parity
    source: app
    table: bigtable_users
    key: [id]
    where: "id % 1000 not in (0, 2)"
    old: full_name
    new: "first_name || ' ' || last_name"
    ${incremental ? 'incremental: { column: updated_at, overlap: 1s, full_every: 7d }' : ''}
`;

const chunksOf = (run: FinishedRun) => run.results[0]?.statements.find((s) => s.chunks !== undefined)?.chunks ?? 0;

/** One run cancelled once it has scanned `share` of `rows`; resolves with its wall time. */
async function runUntil(catalog: Catalog, ctx: BenchContext, rows: number, share: number): Promise<{ ms: number; run: FinishedRun }> {
  const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  try {
    let runId = '';
    const runner = createRunner({
      store: ctx.store, sources,
      observers: [{ progress: (e) => { if (e.rowsScanned >= rows * share) runner.cancel(runId); } }],
    });
    const started = performance.now();
    const begun = await runner.start({ checks: [...catalog.checks.values()], trigger: 'cli' });
    runId = begun.run.id;
    const run = await begun.finished;
    return { ms: performance.now() - started, run };
  } finally {
    await sources.closeAll();
  }
}

export async function bigTableOperations(ctx: BenchContext & { rows: number }): Promise<OperationResult[]> {
  // Every entry says the size it ran at: it differs from the users table's --rows.
  const size = { table_rows: ctx.rows };
  const app = { app: ctx.sourceUrls.app! };
  // A 1 ms target holds chunks at their floor, chunk_rows / 10: about 40 chunks whatever the size
  // (chunk_rows is at most 10M, so above 400M rows the chunks stay at 1M rows and grow in number).
  const scan = { mode: 'chunked', chunk_rows: Math.min(10_000_000, Math.max(1_000, Math.ceil(ctx.rows / 4))), target_chunk_ms: 1, pause_ms: 0 };
  const full = catalogOf(parityCheck('false'), app, scan);
  const out: OperationResult[] = [];

  ctx.log('column_parity, chunked: uninterrupted vs killed at ~50% and resumed…');
  const sources = createSourceRegistry(full.sources, { dataDir: 'memory:bench' });
  const whole: number[] = [];
  const resumed: number[] = [];
  let resumedFrom: unknown;
  try {
    await runOnce(full, sources, ctx.store);
    for (let i = 0; i < ctx.runs; i++) {
      whole.push((await runOnce(full, sources, ctx.store)).ms);
      const killed = await runUntil(full, ctx, ctx.rows, 0.5);
      const rest = await runOnce(full, sources, ctx.store);
      resumedFrom = rest.run.results[0]?.observations.resumed_from;
      if (killed.run.results[0]?.status !== 'error' || resumedFrom === undefined) throw new Error('the interrupted run was not resumed');
      resumed.push(killed.ms + rest.ms);
    }
  } finally {
    await sources.closeAll();
  }
  out.push(result('column_parity, chunked, killed at ~50% and resumed', '≤ 1.1× one uninterrupted chunked run', median(resumed), median(whole), 1.1, { ...size, resumed_from: resumedFrom, chunk_rows: scan.chunk_rows }));

  ctx.log('column_parity, chunked: early stop when the first chunk fails…');
  // The default rule: stop once max_mismatches (0) is exceeded and the sample (5) is full. The
  // first chunk (chunk_rows rows, 0.2% of them mismatching) holds far more than 5 mismatches.
  const early = catalogOf(parityCheck('default', 5), app, scan);
  const earlySources = createSourceRegistry(early.sources, { dataDir: 'memory:bench' });
  try {
    const times: number[] = [];
    let chunks = 0;
    let status = '';
    for (let i = 0; i < Math.max(1, ctx.runs); i++) {
      const { ms, run } = await runOnce(early, earlySources, ctx.store);
      times.push(ms);
      chunks = chunksOf(run);
      status = run.results[0]?.status ?? '';
    }
    // The target is the chunks read; the time is shown against the uninterrupted run for scale.
    out.push({
      ...result('column_parity, chunked, early stop (first chunk fails)', '≤ 2 chunks read', median(times), median(whole), Number.POSITIVE_INFINITY, { ...size, chunks, status, full_run_ms: round(median(whole)) }),
      limit: 2, met: chunks <= 2 && status === 'fail',
    });
  } finally {
    await earlySources.closeAll();
  }
  out.push(await incrementalEntry(ctx, app, scan, size));
  return out;
}

/**
 * Incremental verification: after a full pass, 0.1% of the rows change (the trigger bumps their
 * updated_at), then the incremental check runs and reads only those rows (plus `overlap`), through
 * the updated_at index. Full and incremental runs alternate in one loop, so load on the machine
 * slows both alike. The update itself is the workload, not timed.
 */
async function incrementalEntry(ctx: BenchContext & { rows: number }, app: Record<string, string>, scan: Record<string, unknown>, size: Record<string, unknown>): Promise<OperationResult> {
  ctx.log('column_parity, chunked: full run vs incremental run after 0.1% of rows changed…');
  const full = catalogOf(cleanCheck('clean-parity-full', false), app, scan);
  // A fresh id per bench run: the chain must start with a full pass over the data as it is now,
  // not continue one from an earlier run (the table may have been rebuilt since, by bulk insert).
  const incremental = catalogOf(cleanCheck(`clean-parity-incremental-${Date.now().toString(36)}`, true), app, scan);
  const sources = createSourceRegistry(full.sources, { dataDir: 'memory:bench' });
  const fullTimes: number[] = [];
  const incrementalTimes: number[] = [];
  const rowsRead: number[] = [];
  let coverage: unknown;
  try {
    // The chain starts with the incremental check's own full pass (and warms the cache).
    await runOnce(full, sources, ctx.store);
    const first = (await runOnce(incremental, sources, ctx.store)).run.results[0];
    const firstMode = (first?.observations.incremental as { mode?: string } | undefined)?.mode;
    if (first?.status !== 'pass' || firstMode !== 'full') throw new Error(`the incremental check's first run was not a passing full pass: ${first?.summary}`);
    for (let i = 0; i < ctx.runs; i++) {
      fullTimes.push((await runOnce(full, sources, ctx.store)).ms);
      // A different 0.1% each round (never the residues holding the injected mismatches).
      psqlExec(ctx.sourceUrls.app!, `update bigtable_users set first_name = first_name where id % 1000 = ${3 + (i % 990)};`);
      const { run, ms } = await runOnce(incremental, sources, ctx.store);
      const pass = run.results[0];
      const mark = pass?.observations.incremental as { mode?: string } | undefined;
      if (pass?.status !== 'pass' || mark?.mode !== 'incremental') throw new Error(`the incremental run was not an incremental pass: ${pass?.summary}`);
      incrementalTimes.push(ms);
      rowsRead.push(Number(pass.observations.rows));
      coverage = pass.observations.coverage;
    }
  } finally {
    await sources.closeAll();
  }
  return result('column_parity, incremental run after 0.1% of rows changed', '≤ 3% of a full chunked run (interleaved)', median(incrementalTimes), median(fullTimes), 0.03, {
    ...size, rows_read_by_incremental: median(rowsRead), changed_rows_per_round: Math.floor(ctx.rows / 1000), coverage, chunk_rows: scan.chunk_rows,
  });
}
