/** The one statement that pins a read's session settings, shared by both drivers. */
import { BUILTINS_REPLACED_SQL, INSTALLED_MEMBERS, isInstalledMember, USER_OID } from './installed-code.js';
import { SHADOWING_CODE_SQL, SHADOWING_LOOKUPS } from './shadowing-code.js';
import { TYPE_CODE_SQL } from './type-code.js';

/**
 * Puts pg_catalog first in the read's search_path, ahead of the role's own path (kept, so a check
 * file's unqualified table names resolve as before). Postgres searches pg_catalog first anyway
 * unless the path names it later; a path that does (`evil, pg_catalog, public`) let a look-alike
 * `=(text, text)` in `evil` answer for the built-in inside parity's comparisons (`is distinct
 * from` looks `=` up by name), and a column_parity over differing data passed.
 */
export const CATALOG_FIRST = "pg_catalog.set_config('search_path', case when pg_catalog.texteq(pg_catalog.current_setting('search_path'), '') then 'pg_catalog' "
  // Functions, not `=` and `||`: operators are looked up through the very search_path being fixed.
  + "else pg_catalog.textcat('pg_catalog, ', pg_catalog.current_setting('search_path')) end, true)";

/**
 * The default set of time zone abbreviations, which decides what `EST` or `IST` in a literal of a
 * check file means. A database or role may choose another (`'Australia'` reads EST as +10, the
 * default as -05), and one check file then named two instants on two servers: the two sides of a
 * row_count counted two windows. Setting it re-reads the set's file (~0.2 ms a transaction), so
 * it is set only where it differs; reading the setting costs next to nothing.
 */
export const DEFAULT_ABBREVIATIONS = "case when pg_catalog.texteq(pg_catalog.current_setting('timezone_abbreviations'), 'Default') then 'Default' "
  + "else pg_catalog.set_config('timezone_abbreviations', 'Default', true) end";

/** Marks the error the stand-in guard raises, so the source can give it its own fault code. */
const STAND_IN_MARKER = 'parity stand-in code: ';

/** `x operator(pg_catalog.op) y`: no operator a role's search_path reaches may answer inside the guard itself. */
const op = (name: string) => `operator(pg_catalog.${name})`;

/**
 * Code a database holds that a read runs without naming it: the allow-list of built-ins judges
 * names, but the server binds a call by its argument types. A function on the search_path named
 * like a built-in (`public.lower(varchar)`) beats pg_catalog's when its types match better, and
 * so does an operator of exactly the operand types (`public.=(integer, numeric)`); and a
 * function, operator, type or relation named like an installed extension's answers for it inside
 * that extension's own code, which looks its names up through the reader's path (shadowing-code.ts,
 * every object found by name); a cast's
 * function runs on every cast between its types (column_parity writes an enum as text); a
 * domain's CHECK runs on every value of the domain parity binds (a chunked scan's key bounds).
 * Any of them could write through dblink, take session locks, or answer for the built-in. Only
 * objects that are not the server's installation count (installed-code.ts): an extension's member
 * a superuser owns comes from the server's own installation, as pg_catalog's does (citext's
 * `replace`, PostGIS's `=` stay usable), but one its owner added with `alter extension … add` does
 * not; nor do the companions the server itself makes for a type (a range type's constructor
 * functions: built-in C functions under the type's name), which no user can create. A built-in
 * whose definition a superuser replaced is refused wherever the catalog shows it. Casts, domain
 * CHECKs and types' own functions are judged by what they call, whoever made them (type-code.ts): a
 * CHECK calling dblink_exec or pg_try_advisory_lock directly is refused as surely as one calling a
 * user's function. One row: the objects named, or NULL when there are none.
 */
