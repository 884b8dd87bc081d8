/**
 * Generated attack variants for the SQL guard: every deny-list entry in every spelling Postgres
 * resolves to the same function, placed everywhere the grammar lets a call sit.
 */
import { DENIED_FUNCTIONS, type DeniedFunction } from '../../src/sql/deny-list.js';

/** Real function names for pattern entries, so prefixes are tested with names that exist. */
const REAL_NAMES: readonly string[] = [
  'dblink', 'dblink_exec', 'dblink_connect', 'dblink_send_query', 'postgres_fdw_disconnect_all',
  'pg_ls_dir', 'pg_ls_waldir', 'pg_ls_logdir', 'pg_ls_tmpdir', 'pg_file_write', 'pg_file_unlink',
  'lo_import', 'lo_export', 'lo_unlink', 'lo_get', 'pg_advisory_lock', 'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock', 'pg_rotate_logfile', 'pg_backup_start', 'pg_backup_stop', 'pg_wal_replay_pause',
  'pg_create_logical_replication_slot', 'pg_drop_replication_slot', 'pg_replication_slot_advance',
  'pg_logical_slot_get_changes', 'pg_replication_origin_create', 'pg_stat_reset', 'pg_stat_reset_shared',
  'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema',
  'table_to_xml', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'database_to_xmlschema', 'crosstab3',
  'pg_restore_relation_stats', 'pg_clear_attribute_stats',
];

function representative(entry: DeniedFunction): string {
  if ('name' in entry) return entry.name;
  if ('prefix' in entry) return `${entry.prefix}probe`;
  return `pg_probe_${entry.contains}_probe`;
}

/** One lower-case function name per deny-list entry, plus real names the patterns must catch. */
export const DENIED_NAMES: readonly string[] = [...new Set([...DENIED_FUNCTIONS.map(representative), ...REAL_NAMES])];

/** `U&"\0070…"`: the name with its first letter written as a Unicode escape. */
function unicodeEscaped(name: string): string {
  const first = name.codePointAt(0)?.toString(16).padStart(4, '0') ?? '0000';
  return `U&"\\${first}${name.slice(1)}"`;
}

/** Spellings Postgres resolves to the same (lower-case) function name. */
export function spellings(name: string): string[] {
  const mixed = [...name].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
  return [
    name,
    `pg_catalog.${name}`,
    name.toUpperCase(),
    `PG_CATALOG.${mixed}`,
    `"${name}"`,
    `"public"."${name}"`,
    `mydb.public.${name}`,
    unicodeEscaped(name),
    `${name} /* comment */ `,
    `${name}\n`,
  ];
}

/** Places a call (`fn(1)`) can sit inside a whole query. */
export const QUERY_PLACEMENTS: readonly ((call: string) => string)[] = [
  (c) => `select ${c}`,
  (c) => `select 1 from t where ${c} is not null`,
  (c) => `select * from ${c}`,
  (c) => `select * from rows from (${c}) r`,
  (c) => `select (select ${c})`,
  (c) => `with c as (select ${c}) select * from c`,
  (c) => `with recursive c(n) as (select 1 union all select n from c where ${c} is null) select * from c`,
  (c) => `select * from t cross join lateral (select ${c}) l`,
  (c) => `select * from t, lateral ${c} l`,
  (c) => `select case when x then ${c} else 0 end from t`,
  (c) => `select coalesce(${c}, null)`,
  (c) => `select length((${c})::text)`,
  (c) => `select count(*) filter (where ${c} is null) from t`,
  (c) => `select sum(x) over (order by ${c}) from t`,
  (c) => `select x from t group by x having ${c} is null`,
  (c) => `select 1 from t order by ${c}`,
  (c) => `select 1 union all select ${c}`,
  (c) => `values (${c})`,
  (c) => `select 1 where 1 in (select ${c})`,
  (c) => `select exists (select 1 from ${c})`,
  (c) => `select array[${c}], row(${c})`,
  (c) => `select * from (select * from (select ${c}) a) b`,
  (c) => `select * from json_table('[1]'::jsonb, '$[*]' columns (v int path '$')) j where ${c} is null`,
];

/** Places a call can sit inside an embeddable expression. */
export const EXPRESSION_PLACEMENTS: readonly ((call: string) => string)[] = [
  (c) => c,
  (c) => `x = ${c}`,
  (c) => `(select ${c})`,
  (c) => `exists (select 1 from ${c})`,
  (c) => `exists (select 1 from t, lateral ${c} l)`,
  (c) => `case when x then ${c} end`,
  (c) => `coalesce(${c}, 1)`,
  (c) => `x in (select ${c})`,
  (c) => `(with c as (select ${c}) select * from c limit 1) is null`,
  (c) => `first_name || ' ' || ${c}::text`,
  (c) => `count(*) filter (where ${c} is null)`,
];

/** The call written in function syntax. */
export function callOf(spelling: string): string {
  return `${spelling}(1)`;
}

/** The same function reached through attribute notation, where `x.f` means `f(x)`. */
export function attributeForms(name: string): string[] {
  return [`('x'::text).${name}`, `t.${name}`, `(t).${name}`, `public.t.${name}`, `(row(1)).${name.toUpperCase()}`];
}
