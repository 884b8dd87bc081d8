/**
 * Code a read runs because of the relations it reads, judged on the server's catalog before any
 * statement reads them. The allow-list judges the names operator SQL writes, and the stand-in
 * guard (pinning.ts) the code the server finds by a name or a type; neither sees that reading a
 * view runs its definition (a user function that writes through dblink, a built-in that changes
 * the session, an operator of a schema off the search_path), or that the planner evaluates, on
 * any read of a table, a constant call in its index expressions and predicates, its statistics
 * objects, its partition key and (under constraint exclusion) its CHECK constraints. A READ ONLY
 * transaction stops none of them. Row-level security policies never run here: reads pin
 * row_security off, so a policy that would apply fails the read instead (42501). The same walk
 * finds every foreign table a read would reach, refused whatever its wrapper (foreign-tables.ts),
 * every materialized view (materialized-views.ts), and the stored results the planner trusts that
 * code an owner can redefine computed (planner-trusted-code.ts).
 */
import { Fault } from '../results/fault.js';
import { isReadOnlyBuiltin, VETTED_VOLATILE } from '../sql/builtin-functions.js';
import { findDeniedFunction } from '../sql/deny-list.js';
import { foldableCalls } from '../sql/node-tree.js';
import { list } from '../sql/normal-form.js';
import { loadSqlParser, parseSql } from '../sql/parser.js';
import { relationNamesOf } from '../sql/relation-names.js';
import { stringNodeValue, walkSqlTree } from '../sql/tree-walk.js';
import type { CompiledQuery } from '../sql/build.js';
import { foreignTableFault, type ReachedForeignTable } from './foreign-tables.js';
import { implicitCodeScreen } from './implicit-code-screen.js';
import { INSTALLED_MEMBERS, isInstalledMember, USER_OID } from './installed-code.js';
import { materializedViewFault } from './materialized-views.js';
import { plannerTrustedCodeFault, plannerTrustedProblems } from './planner-trusted-code.js';
import type { ReadSession, Row, ServerWatch } from './types.js';

