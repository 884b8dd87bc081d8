/**
 * The relations a statement names, as text `to_regclass()` reads back under the statement's own
 * search_path. Pure once `loadSqlParser()` has resolved.
 */
import { regclassText } from './build.js';
import { parseSql } from './parser.js';
import { walkSqlTree } from './tree-walk.js';

/**
 * Every relation name in `text` (each RangeVar: FROM items, `TABLE t`, names in sub-queries and
 * CTEs), without the ones qualified with pg_catalog (the server's own catalogs). A CTE's name is
 * listed too when it is written like a table: the server then finds no relation of that name, or
 * a real one that is judged needlessly — never one left out. `undefined` when the text does not
 * parse, which the caller treats as "cannot tell".
 */
export function relationNamesOf(text: string): string[] | undefined {
  const parsed = parseSql(text);
  if (parsed.kind === 'syntax_error') return undefined;
  const names = new Set<string>();
  // Shape, not tag: a RangeVar is tagged in FROM but a typed field elsewhere (INTO, a statement's target).
  walkSqlTree(parsed.tree, ({ fields }) => {
    const name = fields['relname'];
    if (typeof name !== 'string') return;
    const schema = typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined;
    if (schema === 'pg_catalog') return;
    names.add(regclassText({ schema, name }));
  });
  return [...names].sort();
}
