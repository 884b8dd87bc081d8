/**
 * The cheap first question of the implicit-code guard (implicit-code.ts): which relations of the
 * database hold a stored tree that may call code a read may not run at all. Only those need the
 * full judgement, which extracts every call of every tree with regexp_matches (seconds on a
 * schema of thousands of tables, where almost every call is an allowed built-in).
 *
 * Sound because every call the full judgement could refuse is found here one of two ways:
 * - a function or operator PostgreSQL's bootstrap did not create (a user's, an extension's, one of
 *   initdb's later scripts): never pinned, so the server recorded the tree's dependency on it in
 *   pg_depend when the view, index, constraint, statistics object, partition key or column was made
 *   (recordDependencyOnExpr);
 * - a pinned built-in (no pg_depend row records a call of one): the tree's text names its oid in
 *   a call field, and it is among the built-ins the full judgement refuses (volatile and not vetted,
 *   or deny-listed), or an operator whose function or estimator is one of them or not a built-in
 *   (a superuser's ALTER OPERATOR can point a built-in operator's estimator at any function).
 * The same dependency finds the functions and operators a stored tree the planner trusts calls (an
 * index predicate, a CHECK, a partition key: planner-trusted-code.ts), none of which is pinned.
 * Every foreign table and every materialized view is a candidate, whoever made it
 * (foreign-tables.ts, materialized-views.ts). A candidate is over-inclusive (a
 * column default calling a user function, a foreign key's operator): the full judgement decides.
 */
import { DENIED_FUNCTIONS } from '../sql/deny-list.js';
import { VETTED_VOLATILE } from '../sql/builtin-functions.js';
import type { CompiledQuery } from '../sql/build.js';
import { INSTALLED_MEMBERS, isInstalledMember, USER_OID } from './installed-code.js';

