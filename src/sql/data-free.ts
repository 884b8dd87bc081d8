/**
 * Does operator SQL read any data at all? A compared value that names no column (`1` against
 * `2-1`, `null` against `null`) or a read whose compared fields are all constants has the same
 * result whatever the database holds, so a check built on it can never fail for a reason in the
 * data. Judged on the parse tree; pure once the parser is loaded. Errs towards "reads data": only
 * SQL that certainly reads nothing is reported.
 */
import { findKeyPlaceholders, withPositionalParameters } from './key-placeholders.js';
import { isFixedValue, isValueOfColumns } from './fixed-answers.js';
import { figureColumnName } from './output-name.js';
import { parseSql } from './parser.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';

type Fields = Readonly<Record<string, unknown>>;

const namesOf = (list: unknown): string[] => (Array.isArray(list) ? list.map(stringNodeValue).filter((n): n is string => n !== undefined) : []);

/** The output names of a query's select list (`select 1 as v` → v), and a VALUES list's `column1`, `column2`, …. */
function outputNames(query: unknown): string[] {
  const names: string[] = [];
  walkSqlTree(query, ({ type, fields }) => {
    if (type === 'ResTarget' && typeof fields['name'] === 'string') names.push(fields['name']);
    const values = fields['valuesLists'];
    if (type === 'SelectStmt' && Array.isArray(values)) {
      const first = (values[0] as { List?: { items?: unknown[] } } | undefined)?.List?.items ?? [];
      for (let i = 1; i <= first.length; i++) names.push(`column${i}`);
    }
  });
  return names;
}

/** Column names a FROM item declares in its own body: a column definition list, JSON_TABLE and XMLTABLE columns. */
function declaredColumns(tree: unknown): string[] {
  const names: string[] = [];
  walkSqlTree(tree, ({ type, fields }) => {
    const name = type === 'ColumnDef' || type === 'RangeTableFuncCol' ? fields['colname'] : type === 'JsonTableColumn' ? fields['name'] : undefined;
    if (typeof name === 'string') names.push(name);
  });
  return names;
}

/** The names a WITH query defines: its own, its column list, its outputs, and its SEARCH and CYCLE columns. */
function cteNames(fields: Fields): (string | undefined)[] {
  const search = fields['search_clause'] as Fields | undefined;
  const cycle = fields['cycle_clause'] as Fields | undefined;
  const added = [search?.['search_seq_column'], cycle?.['cycle_mark_column'], cycle?.['cycle_path_column']].filter((n): n is string => typeof n === 'string');
  return [fields['ctename'] as string, ...namesOf(fields['aliascolnames']), ...outputNames(fields['ctequery']), ...added];
}

/**
 * The query or call a node defines names over: a WITH query, a function in FROM, a sub-select in
 * FROM, a table function (JSON_TABLE, XMLTABLE), an aliased join (whose alias hides the names inside).
 */
function definitionOf(type: string | undefined, fields: Fields): { body: unknown; names: (string | undefined)[] } | undefined {
  if (type === 'CommonTableExpr') return { body: fields['ctequery'], names: cteNames(fields) };
  if (type === 'RangeFunction') {
    const ordinality = fields['ordinality'] === true ? ['ordinality'] : [];
    return { body: fields['functions'], names: [...aliasNames(fields), ...functionNames(fields['functions']), ...declaredColumns([fields['functions'], fields['coldeflist']]), ...ordinality] };
  }
  if (type === 'RangeSubselect') return { body: fields['subquery'], names: [...aliasNames(fields), ...outputNames(fields['subquery'])] };
  if (type === 'RangeTableFunc' || type === 'JsonTable') return { body: fields, names: [...aliasNames(fields), ...declaredColumns(fields['columns'])] };
  if (type === 'JoinExpr' && fields['alias'] !== undefined) return { body: { ...fields, alias: undefined }, names: [...aliasNames(fields), ...outputNames(fields), ...declaredColumns(fields)] };
  return undefined;
}

