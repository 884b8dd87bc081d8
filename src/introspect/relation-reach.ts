/**
 * What a side of a comparing check reaches on its server, and who reads it there. A check file
 * names a table; only the server knows which relation the name reaches (`users` and `public.users`
 * on one search_path), that a view is a plain projection of another relation, that a partitioned
 * table has one partition, or that two URLs reach one database. Two sides that reach the same
 * rows, read by the same reader, with the same SQL around them, compare something with itself.
 *
 * The boundary, on purpose: a view counts as the relation under it only when it is a plain
 * projection keeping every column's name (`select *`, `select id, name`), one relation, no filter
 * (`where true` is none), join, DISTINCT, grouping, LIMIT or computed column; views are followed through any chain of such
 * views. A relation's rows are the rows of the relations under it that hold rows (itself, its
 * inheriting tables and partitions; a partitioned table holds none), so a partitioned table with
 * one partition reaches that partition's rows. A renaming projection, a materialized view, a
 * foreign table over the same remote table, and anything else are their own relations.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { parseSql } from '../sql/parser.js';
import { relationIdentityOf } from './table-identity.js';

/**
 * Settings that decide how long or with how much memory a read runs, never what it returns; parity
 * itself sets them per source and per statement, so two names for one database may differ in them.
 * Only the categories of settings that can change what SQL means are compared at all
 * (RESULT_SETTING_CATEGORIES); these are the neutral ones inside those categories.
 */
const RESULT_NEUTRAL_SETTINGS = [
  'application_name', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout',
  'work_mem', 'effective_io_concurrency', 'max_parallel_workers_per_gather', 'parallel_tuple_cost',
  'client_min_messages', 'check_function_bodies', 'default_table_access_method', 'default_tablespace', 'default_toast_compression',
  'default_transaction_deferrable', 'default_transaction_isolation', 'default_transaction_read_only',
  'transaction_deferrable', 'transaction_isolation', 'transaction_read_only', 'gin_pending_list_limit', 'temp_tablespaces',
  'lc_messages', 'vacuum_failsafe_age', 'vacuum_freeze_min_age', 'vacuum_freeze_table_age', 'vacuum_multixact_failsafe_age',
  'vacuum_multixact_freeze_min_age', 'vacuum_multixact_freeze_table_age',
];

/**
 * The pg_settings categories whose settings can change what a statement returns (search_path,
 * formats, locale, compatibility switches, preloaded libraries). Everything else — planner methods
 * and costs, memory and other resources, logging, statistics, locks, WAL — changes how a read runs
 * and never its rows, so a URL setting `enable_seqscan=off` or `random_page_cost` does not make a
 * second reader of the same rows (it did: such a URL compared a table with itself and passed).
 */
const RESULT_SETTING_CATEGORIES = ['Client Connection Defaults%', 'Version and Platform Compatibility%', 'Preset Options'];

/**
 * What a name reaches, cheaply: the relation's oid, kind and whether tables inherit from it
 * (`children`, pg_class.relhassubclass) under the read's own search_path (no row when it reaches
 * none). Two ordinary tables of different oids, neither with inheriting tables, never show a row
 * in common (loneTablesApart), so the full reach (planRelationReach: view chains, inheritance,
 * partitions, the reader) is asked only otherwise.
 */
export function planRelationKind(table: TableRef): SQL {
  return sql`select c.oid::pg_catalog.text as oid, c.relkind::pg_catalog.text as kind, c.relhassubclass as children from pg_catalog.pg_class c
    where c.oid operator(pg_catalog.=) pg_catalog.to_regclass(${regclassText(table)}::text)`;
}

/** A relation as planRelationKind or a count's proof (ProvenRelation) tells it. */
interface RelationKind { readonly oid?: unknown; readonly kind?: unknown; readonly children?: unknown }

/**
 * Whether two relations can share no row whatever their data: two ordinary tables of different
 * oids, neither of which any table inherits from (each then reads its own rows alone). An
 * inheritance parent shows its children's rows — all of them, when it holds none itself — and a
 * child may have two parents, so a relation with inheriting tables is left to the full reach.
 */
