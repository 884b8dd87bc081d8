/**
 * Statistics SQL for `unused` (pure): pg_stat_statements with its reset/eviction markers, table
 * write counters and live sessions. Every statement reads `now()` of the verified server, so the
 * window is measured by one clock.
 */
import { sql, joinSql, type SQL } from '../../sql/build.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import { INSTALLED_MEMBERS, isInstalledMember } from '../../sources/installed-code.js';
import { SQL_RUNNING_FUNCTIONS } from './opaque-statements.js';

/** Whether the source is a standby (in recovery): its statistics and sessions are its own, not the primary's. */
export function planRecoveryState(): SQL {
  return sql`select pg_is_in_recovery() as in_recovery`;
}

/**
 * Physical standbys of this server: those streaming now (pg_stat_replication, without logical
 * walsenders — their slot is logical, or they are connected to a database: subscribers, which
 * publications already account for — and base backups), and those with a physical replication slot that are not connected at this
 * instant (restarting, or reconnecting after a network cut): their clients read all the same.
 * pg_replication_slots is readable by any role; pg_stat_replication shows any role the rows,
 * with their details nulled.
 */
export function planStreamingStandbys(): SQL {
  return sql`select count(*)::int as standbys, string_agg(s.name, ', ' order by s.name) as names
    from (select coalesce(nullif(r.application_name, ''), host(r.client_addr), 'pid ' || r.pid) as name
        from pg_stat_replication r
        where coalesce(r.state, '') <> 'backup'
          and not exists (select 1 from pg_replication_slots s where s.active_pid = r.pid and s.slot_type = 'logical')
          -- A walsender connected to a database is logical (a physical one never is), also a
          -- subscription's table sync copying before its slot is in use; any role sees datid.
          and (select a.datid from pg_stat_get_activity(r.pid) a) is null
      union all
      select 'slot ' || p.slot_name || ' (not connected)' from pg_replication_slots p
        where p.slot_type = 'physical' and not p.active) as s`;
}

/**
 * Logical replication slots of this database whose output plugin sends changes without a
 * publication (test_decoding, wal2json, decoderbufs, …): their consumers receive every table. A
 * pgoutput slot sends only what the publications it is started with carry, and those are judged
 * as dependencies. pg_replication_slots is readable by any role.
 */
export function planPublicationlessSlots(): SQL {
  return sql`select s.slot_name::text as slot, s.plugin::text as plugin from pg_replication_slots s
    where s.slot_type = 'logical' and s.database = current_database() and 'pgoutput' is distinct from s.plugin
    order by 1`;
}

/** Where pg_stat_statements is installed in this database, if it is. */
export function planFindStatementStats(): SQL {
  return sql`select n.nspname as schema, e.extversion as version from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_stat_statements'`;
}

/**
 * Role and database settings (ALTER ROLE/DATABASE … SET) that may stop other sessions' statements
 * or writes from being counted, as `role@database: name=value`, NULL when none. They apply to the
 * sessions they name, never to parity's, so its current_setting cannot show them: a reader role
 * with pg_stat_statements.track = none (or compute_query_id = off) was invisible. Any value but
 * one known to keep counting is listed. pg_db_role_setting is readable by every role.
 */
function countingOverridesSql(database: SQL): SQL {
  return sql`(select string_agg(coalesce(r.rolname, 'every role') || '@' || case when s.setdatabase = 0 then 'every database' else current_database() end || ': ' || c.setting, '; ' order by c.setting)
    from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole,
      lateral unnest(s.setconfig) as c(setting)
    where s.setdatabase in (0, ${database})
      and lower(split_part(c.setting, '=', 1)) in ('pg_stat_statements.track', 'pg_stat_statements.track_utility', 'track_counts', 'track_activities', 'compute_query_id')
      and not (lower(split_part(c.setting, '=', 1)) = 'pg_stat_statements.track' and lower(substr(c.setting, strpos(c.setting, '=') + 1)) in ('top', 'all'))
      and not (lower(split_part(c.setting, '=', 1)) <> 'pg_stat_statements.track' and lower(substr(c.setting, strpos(c.setting, '=') + 1)) in ('on', 'true', 'yes', '1', 'auto', 'regress')))`;
}

/**
 * Role and database settings that keep pg_stat_statements.track counting, but only top-level
 * statements (`top`): the sessions they name do not count what runs inside functions.
 */
function trackBelowAllSql(database: SQL): SQL {
  return sql`(select string_agg(coalesce(r.rolname, 'every role') || '@' || case when s.setdatabase = 0 then 'every database' else current_database() end || ': ' || c.setting, '; ' order by c.setting)
    from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole,
      lateral unnest(s.setconfig) as c(setting)
    where s.setdatabase in (0, ${database})
      and lower(split_part(c.setting, '=', 1)) = 'pg_stat_statements.track'
      and lower(substr(c.setting, strpos(c.setting, '=') + 1)) <> 'all')`;
}

/**
 * The server's state and every pg_stat_statements entry of this database, in one statement (one
 * transaction, one `now()`): a left join keeps the state row when there are no entries.
 */