/**
 * Judges a WITH clause before the rest of its statement (the parse tree puts it after FROM, whose
 * items read it): in order, each query seeing those before it; under RECURSIVE, every query sees
 * all of them, itself included. A query that reads data is no error by itself (one that nobody
 * reads is not run); its name stops being a constant's, so any read of it is a read of data.
 * Returns whether a query reads data.
 */
function defineWithNames(withClause: unknown, own: Set<string>): boolean {
  const clause = ((withClause as { WithClause?: Fields } | undefined)?.WithClause ?? withClause) as Fields | undefined;
  const ctes = ((clause?.['ctes'] as { CommonTableExpr?: Fields }[] | undefined) ?? []).map((c) => c.CommonTableExpr).filter((c): c is Fields => c !== undefined);
  const add = (names: (string | undefined)[]) => { for (const name of names) if (name !== undefined) own.add(name); };
  if (clause?.['recursive'] === true) {
    // Judged as if all were constants; kept only when that holds for every one (a least fixpoint).
    const trial = new Set(own);
    for (const cte of ctes) for (const name of cteNames(cte)) if (name !== undefined) trial.add(name);
    if (ctes.some((cte) => readsData(cte['ctequery'], trial))) {
      for (const cte of ctes) own.delete(cte['ctename'] as string);
      return true;
    }
    for (const name of trial) own.add(name);
    return false;
  }
  let reads = false;
  for (const cte of ctes) {
    if (readsData(cte['ctequery'], own)) {
      reads = true;
      own.delete(cte['ctename'] as string);
    } else add(cteNames(cte));
  }
  return reads;
}

/** A query node: tagged, or a set operation's branch (an untagged `larg`/`rarg`; a join's are tagged). */
const isQuery = (type: string | undefined, key: string | undefined): boolean => type === 'SelectStmt' || (type === undefined && (key === 'larg' || key === 'rarg'));

/**
 * Adds to `own` the names the subtree defines over no data: a WITH query of constants, an alias of
 * `generate_series(1, 1)` or of a sub-select of constants, and their columns. A relation's own
 * alias is never added: `u.name` of `users u` is data. Returns whether a definition reads data.
 *
 * Each definition's body is judged once, in its own scope, and not walked again from outside:
 * walking every scope beneath from every scope above doubled the work with each level of nesting
 * (a 25-deep sub-select hung a check file's load).
 */
function defineOwnNames(tree: unknown, own: Set<string>): boolean {
  let reads = false;
  let root = true;
  walkSqlTree(tree, ({ type, fields, key }) => {
    // A nested query (a sub-link, a set operation's branch) is a scope of its own: what it defines
    // is not seen from here. `readsData` judges it, once, with the names of this scope.
    const isRoot = root;
    root = false;
    if (isQuery(type, key) && !isRoot) return 'skip';
    if (fields['withClause'] !== undefined && type !== 'CommonTableExpr') {
      // A WITH query reading data reads data only where it is read (its name is no longer a constant's).
      defineWithNames(fields['withClause'], own);
      if (defineOwnNames({ ...fields, withClause: undefined }, own)) reads = true;
      return 'skip';
    }
    // `a join b using (v) as ju`: `ju` names constants when both sides read no data.
    const usingAlias = (fields['join_using_alias'] as { aliasname?: unknown } | undefined)?.aliasname;
    if (type === 'JoinExpr' && typeof usingAlias === 'string') {
      const sides = [fields['larg'], fields['rarg']];
      if (defineOwnNames(sides, own) || readsRelation(sides, own)) reads = true;
      else own.add(usingAlias);
      return 'skip';
    }
    // `c as k (w)` where `c` is a WITH query of constants: `k` and `w` name constants too.
    if (type === 'RangeVar' && fields['schemaname'] === undefined && own.has(String(fields['relname']))) {
      for (const name of aliasNames(fields)) own.add(name);
      return undefined;
    }
    const definition = definitionOf(type, fields);
    if (!definition) return undefined;
    if (readsData(definition.body, own)) reads = true;
    else for (const name of definition.names) if (name !== undefined) own.add(name);
    return 'skip';
  });
  return reads;
}