const STAND_INS = `with ${INSTALLED_MEMBERS},
${SHADOWING_LOOKUPS}
select pg_catalog.string_agg(x.what, ', ' order by x.what) as found from (
  ${SHADOWING_CODE_SQL}
  union all
  select pg_catalog.format('check %s of domain %s uses operator %s', k.conname, k.contypid::pg_catalog.regtype, d.refobjid::pg_catalog.regoperator)
    from pg_catalog.pg_constraint k join pg_catalog.pg_depend d on d.classid ${op('=')} 'pg_catalog.pg_constraint'::pg_catalog.regclass and d.objid ${op('=')} k.oid
    where k.contypid ${op('<>')} 0::pg_catalog.oid and d.refobjid ${op('>=')} ${USER_OID} and d.refclassid ${op('=')} 'pg_catalog.pg_operator'::pg_catalog.regclass
      and not ${isInstalledMember('pg_operator', 'd.refobjid')}
  union all
  select pg_catalog.format('operator family %I.%I', f.opfnamespace::pg_catalog.regnamespace::pg_catalog.text, f.opfname)
    from pg_catalog.pg_opfamily f
    where f.oid ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_opfamily', 'f.oid')}
  union all
  select pg_catalog.format('operator %s in an operator family', a.amopopr::pg_catalog.regoperator)
    from pg_catalog.pg_amop a
    where a.amopopr ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_operator', 'a.amopopr')}
  union all
  select pg_catalog.format('function %s in an operator family', a.amproc::pg_catalog.regprocedure)
    from pg_catalog.pg_amproc a
    where a.amproc::pg_catalog.oid ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_proc', 'a.amproc::pg_catalog.oid')}
  union all
  select pg_catalog.format('conversion %I.%I', v.connamespace::pg_catalog.regnamespace::pg_catalog.text, v.conname)
    from pg_catalog.pg_conversion v
    where v.conproc::pg_catalog.oid ${op('>=')} ${USER_OID} and v.condefault and not ${isInstalledMember('pg_proc', 'v.conproc::pg_catalog.oid')}
  union all
  ${BUILTINS_REPLACED_SQL}
  union all
  ${TYPE_CODE_SQL}) x`;

/**
 * The guard as a column of the pinning statement: an error (so the statements pipelined behind it
 * never run, in a transaction it aborted) whose text names what was found, behind STAND_IN_MARKER.
 * int4in of a text that is no integer is the one way a plain SELECT raises a message of its own.
 */
export const REFUSE_STAND_INS = `(select case when g.found is null then 0 else pg_catalog.int4in(pg_catalog.textout(pg_catalog.textcat('${STAND_IN_MARKER}', g.found))) end from (${STAND_INS}) g) as parity_stand_ins`;

/** What a pinned setting's name or value may contain: they come from parity's code and numbers, never from a check file. */
const PLAIN_SETTING = /^[A-Za-z0-9_ ,.]+$/;

const can = (fn: string) => `pg_catalog.has_function_privilege('pg_catalog.${fn}', 'execute')`;
/** A timeline's number from a WAL file name's first eight hex digits. */
const WALFILE_TIMELINE = "pg_catalog.int4(pg_catalog.textcat('x', pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::pg_catalog.bit(32))";

/**
 * The server's timeline, or NULL where the role may not execute what reads it. A promotion starts
 * a new timeline: a clone made with pg_basebackup (or restored from a base backup) and promoted
 * keeps its origin's system identifier and every oid, and the timeline is what a read-only role
 * can read that tells them apart. Out of recovery it is the timeline WAL is written on (the WAL
 * file name of the current position), exact from the moment of promotion: the control file's
 * (pg_control_checkpoint()) is rewritten only at the promoted server's first checkpoint, and until
 * then named its origin's. In recovery (a standby) it is the newest the control file knows, its
 * last restartpoint's or its minimum recovery point's: a standby replaying its primary's timeline
 * names the same one.
 */
export const TIMELINE = `case when not pg_catalog.pg_is_in_recovery() then case when ${can('pg_walfile_name(pg_catalog.pg_lsn)')} and ${can('pg_current_wal_lsn()')} then ${WALFILE_TIMELINE} end `
  + `when ${can('pg_control_checkpoint()')} and ${can('pg_control_recovery()')} `
  + 'then (select pg_catalog.int4larger(c.timeline_id, r.min_recovery_end_timeline) from pg_catalog.pg_control_checkpoint() c, pg_catalog.pg_control_recovery() r) end';

/** The postmaster's start, epoch seconds as numeric text: the same in every session of that server, whatever its settings. */
const POSTMASTER_STARTED = "pg_catalog.textcat('started ', pg_catalog.date_part('epoch', pg_catalog.pg_postmaster_start_time())::pg_catalog.numeric::pg_catalog.text)";

