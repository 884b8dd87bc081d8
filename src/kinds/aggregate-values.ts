/**
 * sql_assert's one row of aggregates judged for a value fixed around them (sql/aggregate-probe.ts):
 * the aggregates' types are asked with the query under LIMIT 0, then the expression is evaluated on
 * the server over varied inputs of those types. No table row is read.
 */
import { sql } from '../sql/build.js';
import { aggregateProbeOf, probeSql } from '../sql/aggregate-probe.js';
import { faultInClasses } from '../results/fault.js';
import type { ExecutionContext } from './types.js';

/** SQLSTATE classes of a probe the server refuses for what it computes (a cast, a type, an overflow): nothing is concluded. */
const REFUSED = new Set(['42', '22', '0A', '21', '54']);

async function ask<Row extends Record<string, unknown>>(ctx: Pick<ExecutionContext, 'query'>, source: string, text: string): Promise<Row | undefined> {
  try {
    return (await ctx.query<Row>(source, sql.raw(text)))[0];
  } catch (error) {
    if (faultInClasses(error, REFUSED)) return undefined;
    throw error;
  }
}

/** Why the query's value (or its HAVING, under `rows: 0`) is fixed around its aggregates, or undefined. */
export async function fixedAroundAggregates(query: string, judged: 'value' | 'having', source: string, ctx: Pick<ExecutionContext, 'query'>): Promise<string | undefined> {
  const probe = aggregateProbeOf(query, judged);
  if (!probe) return undefined;
  const typeRow = await ask<Record<string, string | null>>(ctx, source, probe.typesSql);
  if (!typeRow) return undefined;
  const types = probe.aggregates.map((_, i) => ({ type: typeRow[`t${i}`] ?? '', category: typeRow[`c${i}`] ?? '' }));
  if (types.some((t) => t.type === '')) return undefined;
  const statement = probeSql(probe, types);
  const answer = statement === undefined ? undefined : await ask<{ results: number; ever_true: boolean }>(ctx, source, statement);
  if (!answer) return undefined;
  if (judged === 'value' && Number(answer.results) <= 1) return "the query's first value is the same whatever its aggregates hold";
  if (judged === 'having' && answer.ever_true !== true) return "the query's HAVING is true for no value its aggregates can take, so it returns no row";
  return undefined;
}