/** Whether FROM items read a relation outside the definitions (each judged on its own) that name constants. */
function readsRelation(tree: unknown, own: ReadonlySet<string>): boolean {
  let reads = false;
  // Definitions and nested queries (in ON conditions) are judged by the walks of `readsData`.
  walkSqlTree(tree, ({ type, fields, key }) => {
    if (reads || definitionOf(type, fields) || isQuery(type, key)) return 'skip';
    if (type === 'RangeVar') reads = typeof fields['schemaname'] === 'string' || !own.has(String(fields['relname']));
    return undefined;
  });
  return reads;
}

/** The names a query gives its own outputs (`as v`, or as Postgres names them), those of a set operation's first branch. */
function queryOutputNames(query: Fields): string[] {
  let select: Fields | undefined = query;
  while (select && select['op'] !== undefined && select['op'] !== 'SETOP_NONE') select = select['larg'] as Fields | undefined;
  if (Array.isArray(select?.['valuesLists'])) return outputNames({ SelectStmt: select });
  return ((select?.['targetList'] as { ResTarget?: Fields }[] | undefined) ?? []).map((t) => (typeof t.ResTarget?.['name'] === 'string' ? t.ResTarget['name'] : figureColumnName(t.ResTarget?.['val'])));
}

/** Whether the subtree reads a table or a column other than the names in `own` and those it defines over no data itself. */
function readsData(tree: unknown, outer: ReadonlySet<string>): boolean {
  const own = new Set(outer);
  if (defineOwnNames(tree, own)) return true;
  // ORDER BY and GROUP BY (only they) may name the query's outputs, which read what their values read.
  const query = (tree as { SelectStmt?: Fields } | undefined)?.SelectStmt;
  if (query && (query['sortClause'] !== undefined || query['groupClause'] !== undefined)) {
    if (readsData([query['sortClause'], query['groupClause']], new Set([...own, ...queryOutputNames(query)]))) return true;
    tree = { SelectStmt: { ...query, sortClause: undefined, groupClause: undefined } };
  }
  let reads = false;
  let root = true;
  walkSqlTree(tree, ({ type, fields, key }) => {
    const isRoot = root;
    root = false;
    if (reads || definitionOf(type, fields)) return 'skip';
    if (isQuery(type, key) && !isRoot) {
      reads = readsData({ SelectStmt: fields }, own);
      return 'skip';
    }
    if (type === 'RangeVar' || (type === undefined && typeof fields['relname'] === 'string')) {
      reads = typeof fields['schemaname'] === 'string' || !own.has(String(fields['relname']));
    } else if (type === 'ColumnRef') {
      // A whole row or a column: data unless it is a name this SQL defined over no data. A bare
      // `*` reads only its own query's FROM items, each judged by this same walk.
      const parts = (fields['fields'] as unknown[] | undefined) ?? [];
      const first = stringNodeValue(parts[0]);
      const bareStar = parts.length === 1 && (parts[0] as { A_Star?: unknown }).A_Star !== undefined;
      reads = !bareStar && (first === undefined || !own.has(first));
    }
    return undefined;
  });
  return reads;
}

function aliasNames(fields: Fields): string[] {
  const alias = fields['alias'] as { aliasname?: unknown; colnames?: unknown } | undefined;
  return [...(typeof alias?.aliasname === 'string' ? [alias.aliasname] : []), ...namesOf(alias?.colnames)];
}

/** A set-returning function without an alias names its column after itself. */
function functionNames(functions: unknown): string[] {
  const names: string[] = [];
  walkSqlTree(functions, ({ type, fields }) => { if (type === 'FuncCall') names.push(...namesOf(fields['funcname']).slice(-1)); });
  return names;
}

