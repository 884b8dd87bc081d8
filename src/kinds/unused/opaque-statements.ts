/**
 * pg_stat_statements entries whose text cannot show what they read (pure). An entry keeps the text
 * of its first call, but its queryid is computed from relation oids and column numbers, so after
 * `ALTER TABLE … RENAME` (table, column or schema) new calls keep counting on an entry whose text
 * still spells the old names: parsing it finds no use of the renamed shape. And with
 * `pg_stat_statements.track` below `all`, SQL run inside a DO block or by a built-in that executes
 * a query given as text (`query_to_xml`, `table_to_xml`, `ts_stat`, …) is counted only as the
 * top-level call, whose normalised text (`select query_to_xml($1, …)`) hides the query.
 */
import { parseSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';
import { withQueryReadsOf } from '../../sql/with-scope.js';
import { mentionsWord } from './targets.js';
import { SQL_TEXT_FUNCTIONS } from './sql-text-calls.js';

/**
 * Functions that run SQL handed to them as text or a relation name, through SPI, below the top
 * level: the xml export family and ts_stat (built in), crosstab and connectby (tablefunc).
 */
export const SQL_RUNNING_FUNCTIONS: readonly string[] = Object.keys(SQL_TEXT_FUNCTIONS);

/** Names a statement may use as a column without any relation of it having that column. */
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid', 'excluded', 'new', 'old']);

/** What one statement text names, for judging it against today's catalog. */
export interface StatementNames {
  /** Relations in FROM/INTO/… (CTE names left out), as written. */
  relations: { schema: string | undefined; name: string }[];
  /** Every identifier inside a column reference (qualifiers included). */
  columnRefs: Set<string>;
  /** Names the statement itself defines: aliases, output names, CTEs, function-in-FROM names. */
  defined: Set<string>;
  /** Runs SQL below the top level: a DO block that may execute SQL built at run time, or a SQL-running function. */
  runsNested: string | undefined;
  /**
   * A plannable statement (SELECT, INSERT, UPDATE, DELETE, MERGE, or a PREPARE of one), whose queryid comes from oids
   * and column numbers; a utility statement's queryid is a hash of its text, which is then always
   * the text that ran, so no rename can leave it stale.
   */
  plannable: boolean;
}

const PLANNABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** A SQL-level `PREPARE p AS <plannable>` is the text its EXECUTEs count on, under the inner statement's queryid. */
function isPlannable(stmt: Record<string, unknown> | undefined): boolean {
  const [type, fields] = Object.entries(stmt ?? {})[0] ?? [];
  if (type === 'PrepareStmt') return isPlannable((fields as { query?: Record<string, unknown> } | undefined)?.query);
  return PLANNABLE.has(type ?? '');
}

const stringsOf = (list: unknown): string[] => (Array.isArray(list)
  ? list.map((item) => (item as { String?: { sval?: unknown } }).String?.sval).filter((s): s is string => typeof s === 'string')
  : []);

/** Reads the names of a statement's parse tree; undefined when the parser rejects the text. */
export function statementNames(text: string): StatementNames | undefined {
  const parsed = parseSql(text);
  if (parsed.kind === 'syntax_error') return undefined;
  const stmts = (parsed.tree as { stmts?: { stmt?: Record<string, unknown> }[] }).stmts ?? [];
  const plannable = stmts.length > 0 && stmts.every(({ stmt }) => isPlannable(stmt));
  const names: StatementNames = { relations: [], columnRefs: new Set(), defined: new Set(), runsNested: undefined, plannable };
  const ctes = new Set<string>();
  // A name a WITH query defines reads that query only where the WITH query is seen (sql/with-scope.ts).
  const withReads = withQueryReadsOf(parsed.tree);
  // `e.key` from `jsonb_each(…) e` or a subquery alias names that row source's output, whose own
  // column references are checked where they are written.
  const derived = new Set<string>();
  const qualifiedRefs: string[][] = [];
  // The columns an INSERT, UPDATE, ON CONFLICT or MERGE names as written are the table's, not aliases.
  const writtenTargets = new WeakSet<object>();
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    const onConflict = type === 'InsertStmt' ? (fields['onConflictClause'] as { targetList?: unknown } | undefined)?.targetList : undefined;
    const writes = type === 'InsertStmt' ? fields['cols'] : type === 'UpdateStmt' || type === 'MergeWhenClause' ? fields['targetList'] : undefined;
    for (const item of [...(Array.isArray(writes) ? writes : []), ...(Array.isArray(onConflict) ? onConflict : [])]) {
      const target = (item as { ResTarget?: { name?: unknown } }).ResTarget;
      if (target) writtenTargets.add(target);
      if (typeof target?.name === 'string') qualifiedRefs.push([target.name]);
    }
    if ((type === 'RangeFunction' || type === 'RangeSubselect' || type === 'RangeTableFunc') && typeof (fields['alias'] as { aliasname?: unknown } | undefined)?.aliasname === 'string') {
      derived.add((fields['alias'] as { aliasname: string }).aliasname);
    }
    if (typeof fields['relname'] === 'string' && ('relpersistence' in fields || 'inh' in fields) && !withReads.has(fields)) {
      names.relations.push({ schema: typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined, name: fields['relname'] });
    }
    if (type === 'CommonTableExpr' && typeof fields['ctename'] === 'string') ctes.add(fields['ctename']);
    if (type === 'ColumnRef') qualifiedRefs.push(stringsOf(fields['fields']));
    if (type === 'ResTarget' && typeof fields['name'] === 'string' && !writtenTargets.has(fields)) names.defined.add(fields['name']);
    if (typeof fields['aliasname'] === 'string') names.defined.add(fields['aliasname']);
    for (const key of ['colnames', 'aliascolnames']) for (const s of stringsOf(fields[key])) names.defined.add(s);
    if (type === 'FuncCall') {
      const fn = stringsOf(fields['funcname']).at(-1);
      if (fn !== undefined) names.defined.add(fn);
      if (fn !== undefined && SQL_RUNNING_FUNCTIONS.includes(fn)) names.runsNested ??= `it calls ${fn}, which runs a query given as text or a relation name`;
    }
    if (type === 'DoStmt') {
      const args = Array.isArray(fields['args']) ? fields['args'] as { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }[] : [];
      const body = args.find((a) => a.DefElem?.defname === 'as')?.DefElem?.arg?.String?.sval ?? '';
      const language = args.find((a) => a.DefElem?.defname === 'language')?.DefElem?.arg?.String?.sval ?? 'plpgsql';
      // A PL/pgSQL block runs only the statements it spells out, unless it executes a string or calls a SQL-running function.
      if (language !== 'plpgsql' || mentionsWord(body, 'execute') || SQL_RUNNING_FUNCTIONS.some((fn) => mentionsWord(body, fn))) {
        names.runsNested ??= `it is a DO block (${language}) that may run SQL built at run time`;
      }
    }
  });
  for (const ref of qualifiedRefs) {
    if (ref.length > 1 && (derived.has(ref[0]!) || ctes.has(ref[0]!))) continue;
    for (const s of ref) names.columnRefs.add(s);
  }
  for (const cte of ctes) names.defined.add(cte);
  return names;
}

