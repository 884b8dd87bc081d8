/**
 * Who parity is on a verified database, asked inside its own read-only session: the server's
 * identity (for the audit trail: which cluster, database and address a result really read) and a
 * least-privilege preflight (warnings when the role could write, or read and run server files).
 * Writable tables are counted over the whole database, not only the tables a check names: a
 * `sql_assert` query may read any of them, and a verifier's role should write none.
 */
import type { ServerIdentity } from '../results/server-identity.js';
import type { Source } from './types.js';
import { Fault, type FaultInfo } from '../results/fault.js';
import { TIMELINE } from './pinning.js';

/** Roles that reach the server's file system or run programs: a verifier never needs them. */
export const DANGEROUS_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program'];

/** How many writable tables a warning names (the count is always given). */
const NAMED_TABLES = 5;

const WRITABLE = `c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
  and (has_table_privilege(c.oid, 'INSERT') or has_table_privilege(c.oid, 'UPDATE') or has_table_privilege(c.oid, 'DELETE') or has_table_privilege(c.oid, 'TRUNCATE'))`;

/** One statement: identity, superuser, dangerous role memberships, and tables the role may write (roles that do not exist are skipped). */
export const IDENTITY_SQL = `select current_database() as database, current_user::text as "user",
  (select d.oid::text from pg_catalog.pg_database d where d.datname = current_database()) as database_oid,
  host(inet_server_addr()) as address, inet_server_port() as port,
  pg_catalog.date_part('epoch', pg_catalog.pg_postmaster_start_time())::numeric::text as postmaster_started,
  (${TIMELINE}) as timeline,
  current_setting('server_version_num')::int as version_num, version() as version, pg_is_in_recovery() as in_recovery,
  coalesce((select rolsuper from pg_catalog.pg_roles where rolname = current_user), false) as superuser,
  has_function_privilege('pg_catalog.pg_control_system()', 'execute') as can_read_control,
  pg_catalog.to_regclass('parity.check_results') is not null as holds_parity_state,
  array(select r.rolname::text from pg_catalog.pg_roles r where r.rolname = any(string_to_array($1, ',')) and pg_has_role(current_user, r.oid, 'member') order by 1) as dangerous_roles,
  (select count(*)::int from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where ${WRITABLE}) as writable_count,
  array(select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where ${WRITABLE} order by 1 limit ${NAMED_TABLES}) as writable_tables`;

const CONTROL_SQL = 'select system_identifier::text as system_identifier from pg_catalog.pg_control_system()';

interface IdentityRow {
  database: string; user: string; database_oid: string | null; address: string | null; port: number | null; postmaster_started: string | null; timeline: number | null; version_num: number; version: string; in_recovery: boolean;
  superuser: boolean; can_read_control: boolean; holds_parity_state: boolean; dangerous_roles: string[]; writable_count: number; writable_tables: string[];
}

/**
 * A database that holds parity's state (its `parity` schema) is a state store, this parity's or
 * another's: verifying it would mean parity writes into a database it verifies. Checked on every
 * inspection, so a source added or re-pointed after start is caught too (service/store-apart.ts
 * refuses the same at start, before the store is migrated).
 */
const HOLDS_PARITY_STATE: FaultInfo = {
  code: 'source_is_state_store',
  message: 'this database holds parity\'s state (schema parity): parity writes its results there, so it is never verified; give the state store (DATABASE_URL) a database of its own, or point the source at the database it means',
};

/** The privilege warnings for what the server said about the role. Pure. */
export function privilegeWarnings(row: Pick<IdentityRow, 'user' | 'superuser' | 'dangerous_roles' | 'writable_count' | 'writable_tables'>): string[] {
  const warnings: string[] = [];
  if (row.superuser) warnings.push(`role "${row.user}" is a superuser`);
  for (const role of row.dangerous_roles) warnings.push(`role "${row.user}" is a member of ${role}`);
  if (row.writable_count > 0) {
    const more = row.writable_count > row.writable_tables.length ? ', …' : '';
    warnings.push(`role "${row.user}" may INSERT, UPDATE, DELETE or TRUNCATE ${row.writable_count} table${row.writable_count === 1 ? '' : 's'} (${row.writable_tables.join(', ')}${more})`);
  }
  return warnings;
}

/** Asks the source who it is and what parity's role may do: one read-only transaction, one or two short statements. */
export async function inspectSource(source: Source): Promise<ServerIdentity> {
  const { row, control } = await source.readOnly(async (session) => {
    const [first] = await session.query({ text: IDENTITY_SQL, params: [DANGEROUS_ROLES.join(',')] }) as unknown as IdentityRow[];
    // Only where permitted: calling it without EXECUTE would abort the transaction.
    const [second] = first?.can_read_control ? await session.query({ text: CONTROL_SQL, params: [] }) : [];
    return { row: first, control: second };
  }, { statementTimeoutMs: 10_000 });
  if (!row) throw new Error('the identity query returned no row');
  if (row.holds_parity_state) throw new Fault(HOLDS_PARITY_STATE);
  const systemIdentifier = control?.system_identifier === undefined || control.system_identifier === null ? null : String(control.system_identifier);
  const unavailable = systemIdentifier === null ? (row.can_read_control ? 'pg_control_system() returned nothing' : 'permission denied for pg_control_system()') : undefined;
  const timeline = row.timeline === null || row.timeline === undefined ? null : Number(row.timeline);
  return {
    system_identifier: systemIdentifier,
    ...(unavailable ? { system_identifier_unavailable: unavailable } : {}),
    database: row.database,
    database_oid: row.database_oid,
    timeline,
    user: row.user,
    // The per-read watch's stand-in for a cluster or timeline it cannot name (sources/pinning.ts), recorded too.
    ...(systemIdentifier === null || timeline === null ? { postmaster_started: row.postmaster_started === null ? null : String(row.postmaster_started) } : {}),
    // Every embedded database names the template's cluster and database: its own id tells it apart.
    ...(source.embedded ? { embedded_id: source.embedded.embedded_id, data_dir: source.embedded.data_dir } : {}),
    address: row.address,
    port: row.port === null ? null : Number(row.port),
    version_num: Number(row.version_num),
    version: row.version,
    in_recovery: row.in_recovery,
    privilege_warnings: privilegeWarnings(row),
  };
}