/**
 * Whether the expression `text` reads no table and no column of the row. The clock, the session
 * and the catalog (`now()`, `current_date`, `to_regclass('t')`) are no data of the migration.
 * Text that does not parse reads data (it is refused elsewhere).
 */
export function expressionReadsNoData(text: string): boolean {
  const parsed = parseSql(`select (${text})`);
  return parsed.kind === 'parsed' && !readsData(parsed.tree, new Set());
}

/** One output column of a query: its name (undefined for an unnamed expression) and whether it reads no data. */
interface Output { name: string | undefined; constant: boolean }

/**
 * The outputs of a SELECT, or undefined when one cannot be told (`*`). A set operation (`union`,
 * `intersect`, `except`) takes its names from its first branch, and an output is a constant only
 * where it is one in every branch. The FROM clause does not count: `select id, 1 as v from users`
 * outputs the constant `1`.
 */
function outputsOf(select: Fields, outer: ReadonlySet<string>, keys: ReadonlySet<string>): Output[] | undefined {
  // Names the FROM and WITH clauses define over no data (a WITH query of constants, `generate_series(1, 1) as x`).
  const own = new Set(outer);
  defineWithNames(select['withClause'], own);
  defineOwnNames(select['fromClause'], own);
  if (select['op'] !== undefined && select['op'] !== 'SETOP_NONE') {
    const [left, right] = [select['larg'], select['rarg']].map((arm) => (arm && typeof arm === 'object' ? outputsOf(arm as Fields, own, keys) : undefined));
    if (!left || !right || left.length !== right.length) return undefined;
    return left.map((output, i) => ({ name: output.name, constant: output.constant && right[i]!.constant }));
  }
  const outputs: Output[] = [];
  const keyColumns = keyColumnsOf(select, keys);
  // A column named like the key's, the key's own spelling (`u.id`), or a name this SQL defined over no data.
  const known = (ref: unknown) => keyColumns.has(columnPath(ref)) || !readsData(ref, own);
  for (const target of (select['targetList'] as { ResTarget?: Fields }[] | undefined) ?? []) {
    const value = target.ResTarget?.['val'];
    const columns = (value as { ColumnRef?: { fields?: unknown[] } } | undefined)?.ColumnRef?.fields;
    if (columns?.some((part) => (part as { A_Star?: unknown }).A_Star !== undefined)) {
      // `*` over one sub-select or WITH query, or `x.*` over the one named x, outputs what that query outputs.
      const qualifier = columns.length === 2 ? stringNodeValue(columns[0]) : undefined;
      const inner = columns.length === 1 ? starSource(select) : qualifier !== undefined ? starSource(select, qualifier) : undefined;
      const expanded = inner && outputsOf(inner, own, new Set());
      if (!expanded) return undefined;
      outputs.push(...expanded);
      continue;
    }
    // Unnamed, it is compared under the name Postgres gives it (`?column?`, `upper`, `int4`).
    const name = typeof target.ResTarget?.['name'] === 'string' ? target.ResTarget['name'] : figureColumnName(value);
    // A function of the key alone (`id as v`, `id::text`, `id + 0`) is the same on both sides for every key.
    outputs.push({ name, constant: !readsData(value, own) || isFixedValue(value) || (keyColumns.size > 0 && isValueOfColumns(value, known)) });
  }
  return outputs;
}

/** A column reference as dotted text (`u.id`); empty for anything else, a `*` included. */
function columnPath(ref: unknown): string {
  const parts = (ref as { ColumnRef?: { fields?: unknown[] } } | undefined)?.ColumnRef?.fields ?? [];
  const names = parts.map(stringNodeValue);
  return names.length > 0 && names.every((n) => n !== undefined) ? names.join('.') : '';
}

