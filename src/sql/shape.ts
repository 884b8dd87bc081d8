/**
 * What a piece of operator SQL says, as the parser reads it: the parse tree without the places
 * things were written. Case of keywords and unquoted names, spacing, comments and redundant
 * parentheses drop out; every literal, quoted name, operator and call stays. Two texts with one
 * shape run as the same SQL, so a comparison of one with the other compares something with itself.
 */
import { findKeyPlaceholders, withPositionalParameters } from './key-placeholders.js';
import { parseSql } from './parser.js';

const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len']);

/**
 * The column each of a side's own column names stands for in the relation under it (a view
 * renaming the columns of the table it shows: `select name as full_name from users`), so the two
 * sides' SQL is compared as if written over that one relation. `byName` stands for the whole
 * renaming where a side reads "every column by name" (two sides read the same columns by name only
 * under equal renamings). Absent: names are compared as written.
 */
export interface ColumnRenaming { column(name: string): string; byName: unknown }

/** Numbers each tree a renaming cannot follow, so no two such trees are ever equal. */
let unfollowed = 0;

/**
 * The tree with every column reference renamed: `name` and `rel.name` by their column; anything a
 * renaming cannot follow — `rel.*`, a subquery (its names may be its own relations' columns), a
 * reference of more parts — makes the whole tree one no other tree equals.
 */
function renamedTree(tree: unknown, rename: ColumnRenaming | undefined): unknown {
  if (rename === undefined) return tree;
  let unfollowable = false;
  const copy = JSON.parse(JSON.stringify(tree), (key, value: unknown) => {
    if (key === 'SubLink') unfollowable = true;
    if (key !== 'ColumnRef') return value;
    const fields = (value as { fields?: { String?: { sval?: string } }[] }).fields ?? [];
    const column = fields.at(-1)?.String?.sval;
    if (fields.length < 1 || fields.length > 2 || column === undefined || fields.some((f) => f.String?.sval === undefined)) {
      unfollowable = true;
      return value;
    }
    return { ...(value as object), fields: [...fields.slice(0, -1), { String: { sval: rename.column(column) } }] };
  }) as unknown;
  return unfollowable ? { unfollowable: (unfollowed += 1) } : copy;
}

/**
 * The shape of an expression (`where:`, `new:`), a query, or a shadow_read query whose `$keys`
 * placeholders are kept apart by the key column each names. Text that does not parse (the loader
 * has refused it already) is its own shape, so only the same text matches it. Needs the parser.
 */
export function sqlShape(text: string, as: 'expression' | 'query' | 'keyed_query', rename?: ColumnRenaming): string {
  const placeholders = as === 'keyed_query' ? findKeyPlaceholders(text) : [];
  const parsed = parseSql(as === 'expression' ? `select (${text})` : withPositionalParameters(text, placeholders));
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  const tree = JSON.stringify(renamedTree(parsed.tree, as === 'expression' ? rename : undefined), (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
  return placeholders.length === 0 ? tree : JSON.stringify({ tree, keys: placeholders.map((p) => p.column ?? null) });
}

/**
 * The shape of a side's `where:`, or null for no filter: the set of its top-level `and`-ed
 * conditions (nested `and`s flattened, a literal `true` dropped, the rest sorted by shape). A row
 * is selected when every condition holds, whatever their order or grouping, and `true` holds for
 * every row, so `a and b` and `b and a` select one set of rows, and `true` selects what no filter
 * does. Nothing else is rewritten (`a and a`, `a or false`…): only what certainly selects the same
 * rows is one filter. Needs the parser.
 */
export function filterShape(text: string | undefined, rename?: ColumnRenaming): string | null {
  if (text === undefined) return null;
  const parsed = parseSql(`select (${text})`);
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  const strip = (tree: unknown) => JSON.stringify(tree, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
  const root = (renamedTree(parsed.tree, rename) as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] })
    .stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  if (root === undefined) return sqlShape(text, 'expression', rename);
  const conditions: string[] = [];
  const collect = (node: unknown): void => {
    const and = (node as { BoolExpr?: { boolop?: string; args?: unknown[] } }).BoolExpr;
    if (and?.boolop === 'AND_EXPR' && Array.isArray(and.args)) {
      for (const arg of and.args) collect(arg);
      return;
    }
    const literal = (node as { A_Const?: { boolval?: { boolval?: boolean } } }).A_Const;
    if (literal?.boolval?.boolval === true) return;
    conditions.push(strip(node));
  };
  collect(root);
  return conditions.length === 0 ? null : JSON.stringify({ and: conditions.sort() });
}

/** Type names whose cast keeps a value's text as it is (no length: `varchar(3)` truncates). */
const SAME_TEXT_TYPES = new Set(['["text"]', '["pg_catalog","text"]', '["varchar"]', '["pg_catalog","varchar"]']);

/**
 * The shape of a compared value (column_parity's `old`/`new`, table_diff's `columns`) for kinds
 * that compare two values of different types by their text: top-level casts to `text` or
 * `varchar` without a length, and COLLATE clauses (comparisons are by bytes), are dropped, so
 * `amount` and `amount::text` are one value — the text of each is the same text. With
 * normalisers too: each SQL normaliser starts by casting its input to text (normalizeSql).
 * Needs the parser.
 */
export function valueShape(text: string, rename?: ColumnRenaming): string {
  const parsed = parseSql(`select (${text})`);
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  let node = (renamedTree(parsed.tree, rename) as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] })
    .stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  if (node === undefined) return sqlShape(text, 'expression', rename);
  for (;;) {
    const cast = (node as { TypeCast?: { arg?: unknown; typeName?: { names?: { String?: { sval?: string } }[]; typmods?: unknown; arrayBounds?: unknown; setof?: unknown; pct_type?: unknown } } }).TypeCast;
    const collate = (node as { CollateClause?: { arg?: unknown } }).CollateClause;
    if (cast?.arg !== undefined && cast.typeName && !cast.typeName.typmods && !cast.typeName.arrayBounds && !cast.typeName.setof && !cast.typeName.pct_type
      && SAME_TEXT_TYPES.has(JSON.stringify((cast.typeName.names ?? []).map((n) => n.String?.sval ?? null)))) node = cast.arg;
    else if (collate?.arg !== undefined) node = collate.arg;
    else break;
  }
  return JSON.stringify({ value: JSON.parse(JSON.stringify(node, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value))) });
}

/** A column name as an expression that names it (quoted, so any name reads back as itself). */
export function columnExpression(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
