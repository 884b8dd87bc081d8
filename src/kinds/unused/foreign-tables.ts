/**
 * Foreign tables that may read the shape over a connection of their own. A postgres_fdw foreign
 * table over `public.users` (or a query option naming it) reads the listed table through its
 * server, and Postgres records no dependency on what its options name. Whether the server reaches
 * this very database cannot always be told (a host name, a pooler, a replica in between), so a
 * foreign table whose remote table has a listed table's name is counted as a use, whatever server.
 */
import { sql, type SQL } from '../../sql/build.js';
import { mentionsWord, type ShapeTarget } from './targets.js';
import type { Dependency } from './verdict.js';

/** One foreign table: its options and its columns' options, as JSON objects. */
export type ForeignTableRow = { foreign_table: string; schema: string; name: string; server: string; wrapper: string; options: string; columns: string };

/** Every foreign table with its wrapper, server, table options and each column's options. */
export function planForeignTables(): SQL {
  return sql`select format('%I.%I', n.nspname, c.relname) as foreign_table, n.nspname as schema, c.relname as name,
      s.srvname::text as server, w.fdwname::text as wrapper,
      coalesce((select json_object_agg(o.option_name, o.option_value) from pg_options_to_table(ft.ftoptions) o), '{}')::text as options,
      coalesce((select json_agg(json_build_object('name', a.attname,
          'options', coalesce((select json_object_agg(o.option_name, o.option_value) from pg_options_to_table(a.attfdwoptions) o), '{}')))
        from pg_attribute a where a.attrelid operator(pg_catalog.=) c.oid and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped), '[]')::text as columns
    from pg_foreign_table ft join pg_class c on c.oid operator(pg_catalog.=) ft.ftrelid
      join pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
      join pg_foreign_server s on s.oid operator(pg_catalog.=) ft.ftserver
      join pg_foreign_data_wrapper w on w.oid operator(pg_catalog.=) s.srvfdw
    order by 1`;
}

/** Option keys that name the remote table in the common wrappers (postgres_fdw, mysql_fdw, oracle_fdw, tds_fdw, …). */
const TABLE_KEYS = new Set(['table_name', 'table', 'tablename', 'dbtable']);
/** Option keys that only qualify the remote table: never text that could read another one. */
const QUALIFIER_KEYS = new Set(['schema_name', 'schema', 'dbname', 'database', 'updatable', 'truncatable', 'fetch_size', 'batch_size', 'async_capable', 'use_remote_estimate']);

/** The last part of a possibly qualified, possibly quoted remote name, as Postgres would fold it (`"Public".USERS` → users). */
function remoteName(text: string): string {
  const parts = text.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [text];
  const last = (parts[parts.length - 1] ?? text).trim();
  return last.startsWith('"') ? last.slice(1, -1).replaceAll('""', '"') : last.toLowerCase();
}

/** Remote names equal when equal as spelled, or equal ignoring case (some wrappers fold, e.g. oracle_fdw upper-cases). */
const sameName = (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase();

/**
 * The uses foreign tables make: one whose remote table (its table option, or its own name when it
 * has none, as postgres_fdw reads it) is a listed relation reads a listed table, and a listed
 * column when one of its columns maps to it (column_name option, or the same name); one with any
 * other option text naming a listed relation (`query 'select … from users'`) reads it outright.
 */
export function foreignTableUses(rows: readonly ForeignTableRow[], targets: readonly ShapeTarget[]): Dependency[] {
  const uses: Dependency[] = [];
  for (const row of rows) {
    const options = JSON.parse(row.options) as Record<string, string>;
    const columns = JSON.parse(row.columns) as { name: string; options: Record<string, string> }[];
    const tableOptions = Object.entries(options).filter(([key]) => TABLE_KEYS.has(key)).map(([, value]) => value);
    const remoteTables = tableOptions.length > 0 ? tableOptions.map(remoteName) : [row.name];
    const texts = Object.entries(options).filter(([key]) => !TABLE_KEYS.has(key) && !QUALIFIER_KEYS.has(key)).map(([, value]) => value);
    for (const target of targets) {
      // The listed relation may itself be this foreign table: its own options go with it.
      if (target.relations.some((r) => r.schema === row.schema && r.name === row.name)) continue;
      const byName = target.relations.some((r) => remoteTables.some((remote) => sameName(remote, r.name)));
      const inText = texts.some((text) => target.relations.some((r) => mentionsWord(text, r.name)));
      if (!byName && !inText) continue;
      const column = target.column;
      const mapped = column === undefined || inText
        || columns.some((c) => sameName(c.name, column) || Object.values(c.options).some((value) => sameName(remoteName(value), column)));
      if (!mapped) continue;
      const how = inText ? 'an option\'s text names it' : `remote table ${tableOptions[0] ?? row.name}${column === undefined ? '' : `, column ${column}`}`;
      uses.push({
        target: target.label,
        kind: 'foreign table',
        object: `${row.foreign_table} (${row.wrapper}, server ${row.server}; ${how}): Postgres records no dependency, and whether the server reaches this database cannot be told`,
      });
    }
  }
  return uses;
}