export function loneTablesApart(a: RelationKind | undefined, b: RelationKind | undefined): boolean {
  const lone = (r: RelationKind | undefined) => r?.kind === 'r' && r.children === false;
  return lone(a) && lone(b) && a!.oid !== b!.oid;
}

/**
 * A relation already read, by its oid: what a count proved it read (ProvenRelation), asked of it
 * after, when its name may reach another relation by then (renamed between the two sides' counts).
 */
export interface RelationByOid { readonly oid: string }

/** The relation `target` names now (a table name) or is (an oid), NULL when there is none. */
function relationOidSql(target: TableRef | RelationByOid | undefined): SQL {
  if (target !== undefined && 'oid' in target) {
    return sql`(select c.oid from pg_catalog.pg_class c where c.oid operator(pg_catalog.=) ${target.oid}::pg_catalog.oid)`;
  }
  return sql`pg_catalog.to_regclass(${target === undefined ? null : regclassText(target)}::text)`;
}

/**
 * One row: the server instance and database (cluster identifier where readable, the postmaster's
 * start to the microsecond — one running server — and the database oid), the role, the session's
 * own settings (search_path, startup parameters, role and database settings: what else decides
 * what SQL means), and the relations the name reaches through views, each with its view definition,
 * columns, the relations its definition reads and the rows-holding relations under it. `target`: a
 * name as it resolves now, a relation by its oid (then with its `identity`, relationIdentityOf), or
 * no table (a query).
 */
export function planRelationReach(target: TableRef | RelationByOid | undefined): SQL {
  const named = relationOidSql(target);
  const neutral = sql.join(RESULT_NEUTRAL_SETTINGS.map((name) => sql`${name}`), sql`, `);
  const categories = sql.join(RESULT_SETTING_CATEGORIES.map((category) => sql`${category}::text`), sql`, `);
  return sql`with recursive chain(oid) as (
      select ${named}::oid where ${named} is not null
      union
      select d.refobjid from chain c
        join pg_catalog.pg_rewrite w on w.ev_class = c.oid and w.rulename = '_RETURN'
        join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = w.oid
          and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> c.oid)
    select
      pg_catalog.concat_ws('/',
        case when pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'execute')
          then (select s.system_identifier::text from pg_catalog.pg_control_system() s) end,
        pg_catalog.date_part('epoch', pg_catalog.pg_postmaster_start_time())::numeric::text,
        (select d.oid::text from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())) as instance,
      current_user::text as reader,
      (select pg_catalog.json_agg(pg_catalog.json_build_array(s.name, s.setting) order by s.name) from pg_catalog.pg_settings s
        where s.source not in ('default', 'override', 'configuration file', 'command line', 'environment variable')
          and s.category like any (array[${categories}]) and s.name not in (${neutral}))::text as settings,
      ${named}::oid::text as named,
      ${target !== undefined && 'oid' in target ? relationIdentityOf(named) : sql`null`}::pg_catalog.text as identity,
      (select pg_catalog.json_agg(pg_catalog.json_build_object(
          'oid', r.oid::text, 'name', r.oid::pg_catalog.regclass::text, 'kind', r.relkind,
          'definition', case when r.relkind = 'v' then pg_catalog.pg_get_viewdef(r.oid) end,
          'columns', array(select a.attname::text from pg_catalog.pg_attribute a
            where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped order by a.attnum),
          'reads', array(select distinct d.refobjid::text from pg_catalog.pg_rewrite w
            join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = w.oid
              and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> r.oid
            where w.ev_class = r.oid and w.rulename = '_RETURN'),
          'leaves', array(with recursive tree(oid) as (
              select r.oid union select i.inhrelid from pg_catalog.pg_inherits i join tree t on i.inhparent = t.oid)
            select t.oid::text from tree t join pg_catalog.pg_class k on k.oid = t.oid where k.relkind <> 'p' order by 1),
          'leaf_names', array(with recursive tree(oid) as (
              select r.oid union select i.inhrelid from pg_catalog.pg_inherits i join tree t on i.inhparent = t.oid)
            select t.oid::pg_catalog.regclass::text from tree t join pg_catalog.pg_class k on k.oid = t.oid where k.relkind <> 'p' order by t.oid::text)))
        from chain c join pg_catalog.pg_class r on r.oid = c.oid)::text as relations`;
}

