/**
 * Whether column_parity's two values differ. Without normalisers, by the exact rule of
 * exact-compare.ts, which reads their types. With them, by the texts the normalisers give (every
 * normaliser yields text), byte for byte — and a real against a double is normalised from the
 * double it converts to (narrowedRealSql), so the shortest decimal a real shares with a double
 * never makes them one text.
 */
import { normalizeSql, type Normalizer } from '../compare/normalizers.js';
import { sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { exactlyDistinctSql, exactTextSql, narrowedRealSql, realAsDoubleSql, typeProbeSql } from './exact-compare.js';

/**
 * `values` differ over `tables`; `typed` are the expressions whose types the probes read (the
 * values themselves unless they are references to them, such as the join form's `o.v`).
 */
export function comparedDistinctSql(
  normalizers: readonly Normalizer[], values: readonly [SQL, SQL], tables: readonly [TableRef, TableRef], typed: readonly [SQL, SQL] = values,
): SQL {
  const probes = { a: typeProbeSql(typed[0], tables[0]), b: typeProbeSql(typed[1], tables[1]) };
  if (normalizers.length === 0) return exactlyDistinctSql(values[0], values[1], probes);
  // Two texts: exactlyDistinctSql would compare them byte for byte too, without probing them.
  const differ = (a: SQL, b: SQL) => sql`${exactTextSql(normalizeSql(a, normalizers))} is distinct from ${exactTextSql(normalizeSql(b, normalizers))}`;
  // Decided once per statement (an InitPlan), outside the normalisers' per-row subqueries.
  const [a, b] = values;
  return sql`(case ${narrowedRealSql(probes)} when 1 then ${differ(realAsDoubleSql(a), b)} when 2 then ${differ(a, realAsDoubleSql(b))}
    else ${differ(a, b)} end)`;
}
