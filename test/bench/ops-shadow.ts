/**
 * Issue 4's shadow_read entries: picking 10k keys (< 1 s) and reading them through both paths,
 * against psql running the very same `= any($keys)` batches. The check runs through the real
 * runner; its sources are wrapped to note when the first read batch starts, which splits each
 * run into key picking and reading.
 */
import { planShadowBatch } from '../../src/kinds/shadow-read/read-path.js';
import { createRunner } from '../../src/runner/runner.js';
import { compile } from '../../src/sql/build.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import type { Source } from '../../src/sources/types.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { catalogOf, result, round, type OperationResult } from './harness.js';
import { withOperationRss } from './op-rss.js';
import type { DiffBenchContext } from './ops-diff.js';
import { median } from './psql.js';
import { pinnedSetup, timeBatchesWithPsql, timeBatchesWithPsqlConcurrently } from './psql-pinned.js';

const KEYS = 10_000;
const BATCH_SIZE = 500;
const PATHS = {
  legacy: 'select id, customer_id, amount, currency, status, email, created_at, note from public.payments where id = any($keys)',
  app: 'select id, customer_id, amount_cents / 100.0 as amount, currency, status, lower(email) as email, created_at, note from billing.payments where id = any($keys)',
};
const SHADOW_YAML = `
checks:
  - id: payments-shadow-read
    kind: shadow_read
    key: [id]
    sample: { size: ${KEYS}, seed: 20240611, from: { source: legacy, table: public.payments } }
    old: { source: legacy, query: "${PATHS.legacy}" }
    new: { source: app, query: "${PATHS.app}" }
    max_mismatch_rate: 0.001
    confidence: 0.95
    batch_size: ${BATCH_SIZE}
`;

/** A batch read is the statement planShadowBatch wraps: it selects `__parity_row`. */
const isBatch = (sql: string) => sql.includes('__parity_row');

/** Wraps each source so the first batch statement of a check marks the end of key picking. */
function marking(sources: SourceRegistry, marks: { firstBatch?: number | undefined }): SourceRegistry {
  const wrap = (source: Source): Source => ({
    ...source,
    readOnly: (work, options) => source.readOnly((session) => work({
      query(statement) {
        if (marks.firstBatch === undefined && isBatch(statement.text)) marks.firstBatch = performance.now();
        return session.query(statement);
      },
    }), options),
  });
  return { ...sources, get: async (name) => wrap(await sources.get(name)) };
}

interface ShadowRun { pickMs: number; readMs: number; result: ResultRecord }

/** One warm-up, then `runs` runs: key picking and reading times of each. */
async function timeShadowRead(ctx: DiffBenchContext): Promise<ShadowRun[]> {
  const catalog = catalogOf(SHADOW_YAML, ctx.urls);
  const raw = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  const marks: { started?: number; firstBatch?: number | undefined } = {};
  const runner = createRunner({
    store: ctx.store, sources: marking(raw, marks), checkConcurrency: 1,
    observers: [{ checkStarted: () => { marks.started = performance.now(); marks.firstBatch = undefined; } }],
  });
  try {
    const out: ShadowRun[] = [];
    for (let i = 0; i <= ctx.runs; i++) {
      const run = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'cli' })).finished;
      const record = run.results[0]!;
      if (record.status === 'error' || marks.started === undefined || marks.firstBatch === undefined) throw new Error(`shadow read errored: ${record.summary}`);
      const pickMs = marks.firstBatch - marks.started;
      out.push({ pickMs, readMs: (record.durationMs ?? Number.NaN) - pickMs, result: record });
    }
    return out;
  } finally {
    await raw.closeAll();
  }
}

/** Key picking against 1 s; reading against psql's time for the same batches on both sides. */
export async function shadowReadOperations(ctx: DiffBenchContext): Promise<OperationResult[]> {
  ctx.log(`shadow_read, ${KEYS.toLocaleString('en')} keys…`);
  const { value: [warm, ...runs], peakRssMb } = await withOperationRss(ctx, () => timeShadowRead(ctx));
  const record = warm!.result;
  const o = record.observations as Record<string, unknown>;
  const pickMs = median(runs.map((r) => r.pickMs));
  const readMs = median(runs.map((r) => r.readMs));
  const keys = Number(o.sample_size);

  // The same batches parity read (same seed, same keys), per side, through psql.
  const psqlMs: Record<string, number> = {};
  const batches: Record<string, number> = {};
  const batchParams: Record<string, unknown[][]> = {};
  const setup = pinnedSetup(['set plan_cache_mode = force_custom_plan;']);
  for (const source of ['legacy', 'app'] as const) {
    const statements = record.statements.filter((s) => s.source === source && isBatch(s.sql));
    const text = compile(planShadowBatch({ source, query: PATHS[source] }, ['id'], [['1']])).text;
    if (statements.length === 0 || statements.some((s) => s.sql !== text)) throw new Error(`the ${source} batch statements parity ran are not the ones planShadowBatch builds`);
    batches[source] = statements.length;
    batchParams[source] = statements.map((s) => s.params ?? []);
    ctx.log(`shadow_read: ${source} batches via psql…`);
    psqlMs[source] = median(timeBatchesWithPsql(ctx.urls[source], text, batchParams[source], ctx.runs, setup));
  }
  // parity reads both sides at once; the yardstick is the slower side's batches alone (one session each).
  const psqlRead = Math.max(psqlMs.legacy!, psqlMs.app!);
  // Both sides' sessions side by side, as parity reads them: what sharing the server's cores costs psql too.
  ctx.log('shadow_read: both sides\' batches via psql at once…');
  const [legacyTogether, appTogether] = await Promise.all((['legacy', 'app'] as const).map((source) =>
    timeBatchesWithPsqlConcurrently(ctx.urls[source], compile(planShadowBatch({ source, query: PATHS[source] }, ['id'], [['1']])).text, batchParams[source]!, ctx.runs, setup)));
  const psqlTogether = median(legacyTogether!.map((t, i) => Math.max(t, appTogether![i]!)));
  const samplingStatements = record.statements.filter((s) => !isBatch(s.sql)).length;
  const pick = result('shadow_read, 10k keys: key picking', '< 1 s', pickMs, 1000, 1, {
    sampling_method: o.sampling_method, sampling_statements: samplingStatements, keys_sampled: o.keys_sampled, runs_ms: runs.map((r) => round(r.pickMs)),
  }, 'psql column: the 1 s target');
  pick.met = pickMs < 1000;
  const correct = record.status === 'pass' && keys === KEYS && o.mismatches === 0;
  const read = result('shadow_read, 10k keys: reading (ratio = psql rate / parity rate)', '≥ 0.5× psql\'s rate for the same = any batches', readMs, psqlRead, 2, {
    status: record.status, keys_compared: keys, batch_size: BATCH_SIZE, batches_per_side: batches,
    parity_keys_per_s: Math.round(keys / (readMs / 1000)), psql_keys_per_s: Math.round(keys / (psqlRead / 1000)),
    psql_legacy_ms: round(psqlMs.legacy!), psql_app_ms: round(psqlMs.app!),
    psql_both_sides_at_once_ms: round(psqlTogether), ratio_to_both_sides_at_once: round(readMs / psqlTogether, 3), mismatch_rate_upper_bound: o.mismatch_rate_upper_bound, runs_ms: runs.map((r) => round(r.readMs)), peak_rss_mb: peakRssMb,
  }, correct ? 'psql column: the slower side\'s batches in one psql session each' : `INCORRECT: expected a pass over ${KEYS} keys, got ${record.summary}`);
  if (!correct) read.met = false;
  return [pick, read];
}