/** A relation as the reach statement describes it. */
interface RelationRow { oid: string; name: string; kind: string; definition: string | null; columns: string[]; reads: string[]; leaves: string[]; leaf_names?: string[] }

/** Who read: equal for two sides only when one server, database, role and session settings read both. */
export interface Reader { instance: string; role: string; settings: string }

/**
 * What a side's name reaches: the rows-holding relations whose rows it reads (`rows`, sorted oids,
 * with their names for messages in the same order), or a relation that is not a plain projection
 * (`relation`); null when the name reaches nothing (the read itself will fail).
 */
export type Reach = ({ rows: string[] } | { relation: string }) & {
  names: string[];
  /**
   * The relation under the views as each of the named relation's columns reads it, where views on
   * the way renamed any (`select name as full_name`), as [column, column under] pairs; absent when
   * every column keeps its name.
   */
  renamed?: [string, string][];
} | null;

/** The reader and the reach from the reach statement's row (pure, but needs the SQL parser for view definitions). */
export function readReach(row: Record<string, unknown> | undefined): { reader: Reader; reach: Reach } {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const reader = { instance: text(row?.instance), role: text(row?.reader), settings: text(row?.settings) };
  const named = row?.named;
  if (typeof named !== 'string') return { reader, reach: null };
  const relations = new Map((JSON.parse(text(row?.relations) || '[]') as RelationRow[]).map((r) => [r.oid, r]));
  return { reader, reach: reachFrom(named, relations) };
}

/** Follows plain projections from `oid` down to the relation whose rows they show. */
function reachFrom(oid: string, relations: ReadonlyMap<string, RelationRow>): Reach {
  let current = oid;
  let inherit = true;
  // The named relation's columns, each as the relation reached so far reads it.
  let columns: Map<string, string> | undefined;
  const renamed = () => {
    const pairs = [...(columns ?? [])];
    return pairs.some(([name, under]) => name !== under) ? { renamed: pairs.sort() } : {};
  };
  // Views cannot be cyclic; the bound only guards against a malformed answer.
  for (let hop = 0; hop <= relations.size; hop++) {
    const relation = relations.get(current);
    if (!relation) return { relation: current, names: [current] };
    if (relation.kind !== 'v') {
      // `FROM ONLY t` in the last view reads t's own rows alone (none, when t is partitioned).
      const rows = inherit ? relation.leaves : relation.kind === 'p' ? [] : [current];
      const leafNames = new Map(relation.leaves.map((leaf, i) => [leaf, relation.leaf_names?.[i] ?? leaf]));
      const sorted = [...rows].sort();
      return { rows: sorted, names: sorted.map((leaf) => relations.get(leaf)?.name ?? leafNames.get(leaf) ?? leaf), ...renamed() };
    }
    const from = plainProjectionFrom(relation);
    if (from === undefined || relation.reads.length !== 1) return { relation: current, names: [relation.name], ...renamed() };
    // A column the next view does not show is one no SQL on this side can read: it leaves the map.
    const before = columns ?? new Map([...from.columns.keys()].map((name) => [name, name]));
    columns = new Map([...before].flatMap(([name, under]) => {
      const next = from.columns.get(under);
      return next === undefined ? [] : [[name, next] as const];
    }));
    inherit = from.inherit;
    current = relation.reads[0]!;
  }
  return { relation: current, names: [current] };
}

/** Keys a plain projection's SELECT may carry: ORDER BY changes no row, anything else may. */
const PLAIN_SELECT_KEYS = new Set(['targetList', 'fromClause', 'limitOption', 'op', 'sortClause']);

/**
 * Whether a view's definition is `SELECT c1, c2 AS x, … FROM one_relation` where every output
 * column is a column of that relation (under its own name or another); its columns, each with the
 * column of the relation it shows (the names the catalog has for the view's columns); and whether
 * it reads the relation's inheriting tables.
 */
