/**
 * The same query with the column of every `IS [NOT] NULL` test read through `coalesce(…)` of itself.
 * PostgreSQL 17 and later fold `x IS NULL` on a NOT NULL column to a constant false (and `x IS NOT
 * NULL` to true) before planning, so their plan of a check such as "no row has x NULL" shows no row
 * — proven by the constraint, not fixed by the SQL's shape — where PostgreSQL 15 shows the test.
 * They fold a test of a plain column only: `coalesce(x)` is x on every row, of x's type (a scalar
 * stays a scalar, so NOT is still pushed into the test as before), and no constraint is read
 * through it. A plan fixed only with the columns bare is the constraint's proof; one fixed with
 * them wrapped is fixed by the SQL itself. Pure once the parser is loaded; the splice is checked
 * by parsing it again.
 */
import { indexOfByte, parseSql } from './parser.js';
import { walkSqlTree } from './tree-walk.js';

interface Insertion { at: number; text: string }

/** The query with the columns its null tests read wrapped, or undefined when none does (or the splice would not read back as exactly that). */
export function withOpaqueNullTests(query: string): string | undefined {
  const parsed = parseSql(query);
  if (parsed.kind !== 'parsed') return undefined;
  const insertions: Insertion[] = [];
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type !== 'NullTest' || !isPlainColumn(fields['arg'])) return undefined;
    const column = (fields['arg'] as { ColumnRef: { location?: number } }).ColumnRef;
    // The column starts at its location; the test's keyword (`IS`, `ISNULL`, `NOTNULL`) follows it.
    if (typeof column.location !== 'number' || typeof fields['location'] !== 'number') return undefined;
    insertions.push({ at: indexOfByte(query, column.location), text: 'coalesce(' }, { at: indexOfByte(query, fields['location']), text: ')' });
    return undefined;
  });
  if (insertions.length === 0) return undefined;
  let out = query;
  for (const { at, text } of insertions.sort((a, b) => b.at - a.at)) out = `${out.slice(0, at)}${text}${out.slice(at)}`;
  return readsAsWrapped(query, out) ? out : undefined;
}

/** A column reference (`x`, `t.x`), not `t.*`. */
function isPlainColumn(node: unknown): boolean {
  const column = (node as { ColumnRef?: { fields?: unknown[] } } | null)?.ColumnRef;
  return column !== undefined && !(column.fields ?? []).some((field) => (field as { A_Star?: unknown }).A_Star !== undefined);
}

const shapeOf = (node: unknown) => JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value));

/** Whether `spliced` parses as `query` with each null-tested column inside a one-argument COALESCE, and nothing else moved. */
function readsAsWrapped(query: string, spliced: string): boolean {
  const [before, after] = [parseSql(query), parseSql(spliced)];
  if (before.kind !== 'parsed' || after.kind !== 'parsed') return false;
  const wrapped = JSON.parse(JSON.stringify(before.tree), (_key, value: unknown) => {
    const test = (value as { NullTest?: { arg?: unknown } } | null)?.NullTest;
    return test !== undefined && isPlainColumn(test.arg) ? { NullTest: { ...test, arg: { CoalesceExpr: { args: [test.arg] } } } } : value;
  }) as unknown;
  return shapeOf(wrapped) === shapeOf(after.tree);
}