export function planStatementStats(schema: string): SQL {
  const ext = (name: string) => sql`${sql.identifier(schema)}.${sql.identifier(name)}`;
  return sql`select st.*, s.userid::text as userid, r.rolname::text as role, s.queryid::text as queryid, s.toplevel::text as toplevel,
      s.calls::text as calls, s.query as query, octet_length(s.query) as query_bytes
    from (select now() as now, pg_postmaster_start_time() as postmaster_start, d.oid::text as db_oid,
        i.dealloc::text as dealloc, i.stats_reset as stats_reset,
        current_setting('pg_stat_statements.track', true) as track,
        current_setting('pg_stat_statements.track_utility', true) as track_utility,
        current_setting('compute_query_id', true) as compute_query_id,
        ${countingOverridesSql(sql`d.oid`)} as counting_overrides,
        ${trackBelowAllSql(sql`d.oid`)} as track_below_all
      from pg_database d cross join ${ext('pg_stat_statements_info')} i where d.datname = current_database()) st
    left join ${ext('pg_stat_statements')} s on s.dbid = st.db_oid::oid
    left join pg_roles r on r.oid = s.userid`;
}

/** Insert/update/delete counters of the listed tables (and their partitions), with the database's reset time. */
export function planTableWrites(relids: readonly string[]): SQL {
  const ids = relids.length > 0 ? joinSql(relids.map((id) => sql`${id}::oid`)) : sql`null::oid`;
  return sql`select now() as now, pg_postmaster_start_time() as postmaster_start, d.oid::text as db_oid,
      pg_stat_get_db_stat_reset_time(d.oid) as db_stats_reset, current_setting('track_counts') as track_counts,
      coalesce((select json_agg(json_build_object('relid', s.relid::text, 'name', s.schemaname || '.' || s.relname,
        'ins', s.n_tup_ins::text, 'upd', s.n_tup_upd::text, 'del', s.n_tup_del::text) order by s.relid)
        from pg_stat_user_tables s where s.relid in (${ids})), '[]')::text as tables
    from pg_database d where d.datname = current_database()`;
}

/** Other sessions of this database with their last statement (running or finished). */
export function planLiveSessions(): SQL {
  return sql`select a.pid, a.usename::text as role, a.application_name, a.state, a.query, a.query_id::text as queryid,
      octet_length(a.query) as query_bytes, (select setting from pg_settings where name = 'track_activity_query_size')::int as query_limit
    from pg_stat_activity a
    where a.datname = current_database() and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'`;
}

/** Relations of this database with these names, in any schema, with their columns (to judge whether a statement text still spells them). */
export function planRelationsNamed(names: readonly string[]): SQL {
  return sql`with ${sql.raw(INSTALLED_MEMBERS)} select n.nspname::text as schema, c.relname::text as name,
      coalesce((select json_agg(a.attname::text) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]')::text as columns,
      ${sql.raw(isInstalledMember('pg_class', 'c.oid'))} as extension
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relname = any(${arrayLiteralText(names)}::text[])`;
}

/**
 * Routines that can run SQL composed at run time, which pg_stat_statements counts below the top
 * level only with track = all: PL/pgSQL that EXECUTEs a string, bodies in any other procedural
 * language (they run SQL through SPI calls with strings), and any body that calls a SQL-running
 * function (`query_to_xml(q, …)`). SQL-standard bodies are read through pg_get_function_sqlbody.
 */
export function planNestedSqlRoutines(): SQL {
  return sql`select format('%s (%s)', p.oid::regprocedure, l.lanname) as routine
    from ${nestedSqlRoutines()}
    order by 1 limit 20`;
}

/**
 * The FROM and WHERE of `planNestedSqlRoutines` (as `p`, `l`, `n`): routines of the database that
 * can run SQL composed at run time; also the routines a definition may hand SQL text to.
 */
export function nestedSqlRoutines(): SQL {
  const runners = `\\m(${SQL_RUNNING_FUNCTIONS.join('|')})\\M`;
  return sql`pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace,
      lateral (select case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid) else p.prosrc end as body) b
    where n.nspname not in ('pg_catalog', 'information_schema') and l.lanname not in ('internal', 'c')
      and (l.lanname not in ('sql', 'plpgsql') or b.body ~* '\\mexecute\\M' or b.body ~* ${runners})`;
}

/**
 * The search_path each role's sessions start with in this database: ALTER ROLE … IN DATABASE, then
 * ALTER ROLE, then ALTER DATABASE, then the server's (parity's own session's reset value). A
 * session that sets its own (SET, connection options) is not seen: its texts may then not
 * reproduce their query ids, which is a gap, never a pass.
 */
export function planRoleSearchPaths(userids: readonly string[]): SQL {
  const setting = (role: SQL, database: SQL) => sql`(select substr(c.setting, 13) from pg_db_role_setting s, lateral unnest(s.setconfig) as c(setting)
      where s.setrole = ${role} and s.setdatabase = ${database} and lower(c.setting) like 'search\_path=%' limit 1)`;
  const ids = userids.length > 0 ? joinSql(userids.map((id) => sql`${id}::oid`)) : sql`null::oid`;
  return sql`select r.oid::text as userid, r.rolname::text as role,
      coalesce(${setting(sql`r.oid`, sql`d.oid`)}, ${setting(sql`r.oid`, sql`0`)}, ${setting(sql`0`, sql`d.oid`)},
        (select reset_val from pg_settings where name = 'search_path')) as search_path
    from pg_roles r cross join pg_database d
    where d.datname = current_database() and r.oid in (${ids})`;
}
