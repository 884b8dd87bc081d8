/**
 * Functions operator-written SQL may not call, as data. Each acts outside the snapshot a check
 * reads, outside the database, or changes session or server state — things a READ ONLY
 * transaction does not stop (dblink writes through a second connection; nextval and
 * pg_advisory_lock are allowed read-only), or executes a SQL string that no parser sees.
 *
 * Names are written the way Postgres stores them after folding: an unquoted `PG_READ_FILE` reaches
 * this list as `pg_read_file`, while a quoted `"PG_READ_FILE"` is a different function to
 * Postgres and so is not matched here. Matching ignores any schema qualifier, because extensions
 * such as dblink can be installed in any schema.
 */

/** One deny-list entry: an exact name, a name prefix, or a fragment anywhere in the name. */
export type DeniedFunction =
  | { readonly name: string; readonly reason: string }
  | { readonly prefix: string; readonly reason: string }
  | { readonly contains: string; readonly reason: string };

const SECOND_CONNECTION = 'runs SQL through another connection, outside the read-only transaction';
const READS_FILES = 'reads server files outside the database';
const WRITES_FILES = 'changes server files outside the database';
const LARGE_OBJECTS = 'reads or changes large objects (lo_import/lo_export touch server files)';
const EXECUTES_SQL = 'executes a SQL string the guard cannot inspect';
const SIGNALS = 'signals or controls other server processes';
const SERVER = 'changes server state';
const REPLICATION = 'writes WAL or changes replication state';

/** Every denied function, with the reason shown to the operator. */
export const DENIED_FUNCTIONS: readonly DeniedFunction[] = [
  { prefix: 'dblink', reason: SECOND_CONNECTION },
  { prefix: 'postgres_fdw_', reason: 'manages connections to foreign servers' },

  // A prefix, so the compatibility variant pg_read_file_old is caught too.
  { prefix: 'pg_read_file', reason: READS_FILES },
  { name: 'pg_read_binary_file', reason: READS_FILES },
  { name: 'pg_stat_file', reason: READS_FILES },
  { prefix: 'pg_ls_', reason: 'lists server directories outside the database' },
  { name: 'pg_logdir_ls', reason: 'lists server directories outside the database' },
  { prefix: 'pg_file_', reason: WRITES_FILES },
  { name: 'pg_hba_file_rules', reason: 'reads server configuration files' },
  { name: 'pg_ident_file_mappings', reason: 'reads server configuration files' },
  { name: 'pg_show_all_file_settings', reason: 'reads server configuration files' },

  { prefix: 'lo_', reason: LARGE_OBJECTS },
  { name: 'loread', reason: LARGE_OBJECTS },
  { name: 'lowrite', reason: LARGE_OBJECTS },

  { name: 'pg_notify', reason: 'sends a notification to other sessions' },
  { prefix: 'pg_advisory_', reason: 'takes or releases advisory locks that outlive the check' },
  { prefix: 'pg_try_advisory_', reason: 'takes advisory locks that outlive the check' },
  { name: 'set_config', reason: 'changes session settings' },

  { name: 'nextval', reason: 'advances a sequence, which no rollback undoes' },
  { name: 'setval', reason: 'changes a sequence, which no rollback undoes' },
  { name: 'lastval', reason: 'reads sequence state of the session, not of the snapshot' },
  { name: 'currval', reason: 'reads sequence state of the session, not of the snapshot' },

  { name: 'pg_cancel_backend', reason: SIGNALS },
  { name: 'pg_terminate_backend', reason: SIGNALS },
  { name: 'pg_log_backend_memory_contexts', reason: SIGNALS },
  { name: 'pg_reload_conf', reason: SERVER },
  { prefix: 'pg_rotate_logfile', reason: SERVER },
  { name: 'pg_promote', reason: SERVER },
  { prefix: 'pg_wal_replay_', reason: SERVER },
  { prefix: 'pg_backup_', reason: SERVER },
  { name: 'pg_start_backup', reason: SERVER },
  { name: 'pg_stop_backup', reason: SERVER },
  // Planner statistics can be written directly since Postgres 18.
  { prefix: 'pg_restore_', reason: 'overwrites planner statistics' },
  { prefix: 'pg_clear_', reason: 'overwrites planner statistics' },
  { name: 'pg_import_system_collations', reason: 'writes the system catalog' },

  { name: 'pg_switch_wal', reason: REPLICATION },
  { name: 'pg_switch_xlog', reason: REPLICATION },
  { name: 'pg_create_restore_point', reason: REPLICATION },
  { name: 'pg_log_standby_snapshot', reason: REPLICATION },
  { name: 'pg_logical_emit_message', reason: REPLICATION },
  { contains: 'replication_slot', reason: REPLICATION },
  { prefix: 'pg_logical_slot_', reason: 'consumes changes from a replication slot' },
  { prefix: 'pg_replication_origin_', reason: REPLICATION },

  { prefix: 'pg_stat_reset', reason: 'resets server statistics' },
  { name: 'pg_stat_statements_reset', reason: 'resets server statistics' },

  { name: 'txid_current', reason: 'assigns a transaction id' },
  { name: 'pg_current_xact_id', reason: 'assigns a transaction id' },

  // Each of these runs a query given as text (or built from a name), out of the guard's sight.
  { prefix: 'query_to_xml', reason: EXECUTES_SQL },
  { prefix: 'cursor_to_xml', reason: EXECUTES_SQL },
  { prefix: 'table_to_xml', reason: EXECUTES_SQL },
  { prefix: 'schema_to_xml', reason: EXECUTES_SQL },
  { prefix: 'database_to_xml', reason: EXECUTES_SQL },
  { name: 'ts_stat', reason: EXECUTES_SQL },
  { name: 'ts_rewrite', reason: EXECUTES_SQL },
  { prefix: 'crosstab', reason: EXECUTES_SQL },
  { name: 'connectby', reason: EXECUTES_SQL },
  // xml2: STABLE, yet it pastes its relation and criteria arguments into a SELECT it runs through
  // SPI, so a view can hand it a call of any function (one that writes through dblink included).
  { name: 'xpath_table', reason: EXECUTES_SQL },
];

/** The pattern an entry matches, for messages and tests. */
export function deniedPattern(entry: DeniedFunction): string {
  if ('name' in entry) return entry.name;
  if ('prefix' in entry) return `${entry.prefix}*`;
  return `*${entry.contains}*`;
}

/** The deny-list entry matching a function's final name as Postgres holds it, if any. */
export function findDeniedFunction(name: string): DeniedFunction | undefined {
  return DENIED_FUNCTIONS.find((entry) => {
    if ('name' in entry) return name === entry.name;
    if ('prefix' in entry) return name.startsWith(entry.prefix);
    return name.includes(entry.contains);
  });
}
