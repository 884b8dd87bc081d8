/**
 * Built-ins whose value may change while the row they are given does not: every pg_catalog
 * function with a STABLE overload on PostgreSQL 15 or 18 (PGlite). A stable function may read the
 * clock (now, age), the catalog (format_type, has_table_privilege, to_regclass), a setting
 * (current_setting, to_char's lc_time) or the session (current_user). Generated with:
 *
 *   select proname from pg_proc where pronamespace = 'pg_catalog'::regnamespace and prokind in ('f', 'a', 'w')
 *   group by proname having bool_or(provolatile = 's')
 *
 * Incremental verification re-reads only rows whose maintained column moved, so what it compares
 * must depend on the row alone (runner/incremental.ts): a call to one of these makes a row's value,
 * or whether it is in scope, change without any write. VOLATILE functions are refused for every
 * check already (builtin-functions.ts), except a vetted few (below). test/sql/stable-builtins.test.ts checks this list against
 * the live catalog of both engines, so a stable function cannot be missing from it. The few
 * volatile built-ins every check may call (random, clock_timestamp …) change without the row too.
 */
import { VETTED_VOLATILE } from './builtin-functions.js';

/** pg_catalog functions with a STABLE overload, space-separated (data, not code). */
const STABLE = `
  aclexplode aclitemin aclitemout age anyarray_out anyarray_recv anyarray_send anycompatiblearray_out
  anycompatiblearray_recv anycompatiblearray_send anycompatiblemultirange_in anycompatiblemultirange_out
  anycompatiblerange_in anycompatiblerange_out anyenum_out anymultirange_in anymultirange_out anyrange_in
  anyrange_out anytextcat areajoinsel areasel array_in array_out array_recv array_send array_to_json
  array_to_string array_typanalyze arraycontjoinsel arraycontsel bpcharrecv bpcharsend brin_bloom_summary_recv
  brin_bloom_summary_send brin_minmax_multi_summary_recv brin_minmax_multi_summary_send cash_in cash_out
  col_description concat concat_ws contjoinsel contsel convert convert_from convert_to cstring_recv
  cstring_send current_database current_schema current_schemas current_setting current_user database_to_xml
  database_to_xml_and_xmlschema database_to_xmlschema date date_add date_cmp_timestamptz date_eq_timestamptz
  date_ge_timestamptz date_gt_timestamptz date_in date_le_timestamptz date_lt_timestamptz date_ne_timestamptz
  date_out date_part date_subtract date_trunc domain_in domain_recv enum_first enum_in enum_last enum_out
  enum_range enum_recv enum_send eqjoinsel eqsel extract fmgr_c_validator fmgr_internal_validator
  fmgr_sql_validator format format_type generate_series get_current_ts_config getdatabaseencoding getpgusername
  has_any_column_privilege has_column_privilege has_database_privilege has_foreign_data_wrapper_privilege
  has_function_privilege has_language_privilege has_largeobject_privilege has_parameter_privilege
  has_schema_privilege has_sequence_privilege has_server_privilege has_table_privilege has_tablespace_privilege
  has_type_privilege iclikejoinsel iclikesel icnlikejoinsel icnlikesel icregexeqjoinsel icregexeqsel
  icregexnejoinsel icregexnesel in_range inet_client_addr inet_client_port inet_server_addr inet_server_port
  interval_in interval_out interval_pl_timestamptz json_agg json_agg_strict json_agg_strict_transfn
  json_agg_transfn json_build_array json_build_object json_object_agg json_object_agg_strict
  json_object_agg_strict_transfn json_object_agg_transfn json_object_agg_unique json_object_agg_unique_strict
  json_object_agg_unique_strict_transfn json_object_agg_unique_transfn json_populate_record
  json_populate_recordset json_to_record json_to_recordset json_to_tsvector jsonb_agg jsonb_agg_finalfn
  jsonb_agg_strict jsonb_agg_strict_transfn jsonb_agg_transfn jsonb_build_array jsonb_build_object
  jsonb_object_agg_finalfn jsonb_object_agg_strict_transfn jsonb_object_agg_transfn
  jsonb_object_agg_unique_strict_transfn jsonb_object_agg_unique_transfn jsonb_path_exists_tz
  jsonb_path_match_tz jsonb_path_query_array_tz jsonb_path_query_first_tz jsonb_path_query_tz
  jsonb_populate_record jsonb_populate_record_valid jsonb_populate_recordset jsonb_to_record jsonb_to_recordset
  jsonb_to_tsvector length likejoinsel likesel make_timestamptz matchingjoinsel matchingsel money multirange_in
  multirange_out multirange_recv multirange_send multirange_typanalyze multirangesel mxid_age namerecv namesend
  neqjoinsel neqsel networkjoinsel networksel nlikejoinsel nlikesel now numeric obj_description oidvectortypes
  overlaps pg_available_extension_versions pg_available_extensions pg_backend_pid pg_basetype
  pg_char_to_encoding pg_client_encoding pg_collation_for pg_collation_is_visible pg_column_compression
  pg_column_is_updatable pg_column_size pg_column_toast_chunk_id pg_conf_load_time pg_config
  pg_conversion_is_visible pg_current_snapshot pg_current_xact_id pg_current_xact_id_if_assigned pg_cursor
  pg_dependencies_recv pg_dependencies_send pg_describe_object pg_encoding_to_char
  pg_event_trigger_ddl_commands pg_event_trigger_dropped_objects pg_event_trigger_table_rewrite_oid
  pg_event_trigger_table_rewrite_reason pg_extension_update_paths pg_filenode_relation pg_function_is_visible
  pg_get_acl pg_get_catalog_foreign_keys pg_get_constraintdef pg_get_expr pg_get_function_arg_default
  pg_get_function_arguments pg_get_function_identity_arguments pg_get_function_result pg_get_function_sqlbody
  pg_get_functiondef pg_get_indexdef pg_get_keywords pg_get_object_address pg_get_partition_constraintdef
  pg_get_partkeydef pg_get_publication_tables pg_get_replica_identity_index pg_get_replication_slots
  pg_get_ruledef pg_get_serial_sequence pg_get_statisticsobjdef pg_get_statisticsobjdef_columns
  pg_get_statisticsobjdef_expressions pg_get_triggerdef pg_get_userbyid pg_get_viewdef pg_has_role
  pg_identify_object pg_identify_object_as_address pg_index_column_has_property pg_index_has_property
  pg_indexam_has_property pg_input_error_info pg_input_is_valid pg_is_other_temp_schema pg_listening_channels
  pg_mcv_list_items pg_mcv_list_recv pg_mcv_list_send pg_my_temp_schema pg_ndistinct_recv pg_ndistinct_send
  pg_node_tree_recv pg_node_tree_send pg_numa_available pg_opclass_is_visible pg_operator_is_visible
  pg_opfamily_is_visible pg_options_to_table pg_postmaster_start_time pg_prepared_statement
  pg_relation_filenode pg_relation_filepath pg_relation_is_publishable pg_relation_is_updatable
  pg_replication_origin_oid pg_sequence_parameters pg_settings_get_flags pg_show_all_settings
  pg_split_walfile_name pg_stat_get_activity pg_stat_get_analyze_count pg_stat_get_archiver
  pg_stat_get_autoanalyze_count pg_stat_get_autovacuum_count pg_stat_get_backend_activity
  pg_stat_get_backend_activity_start pg_stat_get_backend_client_addr pg_stat_get_backend_client_port
  pg_stat_get_backend_dbid pg_stat_get_backend_idset pg_stat_get_backend_pid pg_stat_get_backend_start
  pg_stat_get_backend_subxact pg_stat_get_backend_userid pg_stat_get_backend_wait_event
  pg_stat_get_backend_wait_event_type pg_stat_get_backend_xact_start
  pg_stat_get_bgwriter_buf_written_checkpoints pg_stat_get_bgwriter_buf_written_clean
  pg_stat_get_bgwriter_maxwritten_clean pg_stat_get_bgwriter_requested_checkpoints
  pg_stat_get_bgwriter_stat_reset_time pg_stat_get_bgwriter_timed_checkpoints pg_stat_get_blocks_fetched
  pg_stat_get_blocks_hit pg_stat_get_buf_alloc pg_stat_get_buf_fsync_backend pg_stat_get_buf_written_backend
  pg_stat_get_checkpoint_sync_time pg_stat_get_checkpoint_write_time pg_stat_get_checkpointer_buffers_written
  pg_stat_get_checkpointer_num_performed pg_stat_get_checkpointer_num_requested
  pg_stat_get_checkpointer_num_timed pg_stat_get_checkpointer_restartpoints_performed
  pg_stat_get_checkpointer_restartpoints_requested pg_stat_get_checkpointer_restartpoints_timed
  pg_stat_get_checkpointer_slru_written pg_stat_get_checkpointer_stat_reset_time
  pg_stat_get_checkpointer_sync_time pg_stat_get_checkpointer_write_time pg_stat_get_db_active_time
  pg_stat_get_db_blk_read_time pg_stat_get_db_blk_write_time pg_stat_get_db_blocks_fetched
  pg_stat_get_db_blocks_hit pg_stat_get_db_checksum_failures pg_stat_get_db_checksum_last_failure
  pg_stat_get_db_conflict_all pg_stat_get_db_conflict_bufferpin pg_stat_get_db_conflict_lock
  pg_stat_get_db_conflict_logicalslot pg_stat_get_db_conflict_snapshot pg_stat_get_db_conflict_startup_deadlock
  pg_stat_get_db_conflict_tablespace pg_stat_get_db_deadlocks pg_stat_get_db_idle_in_transaction_time
  pg_stat_get_db_numbackends pg_stat_get_db_parallel_workers_launched pg_stat_get_db_parallel_workers_to_launch
  pg_stat_get_db_session_time pg_stat_get_db_sessions pg_stat_get_db_sessions_abandoned
  pg_stat_get_db_sessions_fatal pg_stat_get_db_sessions_killed pg_stat_get_db_stat_reset_time
  pg_stat_get_db_temp_bytes pg_stat_get_db_temp_files pg_stat_get_db_tuples_deleted
  pg_stat_get_db_tuples_fetched pg_stat_get_db_tuples_inserted pg_stat_get_db_tuples_returned
  pg_stat_get_db_tuples_updated pg_stat_get_db_xact_commit pg_stat_get_db_xact_rollback pg_stat_get_dead_tuples
  pg_stat_get_function_calls pg_stat_get_function_self_time pg_stat_get_function_total_time
  pg_stat_get_ins_since_vacuum pg_stat_get_last_analyze_time pg_stat_get_last_autoanalyze_time
  pg_stat_get_last_autovacuum_time pg_stat_get_last_vacuum_time pg_stat_get_lastscan pg_stat_get_live_tuples
  pg_stat_get_mod_since_analyze pg_stat_get_numscans pg_stat_get_progress_info pg_stat_get_replication_slot
  pg_stat_get_slru pg_stat_get_snapshot_timestamp pg_stat_get_subscription pg_stat_get_subscription_stats
  pg_stat_get_total_analyze_time pg_stat_get_total_autoanalyze_time pg_stat_get_total_autovacuum_time
  pg_stat_get_total_vacuum_time pg_stat_get_tuples_deleted pg_stat_get_tuples_fetched
  pg_stat_get_tuples_hot_updated pg_stat_get_tuples_inserted pg_stat_get_tuples_newpage_updated
  pg_stat_get_tuples_returned pg_stat_get_tuples_updated pg_stat_get_vacuum_count pg_stat_get_wal
  pg_stat_get_wal_receiver pg_stat_get_wal_senders pg_statistics_obj_is_visible pg_table_is_visible
  pg_tablespace_databases pg_tablespace_location pg_timezone_abbrevs pg_timezone_abbrevs_abbrevs
  pg_timezone_abbrevs_zone pg_timezone_names pg_trigger_depth pg_ts_config_is_visible pg_ts_dict_is_visible
  pg_ts_parser_is_visible pg_ts_template_is_visible pg_type_is_visible pg_typeof phraseto_tsquery
  plainto_tsquery positionjoinsel positionsel prefixjoinsel prefixsel quote_literal quote_nullable range_in
  range_out range_recv range_send range_typanalyze rangesel record_in record_out record_recv record_send
  regclass regclassin regclassout regcollationin regcollationout regconfigin regconfigout regdictionaryin
  regdictionaryout regexeqjoinsel regexeqsel regexnejoinsel regexnesel regnamespacein regnamespaceout
  regoperatorin regoperatorout regoperin regoperout regprocedurein regprocedureout regprocin regprocout
  regrolein regroleout regtypein regtypeout row_security_active row_to_json scalargejoinsel scalargesel
  scalargtjoinsel scalargtsel scalarlejoinsel scalarlesel scalarltjoinsel scalarltsel schema_to_xml
  schema_to_xml_and_xmlschema schema_to_xmlschema session_user shobj_description statement_timestamp
  system_user table_to_xml table_to_xml_and_xmlschema table_to_xmlschema textanycat textrecv textsend time
  time_in timestamp timestamp_cmp_timestamptz timestamp_eq_timestamptz timestamp_ge_timestamptz
  timestamp_gt_timestamptz timestamp_in timestamp_le_timestamptz timestamp_lt_timestamptz
  timestamp_ne_timestamptz timestamp_out timestamptz timestamptz_cmp_date timestamptz_cmp_timestamp
  timestamptz_eq_date timestamptz_eq_timestamp timestamptz_ge_date timestamptz_ge_timestamp timestamptz_gt_date
  timestamptz_gt_timestamp timestamptz_in timestamptz_le_date timestamptz_le_timestamp timestamptz_lt_date
  timestamptz_lt_timestamp timestamptz_mi_interval timestamptz_ne_date timestamptz_ne_timestamp timestamptz_out
  timestamptz_pl_interval timetz timetz_in timezone to_char to_date to_json to_jsonb to_number to_regclass
  to_regcollation to_regnamespace to_regoper to_regoperator to_regproc to_regprocedure to_regrole to_regtype
  to_regtypemod to_timestamp to_tsquery to_tsvector transaction_timestamp ts_debug ts_headline ts_match_tq
  ts_match_tt ts_parse ts_token_type ts_typanalyze tsmatchjoinsel tsmatchsel txid_current
  txid_current_if_assigned txid_current_snapshot varcharrecv varcharsend version websearch_to_tsquery xml
  xml_in xml_is_well_formed xml_recv xml_send
`;