/** The columns a query selects as its key outputs (`id`, `u.id as id`), as written: only a plain column counts. */
function keyColumnsOf(select: Fields, keys: ReadonlySet<string>): Set<string> {
  const columns = new Set<string>();
  for (const target of (select['targetList'] as { ResTarget?: Fields }[] | undefined) ?? []) {
    const value = target.ResTarget?.['val'];
    const name = typeof target.ResTarget?.['name'] === 'string' ? target.ResTarget['name'] : figureColumnName(value);
    const path = columnPath(value);
    if (keys.has(name) && path !== '') columns.add(path);
  }
  return columns;
}

/**
 * The query a bare `*` reads when FROM holds one sub-select or one WITH query, or the one `x.*`
 * reads when a FROM item (beside others, or inside a join) is named `x`; without a column list.
 */
function starSource(select: Fields, qualifier?: string): Fields | undefined {
  const from = (select['fromClause'] as unknown[] | undefined) ?? [];
  if (qualifier === undefined && from.length !== 1) return undefined;
  const items: unknown[] = [...from];
  const candidates: { RangeSubselect?: Fields; RangeVar?: Fields }[] = [];
  while (items.length > 0) {
    const item = items.shift() as { RangeSubselect?: Fields; RangeVar?: Fields; JoinExpr?: Fields };
    if (item.JoinExpr && qualifier !== undefined && item.JoinExpr['alias'] === undefined) items.push(item.JoinExpr['larg'], item.JoinExpr['rarg']);
    else candidates.push(item);
  }
  const aliasOf = (fields: Fields) => fields['alias'] as { aliasname?: unknown; colnames?: unknown } | undefined;
  const named = (fields: Fields, own: unknown) => qualifier === undefined || (aliasOf(fields)?.aliasname ?? own) === qualifier;
  const matches = candidates.filter((c) => (c.RangeSubselect && named(c.RangeSubselect, undefined)) || (c.RangeVar && named(c.RangeVar, c.RangeVar['relname'])));
  if (matches.length !== 1) return undefined;
  const item = matches[0]!;
  const aliased = (fields: Fields) => namesOf(aliasOf(fields)?.colnames).length > 0;
  if (item.RangeSubselect) return aliased(item.RangeSubselect) ? undefined : (item.RangeSubselect['subquery'] as { SelectStmt?: Fields } | undefined)?.SelectStmt;
  const name = item.RangeVar && item.RangeVar['schemaname'] === undefined && !aliased(item.RangeVar) ? item.RangeVar['relname'] : undefined;
  if (typeof name !== 'string') return undefined;
  const ctes = ((select['withClause'] as { ctes?: { CommonTableExpr?: Fields }[] } | undefined)?.ctes ?? []).map((c) => c.CommonTableExpr);
  const cte = ctes.find((c) => c?.['ctename'] === name);
  if (!cte || namesOf(cte['aliascolnames']).length > 0) return undefined;
  return (cte['ctequery'] as { SelectStmt?: Fields } | undefined)?.SelectStmt;
}

/**
 * The compared outputs of a keyed query (shadow_read: its `$keys` placeholders bound) when every
 * one reads no data — every output but those in `skip` (the key, `compare.ignore`) — or undefined
 * when an output reads data, one cannot be named (`*`, an unnamed expression), or the text is not
 * one SELECT (set operations included, branch by branch).
 */
export function constantOutputsOf(query: string, skip: ReadonlySet<string>, keys: ReadonlySet<string> = new Set()): string[] | undefined {
  const parsed = parseSql(withPositionalParameters(query, findKeyPlaceholders(query)));
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: { SelectStmt?: Fields } }[] }).stmts ?? [];
  const select = statements.length === 1 ? statements[0]?.stmt?.SelectStmt : undefined;
  const outputs = select && outputsOf(select, new Set(), keys);
  if (!outputs) return undefined;
  const constants: string[] = [];
  for (const { name, constant } of outputs) {
    if (name === undefined) return undefined;
    if (skip.has(name)) continue;
    if (!constant) return undefined;
    constants.push(name);
  }
  return constants;
}
