/** Catalog look-ups kinds need when the check file leaves something implicit. */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

/** Integer key types (as format_type names them): ranges over them can be split by arithmetic. */
export const INTEGER_TYPES: ReadonlySet<string> = new Set(['smallint', 'integer', 'bigint']);

/** One primary-key column and its SQL type (as format_type names it). */
export interface KeyColumn { name: string; type: string }

/** Anything that can run a statement on a named source (a check's execution context). */
export interface SourceReader {
  query<Row extends Record<string, unknown>>(source: string, statement: SQL): Promise<Row[]>;
}

/** The primary-key columns of a table with their SQL types, in index order (none when it has no key). */
export function planPrimaryKey(table: TableRef): SQL {
  return sql`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
      from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = ${regclassText(table)}::regclass and i.indisprimary
     order by array_position(i.indkey::int2[], a.attnum)`;
}

/** The primary-key column names of a table, in index order; empty when it has none. */
export async function primaryKeyOf(ctx: SourceReader, source: string, table: TableRef): Promise<string[]> {
  const rows = await ctx.query<{ name: string }>(source, planPrimaryKey(table));
  return rows.map((r) => r.name);
}
