/**
 * Code a type runs on every value made of it, judged as the stand-in guard (pinning.ts) judges a
 * database: a domain's CHECK runs on every cast to the domain (`x::d`, `'{..}'::d[]`, a domain
 * over it, a composite holding it through row(...)::c, record_in of a text or
 * jsonb_populate_record, a view's definition, parity's own key bounds bound as the key's type),
 * a cast's function on every cast between its types (including one the server chooses on its own,
 * `where id::bigint` under an assignment cast to boolean), and a type's and a range type's own
 * functions wherever its values are read or written as text. None of them is a name operator SQL
 * writes, so the allow-list never sees them; the catalog is judged instead.
 *
 * Judged by what may run inside a read (implicit-code.ts's mayRun): PostgreSQL's own non-volatile
 * built-ins and the volatile ones vetted for operator SQL, the non-volatile members of an extension
 * a superuser owns, and the server's companions of a type (installed-code.ts) — never a
 * deny-listed one. So a CHECK calling dblink_exec (an extension's, volatile)
 * or pg_try_advisory_lock (a built-in, refused), or a cast made with either, is found, and not only
 * one calling a user's function. Pinned built-ins leave no pg_depend row, so a CHECK's calls are
 * read from its stored tree as well (the call fields implicit-code.ts reads).
 */
import { VETTED_VOLATILE } from '../sql/builtin-functions.js';
import { DENIED_FUNCTIONS } from '../sql/deny-list.js';
import { FUNCTION_FIELDS, OPERATOR_FIELDS } from './implicit-code-screen.js';
import { isInstalledMember, isTypeCompanion, USER_OID } from './installed-code.js';

const op = (name: string) => `operator(pg_catalog.${name})`;
const regclass = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass`;

/** Names from parity's own code (never a check file's), checked to need no quoting in a literal or a regular expression. */
function plainNames(names: readonly string[]): readonly string[] {
  for (const name of names) {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected character in a function name: ${JSON.stringify(name)}`);
  }
  return names;
}

const textArray = (names: readonly string[], type = 'text') => `array[${names.map((name) => `'${name}'`).join(', ')}]::pg_catalog.${type}[]`;
/** A LIKE pattern's text with `_` matched literally, as an E'' literal: the same under either standard_conforming_strings. */
const likeLiteral = (text: string) => plainNames([text])[0]!.replaceAll('_', '\\\\_');

/**
 * Whether the pg_proc row `p` is one the deny list names (deny-list.ts's matching): the names as
 * one hashed `= any` over `name`, the prefixes as one `like any` behind a probe of their first two
 * letters, each fragment by strpos (a regular expression, or a text conversion per entry, costs
 * tens of milliseconds over pg_proc).
 */
const isDenied = (p: string) => {
  const names = DENIED_FUNCTIONS.flatMap((entry) => ('name' in entry ? [entry.name] : []));
  const prefixes = DENIED_FUNCTIONS.flatMap((entry) => ('prefix' in entry ? [entry.prefix] : []));
  const fragments = DENIED_FUNCTIONS.flatMap((entry) => ('contains' in entry ? [entry.contains] : []));
  // The prefixes' first two letters, one hashed probe, spare most rows the patterns.
  const heads = [...new Set(prefixes.map((prefix) => prefix.slice(0, 2)))];
  const patterns = `array[${prefixes.map((prefix) => `E'${likeLiteral(prefix)}%'`).join(', ')}]::pg_catalog.text[]`;
  return [
    `${p}.proname ${op('=')} any (${textArray(plainNames(names), 'name')})`,
    `(pg_catalog.left(${p}.proname::pg_catalog.text, 2) ${op('=')} any (${textArray(plainNames(heads))}) and ${p}.proname::pg_catalog.text ${op('~~')} any (${patterns}))`,
    ...fragments.map((fragment) => `pg_catalog.strpos(${p}.proname::pg_catalog.text, '${plainNames([fragment])[0]}') ${op('>')} 0`),
  ].join(' or ');
};
const VETTED = textArray(plainNames(VETTED_VOLATILE), 'name');

/**
 * Every function that may not run inside a read (implicit-code.ts's mayRun, negated; the statement
 * using it lists installed-code.ts's INSTALLED_MEMBERS in its WITH): one the deny
 * list names; a volatile one, unless a built-in vetted for operator SQL; and a user's, i.e. one
 * initdb did not make, that is neither an extension's member a superuser owns nor a companion the
 * server made for a type (installed-code.ts).
 */
