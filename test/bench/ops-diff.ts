/**
 * table_diff entries: a zero-diff across two databases against pg_comparator's default and the
 * built-in-hash floor (both timed between parity's runs), with parity's own fingerprint SQL through
 * psql (both sides at once) as a reported baseline; and the same diff with 0.1% scattered
 * differences against pg_comparator on the same data and against the zero-diff time, with the
 * rows each transferred.
 */
import postgres from 'postgres';
import { initialBucketBits } from '../../src/kinds/table-diff/buckets.js';
import { fingerprintReadOptions } from '../../src/kinds/table-diff/table-diff.js';
import { comparedColumnsOf, diffSidesOf, planFingerprintPass, type TableDiffSpec } from '../../src/kinds/table-diff/spec.js';
import { planSideTypes } from '../../src/kinds/table-diff/plan.js';
import type { DiffSide, SideTypes } from '../../src/kinds/table-diff/plan.js';
import { compile } from '../../src/sql/build.js';
import { readEstimate } from '../../src/introspect/row-estimate.js';
import type { StatementRecord } from '../../src/store/schema.js';
import { applyDrift, expectedDrift, restoreDrift } from './data-diff.js';
import { catalogOf, result, round, timeParity, type BenchContext, type OperationResult } from './harness.js';
import { withOperationRss } from './op-rss.js';
import { median, timeWithPsql, timeWithPsqlConcurrently } from './psql.js';
import { pinnedSetup } from './psql-pinned.js';
import { interleaved, preparePgComparator, timeFloor, type PgComparator } from './peers-diff.js';

export interface DiffBenchContext extends BenchContext { rows: number; urls: { legacy: string; app: string } }

const CHECK_ID = 'payments-table-diff';
const DIFF_YAML = `
checks:
  - id: ${CHECK_ID}
    kind: table_diff
    key: [id]
    old: { source: legacy, table: public.payments }
    new: { source: app, table: billing.payments }
    columns: { customer_id: customer_id, amount: "amount_cents / 100.0", currency: currency, status: status, email: "lower(email)", created_at: created_at, note: note }
    max_differences: 0
    sample: 50
`;

const SIDE_SOURCE = { old: 'legacy', new: 'app' } as const;

/** Key and value types of one side, and its row estimate, as diffTables reads them. */
async function sideTypesOf(url: string, side: DiffSide): Promise<{ types: SideTypes; estimate: number | undefined }> {
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const { text, params } = compile(planSideTypes(side));
    const row: Record<string, unknown> = (await db.unsafe(text, params as never[]))[0] ?? {};
    return {
      types: { keys: side.keys.map((_, j) => String(row[`k_${j}`])), values: side.values.map((_, j) => String(row[`v_${j}`])) },
      estimate: readEstimate(row.estimate),
    };
  } finally {
    await db.end();
  }
}

/** Statements by phase of the diff (what they are is read off the SQL each plan function builds). */
function phaseOf(statement: StatementRecord): string {
  if (statement.sql.includes('pg_typeof(')) return 'types';
  // A refining pass restricts the hashed rows to coarser dirty buckets: `… where … and (h >> n) = any($k)`.
  if (statement.sql.includes('count(*) as n')) return /= any\(\$\d+\)/.test(statement.sql) ? 'refine' : 'fingerprint';
  if (statement.sql.includes('::text as rh')) return 'leaf';
  if (/\blimit \$\d+\s*$/.test(statement.sql)) return 'bucket_keys';
  return 'rows_by_key';
}

/** Per phase: statements, rows returned (both sides) and buckets named (old side). */
function phases(statements: readonly StatementRecord[]): Record<string, { statements: number; rows: number; buckets?: number }> {
  const out: Record<string, { statements: number; rows: number; buckets?: number }> = {};
  for (const s of statements) {
    const phase = phaseOf(s);
    const entry = (out[phase] ??= { statements: 0, rows: 0 });
    entry.statements++;
    entry.rows += s.rows ?? 0;
    const list = (s.params ?? []).find((p): p is string => typeof p === 'string' && p.startsWith('{'));
    if (list !== undefined && s.source === SIDE_SOURCE.old && phase !== 'rows_by_key') entry.buckets = (entry.buckets ?? 0) + (list === '{}' ? 0 : list.split(',').length);
  }
  return out;
}

/** pg_comparator's fetched sums, checksums and rows: what it transferred to compare. */
function comparatorTransferred(stats: Record<string, number> | undefined): number | undefined {
  if (!stats || stats.fetched_sums === undefined) return undefined;
  return (stats.fetched_sums ?? 0) + (stats.fetched_chks ?? 0) + (stats.fetched_data ?? 0);
}