function plainProjectionFrom(view: RelationRow): { inherit: boolean; columns: Map<string, string> } | undefined {
  if (view.definition === null) return undefined;
  const parsed = parseSql(view.definition);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: Record<string, unknown> }[] }).stmts ?? [];
  const select = statements.length === 1 ? (statements[0]?.stmt?.SelectStmt as Record<string, unknown> | undefined) : undefined;
  // A filter of literal `true`s selects every row: no filter (as a check file's `where: true` is none).
  if (!select || Object.keys(select).some((key) => !PLAIN_SELECT_KEYS.has(key) && !(key === 'whereClause' && literallyTrue(select.whereClause)))) return undefined;
  if (select.op !== 'SETOP_NONE' || select.limitOption !== 'LIMIT_OPTION_DEFAULT') return undefined;
  const from = select.fromClause as { RangeVar?: { inh?: boolean } }[] | undefined;
  if (from?.length !== 1 || from[0]?.RangeVar === undefined) return undefined;
  const targets = (select.targetList ?? []) as { ResTarget?: { name?: string; val?: { ColumnRef?: { fields?: { String?: { sval?: string } }[] } } } }[];
  if (targets.length !== view.columns.length) return undefined;
  const columns = new Map<string, string>();
  for (const [i, target] of targets.entries()) {
    const fields = target.ResTarget?.val?.ColumnRef?.fields ?? [];
    const under = fields.at(-1)?.String?.sval;
    const name = view.columns[i];
    // The name the definition gives the column must be the catalog's (a column list renames too).
    if (fields.length < 1 || fields.length > 2 || under === undefined || name === undefined || (target.ResTarget?.name ?? under) !== name) return undefined;
    columns.set(name, under);
  }
  // The parse tree leaves out false booleans: `FROM ONLY t` has no `inh` at all.
  return { inherit: from[0].RangeVar.inh === true, columns };
}

/** Whether a parsed condition is `true`, or `and`-ed `true`s only. */
function literallyTrue(node: unknown): boolean {
  const and = (node as { BoolExpr?: { boolop?: string; args?: unknown[] } } | undefined)?.BoolExpr;
  if (and?.boolop === 'AND_EXPR' && Array.isArray(and.args)) return and.args.every(literallyTrue);
  return (node as { A_Const?: { boolval?: { boolval?: boolean } } } | undefined)?.A_Const?.boolval?.boolval === true;
}

/**
 * The rows two reaches read in common, or undefined when they share none (a name that reaches
 * nothing shares nothing). Any overlap counts, not only equal reaches: a partitioned table with
 * one empty partition and its other partition, a parent without rows of its own and its child, two
 * parents of one child read the very same rows while their sets of rows-holding relations differ.
 * `shared`: the names of the relations both read; `onlyA`/`onlyB`: those one side reads alone.
 */
export function sharedRows(a: Reach, b: Reach): { shared: string[]; onlyA: string[]; onlyB: string[] } | undefined {
  if (a === null || b === null) return undefined;
  if ('relation' in a || 'relation' in b) {
    return 'relation' in a && 'relation' in b && a.relation === b.relation ? { shared: a.names, onlyA: [], onlyB: [] } : undefined;
  }
  const named = (reach: { rows: string[]; names: string[] }, keep: (oid: string) => boolean) => reach.rows.flatMap((oid, i) => (keep(oid) ? [reach.names[i] ?? oid] : []));
  const inA = new Set(a.rows);
  const inB = new Set(b.rows);
  const shared = named(a, (oid) => inB.has(oid));
  // Two reaches of no rows-holding relation at all (partitioned tables without partitions, `ONLY`
  // a partitioned table) read the same (no) rows; otherwise a relation both read is what they share.
  if (shared.length === 0 && !(a.rows.length === 0 && b.rows.length === 0)) return undefined;
  return { shared, onlyA: named(a, (oid) => !inB.has(oid)), onlyB: named(b, (oid) => !inA.has(oid)) };
}