/**
 * Which server answered, as the pinning statement's one extra column: the cluster (its system
 * identifier, which a physical standby shares with its primary, so a pool spread over one cluster's
 * standbys answers alike), its timeline (a promoted clone's is not its origin's) and the oid of the
 * database connected to. Where pg_control_system() or pg_control_checkpoint() is not executable,
 * the postmaster's start stands in for what could not be read: stricter, never looser.
 */
export const SERVER_FINGERPRINT = 'pg_catalog.textcat(pg_catalog.textcat(pg_catalog.textcat(pg_catalog.textcat('
  + "case when pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'execute') "
  + `then (select c.system_identifier::pg_catalog.text from pg_catalog.pg_control_system() c) else ${POSTMASTER_STARTED} end, ' timeline '), `
  + `coalesce((${TIMELINE})::pg_catalog.text, ${POSTMASTER_STARTED})), '/'), `
  // OPERATOR(pg_catalog.=): a look-alike `=` on the role's search_path must not answer.
  + '(select d.oid::pg_catalog.text from pg_catalog.pg_database d where d.datname operator(pg_catalog.=) pg_catalog.current_database())) as parity_server';

/**
 * The statement that pins a read transaction's settings, its values written as literals: postgres.js
 * sends a statement with parameters (and prepare off) as Parse/Describe, waits, then Bind/Execute —
 * two round trips, and nothing pipelined behind it. Without parameters it is one, shared with the
 * first statement of the read.
 */
export function pinningSql(settings: Record<string, string>, options: { ioConcurrency?: number | undefined; catalogFirst?: boolean; defaultAbbreviations?: boolean; fingerprint?: boolean; refuseStandIns?: boolean } = {}): string {
  const literal = (text: string) => {
    if (!PLAIN_SETTING.test(text)) throw new Error(`unexpected character in a pinned setting: ${JSON.stringify(text)}`);
    return `'${text}'`;
  };
  // Schema-qualified: a set_config of another schema earlier in the role's search_path must not stand in.
  const calls = Object.entries(settings).map(([name, value]) => `pg_catalog.set_config(${literal(name)}, ${literal(value)}, true)`);
  if (options.catalogFirst) calls.push(CATALOG_FIRST);
  if (options.defaultAbbreviations) calls.push(DEFAULT_ABBREVIATIONS);
  const io = options.ioConcurrency;
  if (io !== undefined) {
    if (!Number.isInteger(io) || io < 1 || io > 1000) throw new Error(`effective_io_concurrency must be an integer from 1 to 1000, not ${io}`);
    // A server built without posix_fadvise refuses anything but 0 (its default there): it stays 0.
    calls.push(`pg_catalog.set_config('effective_io_concurrency', case when pg_catalog.texteq(pg_catalog.current_setting('effective_io_concurrency'), '0') then '0' else '${io}' end, true)`);
  }
  if (options.fingerprint) calls.push(SERVER_FINGERPRINT);
  if (options.refuseStandIns) calls.push(REFUSE_STAND_INS);
  return `select ${calls.join(', ')}`;
}

/**
 * What the stand-in guard found, read from the error it raised (undefined for any other error):
 * Postgres quotes the text int4in could not read as an integer.
 */
export function standInsOf(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const at = message.indexOf(STAND_IN_MARKER);
  return at < 0 ? undefined : message.slice(at + STAND_IN_MARKER.length).replace(/"$/, '');
}

/** The fingerprint column of a pinning row (absent: the statement was not asked for one). */
export function fingerprintOf(row: Record<string, unknown> | undefined): string | undefined {
  const value = row?.parity_server;
  return typeof value === 'string' ? value : undefined;
}

/**
 * What a fixed statement (Source.readFixed) pins: read only for its transaction (the connection's
 * default already is), the limits, and search_path = pg_catalog, so no function or operator of
 * another schema can stand in for a built-in. Not the value formats of a check's reads: a fixed
 * statement reads typed values, and each setting pinned costs time on a probe every check repeats.
 */
export function fixedStatementSettings(statementTimeoutMs: number, lockTimeoutMs: number): Record<string, string> {
  return { transaction_read_only: 'on', search_path: 'pg_catalog', statement_timeout: String(statementTimeoutMs), lock_timeout: String(lockTimeoutMs) };
}