/**
 * Stable functions whose only inputs besides their arguments are settings parity pins on every
 * read (TimeZone, DateStyle, IntervalStyle, extra_float_digits, bytea_output, lc_monetary) or the
 * database's fixed encoding: output functions (concat, format, to_json, text || non-text), time
 * arithmetic and conversions in the session's time zone, and the comparisons of date and timestamp
 * with timestamptz. Reviewed one by one; to_char, to_number, to_date and to_timestamp are not here
 * (they read lc_time and lc_numeric, pinned to C since, but not reviewed for this list).
 */
const PINNED_SETTINGS_ONLY = `
  anytextcat array_to_json array_to_string concat concat_ws date date_add date_cmp_timestamptz
  date_eq_timestamptz date_ge_timestamptz date_gt_timestamptz date_le_timestamptz date_lt_timestamptz
  date_ne_timestamptz date_part date_subtract date_trunc extract format in_range interval_pl_timestamptz
  json_agg json_agg_strict json_build_array json_build_object json_object_agg json_object_agg_strict
  json_object_agg_unique json_object_agg_unique_strict json_populate_record json_populate_recordset
  json_to_record json_to_recordset jsonb_agg jsonb_agg_strict jsonb_build_array jsonb_build_object
  jsonb_path_exists_tz jsonb_path_match_tz jsonb_path_query_array_tz jsonb_path_query_first_tz
  jsonb_path_query_tz jsonb_populate_record jsonb_populate_recordset jsonb_to_record jsonb_to_recordset length
  make_timestamptz money numeric overlaps pg_typeof quote_literal quote_nullable row_to_json textanycat time
  timestamp timestamp_cmp_timestamptz timestamp_eq_timestamptz timestamp_ge_timestamptz
  timestamp_gt_timestamptz timestamp_le_timestamptz timestamp_lt_timestamptz timestamp_ne_timestamptz
  timestamptz timestamptz_cmp_date timestamptz_cmp_timestamp timestamptz_eq_date timestamptz_eq_timestamp
  timestamptz_ge_date timestamptz_ge_timestamp timestamptz_gt_date timestamptz_gt_timestamp timestamptz_le_date
  timestamptz_le_timestamp timestamptz_lt_date timestamptz_lt_timestamp timestamptz_mi_interval
  timestamptz_ne_date timestamptz_ne_timestamp timestamptz_pl_interval timetz timezone to_json to_jsonb
`;

const stable = new Set(STABLE.split(/\s+/).filter(Boolean));
const pinnedOnly = new Set(PINNED_SETTINGS_ONLY.split(/\s+/).filter(Boolean));

/** The pg_catalog functions with a STABLE overload (for the catalog test). */
export function stableBuiltins(): ReadonlySet<string> {
  return stable;
}

// The volatile built-ins every check may call (builtin-functions.ts) read a clock, draw random
// numbers or read the server's state: `created_at < clock_timestamp() - interval '1 hour'` moves a
// row into scope without a write exactly as now() does, and `random() < 0.1` picks other rows on
// every pass. None depends on its arguments alone.
const volatile = new Set(VETTED_VOLATILE);

/** Does a call to this built-in depend on its arguments alone (and on settings parity pins)? */
export function dependsOnArgumentsAlone(name: string): boolean {
  if (volatile.has(name)) return false;
  return !stable.has(name) || pinnedOnly.has(name);
}
