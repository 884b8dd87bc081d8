/**
 * A cheap row-count estimate for sizing samples and hash buckets: the planner's statistics
 * (pg_class.reltuples) when the table was analyzed, else its size in pages times a rough density.
 * Only ever steers how work is split; never reported as a count.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

/** Rows per 8 kB page assumed for never-analyzed tables (typical for narrow OLTP rows). */
const ROWS_PER_PAGE_GUESS = 60;

/** A scalar SQL expression: estimated rows of the table (NULL when it is not a relation with storage). */
export function rowEstimateSql(table: TableRef): SQL {
  return sql`(select case when c.reltuples > 0 then c.reltuples::float8
      else pg_relation_size(c.oid)::float8 / current_setting('block_size')::float8 * ${sql.raw(String(ROWS_PER_PAGE_GUESS))} end
    from pg_class c where c.oid = to_regclass(${regclassText(table)}))`;
}

/**
 * The planner's own row count for a table (pg_class.reltuples: -1 when never analyzed), as a scalar
 * expression; NULL when the name is not a relation. The one place parity reads reltuples raw.
 */
export function plannerRowsSql(table: TableRef): SQL {
  return sql`(select c.reltuples from pg_class c where c.oid = to_regclass(${regclassText(table)}))`;
}

/** Reads an estimate column (driver values may be strings); undefined when unknown. */
export function readEstimate(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