/** An entry against pg_comparator, or a reported skip saying why it could not run. */
function againstComparator(operation: string, parityMs: number, comparator: PgComparator, comparatorMs: number, extra: Record<string, unknown>, wrong?: string): OperationResult {
  if (!comparator.available) {
    return { ...result(operation, '≤ 1.0× pg_comparator (default ck checksum)', parityMs, Number.NaN, Number.NaN, extra, `SKIPPED: ${comparator.reason}`), met: false };
  }
  const op = result(operation, '≤ 1.0× pg_comparator (default ck checksum)', parityMs, comparatorMs, 1.0, extra,
    wrong ?? 'parity: check time in process; pg_comparator: whole process, timed between parity\'s runs');
  if (wrong) op.met = false;
  return op;
}

/** Zero-diff: parity against pg_comparator, the built-in-hash floor and its own fingerprint SQL through psql. */
export async function zeroDiffOperation(ctx: DiffBenchContext): Promise<{ ops: OperationResult[]; parityMs: number }> {
  const catalog = catalogOf(DIFF_YAML, ctx.urls);
  const comparator = preparePgComparator(ctx.urls);
  if (!comparator.available) ctx.log(`table_diff: skipping the pg_comparator entries: ${comparator.reason}`);
  const cmp = interleaved(() => (comparator.available ? comparator.time() : { ms: Number.NaN, stats: {} }), (r) => r.ms);
  const floor = interleaved(() => timeFloor(ctx.urls), (ms) => ms);
  ctx.log('table_diff, zero differences (pg_comparator and the floor between runs)…');
  const { value: parity, peakRssMb } = await withOperationRss(ctx, () => timeParity(ctx, catalog, true, () => { cmp.between(); floor.between(); }));
  const outcome = parity.run.results[0]!;
  const observations = outcome.observations as Record<string, unknown>;

  const spec = catalog.checks.get(CHECK_ID)!.spec as TableDiffSpec;
  const sides = diffSidesOf(spec, comparedColumnsOf(spec));
  const [oldSide, newSide] = await Promise.all([sideTypesOf(ctx.urls.legacy, sides.old), sideTypesOf(ctx.urls.app, sides.new)]);
  const estimates = [oldSide.estimate, newSide.estimate].filter((e): e is number => e !== undefined);
  const bits = initialBucketBits(estimates.length > 0 ? Math.max(...estimates) : undefined);
  const plans = planFingerprintPass(spec, { old: oldSide.types, new: newSide.types }, bits);
  // psql gets the session parity gives a fingerprint pass: pinned settings plus the pass's own.
  const passOptions = fingerprintReadOptions(2 ** bits);
  const fingerprintSetup = pinnedSetup([`set work_mem = '${passOptions.workMemKb}kB';`, `set parallel_tuple_cost = ${passOptions.parallelTupleCost};`]);
  const psqlMs: Record<string, number> = {};
  for (const side of ['old', 'new'] as const) {
    const { text, params } = compile(plans[side]);
    // Guard against timing other SQL than parity ran (the plan functions are the only source of truth).
    // parity sends it inside the wrapper that proves which table the name reached (side-reads.ts),
    // which reads no row and binds its own parameters first: the pass must be there verbatim, but
    // for its parameters' numbers.
    const numbered = (sql: string) => sql.replace(/\$\d+/g, '$?');
    if (!outcome.statements.some((s) => s.source === SIDE_SOURCE[side] && numbered(s.sql).includes(numbered(text)))) {
      throw new Error(`the ${side} fingerprint statement built for psql is not one parity ran; the benchmark would compare different SQL`);
    }
    ctx.log(`table_diff: ${side} side's fingerprint query via psql…`);
    psqlMs[side] = median(timeWithPsql(ctx.urls[SIDE_SOURCE[side]], text, params, ctx.runs, fingerprintSetup));
  }
  const slower = Math.max(psqlMs.old!, psqlMs.new!);
  // Both sides live on one server here, so parity's two concurrent fingerprints compete for its cores;
  // the same two statements through two psql sessions at once show what that competition alone costs.
  ctx.log('table_diff: both fingerprint queries via psql at once…');
  const [oldTimes, newTimes] = await Promise.all((['old', 'new'] as const).map((side) => {
    const { text, params } = compile(plans[side]);
    return timeWithPsqlConcurrently(ctx.urls[SIDE_SOURCE[side]], text, params, ctx.runs, fingerprintSetup);
  }));
  const together = median(oldTimes!.map((t, i) => Math.max(t, newTimes![i]!)));
  const correct = outcome.status === 'pass' && observations.mismatches === 0 && observations.old_rows === ctx.rows && observations.new_rows === ctx.rows;
  const wrong = correct ? undefined : `INCORRECT: expected a pass over ${ctx.rows} rows per side, got ${outcome.summary}`;
  const extra = {
    status: outcome.status, rows_per_side: ctx.rows, row_hash: observations.row_hash, bucket_bits: observations.bucket_bits, passes: observations.passes,
    rows_transferred: observations.rows_transferred, psql_old_ms: round(psqlMs.old!), psql_new_ms: round(psqlMs.new!), psql_slower_side_ms: round(slower),
    psql_both_sides_at_once_ms: round(together), ratio_to_both_sides_at_once: round(parity.ms / together, 3),
    pg_comparator_ms: round(cmp.median()), pg_comparator_rows_transferred: comparatorTransferred(cmp.last()?.stats),
    floor_ms: round(floor.median()), parity_runs_ms: parity.all.map((t) => round(t)), peak_rss_mb: peakRssMb,
  };
  const vsComparator = againstComparator('table_diff, zero differences, two databases', parity.ms, comparator, cmp.median(), extra, wrong);
  const vsFloor = result('table_diff, zero differences: against the built-in-hash floor', '≤ 1.5× sum(hashtextextended(t::text, 0)) of both sides at once via psql',
    parity.ms, floor.median(), 1.5, { psql_both_sides_at_once_ms: round(together), pg_comparator_ms: round(cmp.median()) }, wrong ?? 'floor: two psql processes at once, whole process');
  if (wrong) vsFloor.met = false;
  return { ops: [vsComparator, vsFloor], parityMs: parity.ms };
}

