/**
 * Issue 14's operations on the users table: a chunked column_parity killed at ~50% and resumed
 * (total cost against one uninterrupted run), and an early stop on a table whose first chunk
 * already fails (chunks read). Chunks are sized from --rows (about 40 per scan), so the entries
 * also run at a small size: `npm run bench -- --only bigtable --rows 20000 --runs 1`.
 */
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { catalogOf, result, round, runOnce, type BenchContext, type OperationResult } from './harness.js';
import { median } from './psql.js';

const parityCheck = (stop: string, sample = 20) => `
checks:
  - id: name-parity
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    sample: ${sample}
    ${stop === 'default' ? '' : `stop_after: ${stop}`}
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
  const app = { app: ctx.sourceUrls.app! };
  // A 1 ms target holds chunks at their floor, chunk_rows / 10: about 40 chunks whatever the size.
  const scan = { mode: 'chunked', chunk_rows: Math.max(1_000, Math.ceil(ctx.rows / 4)), target_chunk_ms: 1, pause_ms: 0 };
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
  out.push(result('column_parity, chunked, killed at ~50% and resumed', '≤ 1.1× one uninterrupted chunked run', median(resumed), median(whole), 1.1, { resumed_from: resumedFrom, chunk_rows: scan.chunk_rows }));

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
      ...result('column_parity, chunked, early stop (first chunk fails)', '≤ 2 chunks read', median(times), median(whole), Number.POSITIVE_INFINITY, { chunks, status, full_run_ms: round(median(whole)) }),
      limit: 2, met: chunks <= 2 && status === 'fail',
    });
  } finally {
    await earlySources.closeAll();
  }
  return out;
}
