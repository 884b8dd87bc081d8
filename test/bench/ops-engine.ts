/**
 * Issue 7's operations: single-statement kinds, fused checks, chunked scans. Every psql yardstick
 * is timed between parity's runs (interleaved), so both see the same machine.
 */
import { catalogOf, interleavedPsql, result, timeParity, type BenchContext, type OperationResult } from './harness.js';
import { withOperationRss } from './op-rss.js';

const ROW_COUNT = `
checks:
  - { id: users-row-count, kind: row_count, old: { source: app, table: users_legacy }, new: { source: app, table: users }, tolerance: { absolute: 0 } }
`;
const NULL_CHECK = `
checks:
  - { id: names-backfilled, kind: null_check, source: app, table: users, columns: [first_name, last_name], where: "full_name is not null", sample: 20 }
`;
const COLUMN_PARITY = `
checks:
  - id: name-parity
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    sample: 20
`;
/** Five checks over one table with cheap predicates: the case fusion exists for. */
const FIVE_ON_USERS = `
checks:
  - { id: f-names-backfilled, kind: null_check, source: app, table: users, columns: [first_name, last_name], sample: 0 }
  - { id: f-email-filled, kind: null_check, source: app, table: users, columns: [email], sample: 0 }
  - { id: f-name-parity, kind: column_parity, source: app, table: users, key: [id], old: full_name, new: "first_name || ' ' || last_name", sample: 0 }
  - { id: f-amount-parity, kind: column_parity, source: app, table: users, key: [id], old: amount_cents, new: "(amount * 100)::bigint", sample: 0 }
  - { id: f-live-count, kind: null_check, source: app, table: users, columns: [created_at], where: "deleted_at is null", sample: 0 }
`;

export async function engineOperations(ctx: BenchContext): Promise<OperationResult[]> {
  const out: OperationResult[] = [];
  const app = { app: ctx.sourceUrls.app! };
  const statementsOf: Record<string, { sql: string; params?: unknown[] }[]> = {};

  for (const [name, yaml] of [['row_count', ROW_COUNT], ['null_check', NULL_CHECK], ['column_parity', COLUMN_PARITY]] as const) {
    ctx.log(`${name}: single statement…`);
    const psql = interleavedPsql(ctx);
    const { value: parity, peakRssMb } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(yaml, app), true, psql.between));
    statementsOf[name] = parity.run.results.flatMap((r) => r.statements).map((st) => ({ sql: st.sql, params: st.params ?? [] }));
    const statements = statementsOf[name].length;
    out.push(result(`${name}, single statement`, '≤ 1.15× the same SQL via psql', parity.ms, psql.median(), 1.15, { statements, status: parity.run.results.map((r) => r.status), peak_rss_mb: peakRssMb }));
  }

  ctx.log('5 checks on one table, fused…');
  const countPass = interleavedPsql(ctx, [{ sql: 'select count(*) from users' }]);
  // The same fused statement through psql: what the predicates themselves cost, parity or not.
  const fusedBare = interleavedPsql(ctx);
  const { value: fused, peakRssMb: fusedRss } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(FIVE_ON_USERS, app), true, (warm) => {
    countPass.between(warm);
    fusedBare.between(warm);
  }));
  const distinct = new Set(fused.run.results.flatMap((r) => r.statements.map((st) => st.sql))).size;
  out.push(result('5 checks on one table, fused', '≤ 1.3× one count(*) pass via psql', fused.ms, countPass.median(), 1.3, {
    statements: distinct, peak_rss_mb: fusedRss, same_fused_sql_via_psql_ms: Math.round(fusedBare.median() * 10) / 10, ratio_to_same_sql: Math.round((fused.ms / fusedBare.median()) * 1000) / 1000,
  }));
  ctx.log('5 checks on one table, unfused (for comparison)…');
  const unfusedCount = interleavedPsql(ctx, [{ sql: 'select count(*) from users' }]);
  const { value: unfused, peakRssMb: unfusedRss } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(FIVE_ON_USERS, app), false, unfusedCount.between));
  out.push(result('5 checks on one table, unfused (reference)', 'no target; shows what fusion saves', unfused.ms, unfusedCount.median(), Number.POSITIVE_INFINITY, { statements: 5, peak_rss_mb: unfusedRss }));

  ctx.log('column_parity, chunked…');
  // Against the unchunked check's own statements, timed between the chunked runs.
  const bare = interleavedPsql(ctx, statementsOf.column_parity);
  const { value: chunked, peakRssMb: chunkedRss } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(COLUMN_PARITY, app, { mode: 'chunked', chunk_rows: 50000, target_chunk_ms: 500, pause_ms: 0 }), true, bare.between));
  const chunks = chunked.run.results[0]?.statements.find((st) => st.chunks !== undefined)?.chunks;
  out.push(result('column_parity, chunked (pause_ms 0)', '≤ 1.3× the bare SQL', chunked.ms, bare.median(), 1.3, { chunks, peak_rss_mb: chunkedRss }));
  return out;
}
