/** Catalog look-ups kinds need when the check file leaves something implicit. */
import { sql } from '../sql/build.js';
import { formatTableRef, type TableRef } from '../spec/identifiers.js';
import type { ExecutionContext } from './types.js';

function regclassText(table: TableRef): string {
  const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;
  return table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`;
}

/** The primary-key columns of a table, in index order; empty when it has none. */
export async function primaryKeyOf(ctx: ExecutionContext, source: string, table: TableRef): Promise<string[]> {
  const rows = await ctx.query<{ column_name: string }>(
    source,
    sql`select a.attname as column_name
          from pg_index i
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = ${regclassText(table)}::regclass and i.indisprimary
         order by array_position(i.indkey::int2[], a.attnum)`,
  );
  return rows.map((r) => r.column_name);
}

/** Human name of a table for summaries. */
export const describeTable = formatTableRef;