/** Today's relations by name: the schemas each name exists in, and each (schema, name)'s columns. */
export interface CatalogNames {
  schemasOf: Map<string, Set<string>>;
  columnsOf: Map<string, Set<string>>;
  /** `schema.name` of relations an extension holds and a superuser owns (pg_stat_statements' own view; installed-code.ts). */
  extensionOwned?: Set<string>;
}

/** Builds the lookup from catalog rows of `planRelationsNamed`. */
export function catalogNames(rows: readonly { schema: string; name: string; columns: string; extension?: boolean }[]): CatalogNames {
  const lookup: CatalogNames = { schemasOf: new Map(), columnsOf: new Map(), extensionOwned: new Set() };
  for (const row of rows) {
    if (row.extension === true) lookup.extensionOwned?.add(`${row.schema}.${row.name}`);
    lookup.schemasOf.set(row.name, (lookup.schemasOf.get(row.name) ?? new Set()).add(row.schema));
    lookup.columnsOf.set(`${row.schema}.${row.name}`, new Set(JSON.parse(row.columns) as string[]));
  }
  return lookup;
}

/**
 * Why the text no longer spells what the entry reads, or undefined when every relation it names
 * exists today and every column reference is a column of one of them or a name it defines. A
 * relation gone by that name was renamed (or dropped: its entry then counts no new calls, and only
 * new calls are judged). Columns are checked only when the text names a relation of the shape.
 */
export function staleName(names: StatementNames, catalog: CatalogNames, namesShapeRelation: boolean): string | undefined {
  if (!names.plannable) return undefined;
  const columns = new Set<string>();
  for (const r of names.relations) {
    const schemas = catalog.schemasOf.get(r.name);
    if (!schemas || (r.schema !== undefined && !schemas.has(r.schema))) {
      return `it names ${r.schema === undefined ? '' : `${r.schema}.`}${r.name}, which no longer exists by that name (renamed since the entry was first recorded?)`;
    }
    for (const schema of r.schema === undefined ? schemas : [r.schema]) {
      for (const c of catalog.columnsOf.get(`${schema}.${r.name}`) ?? []) columns.add(c);
    }
  }
  if (!namesShapeRelation) return undefined;
  const qualifiers = new Set(names.relations.flatMap((r) => [r.name, ...(r.schema ? [r.schema] : [])]));
  const unknown = [...names.columnRefs].filter((c) => !columns.has(c) && !names.defined.has(c) && !qualifiers.has(c) && !SYSTEM_COLUMNS.has(c));
  if (unknown.length === 0) return undefined;
  return `it names column${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}, which no relation it reads has today (renamed since the entry was first recorded?)`;
}
