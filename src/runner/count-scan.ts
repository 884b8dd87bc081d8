/** Compiles count scans to SQL: every count is a FILTER over one pass of the table. */
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { CountScan } from '../kinds/types.js';

/** Column alias parity adds to every scan: rows the scan read, for progress and metrics. */
export const SCANNED_ALIAS = '__rows_scanned';

/** Column alias of a count read beside a scan in its statement (planCountScan's `beside`). */
export const BESIDE_ALIAS = '__counted_beside';

/** The select list of a scan: one `count(*) FILTER (…)` per named count, plus the rows scanned. */
export function countColumns(scan: CountScan): SQL[] {
  const columns = Object.entries(scan.counts).map(([name, predicate]) =>
    predicate === true ? sql`count(*) as ${sql.identifier(name)}` : sql`count(*) filter (where ${predicate}) as ${sql.identifier(name)}`,
  );
  columns.push(sql`count(*) as ${sql.identifier(SCANNED_ALIAS)}`);
  return columns;
}

/**
 * One SELECT answering every named count of the scan (plus the rows scanned). `beside`: a scalar
 * sub-select read as one more column (an incremental pass's scope floor): one statement is one
 * snapshot, so it counts the rows of the same instant as the scan.
 */
export function planCountScan(scan: CountScan, beside?: SQL): SQL {
  const where = scan.where === undefined ? sql`` : sql` where ${scan.where}`;
  const columns = beside === undefined ? countColumns(scan) : [...countColumns(scan), sql`(${beside}) as ${sql.identifier(BESIDE_ALIAS)}`];
  return sql`select ${joinSql(columns)} from ${tableSql(scan.table)}${where}`;
}

/** The column of `name` of the `index`th scan in planCountsTogether's row. */
export function togetherAlias(index: number, name: string): string {
  return `s${index}.${name}`;
}

/**
 * One SELECT answering several scans of one source: each scan a one-row subquery, cross joined.
 * One statement is one snapshot — the counts of every table are of the same instant, so a write
 * committed while they were read is in all of them or in none (row_count compares them) — and its
 * parse locks every table before that snapshot is taken. Each subquery keeps its own parallel plan.
 */
export function planCountsTogether(scans: readonly CountScan[]): SQL {
  const columns = scans.flatMap((scan, index) => [...Object.keys(scan.counts), SCANNED_ALIAS].map((name) =>
    sql`${sql.identifier(`s${index}`)}.${sql.identifier(name)} as ${sql.identifier(togetherAlias(index, name))}`));
  const reads = scans.map((scan, index) => sql`(${planCountScan(scan)}) as ${sql.identifier(`s${index}`)}`);
  return sql`select ${joinSql(columns)} from ${joinSql(reads, sql` cross join `)}`;
}

/** The counts of the `index`th scan in planCountsTogether's row, as readCounts reads one scan's. */
export function readCountsTogether(row: Record<string, unknown> | undefined, index: number, names: string[]): Record<string, number> {
  if (!row) throw new Error('count scan returned no row');
  const own = Object.fromEntries([...names, SCANNED_ALIAS].map((name) => [name, row[togetherAlias(index, name)]]));
  return readCounts(own, names);
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
