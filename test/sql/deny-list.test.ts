import { describe, expect, it } from 'vitest';
import { DENIED_FUNCTIONS, deniedPattern, findDeniedFunction } from '../../src/sql/deny-list.js';

/** The functions the review and the brief name; every one must be denied. */
const MUST_DENY = [
  'dblink', 'dblink_exec', 'dblink_connect', 'postgres_fdw_disconnect', 'postgres_fdw_get_connections',
  'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'pg_stat_file',
  'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_logdir_ls', 'lo_import', 'lo_export', 'lo_unlink', 'loread', 'lowrite',
  'pg_notify', 'pg_advisory_lock', 'pg_advisory_xact_lock', 'pg_advisory_unlock_all', 'pg_try_advisory_lock', 'set_config',
  'nextval', 'setval', 'lastval', 'currval', 'pg_cancel_backend', 'pg_terminate_backend', 'pg_reload_conf', 'pg_rotate_logfile',
  'pg_promote', 'pg_switch_wal', 'pg_create_restore_point', 'pg_backup_start', 'pg_backup_stop', 'pg_log_backend_memory_contexts',
  'pg_logical_emit_message', 'pg_create_logical_replication_slot', 'pg_drop_replication_slot', 'pg_replication_origin_create',
  'pg_stat_reset', 'pg_stat_reset_single_table_counters', 'pg_stat_statements_reset', 'txid_current', 'pg_current_xact_id',
  'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema',
  'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xml_and_xmlschema',
  'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
];

/** Every function of the denied families in the catalog of PostgreSQL 15.20 with dblink, postgres_fdw, adminpack and tablefunc available. */
const PG15_CATALOG = `cursor_to_xml cursor_to_xmlschema database_to_xml database_to_xml_and_xmlschema database_to_xmlschema lo_close lo_creat
  lo_create lo_export lo_from_bytea lo_get lo_import lo_lseek lo_lseek64 lo_open lo_put lo_tell lo_tell64 lo_truncate lo_truncate64 lo_unlink
  pg_advisory_lock pg_advisory_lock_shared pg_advisory_unlock pg_advisory_unlock_all pg_advisory_unlock_shared pg_advisory_xact_lock
  pg_advisory_xact_lock_shared pg_backup_start pg_backup_stop pg_copy_logical_replication_slot pg_copy_physical_replication_slot
  pg_create_logical_replication_slot pg_create_physical_replication_slot pg_drop_replication_slot pg_logical_slot_get_binary_changes
  pg_logical_slot_get_changes pg_logical_slot_peek_binary_changes pg_logical_slot_peek_changes pg_ls_archive_statusdir pg_ls_dir pg_ls_logdir
  pg_ls_logicalmapdir pg_ls_logicalsnapdir pg_ls_replslotdir pg_ls_tmpdir pg_ls_waldir pg_replication_origin_advance pg_replication_origin_create
  pg_replication_origin_drop pg_replication_origin_session_reset pg_replication_origin_session_setup pg_replication_origin_xact_setup
  pg_replication_slot_advance pg_rotate_logfile pg_rotate_logfile_old pg_stat_reset pg_stat_reset_replication_slot pg_stat_reset_shared
  pg_stat_reset_single_function_counters pg_stat_reset_single_table_counters pg_stat_reset_slru pg_stat_reset_subscription_stats
  pg_try_advisory_lock pg_try_advisory_lock_shared pg_try_advisory_xact_lock pg_try_advisory_xact_lock_shared pg_wal_replay_pause
  pg_wal_replay_resume query_to_xml query_to_xml_and_xmlschema query_to_xmlschema schema_to_xml schema_to_xml_and_xmlschema schema_to_xmlschema
  table_to_xml table_to_xml_and_xmlschema table_to_xmlschema pg_read_file_old pg_import_system_collations pg_hba_file_rules
  pg_ident_file_mappings pg_show_all_file_settings ts_rewrite ts_stat crosstab crosstab2 connectby`.split(/\s+/);

/** Functions check files use every day; none may be caught by a pattern. */
const MUST_ALLOW = [
  'lower', 'upper', 'coalesce', 'now', 'length', 'jsonb_build_object', 'count', 'sum', 'md5', 'date_trunc', 'to_char',
  'pg_typeof', 'pg_size_pretty', 'pg_relation_size', 'current_setting', 'pg_current_xact_id_if_assigned', 'txid_current_if_assigned',
  'log', 'ln', 'row_number', 'string_agg', 'pg_sequence_last_value', 'nullif', 'to_jsonb', 'timezone', 'substring',
];

describe('the deny list', () => {
  it.each(MUST_DENY)('denies %s', (name) => {
    expect(findDeniedFunction(name)).toBeDefined();
  });

  it('denies every function of those families in a real catalog', () => {
    expect(PG15_CATALOG.filter((name) => findDeniedFunction(name) === undefined)).toEqual([]);
  });

  it.each(MUST_ALLOW)('allows %s', (name) => {
    expect(findDeniedFunction(name)).toBeUndefined();
  });

  it('holds names the way Postgres folds unquoted identifiers, so every entry can match', () => {
    for (const entry of DENIED_FUNCTIONS) expect(deniedPattern(entry)).toMatch(/^\*?[a-z0-9_]+\*?$/);
  });

  it('compares exactly, as Postgres does with a quoted name', () => {
    expect(findDeniedFunction('PG_READ_FILE')).toBeUndefined();
    expect(findDeniedFunction('pg_read_file')).toEqual({ prefix: 'pg_read_file', reason: 'reads server files outside the database' });
  });

  it('gives every entry a reason', () => {
    for (const entry of DENIED_FUNCTIONS) expect(entry.reason.length).toBeGreaterThan(10);
  });
});