const op = (name: string) => `operator(pg_catalog.${name})`;
const regclass = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass`;

/** The call fields of a stored tree, as CALL_PATTERN in implicit-code.ts reads them (type-code.ts reads a domain CHECK's the same way). */
export const FUNCTION_FIELDS = 'funcid|opfuncid|hashfuncid|negfuncid|aggfnoid|winfnoid|tsmhandler|startInRangeFunc|endInRangeFunc';
export const OPERATOR_FIELDS = 'opno|eqop|sortop';
const none = `'x'`; // an alternative no oid matches, for an empty set

/** Whether the tree owned by (`classOf`, `oid`) records a call of a function or operator that is not pinned. */
const recordsUnpinnedCall = (classOf: string, oid: string) =>
  `exists (select from pg_catalog.pg_depend d where d.classid ${op('=')} ${regclass(classOf)} and d.objid ${op('=')} ${oid}
    and d.refclassid ${op('=')} any (array[${regclass('pg_proc')}, ${regclass('pg_operator')}]::pg_catalog.oid[]))`;

/** A text array of the JSON object bound as $1 (`vetted`, `names`, `prefixes`, `fragments`). */
const listOf = (key: string) =>
  `array(select pg_catalog.jsonb_array_elements_text($1::pg_catalog.text::pg_catalog.jsonb ${op('->')} '${key}'::pg_catalog.text))`;

/**
 * $1: the refused built-ins' names as JSON text (implicitCodeScreen). One row per candidate
 * relation, as regclass text under the read's search_path.
 */
export const IMPLICIT_CODE_SCREEN_SQL = `with ${INSTALLED_MEMBERS}, builtin_refused(oid) as (
  select p.oid from pg_catalog.pg_proc p where p.oid ${op('<')} ${USER_OID} and (
    (p.provolatile ${op('=')} 'v'::pg_catalog."char" and not p.proname::pg_catalog.text ${op('=')} any (${listOf('vetted')}))
    or p.proname::pg_catalog.text ${op('=')} any (${listOf('names')})
    or exists (select from pg_catalog.unnest(${listOf('prefixes')}) x(prefix) where pg_catalog.starts_with(p.proname::pg_catalog.text, x.prefix))
    or exists (select from pg_catalog.unnest(${listOf('fragments')}) x(fragment) where pg_catalog.strpos(p.proname::pg_catalog.text, x.fragment) ${op('>')} 0))
), operator_refused(oid) as (
  select o.oid from pg_catalog.pg_operator o where o.oid ${op('<')} ${USER_OID} and exists (
    select from (values (o.oprcode::pg_catalog.oid), (o.oprrest::pg_catalog.oid), (o.oprjoin::pg_catalog.oid)) f(fn)
    where f.fn ${op('<>')} 0::pg_catalog.oid and (f.fn ${op('>=')} ${USER_OID} or f.fn ${op('=')} any (array(select b.oid from builtin_refused b))))
), pattern(re) as (
  select pg_catalog.format(':(%s) (%s) |:(%s) (%s) |:opnos \\(o[0-9 ]* (%s)[ )]',
    '${FUNCTION_FIELDS}', coalesce((select pg_catalog.string_agg(b.oid::pg_catalog.text, '|') from builtin_refused b), ${none}),
    '${OPERATOR_FIELDS}', coalesce((select pg_catalog.string_agg(o.oid::pg_catalog.text, '|') from operator_refused o), ${none}),
    coalesce((select pg_catalog.string_agg(o.oid::pg_catalog.text, '|') from operator_refused o), ${none}))
), trees(rel, tree, calls_unpinned) as (
  select w.ev_class, w.ev_action::pg_catalog.text, ${recordsUnpinnedCall('pg_rewrite', 'w.oid')}
    from pg_catalog.pg_rewrite w where w.ev_class ${op('>=')} ${USER_OID} and w.ev_type ${op('=')} '1'::pg_catalog."char"
  union all
  select ad.adrelid, ad.adbin::pg_catalog.text, ${recordsUnpinnedCall('pg_attrdef', 'ad.oid')}
    from pg_catalog.pg_attrdef ad join pg_catalog.pg_attribute a on a.attrelid ${op('=')} ad.adrelid and a.attnum ${op('=')} ad.adnum
    where ad.adrelid ${op('>=')} ${USER_OID} and a.attgenerated ${op('=')} 'v'::pg_catalog."char"
  union all
  select i.indrelid, pg_catalog.concat(i.indexprs::pg_catalog.text, ' ', i.indpred::pg_catalog.text), ${recordsUnpinnedCall('pg_class', 'i.indexrelid')}
    from pg_catalog.pg_index i where i.indrelid ${op('>=')} ${USER_OID} and (i.indexprs is not null or i.indpred is not null)
  union all
  select c.conrelid, c.conbin::pg_catalog.text, ${recordsUnpinnedCall('pg_constraint', 'c.oid')}
    from pg_catalog.pg_constraint c where c.conrelid ${op('>=')} ${USER_OID} and c.contype ${op('=')} 'c'::pg_catalog."char"
  union all
  select s.stxrelid, s.stxexprs::pg_catalog.text, ${recordsUnpinnedCall('pg_statistic_ext', 's.oid')}
    from pg_catalog.pg_statistic_ext s where s.stxrelid ${op('>=')} ${USER_OID} and s.stxexprs is not null
  union all
  select p.partrelid, p.partexprs::pg_catalog.text, ${recordsUnpinnedCall('pg_class', 'p.partrelid')}
    from pg_catalog.pg_partitioned_table p where p.partrelid ${op('>=')} ${USER_OID} and p.partexprs is not null
), candidates(rel) as (
  select distinct t.rel from trees t where t.calls_unpinned or t.tree ${op('~')} (select r.re from pattern r)
)
select c.rel::pg_catalog.regclass::pg_catalog.text as relation from candidates c where not ${isInstalledMember('pg_class', 'c.rel')}
union
select f.ftrelid::pg_catalog.regclass::pg_catalog.text from pg_catalog.pg_foreign_table f
union
select m.oid::pg_catalog.regclass::pg_catalog.text from pg_catalog.pg_class m where m.relkind ${op('=')} 'm'::pg_catalog."char"`;

/** The screen with the refused built-ins' names bound (implicit-code.ts's mayRun, as data). */
export function implicitCodeScreen(): CompiledQuery {
  const names: string[] = [];
  const prefixes: string[] = [];
  const fragments: string[] = [];
  for (const entry of DENIED_FUNCTIONS) {
    if ('name' in entry) names.push(entry.name);
    else if ('prefix' in entry) prefixes.push(entry.prefix);
    else fragments.push(entry.contains);
  }
  return { text: IMPLICIT_CODE_SCREEN_SQL, params: [JSON.stringify({ vetted: VETTED_VOLATILE, names, prefixes, fragments })] };
}
