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

/**
 * What the name reaches, as text that changes whenever the rows it shows could come from elsewhere:
 * the oid (exactly tableOidSql for anything but a view) and, for a view, the version (row oid and
 * xmin) of the rewrite rule of every view it reads through and of each function those rules call.
 * `CREATE OR REPLACE VIEW` keeps the view's oid while it changes what the view reads; a table_diff
 * fingerprinted a view over one table and drilled into it redefined over a copy, and passed.
 */
export function relationIdentitySql(table: TableRef): SQL {
  return relationIdentityOf(sql`pg_catalog.to_regclass(${regclassText(table)})`);
}

/** relationIdentitySql of the relation `named` (an SQL expression of type oid or regclass; NULL: none). */
export function relationIdentityOf(named: SQL): SQL {
  const is = sql.raw('operator(pg_catalog.=)');
  return sql`pg_catalog.concat(${named}::pg_catalog.oid, pg_catalog.textcat('/', (with recursive v(oid) as (
      select ${named}::pg_catalog.oid
      union
      select d.refobjid from v join pg_catalog.pg_rewrite w on w.ev_class ${is} v.oid
        join pg_catalog.pg_depend d on d.classid ${is} 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid ${is} w.oid
          and d.refclassid ${is} 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid operator(pg_catalog.<>) v.oid)
    select pg_catalog.string_agg(pg_catalog.concat(x.what, ':', x.version), ',' order by x.what) from (
      select pg_catalog.concat('r', w.oid) as what, w.xmin::pg_catalog.text as version from v join pg_catalog.pg_rewrite w on w.ev_class ${is} v.oid
      union all
      select pg_catalog.concat('f', p.oid), p.xmin::pg_catalog.text from v join pg_catalog.pg_rewrite w on w.ev_class ${is} v.oid
        join pg_catalog.pg_depend d on d.classid ${is} 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid ${is} w.oid
          and d.refclassid ${is} 'pg_catalog.pg_proc'::pg_catalog.regclass
        join pg_catalog.pg_proc p on p.oid ${is} d.refobjid) as x)))`;
}

/** One row: `oid`, the table the name reaches now, and `identity`, what it reaches (relationIdentitySql). */
export function planTableOid(table: TableRef): SQL {
  return sql`select ${tableOidSql(table)} as oid, ${relationIdentitySql(table)} as identity`;
}

/**
 * The relation a name reached, as a statement that locked it read it: its oid, pg_class.relkind,
 * whether it may have inheriting tables or partitions (pg_class.relhassubclass: its reads then show
 * their rows too) and, for anything but an ordinary table, its identity (relationIdentitySql: a
 * view's rules' versions), so that what it showed can be told apart from what it shows when asked
 * about later.
 */
export interface ProvenRelation { readonly oid: string; readonly kind: string; readonly children: boolean; readonly identity?: string | undefined }

/**
 * One row for the relation the name reaches — `oid`, `kind` (pg_class.relkind), `children`
 * (pg_class.relhassubclass, set while any table inherits from it or is its partition) and `identity`
 * (relationIdentitySql) — read after the statement locked it (a scalar subquery that reads no row):
 * the lock holds until the transaction ends, so every later statement of the transaction that finds
 * the table by name — catalog look-ups, which lock nothing, included — reaches this relation (a
 * rename or drop waits for the lock). `identity` of an ordinary table only when `identity` is
 * 'always' (a chunked scan compares it with every chunk's); a count needs it only beyond tables.
 */
export function planLockedRelation(table: TableRef, identity: 'always' | 'beyond tables'): SQL {
  const identitySql = relationIdentityOf(sql`c.oid`);
  return sql`select c.oid::pg_catalog.text as oid, c.relkind::pg_catalog.text as kind, c.relhassubclass as children, (select 1 from ${tableSql(table)} limit 0) as locked,
      ${identity === 'always' ? identitySql : sql`case when c.relkind operator(pg_catalog.<>) 'r' then ${identitySql} end`} as identity
    from pg_catalog.pg_class c where c.oid operator(pg_catalog.=) pg_catalog.to_regclass(${regclassText(table)}::pg_catalog.text)`;
}

/** The row of planLockedRelation, or undefined when the name reached no relation. */
export function readProvenRelation(row: Record<string, unknown> | undefined): ProvenRelation | undefined {
  if (typeof row?.oid !== 'string' || typeof row.kind !== 'string') return undefined;
  // A relation not known to have no inheriting tables is taken to have some (never proven apart).
  return { oid: row.oid, kind: row.kind, children: row.children !== false, ...(typeof row.identity === 'string' && row.kind !== 'r' ? { identity: row.identity } : {}) };
}

/**
 * `statement` (which reads `table`) with, on every row, the oid of the table the name reaches while
 * it runs: read at execution, after parsing the statement locked the table it reads, so the name
 * cannot move to another table before the transaction ends — the oid is the table the rows came
 * from. An empty answer is one marker row, so that it proves its table too. Rows: readProvenRow.
 */
export function planProvingTable(table: TableRef, statement: SQL): SQL {
  return sql`select x.*, o.${sql.identifier(PROVEN_OID)} from (select ${relationIdentitySql(table)} as ${sql.identifier(PROVEN_OID)}) as o
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