/** 0.1% scattered differences, injected into the app copy for the duration and restored after. */
export async function driftOperations(ctx: DiffBenchContext, zeroDiffMs: number): Promise<OperationResult[]> {
  const expected = expectedDrift(ctx.rows);
  ctx.log(`table_diff: injecting ${expected.total} scattered differences…`);
  applyDrift(ctx.urls.app, ctx.rows);
  try {
    const comparator = preparePgComparator(ctx.urls);
    const cmp = interleaved(() => (comparator.available ? comparator.time() : { ms: Number.NaN, stats: {} }), (r) => r.ms);
    ctx.log('table_diff, 0.1% scattered differences (pg_comparator between runs)…');
    const { value: parity, peakRssMb } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(DIFF_YAML, ctx.urls), true, () => cmp.between()));
    const outcome = parity.run.results[0]!;
    const o = outcome.observations as Record<string, number>;
    const found = { missing_in_new: o.missing_in_new, missing_in_old: o.missing_in_old, changed: o.changed };
    const correct = found.missing_in_new === expected.missing_in_new && found.missing_in_old === expected.missing_in_old && found.changed === expected.changed;
    const wrong = correct ? undefined : `INCORRECT: injected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`;
    const transferred = Number(o.rows_transferred);
    const extra = {
      status: outcome.status, differences: o.mismatches, ...found, changed_by_column: outcome.observations.changed_by_column,
      rows_transferred: transferred, bucket_bits: o.bucket_bits, passes: o.passes, phases: phases(outcome.statements),
      samples: outcome.samples?.length ?? 0, parity_runs_ms: parity.all.map((t) => round(t)), peak_rss_mb: peakRssMb,
    };
    const time = result('table_diff, 0.1% scattered differences', '≤ 2.5× the zero-diff time', parity.ms, zeroDiffMs, 2.5, extra, wrong);
    const rows = result('table_diff, 0.1% differences: rows transferred (a count, not ms)', '< 10% of the rows of one side', transferred, ctx.rows, 0.1,
      { rows_transferred: transferred, rows_per_side: ctx.rows, fraction: round(transferred / ctx.rows, 4) },
      'parity column: rows returned by every statement of the diff, both sides; psql column: rows per side');
    rows.met = transferred < 0.1 * ctx.rows && correct;
    if (!correct) time.met = false;
    const cmpTransferred = comparatorTransferred(cmp.last()?.stats);
    const vsComparator = againstComparator('table_diff, 0.1% scattered differences', parity.ms, comparator, cmp.median(), {
      rows_transferred: transferred, pg_comparator_rows_transferred: cmpTransferred, pg_comparator_stats: cmp.last()?.stats,
      // parity reads in READ ONLY transactions; pg_comparator writes checksum and summary tables on both servers.
      parity_writes: 'nothing (read-only transactions)',
    }, wrong);
    const fewer = result('table_diff, 0.1% differences: rows transferred against pg_comparator (a count, not ms)', '< pg_comparator\'s fetched sums + checksums + rows',
      transferred, cmpTransferred ?? Number.NaN, 1, { rows_transferred: transferred, pg_comparator_rows_transferred: cmpTransferred },
      comparator.available ? 'pg_comparator: fetched sums + chks + data from its --stats' : `SKIPPED: ${comparator.reason}`);
    fewer.met = cmpTransferred !== undefined && transferred < cmpTransferred && correct;
    return [vsComparator, time, rows, fewer];
  } finally {
    ctx.log('table_diff: restoring the injected differences…');
    restoreDrift(ctx.urls.app, ctx.rows);
  }
}
