/**
 * Which columns a filter certainly requires to be non-NULL: those tested `IS NOT NULL` (or
 * `NOT (… IS NULL)`) in a conjunct every selected row must satisfy. Only what the parse tree shows
 * for certain — under OR, CASE or a function call a NULL may still get through, and such filters
 * are not reported. Needs the parser.
 */
import { parseSql } from './parser.js';

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The column a bare column reference names (its last part), or undefined for anything else. */
function columnOf(node: unknown): string | undefined {
  const fields = isNode(node) && isNode(node.ColumnRef) ? node.ColumnRef.fields : undefined;
  const last = Array.isArray(fields) ? fields.at(-1) : undefined;
  return isNode(last) && isNode(last.String) && typeof last.String.sval === 'string' ? last.String.sval : undefined;
}

/** Columns named in `where`'s top-level conjuncts as `c IS NOT NULL` or `NOT (c IS NULL)`. */
export function columnsRequiredNotNull(where: string): string[] {
  const parsed = parseSql(`select 1 where (${where})`);
  if (parsed.kind !== 'parsed') return [];
  const select = parsed.tree.stmts?.[0]?.stmt as { SelectStmt?: { whereClause?: unknown } } | undefined;
  const found: string[] = [];
  const visit = (node: unknown, negated: boolean): void => {
    if (!isNode(node)) return;
    const bool = isNode(node.BoolExpr) ? node.BoolExpr : undefined;
    if (bool && !negated && bool.boolop === 'AND_EXPR' && Array.isArray(bool.args)) for (const arg of bool.args) visit(arg, false);
    if (bool && bool.boolop === 'NOT_EXPR' && Array.isArray(bool.args) && bool.args.length === 1) visit(bool.args[0], !negated);
    const test = isNode(node.NullTest) ? node.NullTest : undefined;
    const column = test ? columnOf(test.arg) : undefined;
    if (column !== undefined && test?.nulltesttype === (negated ? 'IS_NULL' : 'IS_NOT_NULL')) found.push(column);
  };
  visit(select?.SelectStmt?.whereClause, false);
  return [...new Set(found)];
}
