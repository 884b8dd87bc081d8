/**
 * The catalog's version of a table and of every table under it (partitions, inheriting tables): a
 * digest of the row versions (xmin) of every catalog row that decides what the hierarchy's rows
 * hold or how a write stamps them — each table's pg_class row (a rewrite, TRUNCATE or a table
 * renamed over the name gives a new relfilenode or oid), its link to its parent, its columns and
 * their DEFAULTs, its triggers and their functions, and its columns' types and enum labels.
 *
 * Incremental verification trusts that a row changes only through a write the stamping trigger
 * sees. DDL changes rows without one: ATTACH PARTITION or INHERIT brings in rows with old stamps,
 * DROP and ADD COLUMN empties a column, ALTER TYPE … USING rewrites it, an enum label renamed
 * changes every value read as text, and writes made while the trigger was disabled, replaced or
 * under another DEFAULT keep their old stamp once it is back. Each of these writes a catalog row
 * of the hierarchy, so a chain is extended only while the digest stays the same. VACUUM and
 * ANALYZE update pg_class in place (no new row version) and change nothing here.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

/** The digest as text (md5), for a statement whose `tree(relid)` CTE lists the hierarchy; NULL when it is empty. */
export function tableStateSql(): SQL {
  const members = sql`(select relid from tree)`;
  // The types of the hierarchy's columns, with their array element and domain base types.
  const types = sql`(select x from pg_attribute a join pg_type t on t.oid = a.atttypid cross join unnest(array[t.oid, t.typelem, t.typbasetype]) as x
    where a.attrelid in ${members} and a.attnum > 0 and not a.attisdropped and x <> 0)`;
  return sql`(select md5(string_agg(part, '|' order by part)) from (
      select 'class:' || c.oid::text || ':' || c.relfilenode::text || ':' || c.xmin::text as part from pg_class c where c.oid in ${members}
      union all select 'inherits:' || i.inhrelid::text || '<' || i.inhparent::text || ':' || i.xmin::text from pg_inherits i where i.inhrelid in ${members}
      union all select 'column:' || a.attrelid::text || '.' || a.attnum::text || ':' || a.xmin::text from pg_attribute a where a.attrelid in ${members} and a.attnum > 0
      union all select 'default:' || d.oid::text || ':' || d.xmin::text from pg_attrdef d where d.adrelid in ${members}
      union all select 'trigger:' || t.oid::text || ':' || t.xmin::text || ':' || p.oid::text || ':' || p.xmin::text
        from pg_trigger t join pg_proc p on p.oid = t.tgfoid where t.tgrelid in ${members}
      union all select 'type:' || y.oid::text || ':' || y.xmin::text || ':' || coalesce(r.xmin::text, '')
        from pg_type y left join pg_class r on r.oid = y.typrelid where y.oid in ${types}
      union all select 'enum:' || e.oid::text || ':' || e.xmin::text from pg_enum e where e.enumtypid in ${types}) as parts)`;
}

/** The table's state read on its own (after a pass, to see whether DDL ran while it read). */
export function planTableState(table: TableRef): SQL {
  const reg = sql`to_regclass(${regclassText(table)})`;
  return sql`with recursive tree(relid) as (
      select ${reg}::oid where ${reg} is not null
      union select i.inhrelid from pg_inherits i join tree on i.inhparent = tree.relid)
    select ${tableStateSql()} as table_state`;
}

/** The digest a row holds, or null when the table was not found. */
export function readTableState(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