const op = (name: string) => `operator(pg_catalog.${name})`;
const regclass = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass`;

/** Fields of a stored tree naming a function (`f`) or an operator (`o`) it calls; node-tree.ts reads the same. */
const CALL_PATTERN = ':(funcid|opfuncid|hashfuncid|negfuncid|aggfnoid|winfnoid|tsmhandler|startInRangeFunc|endInRangeFunc|opno|eqop|sortop) ([0-9]+)';
const OPERATOR_FIELDS = "array['opno', 'eqop', 'sortop']";

/**
 * One catalog query for a set of relation names ($1, a JSON array of regclass texts, or null for
 * every relation of the database): the relations
 * they reach (through views' definitions, to inheriting tables and partitions; not under a
 * materialized view, whose rows are stored and whose definition runs only on REFRESH), and for each one a
 * user made (oid ≥ 16384, not an extension's member a superuser owns: installed-code.ts) every function its stored trees call — directly, or
 * as an operator's function and its planner estimators — with what parity needs to judge it.
 * A view's definition and a virtual generated column run (`runs`); the other trees are only folded
 * by the planner (`folds`), and those it takes as true of the stored rows (an index predicate, a
 * validated CHECK, a partition key, its own or an ancestor's) are `trusted`, with each call's
 * operator and whether the function is only its estimator (planner-trusted-code.ts); every
 * foreign table reached, whoever made it, is a row of its own (`foreign`, its server and wrapper in
 * `what`: foreign-tables.ts), and so is every materialized view (`materialized`: materialized-views.ts).
 */
export const IMPLICIT_CODE_SQL = `with recursive ${INSTALLED_MEMBERS}, named(rel) as (
  -- pg_class filtered by an array, not a set-returning function: the planner then expects a few
  -- rows, not a hundred, and keeps the query's estimated cost far below where it would JIT-compile it.
  -- $1 null: every relation a user made, to learn whether the database holds any such code at all.
  select c.oid from pg_catalog.pg_class c where ($1::pg_catalog.text is null and c.oid ${op('>=')} ${USER_OID}) or c.oid ${op('=')} any (array(
    select pg_catalog.to_regclass(n.name)::pg_catalog.oid from pg_catalog.jsonb_array_elements_text($1::pg_catalog.text::pg_catalog.jsonb) n(name)))
), reach(rel) as (
  select n.rel from named n
  union
  select x.rel from reach r cross join lateral (
    select d.refobjid from pg_catalog.pg_rewrite w
      join pg_catalog.pg_depend d on d.classid ${op('=')} ${regclass('pg_rewrite')} and d.objid ${op('=')} w.oid
      where w.ev_class ${op('=')} r.rel and d.refclassid ${op('=')} ${regclass('pg_class')} and d.refobjid ${op('<>')} r.rel
        and not exists (select from pg_catalog.pg_class m where m.oid ${op('=')} r.rel and m.relkind ${op('=')} 'm'::pg_catalog."char")
    union all
    select i.inhrelid from pg_catalog.pg_inherits i where i.inhparent ${op('=')} r.rel
  ) x(rel)
  where r.rel ${op('>=')} ${USER_OID}
), judged(rel) as (
  select r.rel from reach r where r.rel ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_class', 'r.rel')}
), trees(rel, what, mode, trusted, tree) as (
  -- trusted: the planner takes the tree as true of every stored row (planner-trusted-code.ts).
  select w.ev_class, 'its definition (a view)', 'runs', false, w.ev_action::pg_catalog.text
    from judged j join pg_catalog.pg_rewrite w on w.ev_class ${op('=')} j.rel where w.ev_type ${op('=')} '1'::pg_catalog."char"
  union all
  select a.attrelid, pg_catalog.format('its virtual generated column %I', a.attname), 'runs', false, ad.adbin::pg_catalog.text
    from judged j join pg_catalog.pg_attribute a on a.attrelid ${op('=')} j.rel
    join pg_catalog.pg_attrdef ad on ad.adrelid ${op('=')} a.attrelid and ad.adnum ${op('=')} a.attnum
    where a.attgenerated ${op('=')} 'v'::pg_catalog."char"
  union all
  select i.indrelid, pg_catalog.format(e.what, ic.relname), 'folds', e.trusted, e.tree
    from judged j join pg_catalog.pg_index i on i.indrelid ${op('=')} j.rel join pg_catalog.pg_class ic on ic.oid ${op('=')} i.indexrelid
    cross join lateral (values ('its index %I', false, i.indexprs::pg_catalog.text), ('the predicate of its index %I', true, i.indpred::pg_catalog.text)) e(what, trusted, tree)
    where e.tree is not null
  union all
  select c.conrelid, pg_catalog.format('its CHECK constraint %I', c.conname), 'folds', c.convalidated, c.conbin::pg_catalog.text
    from judged j join pg_catalog.pg_constraint c on c.conrelid ${op('=')} j.rel where c.contype ${op('=')} 'c'::pg_catalog."char"
  union all
  select s.stxrelid, pg_catalog.format('its statistics object %I', s.stxname), 'folds', false, s.stxexprs::pg_catalog.text
    from judged j join pg_catalog.pg_statistic_ext s on s.stxrelid ${op('=')} j.rel where s.stxexprs is not null
  union all
  -- Its own key and its ancestors' (a partition's constraint is computed from them).
  select j.rel, case when a.relid ${op('=')} j.rel then 'its partition key' else pg_catalog.format('the partition key of %s', a.relid::pg_catalog.regclass) end,
      'folds', true, p.partexprs::pg_catalog.text
    from judged j cross join lateral pg_catalog.pg_partition_ancestors(j.rel) a(relid)
    join pg_catalog.pg_partitioned_table p on p.partrelid ${op('=')} a.relid where p.partexprs is not null
  union all
  -- Every foreign table reached, an extension's too: its rows come from outside this transaction.
  select f.ftrelid, pg_catalog.format('server %I, foreign-data wrapper %I', s.srvname, w.fdwname), 'foreign', false, null
    from reach r join pg_catalog.pg_foreign_table f on f.ftrelid ${op('=')} r.rel
    join pg_catalog.pg_foreign_server s on s.oid ${op('=')} f.ftserver join pg_catalog.pg_foreign_data_wrapper w on w.oid ${op('=')} s.srvfdw
  union all
  -- Every materialized view reached, an extension's too: its rows are a snapshot (materialized-views.ts).
  select m.oid, 'a materialized view', 'materialized', false, null
    from reach r join pg_catalog.pg_class m on m.oid ${op('=')} r.rel where m.relkind ${op('=')} 'm'::pg_catalog."char"
), refs(rel, what, mode, trusted, tree, kind, ref) as (
  select t.rel, t.what, t.mode, t.trusted, t.tree, case when m.f[1] ${op('=')} any (${OPERATOR_FIELDS}) then 'o' else 'f' end, m.f[2]::pg_catalog.oid
    from trees t cross join lateral pg_catalog.regexp_matches(t.tree, '${CALL_PATTERN}', 'g') m(f)
  union all
  select t.rel, t.what, t.mode, t.trusted, t.tree, 'o', o.oid
    from trees t cross join lateral pg_catalog.regexp_matches(t.tree, ':opnos \\(o ([0-9 ]+)\\)', 'g') m(f)
    join pg_catalog.pg_operator o on o.oid ${op('=')} any (pg_catalog.string_to_array(pg_catalog.btrim(m.f[1]), ' ')::pg_catalog.oid[])
  union all
  select t.rel, t.what, t.mode, false, null, null, null from trees t where t.tree is null
), calls(rel, what, mode, trusted, tree, ref, fn, operator, estimator) as (
  select r.rel, r.what, r.mode, r.trusted, r.tree, pg_catalog.textcat(pg_catalog.textcat(r.kind, ':'), r.ref::pg_catalog.text), r.ref, null::pg_catalog.oid, false
    from refs r where r.kind ${op('=')} 'f'
  union all
  select r.rel, r.what, r.mode, r.trusted, r.tree, pg_catalog.textcat('o:', r.ref::pg_catalog.text), x.fn, o.oid, x.estimator
    from refs r join pg_catalog.pg_operator o on o.oid ${op('=')} r.ref
    cross join lateral (values (o.oprcode::pg_catalog.oid, false), (o.oprrest::pg_catalog.oid, true), (o.oprjoin::pg_catalog.oid, true)) x(fn, estimator)
    where r.kind ${op('=')} 'o' and x.fn ${op('<>')} 0::pg_catalog.oid
  union all
  select r.rel, r.what, r.mode, false, r.tree, null, null, null, false from refs r where r.kind is null
)
select distinct c.rel::pg_catalog.regclass::pg_catalog.text as relation, c.what, c.mode, c.trusted, c.estimator,
    c.operator::pg_catalog.regoperator::pg_catalog.text as operator,
    c.operator ${op('<')} ${USER_OID} or ${isInstalledMember('pg_operator', 'c.operator')} as operator_installed,
    case when c.mode ${op('=')} 'folds' then c.tree end as tree, c.ref,
    c.fn::pg_catalog.regprocedure::pg_catalog.text as function, p.proname::pg_catalog.text as name,
    p.oid ${op('<')} ${USER_OID} as builtin, ${isInstalledMember('pg_proc', 'p.oid')} as extension,
    p.provolatile::pg_catalog.text as volatility, l.lanname::pg_catalog.text as language, p.prosupport::pg_catalog.oid ${op('<>')} 0::pg_catalog.oid as support,
    case when c.mode ${op('=')} 'folds' and l.lanname ${op('=')} 'sql' then p.prosrc end as body
  from calls c left join pg_catalog.pg_proc p on p.oid ${op('=')} c.fn left join pg_catalog.pg_language l on l.oid ${op('=')} p.prolang`;

/**
 * The catalog query's estimated cost grows with the catalog (its CTEs and regexp_matches are
 * estimated coarsely), and past jit_above_cost the server spends seconds compiling it: jit is off
 * for it alone, and the read's own setting is put back for the statements after it.
 */
const JIT_OFF = "select pg_catalog.set_config('parity.jit_before_guard', pg_catalog.current_setting('jit'), true), pg_catalog.set_config('jit', 'off', true)";
const JIT_RESTORED = "select pg_catalog.set_config('jit', pg_catalog.current_setting('parity.jit_before_guard'), true)";

/** One row of IMPLICIT_CODE_SQL: a function a relation's stored tree calls (or a foreign table reached). */
interface ImplicitCall {
  readonly relation: string;
  readonly what: string;
  readonly mode: 'runs' | 'folds' | 'foreign' | 'materialized';
  readonly tree: string | null;
  readonly ref: string | null;
  readonly function: string | null;
  readonly name: string | null;
  readonly builtin: boolean | null;
  readonly extension: boolean | null;
  readonly volatility: string | null;
  readonly language: string | null;
  readonly support: boolean | null;
  /** A SQL function's body text, where a stored tree only the planner folds calls it (else null). */
  readonly body?: string | null;
}

/**
 * Code that may run inside a read: PostgreSQL's own non-volatile functions and the volatile ones
 * vetted for operator SQL, and the non-volatile members of an extension a superuser owns (the
 * server's installation, installed-code.ts) — never one the deny list names (dblink, table_to_xml,
 * set_config…).
 */
function mayRun(call: ImplicitCall): boolean {
  if (call.name === null || findDeniedFunction(call.name) !== undefined) return false;
  if (call.builtin === true) return call.volatility !== 'v' || VETTED_VOLATILE.includes(call.name);
  return call.extension === true && call.volatility !== 'v';
}

/**
 * Whether the planner may evaluate `call` on a read: it sits in a subtree that depends on no row,
 * or it is a SQL function (inlined, its own body's constant calls then folded) or has a planner
 * support function (called on every simplification); a tree the reader cannot follow counts as yes.
 */
function mayFold(call: ImplicitCall, foldable: (tree: string) => Set<string> | undefined): boolean {
  if (call.support === true) return true;
  if (call.tree === null || call.ref === null) return true;
  if (foldable(call.tree)?.has(call.ref) ?? true) return true;
  // Over a column, a SQL function folds only what its inlined body holds (`create index on
  // accounts (email_key(email))`, the usual wrapper of built-ins, must not be refused).
  return call.language === 'sql' && !inlinedBodyFoldsOnlyBuiltins(call.body ?? null);
}

