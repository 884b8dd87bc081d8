/**
 * Ignored roles that may run statements on behalf of roles that are not ignored (pure: SQL and the
 * rule). `ignore: { roles: [migrator] }` hides the migrator's own statements; but pg_stat_statements
 * counts a statement under the role *current* when it runs, so
 * - inside a SECURITY DEFINER routine, the nested statements are counted under its owner: a
 *   generic `export_column(tbl regclass, col text)` owned by the migrator and called by the
 *   application reads the column under the migrator's name;
 * - a foreign server (postgres_fdw, dblink_fdw) or a dblink connection string may connect back to
 *   this database as any role, and what it runs there is counted under that role, top level or not.
 * Those statements are then counted, not ignored: nested ones of an owner of a SECURITY DEFINER
 * routine some role that is not ignored may execute, every one of a role a user mapping names. A
 * mapping whose options parity cannot read (pg_user_mappings shows them only to the server's owner,
 * the mapped role and superusers), that names no user, or dblink installed (its connection strings
 * are arguments: pg_stat_statements writes them as `$1`), may connect as any role: then every
 * ignored role but parity's own session role counts.
 */
import { sql, type SQL } from '../../sql/build.js';
import { arrayLiteralText } from '../../sql/array-literal.js';

/** Why an ignored role's statements count after all; `role` null: any ignored role but parity's own. */
export type ActingRoleRow = { role: string | null; why: string; nested_only: boolean; session_role: string };

/** Ignored roles that may act for others, with why (see the module comment). pg_proc, pg_roles, pg_user_mappings and pg_extension are readable by every role. */
export function planActingRoles(ignored: readonly string[]): SQL {
  const roles = sql`${arrayLiteralText(ignored)}::text[]`;
  return sql`select o.rolname::text as role, 'it owns SECURITY DEFINER ' || string_agg(p.oid::regprocedure::text, ', ' order by p.oid::regprocedure::text)
        || ', whose statements run for their callers' as why, true as nested_only, current_user::text as session_role
      from pg_proc p join pg_roles o on o.oid operator(pg_catalog.=) p.proowner join pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
      where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema') and o.rolname operator(pg_catalog.=) any(${roles})
        and exists (select from pg_roles c where not (c.rolname operator(pg_catalog.=) any(${roles})) and c.rolname !~ '^pg_'
          and has_function_privilege(c.oid, p.oid, 'EXECUTE'))
      group by o.rolname
    union all
    select case when m.umoptions is null then null else (select substr(o.option, 6) from unnest(m.umoptions) as o(option) where o.option like 'user=%' limit 1) end,
        format('user mapping for %s on server %s (%s) may connect to this database as it', m.usename, m.srvname, w.fdwname), false, current_user::text
      from pg_user_mappings m join pg_foreign_server s on s.oid operator(pg_catalog.=) m.srvid join pg_foreign_data_wrapper w on w.oid operator(pg_catalog.=) s.srvfdw
      -- A wrapper of another name over postgres_fdw's or dblink's code connects the same way.
      where (w.fdwname in ('postgres_fdw', 'dblink_fdw') or w.fdwhandler::regproc::text ~ 'postgres_fdw_handler$'
          or w.fdwvalidator::regproc::text ~ '(postgres_fdw|dblink_fdw)_validator$') and (m.umuser operator(pg_catalog.=) 0 or not (m.usename::text operator(pg_catalog.=) any(${roles})))
    union all
    select null, 'dblink is installed, and its connection strings (written as $1 in statement texts) may connect to this database as it', false, current_user::text
      from pg_extension e where e.extname operator(pg_catalog.=) 'dblink'`;
}

/** For each ignored role whose statements count, why and whether only its nested statements do. */
export type ActingRoles = Map<string, { why: string; nestedOnly: boolean }>;

/** Resolves the rows for the ignored roles: a row without a role names every ignored role but parity's own session role. */
export function actingRoles(rows: readonly ActingRoleRow[], ignored: readonly string[]): ActingRoles {
  const acting: ActingRoles = new Map();
  for (const row of rows) {
    const named = row.role === null ? ignored.filter((r) => r !== row.session_role) : ignored.filter((r) => r === row.role);
    for (const role of named) {
      const known = acting.get(role);
      // A role that may act at top level anywhere counts whole; reasons accumulate.
      acting.set(role, { why: known ? `${known.why}; ${row.why}` : row.why, nestedOnly: (known?.nestedOnly ?? true) && row.nested_only });
    }
  }
  return acting;
}

/** Whether a pg_stat_statements entry of `role` (`toplevel`: 'true', 'false' or null before PG 14) stays ignored. */
export function staysIgnored(ignored: ReadonlySet<string>, acting: ActingRoles, role: string | null, toplevel: string | null): boolean {
  if (!ignored.has(role ?? '')) return false;
  const act = acting.get(role ?? '');
  if (!act) return true;
  // Before toplevel was recorded, nothing tells nested from top-level statements: count them all.
  return act.nestedOnly && toplevel === 'true';
}
