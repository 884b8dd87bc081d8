/**
 * shadow_read entries: picking 10k keys (< 1 s) and reading them through both paths,
 * against psql running the very same `= any($keys)` batches. The check runs through the real
 * runner; its sources are wrapped to note when the first read batch starts and the last one comes
 * back, which splits each run into key picking, reading and the check's tail.
 */
import { planShadowBatch } from '../../src/kinds/shadow-read/read-path.js';
import { createRunner } from '../../src/runner/runner.js';
import { compile, type CompiledQuery } from '../../src/sql/build.js';
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

interface Marks { started?: number; firstBatch?: number | undefined; lastBatchEnd?: number | undefined }

/**
 * Wraps each source so the first batch statement of a check marks the end of key picking, and the
 * last batch to come back the end of reading. A batch is read only once the one two before it has
 * been compared (BATCHES_IN_FLIGHT), so that span holds the comparison of every batch but the last
 * one or two.
 */
function marking(sources: SourceRegistry, marks: Marks): SourceRegistry {
  const wrap = (source: Source): Source => ({
    ...source,
    readOnly: (work, options) => source.readOnly((session) => work({
      async query(statement) {
        if (!isBatch(statement.text)) return session.query(statement);
        marks.firstBatch ??= performance.now();
        const rows = await session.query(statement);
        marks.lastBatchEnd = performance.now();
        return rows;
      },
      // Passed through: without it the check cannot describe its paths' columns (float-widths.ts).
      ...(session.describe ? { describe: (statement: CompiledQuery) => session.describe!(statement) } : {}),
    }), options),
  });
  return { ...sources, get: async (name) => wrap(await sources.get(name)) };
}

interface ShadowRun { pickMs: number; readMs: number; tailMs: number; result: ResultRecord }

/**
 * One warm-up, then `runs` runs: key picking and reading times of each. `between` runs after the
 * warm-up and after each timed run (given the warm-up's record), so a yardstick timed there
 * alternates with parity's reads and a noisy neighbour slows both alike.
 */
async function timeShadowRead(ctx: DiffBenchContext, between: (warm: ResultRecord) => Promise<void>): Promise<ShadowRun[]> {
  const catalog = catalogOf(SHADOW_YAML, ctx.urls);
  const raw = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  const marks: Marks = {};
  const runner = createRunner({
    store: ctx.store, sources: marking(raw, marks), checkConcurrency: 1,
    observers: [{ checkStarted: () => { marks.started = performance.now(); marks.firstBatch = undefined; marks.lastBatchEnd = undefined; } }],
  });
  try {
    const out: ShadowRun[] = [];
    for (let i = 0; i <= ctx.runs; i++) {
      const run = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'cli' })).finished;
      const record = run.results[0]!;
      if (record.status === 'error' || marks.started === undefined || marks.firstBatch === undefined || marks.lastBatchEnd === undefined) throw new Error(`shadow read errored: ${record.summary}`);
      const pickMs = marks.firstBatch - marks.started;
      const readMs = marks.lastBatchEnd - marks.firstBatch;
      // The rest of the check after its last batch: the last comparison, the verdict, the replica-lag
      // probe after reading and the result's redaction — per-check work, reported, not judged here.
      out.push({ pickMs, readMs, tailMs: (record.durationMs ?? Number.NaN) - pickMs - readMs, result: record });
      await between(out[0]!.result);
    }
    return out;
  } finally {
    await raw.closeAll();
  }
}

const SIDES = ['legacy', 'app'] as const;

/** The batch statement of one side, checked to be the very text parity ran. */
function batchesOf(record: ResultRecord, source: (typeof SIDES)[number]): { text: string; params: unknown[][] } {
  const statements = record.statements.filter((s) => s.source === source && isBatch(s.sql));
  // With both paths SQL, each batch carries the types judged at the start (a widening), so its text is taken from the run.
  const text = statements[0]?.sql ?? '';
  const plain = compile(planShadowBatch({ source, query: PATHS[source] }, ['id'], [['1']])).text;
  if (statements.length === 0 || statements.some((s) => s.sql !== text) || !text.startsWith(plain.slice(0, plain.indexOf('from (')))) throw new Error(`the ${source} batch statements parity ran are not the ones planShadowBatch builds`);
  return { text, params: statements.map((s) => s.params ?? []) };
}

