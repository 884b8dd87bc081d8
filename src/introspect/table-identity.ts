/**
 * Which table a name reaches, as its oid. Work split over several statements — a chunked scan's
 * chunks, a table_diff's segments, a run resumed from an interrupted one's checkpoint — finds its
 * table by name in each statement, and a name can reach another table in between (a table renamed
 * over it, as online schema change tools swap tables, or dropped and created again). Counts of two
 * tables must never be added up, so such work reads the oid with its statements and compares.
 */
import { regclassText, sql, tableSql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { Fault } from '../results/fault.js';

/** Column aliases of planProvingTable: the oid, and the flag that tells the statement's rows from the marker of an empty answer. */
const PROVEN_OID = '__table_oid';
const PROVEN_ROW = '__row';

/** The oid (as text) of the table the name reaches in this statement, NULL when none; for a select list. */
export function tableOidSql(table: TableRef): SQL {
  return sql`to_regclass(${regclassText(table)})::oid::text`;
}

/** One row, `oid`: the table the name reaches now. */
export function planTableOid(table: TableRef): SQL {
  return sql`select ${tableOidSql(table)} as oid`;
}

/**
 * One row, `oid`, like planTableOid, but the statement also locks the table (a scalar subquery that
 * reads no row) and reads the oid after: the lock holds until the transaction ends, so every later
 * statement of the transaction that finds the table by name — catalog look-ups, which lock nothing,
 * included — reaches this table (a rename waits for the lock).
 */
export function planLockedTableOid(table: TableRef): SQL {
  return sql`select ${tableOidSql(table)} as oid, (select 1 from ${tableSql(table)} limit 0) as locked`;
}

/**
 * `statement` (which reads `table`) with, on every row, the oid of the table the name reaches while
 * it runs: read at execution, after parsing the statement locked the table it reads, so the name
 * cannot move to another table before the transaction ends — the oid is the table the rows came
 * from. An empty answer is one marker row, so that it proves its table too. Rows: readProvenRow.
 */
export function planProvingTable(table: TableRef, statement: SQL): SQL {
  return sql`select x.*, o.${sql.identifier(PROVEN_OID)} from (select ${tableOidSql(table)} as ${sql.identifier(PROVEN_OID)}) as o
    left join (select true as ${sql.identifier(PROVEN_ROW)}, y.* from (${statement}) as y) as x on true`;
}

/**
 * A row of planProvingTable, checked against the oid the work began with: the statement's row, or
 * undefined for the marker of an empty answer. Throws table_replaced when the statement read
 * another table (`what`: which work, for the message).
 */
export function readProvenRow<Row extends Record<string, unknown>>(row: Row, expected: string, table: TableRef, what: string): Row | undefined {
  const oid = row[PROVEN_OID];
  if (expected === '' || oid === null || oid === undefined || String(oid) !== expected) throw new Fault({ code: 'table_replaced', message: tableReplacedMessage(table, what) });
  return row[PROVEN_ROW] === true ? row : undefined;
}

/** The fault message when the name reached another table partway through (pure). */
export function tableReplacedMessage(table: TableRef, what: string): string {
  return `${regclassText(table)} is another table than when this ${what} began (renamed over, or dropped and created again); counts of two tables are never added up — run the check again`;
}
