/**
 * pg_catalog's aggregate and window functions, and its set-returning functions, on PostgreSQL 15
 * and 18 (PGlite): what decides how many rows a query returns (fixed-answers.ts). An aggregate
 * without GROUP BY makes one row of any number; a set-returning function in the select list makes
 * any number of one. Generated with:
 *
 *   select proname from pg_proc where pronamespace = 'pg_catalog'::regnamespace and prokind in ('a', 'w')
 *   select proname from pg_proc where pronamespace = 'pg_catalog'::regnamespace and proretset
 *
 * Operator SQL calls only pg_catalog's built-ins (read-only-rules.ts), so a name on neither list is
 * a plain scalar function. test/sql/fixed-answers.test.ts checks both lists against the live
 * catalog of each engine: a missing name would make a query's row count look fixed when it is not.
 */

/** Aggregate and window functions, space-separated (data, not code). */
const AGGREGATES = `
  any_value array_agg avg bit_and bit_or bit_xor bool_and bool_or corr count covar_pop covar_samp cume_dist
  dense_rank every first_value json_agg json_agg_strict json_object_agg json_object_agg_strict
  json_object_agg_unique json_object_agg_unique_strict jsonb_agg jsonb_agg_strict jsonb_object_agg
  jsonb_object_agg_strict jsonb_object_agg_unique jsonb_object_agg_unique_strict lag last_value lead max min
  mode nth_value ntile percent_rank percentile_cont percentile_disc range_agg range_intersect_agg rank
  regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy row_number
  stddev stddev_pop stddev_samp string_agg sum var_pop var_samp variance xmlagg
`;

/** Set-returning functions, space-separated (data, not code). */
const SET_RETURNING = `
  aclexplode generate_series generate_subscripts json_array_elements json_array_elements_text json_each
  json_each_text json_object_keys json_populate_recordset json_to_recordset jsonb_array_elements
  jsonb_array_elements_text jsonb_each jsonb_each_text jsonb_object_keys jsonb_path_query jsonb_path_query_tz
  jsonb_populate_recordset jsonb_to_recordset pg_available_extension_versions pg_available_extensions
  pg_available_wal_summaries pg_config pg_cursor pg_event_trigger_ddl_commands
  pg_event_trigger_dropped_objects pg_extension_update_paths pg_get_aios pg_get_backend_memory_contexts
  pg_get_catalog_foreign_keys pg_get_keywords pg_get_loaded_modules pg_get_multixact_members
  pg_get_publication_tables pg_get_replication_slots pg_get_shmem_allocations pg_get_shmem_allocations_numa
  pg_get_wait_events pg_get_wal_resource_managers pg_hba_file_rules pg_ident_file_mappings
  pg_listening_channels pg_lock_status pg_logical_slot_get_binary_changes pg_logical_slot_get_changes
  pg_logical_slot_peek_binary_changes pg_logical_slot_peek_changes pg_ls_archive_statusdir pg_ls_dir
  pg_ls_logdir pg_ls_logicalmapdir pg_ls_logicalsnapdir pg_ls_replslotdir pg_ls_summariesdir pg_ls_tmpdir
  pg_ls_waldir pg_mcv_list_items pg_options_to_table pg_partition_ancestors pg_partition_tree
  pg_prepared_statement pg_prepared_xact pg_show_all_file_settings pg_show_all_settings
  pg_show_replication_origin_status pg_snapshot_xip pg_stat_get_activity pg_stat_get_backend_idset
  pg_stat_get_backend_io pg_stat_get_io pg_stat_get_progress_info pg_stat_get_recovery_prefetch
  pg_stat_get_slru pg_stat_get_subscription pg_stat_get_wal_senders pg_tablespace_databases
  pg_timezone_abbrevs pg_timezone_abbrevs_abbrevs pg_timezone_abbrevs_zone pg_timezone_names
  pg_wal_summary_contents regexp_matches regexp_split_to_table string_to_table ts_debug ts_parse ts_stat
  ts_token_type txid_snapshot_xip unnest
`;

const words = (text: string) => new Set(text.split(/\s+/).filter(Boolean));
const aggregates = words(AGGREGATES);
const setReturning = words(SET_RETURNING);

/** Whether `name` is a pg_catalog aggregate or window function. */
export function isBuiltinAggregate(name: string): boolean {
  return aggregates.has(name);
}

/** Whether `name` is a pg_catalog function that may return a set of rows. */
export function isBuiltinSetReturning(name: string): boolean {
  return setReturning.has(name);
}

/** Both lists, for the catalog test. */
export function builtinRowFunctions(): { aggregates: ReadonlySet<string>; setReturning: ReadonlySet<string> } {
  return { aggregates, setReturning };
}
