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
 * one partition reaches that partition's rows; a UNION ALL of plain projections reaches its arms'.
 * Two reaches that have any rows-holding relation in common share rows (sharedRows). A materialized
 * view, a foreign table over the same remote table, and anything else are their own relations.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { parseSql } from '../sql/parser.js';
import { parseTableRef } from '../sql/identifiers.js';
import { stringNodeValue, walkSqlTree } from '../sql/tree-walk.js';
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
 * The server instance and database a session reads, as one text: the cluster identifier where
 * readable, the postmaster's start to the microsecond (one running server) and the database oid.
 * Equal texts are one database; a server restarted between two readings reads as another.
 */
export function databaseInstanceSql(): SQL {
  return sql`pg_catalog.concat_ws('/',
        case when pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'execute')
          then (select s.system_identifier::text from pg_catalog.pg_control_system() s) end,
        pg_catalog.date_part('epoch', pg_catalog.pg_postmaster_start_time())::numeric::text,
        (select d.oid::text from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()))`;
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
      ${databaseInstanceSql()} as instance,
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
          'leaves', (with recursive tree(oid) as (
              select r.oid union select i.inhrelid from pg_catalog.pg_inherits i join tree t on i.inhparent = t.oid)
            select pg_catalog.json_agg(pg_catalog.json_build_object('oid', t.oid::text, 'name', t.oid::pg_catalog.regclass::text, 'foreign', k.relkind = 'f') order by t.oid::text)
            from tree t join pg_catalog.pg_class k on k.oid = t.oid where k.relkind <> 'p')))
        from chain c join pg_catalog.pg_class r on r.oid = c.oid)::text as relations`;
}

/** A relation as the reach statement describes it. */
interface RelationRow { oid: string; name: string; kind: string; definition: string | null; columns: string[]; reads: string[]; leaves: Leaf[] | null }

/** A rows-holding relation under another (itself, or an inheriting table or partition at any depth); `foreign`: a foreign table. */
interface Leaf { oid: string; name: string; foreign: boolean }

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
  /**
   * The foreign tables among `rows` (by name): their rows come from a server and table the catalog
   * names only in options a wrapper reads, which may be the other side's own table.
   */
  foreign?: string[];
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

/**
 * The relation the reach statement's row was asked about: its name as the server prints it (a
 * regclass text, qualified where the read's search_path needs it) and its columns in order;
 * undefined when the name reaches nothing.
 */
export function namedRelationOf(row: Record<string, unknown> | undefined): { name: string; columns: string[] } | undefined {
  const named = row?.named;
  const text = typeof row?.relations === 'string' ? row.relations : '';
  if (typeof named !== 'string') return undefined;
  const relation = ((JSON.parse(text || '[]') ?? []) as RelationRow[]).find((r) => r.oid === named);
  return relation === undefined ? undefined : { name: relation.name, columns: relation.columns };
}

/**
 * How a plan of the side prints each relation's columns, by the relation's name, where a view on
 * the way reads it under a FROM alias with a column list (`from users u(id, full_name)`: the plan
 * prints `u.full_name` for `name`): printed name → the relation's column. Null where it cannot be
 * told which scan is which (the relation read under two lists, or under a list and without one),
 * or the list cannot be matched to the relation's columns. Relations read without a list are absent.
 */
export function columnAliasesOf(row: Record<string, unknown> | undefined): Map<string, Map<string, string> | null> {
  const text = typeof row?.relations === 'string' ? row.relations : '';
  const relations = (JSON.parse(text || '[]') ?? []) as RelationRow[];
  const lists = new Map<string, Set<string>>();
  for (const view of relations) {
    const parsed = view.definition === null ? undefined : parseSql(view.definition);
    if (parsed?.kind !== 'parsed') continue;
    walkSqlTree(parsed.tree, ({ type, fields }) => {
      if (type !== 'RangeVar' || typeof fields.relname !== 'string') return;
      const names = ((fields.alias as { colnames?: unknown[] } | undefined)?.colnames ?? []).map(stringNodeValue);
      lists.set(fields.relname, (lists.get(fields.relname) ?? new Set()).add(JSON.stringify(names)));
    });
  }
  const out = new Map<string, Map<string, string> | null>();
  for (const [relname, written] of lists) {
    const aliased = [...written].map((list) => JSON.parse(list) as (string | undefined)[]).filter((list) => list.length > 0);
    if (aliased.length === 0) continue;
    // The relation's columns, when exactly one relation of that name is on the way (pg_get_viewdef
    // qualifies a name another schema would shadow; a list names the columns that are not dropped, in order).
    const named = relations.filter((r) => {
      const ref = parseTableRef(r.name);
      return !('error' in ref) && ref.name === relname;
    });
    const list = aliased[0]!;
    const columns = named.length === 1 ? named[0]!.columns : undefined;
    if (written.size !== 1 || columns === undefined || list.length > columns.length || list.some((name) => name === undefined)) {
      out.set(relname, null);
      continue;
    }
    const printed = columns.map((column, i) => [list[i] ?? column, column] as [string, string]);
    out.set(relname, new Set(printed.map(([name]) => name)).size === printed.length ? new Map(printed) : null);
  }
  return out;
}

/** How a walk down views reads the relation it reached: with its inheriting tables or not, and the named relation's columns as it reads them. */
interface Walk { inherit: boolean; columns: Map<string, string> | undefined }

/** The renaming of a walk's columns, where any column is read under another name. */
function renamedOf(columns: Map<string, string> | undefined): { renamed?: [string, string][] } {
  const pairs = [...(columns ?? [])];
  return pairs.some(([name, under]) => name !== under) ? { renamed: pairs.sort() } : {};
}

/**
 * Follows plain projections from `oid` down to the relations whose rows they show: one chain, or
 * several through the arms of a UNION ALL of plain projections (whose rows are all its arms' rows,
 * as a partitioned table's are its partitions').
 */
function reachFrom(oid: string, relations: ReadonlyMap<string, RelationRow>, walk: Walk = { inherit: true, columns: undefined }, depth = 0): Reach {
  const relation = relations.get(oid);
  // Views cannot be cyclic; the bound only guards against a malformed answer.
  if (!relation || depth > relations.size) return { relation: oid, names: [oid] };
  if (relation.kind !== 'v') {
    // `FROM ONLY t` in the last view reads t's own rows alone (none, when t is partitioned).
    const leaves = new Map((relation.leaves ?? []).map((leaf) => [leaf.oid, leaf]));
    const rows = walk.inherit ? [...leaves.keys()] : relation.kind === 'p' ? [] : [oid];
    const sorted = [...rows].sort();
    const nameOf = (leaf: string) => relations.get(leaf)?.name ?? leaves.get(leaf)?.name ?? leaf;
    const foreign = sorted.filter((leaf) => leaves.get(leaf)?.foreign === true).map(nameOf);
    return { rows: sorted, names: sorted.map(nameOf), ...renamedOf(walk.columns), ...(foreign.length > 0 ? { foreign } : {}) };
  }
  const own = { relation: oid, names: [relation.name], ...renamedOf(walk.columns) };
  const arms = plainArmsOf(relation, relations);
  if (arms === undefined) return own;
  const reaches = arms.map((arm) => {
    // A column the next view does not show is one no SQL on this side can read: it leaves the map.
    const before = walk.columns ?? new Map([...arm.columns.keys()].map((name) => [name, name]));
    const columns = new Map([...before].flatMap(([name, under]) => {
      const next = arm.columns.get(under);
      return next === undefined ? [] : [[name, next] as const];
    }));
    return reachFrom(arm.reads, relations, { inherit: arm.inherit, columns }, depth + 1);
  });
  if (reaches.length === 1) return reaches[0]!;
  // A UNION ALL shows its arms' rows as one relation only when every arm shows them under one renaming.
  const renamings = new Set(reaches.map((reach) => (reach !== null && 'rows' in reach ? JSON.stringify(reach.renamed ?? null) : 'not rows')));
  if (renamings.size !== 1 || renamings.has('not rows')) return own;
  const byOid = new Map(reaches.flatMap((reach) => (reach !== null && 'rows' in reach ? reach.rows.map((row, i) => [row, reach.names[i] ?? row] as const) : [])));
  const sorted = [...byOid.keys()].sort();
  const first = reaches[0] as { renamed?: [string, string][] };
  const foreign = [...new Set(reaches.flatMap((reach) => reach?.foreign ?? []))].sort();
  return { rows: sorted, names: sorted.map((row) => byOid.get(row)!), ...(first.renamed ? { renamed: first.renamed } : {}), ...(foreign.length > 0 ? { foreign } : {}) };
}

/** Keys a plain projection's SELECT may carry: ORDER BY changes no row, anything else may. */
const PLAIN_SELECT_KEYS = new Set(['targetList', 'fromClause', 'limitOption', 'op', 'sortClause']);
/** Keys of a UNION ALL around plain projections. */
const UNION_ALL_KEYS = new Set(['op', 'all', 'larg', 'rarg', 'limitOption', 'sortClause']);

/** One arm of a view: the relation it reads (oid), whether with its inheriting tables, and each view column's column there. */
interface Arm { reads: string; inherit: boolean; columns: Map<string, string> }

/**
 * The arms of a view whose definition is `SELECT c1, c2 AS x, … FROM one_relation` where every
 * output column is a column of that relation (under its own name or another), or a UNION ALL of
 * such SELECTs; undefined for any other view.
 */
function plainArmsOf(view: RelationRow, relations: ReadonlyMap<string, RelationRow>): Arm[] | undefined {
  if (view.definition === null) return undefined;
  const parsed = parseSql(view.definition);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: Record<string, unknown> }[] }).stmts ?? [];
  const select = statements.length === 1 ? (statements[0]?.stmt?.SelectStmt as Record<string, unknown> | undefined) : undefined;
  if (!select) return undefined;
  if (select.op === 'SETOP_NONE') {
    const arm = plainProjectionFrom(select, view.columns, true);
    return arm === undefined || view.reads.length !== 1 ? undefined : [{ reads: view.reads[0]!, inherit: arm.inherit, columns: arm.columns }];
  }
  const selects = unionAllArms(select);
  if (selects === undefined) return undefined;
  const arms: Arm[] = [];
  for (const arm of selects) {
    const plain = plainProjectionFrom(arm, view.columns, false);
    // Each arm's relation, found among those the view reads by the name its definition prints
    // (pg_get_viewdef and regclass qualify a name alike, in one statement's search_path).
    const reads = plain && view.reads.filter((oid) => sameName(relations.get(oid)?.name, plain.relation));
    if (!plain || reads?.length !== 1) return undefined;
    arms.push({ reads: reads[0]!, inherit: plain.inherit, columns: plain.columns });
  }
  return arms;
}

/** The SELECTs a UNION ALL (of any depth) joins, undefined when anything else is around them. */
function unionAllArms(select: Record<string, unknown>): Record<string, unknown>[] | undefined {
  if (select.op === 'SETOP_NONE') return [select];
  if (select.op !== 'SETOP_UNION' || select.all !== true || select.limitOption !== 'LIMIT_OPTION_DEFAULT') return undefined;
  if (Object.keys(select).some((key) => !UNION_ALL_KEYS.has(key))) return undefined;
  const left = unionAllArms(select.larg as Record<string, unknown>);
  const right = unionAllArms(select.rarg as Record<string, unknown>);
  return left && right ? [...left, ...right] : undefined;
}

/** Whether a relation's printed name (regclass text) names what a RangeVar names. */
function sameName(printed: string | undefined, range: { schemaname?: string; relname?: string; catalogname?: string }): boolean {
  if (printed === undefined || range.catalogname !== undefined || range.relname === undefined) return false;
  const ref = parseTableRef(printed);
  return !('error' in ref) && ref.name === range.relname && ref.schema === range.schemaname;
}

/**
 * Whether a SELECT is `SELECT c1, c2 AS x, … FROM one_relation` where every output column is a
 * column of that relation (under its own name or another); its columns, each with the column of
 * the relation it shows (the names the catalog has for the view's columns, positionally); the
 * relation as written; and whether it reads the relation's inheriting tables. `named`: whether
 * the SELECT's own output names must be the catalog's (the first arm's are; a UNION's later arms'
 * are not).
 */
function plainProjectionFrom(select: Record<string, unknown>, viewColumns: string[], named: boolean): { inherit: boolean; columns: Map<string, string>; relation: { schemaname?: string; relname?: string; catalogname?: string } } | undefined {
  // A filter of literal `true`s selects every row: no filter (as a check file's `where: true` is none).
  if (Object.keys(select).some((key) => !PLAIN_SELECT_KEYS.has(key) && key !== 'withClause' && !(key === 'whereClause' && literallyTrue(select.whereClause)))) return undefined;
  if (select.op !== 'SETOP_NONE' || select.limitOption !== 'LIMIT_OPTION_DEFAULT') return undefined;
  const from = select.fromClause as FromItem[] | undefined;
  if (from?.length !== 1 || from[0] === undefined) return undefined;
  const targets = (select.targetList ?? []) as ProjectionTarget[];
  if (targets.length !== viewColumns.length) return undefined;
  const columns = new Map<string, string>();
  for (const [i, target] of targets.entries()) {
    const fields = target.ResTarget?.val?.ColumnRef?.fields ?? [];
    const under = fields.at(-1)?.String?.sval;
    const name = viewColumns[i];
    // The name the definition gives the column must be the catalog's (a column list renames too).
    if (fields.length < 1 || fields.length > 2 || under === undefined || name === undefined || (named && (target.ResTarget?.name ?? under) !== name)) return undefined;
    columns.set(name, under);
  }
  // `FROM (SELECT … FROM t) s` or `WITH c AS (SELECT … FROM t) SELECT … FROM c`: a plain projection
  // wrapped in another shows the same rows (Postgres prints a view written either way as written).
  const wrapped = wrappedSelect(select, from[0]);
  if (wrapped === 'not plain') return undefined;
  if (wrapped !== undefined) {
    const names = outputNames(wrapped);
    const inner = names && plainProjectionFrom(wrapped, names, false);
    if (!inner) return undefined;
    const through = new Map<string, string>();
    for (const [name, under] of columns) {
      const next = inner.columns.get(under);
      if (next === undefined) return undefined;
      through.set(name, next);
    }
    return { ...inner, columns: through };
  }
  if (select.withClause !== undefined || from[0].RangeVar === undefined) return undefined;
  // `FROM users u(id, full_name)` names the relation's columns anew: the names the select list
  // reads are then not the relation's own (the plan reach maps them, columnAliasesOf).
  if ((from[0].RangeVar.alias?.colnames?.length ?? 0) > 0) return undefined;
  // The parse tree leaves out false booleans: `FROM ONLY t` has no `inh` at all.
  return { inherit: from[0].RangeVar.inh === true, columns, relation: from[0].RangeVar };
}

type FromItem = {
  RangeVar?: { inh?: boolean; schemaname?: string; relname?: string; catalogname?: string; alias?: { colnames?: unknown[] } };
  RangeSubselect?: { lateral?: boolean; subquery?: { SelectStmt?: Record<string, unknown> }; alias?: { colnames?: unknown[] } };
};
type ProjectionTarget = { ResTarget?: { name?: string; val?: { ColumnRef?: { fields?: { String?: { sval?: string } }[] } } } };

/**
 * The SELECT a single FROM item wraps: a sub-select, or the one WITH query the FROM names;
 * undefined when the FROM reads a relation, 'not plain' for any other form (a column alias list,
 * a recursive or multiple WITH, a WITH the FROM does not name).
 */
function wrappedSelect(select: Record<string, unknown>, from: FromItem): Record<string, unknown> | 'not plain' | undefined {
  const withClause = select.withClause as { recursive?: boolean; ctes?: { CommonTableExpr?: { ctename?: string; aliascolnames?: unknown[]; ctequery?: { SelectStmt?: Record<string, unknown> } } }[] } | undefined;
  if (from.RangeSubselect !== undefined) {
    const sub = from.RangeSubselect;
    if (withClause !== undefined || sub.lateral === true || (sub.alias?.colnames?.length ?? 0) > 0 || sub.subquery?.SelectStmt === undefined) return 'not plain';
    return sub.subquery.SelectStmt;
  }
  if (withClause === undefined) return undefined;
  const cte = withClause.ctes?.length === 1 ? withClause.ctes[0]?.CommonTableExpr : undefined;
  const range = from.RangeVar;
  if (withClause.recursive === true || cte?.ctequery?.SelectStmt === undefined || (cte.aliascolnames?.length ?? 0) > 0
    || range === undefined || range.schemaname !== undefined || range.catalogname !== undefined || range.relname !== cte.ctename) return 'not plain';
  return cte.ctequery.SelectStmt;
}

/** A SELECT's output column names as Postgres names plain column outputs (its alias, else the column's name). */
function outputNames(select: Record<string, unknown>): string[] | undefined {
  const names = ((select.targetList ?? []) as ProjectionTarget[]).map((target) => target.ResTarget?.name ?? target.ResTarget?.val?.ColumnRef?.fields?.at(-1)?.String?.sval);
  return names.every((name): name is string => name !== undefined) && new Set(names).size === names.length ? names : undefined;
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

/**
 * Every relation the reach statement's row names on its way down, oid → name (pure): the named relation, each
 * relation any view on the chain reads (through sub-queries, joins and filters too, not only plain
 * projections), and every rows-holding relation under them (inheriting tables, partitions).
 * What a query naming that relation may read data from; empty when the name reaches nothing.
 */
export function relationsReached(row: Record<string, unknown> | undefined): Map<string, string> {
  const text = typeof row?.relations === 'string' ? row.relations : '';
  const relations = (JSON.parse(text || '[]') ?? []) as RelationRow[];
  return new Map(relations.flatMap((relation) => [[relation.oid, relation.name] as const, ...(relation.leaves ?? []).map((leaf) => [leaf.oid, leaf.name] as const)]));
}
