/**
 * Does operator SQL read any data at all? A compared value that names no column (`1` against
 * `2-1`, `null` against `null`) or an assertion query that reads no table (`select 0`, `select 1
 * where false`) has the same result whatever the database holds, so a check built on it can never
 * fail — or never pass — for a reason in the data. Judged on the parse tree; pure once the parser
 * is loaded. Errs towards "reads data": only SQL that certainly reads nothing is reported.
 */
import { parseSql } from './parser.js';
import { dependsOnArgumentsAlone } from './stable-builtins.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';

/** The catalog-lookup types: a cast to one reads the catalog (`'users'::regclass`). */
const CATALOG_TYPES = new Set(['regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype']);

/**
 * What counts as data: `row` — a column of the row or a table (a compared value; the clock, the
 * session and the catalog are no data of the migration); `server` — also anything a stable
 * built-in, a SQL value function or a catalog cast reads (an assertion may be about the schema:
 * `select to_regclass('users_new') is not null`).
 */
export type DataSense = 'row' | 'server';

/**
 * Whether `text` (an expression, or a query with `as: 'query'`) reads no data in the given sense:
 * no table (a name a WITH clause defines is no table), no column other than one this SQL names itself (`x` of
 * `generate_series(1, 1) as x`, a WITH query's column), and, for `server`,
 * no stable built-in, SQL value function or catalog cast. Text that does not parse reads data (it
 * is refused elsewhere).
 */
export function readsNoData(text: string, as: 'expression' | 'query', sense: DataSense): boolean {
  const parsed = parseSql(as === 'expression' ? `select (${text})` : text);
  if (parsed.kind !== 'parsed') return false;
  const ownNames = new Set<string>();
  const addName = (name: string | undefined) => { if (name !== undefined) ownNames.add(name); };
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type === 'CommonTableExpr' && typeof fields['ctename'] === 'string') {
      ownNames.add(fields['ctename']);
      // A WITH query's columns: its own list, or the names its query gives them.
      for (const name of (fields['aliascolnames'] as unknown[] | undefined) ?? []) addName(stringNodeValue(name));
      walkSqlTree(fields['ctequery'], (inner) => { if (inner.type === 'ResTarget' && typeof inner.fields['name'] === 'string') ownNames.add(inner.fields['name']); });
    }
    if (type === 'Alias' || (type === undefined && typeof fields['aliasname'] === 'string')) {
      if (typeof fields['aliasname'] === 'string') ownNames.add(fields['aliasname']);
      for (const name of (fields['colnames'] as unknown[] | undefined) ?? []) addName(stringNodeValue(name));
    }
  });
  let reads = false;
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (reads) return;
    if (type === 'RangeVar' || (type === undefined && typeof fields['relname'] === 'string')) {
      reads = typeof fields['schemaname'] === 'string' || !ownNames.has(String(fields['relname']));
    } else if (type === 'ColumnRef') {
      const first = stringNodeValue(((fields['fields'] as unknown[] | undefined) ?? [])[0]);
      // `*`, a whole row or a column: data unless it is a name this SQL defined for itself.
      reads = first === undefined || !ownNames.has(first);
    } else if (sense === 'server') {
      const funcname = fields['funcname'];
      const called = Array.isArray(funcname) ? stringNodeValue(funcname[funcname.length - 1]) : undefined;
      const castTo = type === 'TypeCast' ? ((fields['typeName'] as { names?: unknown[] } | undefined)?.names ?? []).map(stringNodeValue).at(-1) : undefined;
      reads = type === 'SQLValueFunction' || (called !== undefined && !dependsOnArgumentsAlone(called)) || (castTo !== undefined && CATALOG_TYPES.has(castTo));
    }
  });
  return !reads;
}
