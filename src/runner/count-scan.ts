/** Compiles count scans to SQL: every count is a FILTER over one pass of the table. */
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { CountScan } from '../kinds/types.js';

/** Column alias parity adds to every scan: rows the scan read, for progress and metrics. */
export const SCANNED_ALIAS = '__rows_scanned';

/** One SELECT answering every named count of the scan (plus the rows scanned). */
export function planCountScan(scan: CountScan, extraWhere?: SQL): SQL {
  const columns = Object.entries(scan.counts).map(([name, predicate]) =>
    predicate === true ? sql`count(*) as ${sql.identifier(name)}` : sql`count(*) filter (where ${predicate}) as ${sql.identifier(name)}`,
  );
  columns.push(sql`count(*) as ${sql.identifier(SCANNED_ALIAS)}`);
  return sql`select ${joinSql(columns)} from ${tableSql(scan.table)}${extraWhere ? sql` where ${extraWhere}` : sql``}`;
}

/** Reads a count row (driver values may be strings) into numbers. */
export function readCounts(row: Record<string, unknown> | undefined, names: string[]): Record<string, number> {
  if (!row) throw new Error('count scan returned no row');
  const out: Record<string, number> = {};
  for (const name of [...names, SCANNED_ALIAS]) {
    const value = Number(row[name]);
    if (!Number.isFinite(value)) throw new Error(`count scan returned no number for "${name}"`);
    out[name] = value;
  }
  return out;
}
