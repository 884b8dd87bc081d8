/**
 * Which table a name reaches, as its oid. Work split over several statements — a chunked scan's
 * chunks, a table_diff's segments, a run resumed from an interrupted one's checkpoint — finds its
 * table by name in each statement, and a name can reach another table in between (a table renamed
 * over it, as online schema change tools swap tables, or dropped and created again). Counts of two
 * tables must never be added up, so such work reads the oid with its statements and compares.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

/** The oid (as text) of the table the name reaches in this statement, NULL when none; for a select list. */
export function tableOidSql(table: TableRef): SQL {
  return sql`to_regclass(${regclassText(table)})::oid::text`;
}

/** One row, `oid`: the table the name reaches now. */
export function planTableOid(table: TableRef): SQL {
  return sql`select ${tableOidSql(table)} as oid`;
}

/** The fault message when the name reached another table partway through (pure). */
export function tableReplacedMessage(table: TableRef, what: string): string {
  return `${regclassText(table)} is another table than when this ${what} began (renamed over, or dropped and created again); counts of two tables are never added up — run the check again`;
}
