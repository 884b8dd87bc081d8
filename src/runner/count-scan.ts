/** Compiles count scans to SQL: every count is a FILTER over one pass of the table. */
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { CountScan } from '../kinds/types.js';

/** Column alias parity adds to every scan: rows the scan read, for progress and metrics. */
export const SCANNED_ALIAS = '__rows_scanned';

/** The select list of a scan: one `count(*) FILTER (…)` per named count, plus the rows scanned. */
export function countColumns(scan: CountScan): SQL[] {
  const columns = Object.entries(scan.counts).map(([name, predicate]) =>
    predicate === true ? sql`count(*) as ${sql.identifier(name)}` : sql`count(*) filter (where ${predicate}) as ${sql.identifier(name)}`,
  );
  columns.push(sql`count(*) as ${sql.identifier(SCANNED_ALIAS)}`);
  return columns;
}

/** One SELECT answering every named count of the scan (plus the rows scanned). */
export function planCountScan(scan: CountScan): SQL {
  const where = scan.where === undefined ? sql`` : sql` where ${scan.where}`;
  return sql`select ${joinSql(countColumns(scan))} from ${tableSql(scan.table)}${where}`;
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