/**
 * The psql yardstick, timed between parity's runs: the same batches (same seed, same keys) in one
 * psql session per side, both sides at once as parity reads them (the judged baseline: on one
 * server the two sides share its cores, for psql as for parity), and each side alone (reported).
 * psql's \timing counts each statement from sending it to its last row in libpq's buffer; the
 * session's pinned settings, PREPARE and an untimed pass over the same batches come first.
 */
function psqlYardstick(ctx: DiffBenchContext) {
  const setup = pinnedSetup(['set plan_cache_mode = force_custom_plan;']);
  const times = { together: [] as number[], legacy: [] as number[], app: [] as number[] };
  return {
    times,
    async between(warm: ResultRecord): Promise<void> {
      const batches = Object.fromEntries(SIDES.map((side) => [side, batchesOf(warm, side)])) as Record<(typeof SIDES)[number], { text: string; params: unknown[][] }>;
      const [legacy, app] = await Promise.all(SIDES.map((side) => timeBatchesWithPsqlConcurrently(ctx.urls[side], batches[side].text, batches[side].params, 1, setup)));
      times.together.push(Math.max(legacy![0]!, app![0]!));
      for (const side of SIDES) times[side].push(timeBatchesWithPsql(ctx.urls[side], batches[side].text, batches[side].params, 1, setup)[0]!);
    },
  };
}

/** Key picking against 1 s; reading against psql's time for the same batches, both sides at once, interleaved. */
export async function shadowReadOperations(ctx: DiffBenchContext): Promise<OperationResult[]> {
  ctx.log(`shadow_read, ${KEYS.toLocaleString('en')} keys, interleaved with psql reading the same batches…`);
  const psql = psqlYardstick(ctx);
  const { value: [warm, ...runs], peakRssMb } = await withOperationRss(ctx, () => timeShadowRead(ctx, psql.between));
  const record = warm!.result;
  const o = record.observations as Record<string, unknown>;
  const pickMs = median(runs.map((r) => r.pickMs));
  const readMs = median(runs.map((r) => r.readMs));
  const keys = Number(o.sample_size);
  // The first yardstick pass follows the warm-up; each later one follows a timed run.
  const paired = psql.times.together.slice(1);
  const psqlTogether = median(paired);
  const psqlAlone = { legacy: median(psql.times.legacy.slice(1)), app: median(psql.times.app.slice(1)) };
  const slowerAlone = Math.max(psqlAlone.legacy, psqlAlone.app);
  const runRatios = runs.map((r, i) => round(r.readMs / paired[i]!, 3));
  const samplingStatements = record.statements.filter((s) => !isBatch(s.sql)).length;
  const pick = result('shadow_read, 10k keys: key picking', '< 1 s', pickMs, 1000, 1, {
    sampling_method: o.sampling_method, sampling_statements: samplingStatements, keys_sampled: o.keys_sampled, runs_ms: runs.map((r) => round(r.pickMs)),
  }, 'psql column: the 1 s target');
  pick.met = pickMs < 1000;
  const correct = record.status === 'pass' && keys === KEYS && o.mismatches === 0;
  const batches = Object.fromEntries(SIDES.map((side) => [side, batchesOf(record, side).params.length]));
  const read = result('shadow_read, 10k keys: reading', '≤ 1.3× psql reading the same batches, both sides at once', readMs, psqlTogether, 1.3, {
    status: record.status, keys_compared: keys, batch_size: BATCH_SIZE, batches_per_side: batches,
    parity_keys_per_s: Math.round(keys / (readMs / 1000)), psql_keys_per_s: Math.round(keys / (psqlTogether / 1000)),
    run_ratios: runRatios, psql_legacy_alone_ms: round(psqlAlone.legacy), psql_app_alone_ms: round(psqlAlone.app),
    ratio_to_slower_side_alone: round(readMs / slowerAlone, 3), mismatch_rate_upper_bound: o.mismatch_rate_upper_bound,
    check_tail_after_last_batch_ms: round(median(runs.map((r) => r.tailMs))),
    runs_ms: runs.map((r) => round(r.readMs)), psql_runs_ms: paired.map((t) => round(t)), peak_rss_mb: peakRssMb,
  }, correct ? 'psql column: both sides\' batches in one psql session per side at once, timed between parity\'s runs' : `INCORRECT: expected a pass over ${KEYS} keys, got ${record.summary}`);
  if (!correct) read.met = false;
  return [pick, read];
}
