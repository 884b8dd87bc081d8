/**
 * Functions in FROM, and the names that may follow their alias. A function returning a scalar
 * makes its alias that scalar: in `select x.f from to_regclass('users') x`, Postgres reads `x.f`
 * as the call f(x) on a regclass whenever the function has no output column `f` — a call to any
 * one-argument function, the parser sees only a column reference. Which columns a function
 * returns is the server's knowledge, so only names the query itself declares may follow.
 */
import { stringNodeValue, walkSqlTree } from './tree-walk.js';

/** Alias (or unaliased function name) → the column names the query declares for it. */
export type FunctionRanges = ReadonlyMap<string, ReadonlySet<string>>;

function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.map(stringNodeValue).filter((name): name is string => name !== undefined) : [];
}

/** Every function in a FROM clause under `tree`, with the names its query declares for it. */
export function functionRanges(tree: unknown): FunctionRanges {
  const ranges = new Map<string, Set<string>>();
  walkSqlTree(tree, ({ type, fields }) => {
    if (type !== 'RangeFunction') return;
    const declared = new Set<string>();
    const qualifiers: string[] = [];
    const alias = fields['alias'] as { aliasname?: unknown; colnames?: unknown } | undefined;
    const colnames = strings(alias?.colnames);
    for (const name of colnames) declared.add(name);
    // Column definition lists (`as r(a int)`, and per function inside ROWS FROM) name columns too.
    walkSqlTree(fields['coldeflist'], (node) => {
      if (node.type === 'ColumnDef' && typeof node.fields['colname'] === 'string') declared.add(node.fields['colname']);
    });
    for (const item of Array.isArray(fields['functions']) ? fields['functions'] : []) {
      const [call, definitions] = (item as { List?: { items?: unknown[] } }).List?.items ?? [];
      walkSqlTree(definitions, (node) => {
        if (node.type === 'ColumnDef' && typeof node.fields['colname'] === 'string') declared.add(node.fields['colname']);
      });
      const name = strings((call as { FuncCall?: { funcname?: unknown } } | undefined)?.FuncCall?.funcname).at(-1);
      if (name !== undefined) qualifiers.push(name);
    }
    if (typeof alias?.aliasname === 'string') qualifiers.splice(0, qualifiers.length, alias.aliasname);
    if (colnames.length === 0) {
      // A scalar function's one column is named like its alias, or like the function when unaliased.
      for (const qualifier of qualifiers) declared.add(qualifier);
      if (fields['ordinality'] === true) declared.add('ordinality');
    }
    for (const qualifier of qualifiers) {
      const known = ranges.get(qualifier);
      // The same name aliasing two functions (in different subqueries): only names both declare.
      ranges.set(qualifier, known === undefined ? declared : new Set([...known].filter((name) => declared.has(name))));
    }
  });
  return ranges;
}