export const REFUSED_FUNCTIONS_SQL = `select p.oid from pg_catalog.pg_proc p
  where ${isDenied('p')}
    or (p.provolatile ${op('=')} 'v'::pg_catalog."char" and (p.oid ${op('>=')} ${USER_OID} or not p.proname ${op('=')} any (${VETTED})))
    or (p.oid ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_proc', 'p.oid')} and not ${isTypeCompanion('p.oid')})`;

/**
 * The functions a domain CHECK `k` (a pg_constraint row) runs: those the server recorded in
 * pg_depend (every function and operator not pinned), and those its tree names in a call field
 * (pinned built-ins), an operator standing for its function.
 */
const checkFunctions = (k: string) => `select d.refobjid from pg_catalog.pg_depend d
      where d.classid ${op('=')} ${regclass('pg_constraint')} and d.objid ${op('=')} ${k}.oid and d.refclassid ${op('=')} ${regclass('pg_proc')}
    union
    select m.f[1]::pg_catalog.oid from pg_catalog.regexp_matches(${k}.conbin::pg_catalog.text, ':(?:${FUNCTION_FIELDS}) ([0-9]+)', 'g') m(f)
    union
    select o.oprcode::pg_catalog.oid from pg_catalog.pg_operator o where o.oid ${op('=')} any (array(
      select d.refobjid from pg_catalog.pg_depend d
        where d.classid ${op('=')} ${regclass('pg_constraint')} and d.objid ${op('=')} ${k}.oid and d.refclassid ${op('=')} ${regclass('pg_operator')}
      union all
      select m.f[1]::pg_catalog.oid from pg_catalog.regexp_matches(${k}.conbin::pg_catalog.text, ':(?:${OPERATOR_FIELDS}) ([0-9]+)', 'g') m(f)
      union all
      select pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.btrim(m.f[1]), ' ')::pg_catalog.oid[])
        from pg_catalog.regexp_matches(${k}.conbin::pg_catalog.text, ':opnos [(]o ([0-9 ]+)[)]', 'g') m(f)))`;

const functionsOf = (columns: string[]) => `(values ${columns.map((column) => `(${column}::pg_catalog.oid)`).join(', ')})`;

/**
 * One row (`what`) for each place a type would run a function that may not run in a read: a
 * domain's CHECK, a cast, a type's I/O, typmod, analyze or subscript function, a range type's
 * canonical or subtype_diff function. Written as hashed semi-joins on the refused functions: its
 * estimated cost must stay far below jit_above_cost, since the pinning statement it rides in runs
 * under the read's own jit setting (the plan of a correlated form, on 3,000 tables, was JIT-compiled
 * for a second).
 */
/** A type's own functions; each is probed in one pass over pg_type (thousands of rows: a table's row type and its array type each). */
const TYPE_FUNCTIONS = ['t.typinput', 't.typoutput', 't.typreceive', 't.typsend', 't.typmodin', 't.typmodout', 't.typanalyze', 't.typsubscript'];

export const TYPE_CODE_SQL = `(with refused(fn) as (${REFUSED_FUNCTIONS_SQL}
)
select pg_catalog.format('check %s of domain %s calls %s', k.conname, k.contypid::pg_catalog.regtype, f.fn::pg_catalog.regprocedure) as what
    from pg_catalog.pg_constraint k cross join lateral (${checkFunctions('k')}) f(fn)
    where k.contypid ${op('<>')} 0::pg_catalog.oid and f.fn operator(pg_catalog.=) any (select r.fn from refused r)
  union all
  select pg_catalog.format('cast from %s to %s calls %s', c.castsource::pg_catalog.regtype, c.casttarget::pg_catalog.regtype, c.castfunc::pg_catalog.regprocedure)
    from pg_catalog.pg_cast c where c.castfunc::pg_catalog.oid operator(pg_catalog.=) any (select r.fn from refused r)
  union all
  select pg_catalog.format('function %s of type %s', f.fn::pg_catalog.regprocedure, t.oid::pg_catalog.regtype)
    from pg_catalog.pg_type t cross join lateral ${functionsOf(TYPE_FUNCTIONS)} f(fn)
    where (${TYPE_FUNCTIONS.map((column) => `${column}::pg_catalog.oid operator(pg_catalog.=) any (select r.fn from refused r)`).join(' or ')}) and f.fn operator(pg_catalog.=) any (select r.fn from refused r)
  union all
  select pg_catalog.format('function %s of range type %s', f.fn::pg_catalog.regprocedure, r.rngtypid::pg_catalog.regtype)
    from pg_catalog.pg_range r cross join lateral ${functionsOf(['r.rngcanonical', 'r.rngsubdiff'])} f(fn)
    where f.fn operator(pg_catalog.=) any (select r.fn from refused r))`;