/**
 * Whether inlining this SQL function body over a column can make the planner evaluate nothing but
 * built-ins parity allows. The planner inlines only a body that is one SELECT of one expression
 * and nothing else (no FROM, WHERE, GROUP BY…), so any other body is never inlined and folds
 * nothing; an inlined one folds its constant sub-expressions — each call in it must be a read-only
 * built-in (unqualified or pg_catalog's: reads pin the search_path), and every operator
 * pg_catalog's or unqualified. A body that cannot be read (a BEGIN ATOMIC body has no prosrc)
 * counts as folding anything. Needs the parser loaded.
 */
export function inlinedBodyFoldsOnlyBuiltins(body: string | null): boolean {
  if (body === null || body.trim() === '') return false;
  const parsed = parseSql(body);
  if (parsed.kind === 'syntax_error') return false;
  const statements = list((parsed.tree as { stmts?: unknown }).stmts);
  if (statements.length !== 1) return true;
  const select = (statements[0] as { stmt?: { SelectStmt?: Record<string, unknown> } }).stmt?.SelectStmt;
  if (select === undefined) return true;
  const inlinable = list(select['targetList']).length === 1
    && ['fromClause', 'whereClause', 'groupClause', 'havingClause', 'windowClause', 'sortClause', 'limitCount', 'limitOffset', 'withClause', 'distinctClause', 'valuesLists', 'larg', 'rarg']
      .every((field) => select[field] === undefined || (Array.isArray(select[field]) && (select[field] as unknown[]).length === 0));
  if (!inlinable) return true;
  let onlyBuiltins = true;
  const builtinName = (names: string[]) => (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog')) && names.every((n) => n !== undefined);
  walkSqlTree(select['targetList'], ({ type, fields }) => {
    if (type === 'FuncCall') {
      const names = list(fields['funcname']).map((n) => stringNodeValue(n) ?? '');
      if (!builtinName(names) || !isReadOnlyBuiltin(names.at(-1)!)) onlyBuiltins = false;
    } else if (type === 'A_Expr') {
      const names = list(fields['name']).map((n) => stringNodeValue(n) ?? '');
      if (names.length > 1 && names[0] !== 'pg_catalog') onlyBuiltins = false;
    }
  });
  return onlyBuiltins;
}

/** What reading the judged relations would run that may not run there, one line per relation and place; empty when nothing. */
export function implicitCodeProblems(rows: readonly Row[]): string[] {
  const folds = new Map<string, Set<string> | undefined>();
  const foldable = (tree: string) => {
    if (!folds.has(tree)) folds.set(tree, foldableCalls(tree));
    return folds.get(tree);
  };
  const found = new Map<string, Set<string>>();
  for (const row of rows as unknown as ImplicitCall[]) {
    if (row.mode === 'foreign' || row.mode === 'materialized') continue;
    if (mayRun(row) || (row.mode === 'folds' && !mayFold(row, foldable))) continue;
    const place = `${row.relation} (${row.what})`;
    const set = found.get(place) ?? new Set<string>();
    set.add(row.function ?? `an unknown function (${row.ref ?? '?'})`);
    found.set(place, set);
  }
  return [...found].map(([place, functions]) => `${place}: ${[...functions].sort().join(', ')}`).sort();
}

/** The fault for what implicitCodeProblems found, phrased once. */
export function implicitCodeFault(source: string, problems: readonly string[]): Fault {
  return new Fault({
    code: 'implicit_code',
    message: `source "${source}": reading these relations would run code parity does not allow inside a read: ${problems.join('; ')}. `
      + 'A view runs its definition, and the planner evaluates a constant call in a relation\'s index expressions and predicates, statistics objects, partition key and CHECK constraints on any read of it; '
      + 'only PostgreSQL\'s read-only built-ins and the non-volatile functions of an extension a superuser owns may run there (not one its owner added with ALTER EXTENSION ... ADD), since a user function, dblink or a volatile built-in could write, lock or change the session, and a READ ONLY transaction stops none of them. '
      + 'Read the table under the view, or take the call out of its definition',
  });
}

/** Statement texts already split into relation names (parity repeats its statements: chunks, segments, batches). */
const namesByText = new Map<string, string[] | undefined>();
const NAMES_KEPT = 2000;

function namesOf(text: string): string[] | undefined {
  if (namesByText.has(text)) return namesByText.get(text);
  const names = relationNamesOf(text);
  if (namesByText.size >= NAMES_KEPT) namesByText.clear();
  namesByText.set(text, names);
  return names;
}

/** One catalog statement with jit off for it alone (sent together: one round trip on postgres.js, which pipelines a reserved connection's statements). */
async function withoutJit(session: ReadSession, statement: CompiledQuery): Promise<readonly Row[]> {
  const [, rows] = await Promise.all([
    session.query({ text: JIT_OFF, params: [] }),
    session.query(statement),
    session.query({ text: JIT_RESTORED, params: [] }),
  ]);
  return rows;
}

/**
 * IMPLICIT_CODE_SQL for `names`, with jit off for it alone; what it found. For the whole database
 * (null) the screen (implicit-code-screen.ts) first names the relations that may hold such code at
 * all, and only those are judged: none, in most databases, and nothing more is asked.
 */
async function problemsOf(session: ReadSession, names: readonly string[] | null): Promise<ReadProblems> {
  let judged = names;
  if (judged === null) {
    const candidates = await withoutJit(session, implicitCodeScreen());
    if (candidates.length === 0) return { code: [], foreign: [], materialized: [], trusted: [] };
    judged = candidates.map((row) => String(row['relation']));
  }
  const rows = await withoutJit(session, { text: IMPLICIT_CODE_SQL, params: [JSON.stringify(judged)] });
  // A SQL function's body is read with the parser only where one is called over a column.
  if ((rows as unknown as ImplicitCall[]).some((row) => row.body !== null && row.body !== undefined)) await loadSqlParser();
  const calls = rows as unknown as ImplicitCall[];
  const foreign = calls.filter((row) => row.mode === 'foreign').map(({ relation, what }) => ({ relation, what }));
  const materialized = calls.filter((row) => row.mode === 'materialized').map((row) => row.relation);
  return { code: implicitCodeProblems(rows), foreign, materialized, trusted: plannerTrustedProblems(rows) };
}

/** What one judgement found, by the fault each would raise. */
interface ReadProblems {
  readonly code: string[];
  readonly foreign: ReachedForeignTable[];
  readonly materialized: string[];
  readonly trusted: string[];
}

/** The first fault of what was found: foreign tables, then code that would run, then materialized views, then stored results the planner trusts. */
function firstFault(source: string, found: ReadProblems): Fault | undefined {
  if (found.foreign.length > 0) return foreignTableFault(source, found.foreign);
  if (found.code.length > 0) return implicitCodeFault(source, found.code);
  if (found.materialized.length > 0) return materializedViewFault(source, found.materialized);
  if (found.trusted.length > 0) return plannerTrustedCodeFault(source, found.trusted);
  return undefined;
}

/**
 * The session a read's work gets. In a run, the first read of a source asks once whether any
 * relation of the database holds such code; where none does (the usual case) nothing more is
 * asked, and no statement is parsed. Otherwise, and outside a run, before a statement reads a set
 * of relations not yet judged (in this run, on this source; every time outside a run), one catalog
 * query in the same transaction, under the same search_path, judges what reading them would run,
 * and a statement that would run code that may not run there is never sent.
 */
export function guardingImplicitCode(session: ReadSession, source: string, watch: ServerWatch | undefined): ReadSession {
  const judge = async (text: string): Promise<void> => {
    if (watch !== undefined && watch.databaseImplicitCode() === undefined) {
      const found = await problemsOf(session, null);
      watch.setDatabaseImplicitCode(firstFault(source, found) === undefined ? 'none' : 'some');
    }
    if (watch?.databaseImplicitCode() === 'none') return;
    await loadSqlParser();
    const names = namesOf(text);
    if (names === undefined) {
      throw new Fault({ code: 'implicit_code', message: `source "${source}": the PostgreSQL parser could not read which relations a statement names, so what reading them would run cannot be judged` });
    }
    if (names.length === 0) return;
    const key = names.join('\n');
    if (watch?.relationsCleared(key) === true) return;
    const fault = firstFault(source, await problemsOf(session, names));
    if (fault !== undefined) throw fault;
    watch?.clearRelations(key);
  };
  const guarded: ReadSession = {
    query: async (statement) => {
      await judge(statement.text);
      return session.query(statement);
    },
  };
  // The statement parser parses on a connection of its own and never reads a relation's rows.
  if (session.withStatementParser) guarded.withStatementParser = session.withStatementParser;
  const { each, describe } = session;
  if (each) {
    guarded.each = async (statement, onRow) => {
      await judge(statement.text);
      return each(statement, onRow);
    };
  }
  if (describe) {
    guarded.describe = async (statement) => {
      await judge(statement.text);
      return describe(statement);
    };
  }
  return guarded;
}
