/**
 * Which of a null_check's columns a filter may leave out of scope where they are NULL. The filter
 * is split into its top-level conjuncts; a conjunct that never mentions the column cannot depend
 * on it, and one written `c IS NULL OR …` is true wherever c is NULL. Any other conjunct that
 * mentions the column — `c IS NOT NULL`, `c <> ''`, `lower(c) <> 'test'`, `coalesce(c, x) IS NOT
 * NULL`, a whole-row reference (`t.*`, the table's own name) — may be false or NULL exactly where
 * c is NULL, and those NULLs would never be counted. A subquery, or a reference qualified by the
 * table's name (`users.x`, possibly a function of the whole row), counts as mentioning every
 * column. Needs the parser.
 */
import { parseSql } from './parser.js';
import { walkSqlTree } from './tree-walk.js';

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The field names of a column reference: ['c'], ['t', 'c'], or with '*' for a star. */
function referenceFields(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  return fields.map((field) => (isNode(field) && isNode(field.String) && typeof field.String.sval === 'string' ? field.String.sval : isNode(field) && 'A_Star' in field ? '*' : ''));
}

/** The column a bare column reference names (its last part), or undefined for anything else. */
function columnOf(node: unknown): string | undefined {
  const fields = isNode(node) && isNode(node.ColumnRef) ? referenceFields(node.ColumnRef.fields) : [];
  const last = fields.at(-1);
  return last === undefined || last === '*' || last === '' ? undefined : last;
}

/** The top-level conjuncts of an expression (itself when it is no AND). */
function conjuncts(node: unknown): unknown[] {
  const bool = isNode(node) && isNode(node.BoolExpr) ? node.BoolExpr : undefined;
  return bool?.boolop === 'AND_EXPR' && Array.isArray(bool.args) ? bool.args.flatMap(conjuncts) : [node];
}

/** The top-level disjuncts of an expression (itself when it is no OR). */
function disjuncts(node: unknown): unknown[] {
  const bool = isNode(node) && isNode(node.BoolExpr) ? node.BoolExpr : undefined;
  return bool?.boolop === 'OR_EXPR' && Array.isArray(bool.args) ? bool.args.flatMap(disjuncts) : [node];
}

/** Whether the expression is `column IS NULL`. */
function isNullTestOf(node: unknown, column: string): boolean {
  const test = isNode(node) && isNode(node.NullTest) ? node.NullTest : undefined;
  return test?.nulltesttype === 'IS_NULL' && columnOf(test.arg) === column;
}

/**
 * Whether the expression mentions the column: by name (last part), or through the whole row, or
 * through anything that may read the row under another name.
 */
function mentions(node: unknown, column: string, table: string, counted: readonly string[]): boolean {
  let found = false;
  walkSqlTree(node, ({ type, fields }) => {
    if (found) return;
    // A subquery may read the table again under a name no syntactic look can tie to the column:
    // an alias's whole row (`u is not null`), a column alias list (`users x(id, fn)`), a view.
    if (type === 'SubLink') {
      found = true;
      return;
    }
    if (type !== 'ColumnRef') return;
    const parts = referenceFields(fields.fields);
    const last = parts.at(-1);
    // `t.*`, `*`, or the table's own name standing alone: the whole row, every column in it.
    // `t.x` qualified by the table's name may be attribute notation for a function of the whole
    // row (`users.to_jsonb`, `users.row_to_json`); the load cannot tell it from a column, so unless it
    // names a counted column it is read as the whole row (an unqualified `x` is only ever a column
    // or a whole row).
    found = last === column || last === '*' || (parts.length === 1 && last === table) || (parts.length >= 2 && parts.at(-2) === table && !counted.includes(last ?? ''));
  });
  return found;
}

/**
 * Of `columns`, those whose NULL rows `where` may leave out of scope (table: the table's own name,
 * which a filter may use as the whole row). A filter the parser refuses reports nothing here; it
 * is refused where operator SQL is parsed.
 */
export function columnsWhoseNullsMayBeExcluded(where: string, columns: readonly string[], table: string): string[] {
  const parsed = parseSql(`select 1 where (${where})`);
  if (parsed.kind !== 'parsed') return [];
  const select = parsed.tree.stmts?.[0]?.stmt as { SelectStmt?: { whereClause?: unknown } } | undefined;
  const parts = conjuncts(select?.SelectStmt?.whereClause);
  return columns.filter((column) => parts.some((part) => mentions(part, column, table, columns) && !disjuncts(part).some((d) => isNullTestOf(d, column))));
}
