/**
 * Issue 7's operations: single-statement kinds, fused checks, chunked scans. Every psql yardstick
 * is timed between parity's runs (interleaved), so both see the same machine.
 */
import { catalogOf, interleavedPsql, result, round, runOnce, timeParity, type BenchContext, type OperationResult } from './harness.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { median } from './psql.js';
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
/** The same comparison, passing (a ratio threshold never stops a scan early): every chunk is read. */
const WHOLE_TABLE_PARITY = `
checks:
  - id: name-parity-whole-table
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    max_mismatch_ratio: 0.01
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

  for (const [name, yaml] of [['row_count', ROW_COUNT], ['null_check', NULL_CHECK], ['column_parity', COLUMN_PARITY]] as const) {
    ctx.log(`${name}: single statement…`);
    const psql = interleavedPsql(ctx);
    const { value: parity, peakRssMb } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(yaml, app), true, psql.between));
    const statements = parity.run.results.flatMap((r) => r.statements).length;
    out.push(result(`${name}, single statement`, '≤ 1.15× the same SQL via psql', parity.ms, psql.median(), 1.15, { statements, status: parity.run.results.map((r) => r.status), peak_rss_mb: peakRssMb }));
  }

  ctx.log('5 checks on one table, fused and unfused, interleaved…');
  const { value: fusion, peakRssMb: fusedRss } = await withOperationRss(ctx, () => timeFusedAndUnfused(ctx, catalogOf(FIVE_ON_USERS, app)));
  out.push(result('5 checks on one table, fused', '≤ 1.1× the same fused SQL via psql', fusion.fusedMs, fusion.fusedSqlMs, 1.1, {
    statements: fusion.fusedStatements, peak_rss_mb: fusedRss, run_ratios: fusion.fusedRatios,
  }, 'psql column: the fused statement parity ran, through psql, timed between parity\'s runs'));
  out.push(result('5 checks on one table, fused against unfused', '≤ 0.6× the unfused checks\' total', fusion.fusedMs, fusion.unfusedMs, 0.6, {
    statements_unfused: fusion.unfusedStatements, unfused_statement_ms_sum: fusion.unfusedStatementSum, run_ratios: fusion.fusionRatios, peak_rss_mb: fusedRss,
  }, 'baseline column: the same five checks run unfused by parity (the whole run, checks concurrent as configured), interleaved'));

  ctx.log('column_parity, chunked…');
  // The whole table, chunk after chunk: a check that passes, so no stop rule ends the scan after
  // its first chunk (COLUMN_PARITY fails on the injected mismatches and would stop there).
  const wholeTable = catalogOf(WHOLE_TABLE_PARITY, app);
  const unchunkedSources = createSourceRegistry(wholeTable.sources, { dataDir: 'memory:bench' });
  const unchunked = await runOnce(wholeTable, unchunkedSources, ctx.store).finally(() => unchunkedSources.closeAll());
  // Against the unchunked check's own statements, timed between the chunked runs.
  const bare = interleavedPsql(ctx, unchunked.run.results.flatMap((r) => r.statements).map((st) => ({ sql: st.sql, params: st.params ?? [] })));
  const { value: chunked, peakRssMb: chunkedRss } = await withOperationRss(ctx, () => timeParity(ctx, catalogOf(WHOLE_TABLE_PARITY, app, { mode: 'chunked', chunk_rows: 50000, target_chunk_ms: 500, pause_ms: 0 }), true, bare.between));
  const record = chunked.run.results[0];
  if (record?.status !== 'pass') throw new Error(`the chunked column_parity should pass over the whole table, got ${record?.status}: ${record?.summary}`);
  const chunks = record.statements.find((st) => st.chunks !== undefined)?.chunks;
  out.push(result('column_parity, chunked (pause_ms 0)', '≤ 1.5× the bare SQL', chunked.ms, bare.median(), 1.5, {
    chunks, peak_rss_mb: chunkedRss, run_ratios: chunked.all.map((ms, i) => round(ms / bare.sums()[i + 1]!, 3)),
  }, 'psql column: the unchunked check\'s statements through psql, timed between the chunked runs'));
  return out;
}

/**
 * The five checks fused and unfused, and the fused statement through psql, in turn: after a
 * warm-up of each, every round runs parity fused, parity unfused, then psql, so each ratio
 * compares figures taken moments apart. Unfused is the whole run's wall time (the checks run
 * concurrently, as the runner would run them), which is what fusion has to beat.
 */
async function timeFusedAndUnfused(ctx: BenchContext, catalog: Catalog) {
  const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  try {
    const warmFused = await runOnce(catalog, sources, ctx.store, true);
    const warmUnfused = await runOnce(catalog, sources, ctx.store, false);
    for (const r of [...warmFused.run.results, ...warmUnfused.run.results]) {
      if (r.status === 'error') throw new Error(`${r.checkId} errored: ${JSON.stringify(r.error)}`);
    }
    const psql = interleavedPsql(ctx);
    psql.between(warmFused.run);
    const fused: number[] = [];
    const unfused: number[] = [];
    const unfusedSums: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      fused.push((await runOnce(catalog, sources, ctx.store, true)).ms);
      const u = await runOnce(catalog, sources, ctx.store, false);
      unfused.push(u.ms);
      unfusedSums.push(u.run.results.flatMap((r) => r.statements).reduce((sum, st) => sum + st.duration_ms, 0));
      psql.between(warmFused.run);
    }
    // The first call, after the warm-ups, is psql's own warm-up.
    const fusedSql = psql.sums().slice(1);
    return {
      fusedMs: median(fused), unfusedMs: median(unfused), fusedSqlMs: median(fusedSql), unfusedStatementSum: round(median(unfusedSums)),
      fusedStatements: new Set(warmFused.run.results.flatMap((r) => r.statements.map((st) => st.sql))).size,
      unfusedStatements: new Set(warmUnfused.run.results.flatMap((r) => r.statements.map((st) => st.sql))).size,
      fusedRatios: fused.map((ms, i) => round(ms / fusedSql[i]!, 3)),
      fusionRatios: fused.map((ms, i) => round(ms / unfused[i]!, 3)),
    };
  } finally {
    await sources.closeAll();
  }
}
