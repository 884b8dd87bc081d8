/**
 * Issue 4's benchmark entries: table_diff across two databases on the local server (zero
 * differences, then 0.1% scattered ones) and shadow_read of 10k keys, each against the same SQL
 * run bare through psql. Data: test/bench/data-diff.ts (built once, kept between runs).
 */
import { ensureDatabase } from './databases.js';
import { ensurePaymentsData } from './data-diff.js';
import { round, type BenchContext, type OperationResult } from './harness.js';
import { driftOperations, zeroDiffOperation } from './ops-diff.js';
import { shadowReadOperations } from './ops-shadow.js';

/** `part`: both (default), only the table diffs, or only the shadow read (each reuses the same data). */
export async function extraOperations(ctx: BenchContext & { server: string; rows: number }, part: 'all' | 'diff' | 'shadow' = 'all'): Promise<OperationResult[]> {
  if (ctx.rows < 4000) throw new Error('the diff benchmarks need --rows of at least 4000 (one injected difference per 1,000 rows, four kinds)');
  const urls = {
    legacy: await ensureDatabase(ctx.server, 'parity_bench_legacy'),
    app: await ensureDatabase(ctx.server, 'parity_bench_app'),
  };
  const started = performance.now();
  const { rebuilt } = ensurePaymentsData(urls, ctx.rows, ctx.log);
  const data = { payments_rebuilt: rebuilt, payments_build_s: round((performance.now() - started) / 1000) };
  const diffCtx = { ...ctx, urls, sourceUrls: urls };

  if (part === 'shadow') return shadowReadOperations(diffCtx);
  const zero = await zeroDiffOperation(diffCtx);
  zero.ops[0]!.extra = { ...zero.ops[0]!.extra, ...data };
  // Shadow reads run on the clean data; the drift is injected last and restored before returning.
  const shadow = part === 'all' ? await shadowReadOperations(diffCtx) : [];
  const drift = await driftOperations(diffCtx, zero.parityMs);
  return [...zero.ops, ...drift, ...shadow];
}
