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
 * The shape of an expression (`where:`, `new:`), a query, or a shadow_read query whose `$keys`
 * placeholders are kept apart by the key column each names. Text that does not parse (the loader
 * has refused it already) is its own shape, so only the same text matches it. Needs the parser.
 */
export function sqlShape(text: string, as: 'expression' | 'query' | 'keyed_query'): string {
  const placeholders = as === 'keyed_query' ? findKeyPlaceholders(text) : [];
  const parsed = parseSql(as === 'expression' ? `select (${text})` : withPositionalParameters(text, placeholders));
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  const tree = JSON.stringify(parsed.tree, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
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
export function filterShape(text: string | undefined): string | null {
  if (text === undefined) return null;
  const parsed = parseSql(`select (${text})`);
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  const strip = (tree: unknown) => JSON.stringify(tree, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
  const root = (parsed.tree as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] })
    .stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  if (root === undefined) return sqlShape(text, 'expression');
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
 * `amount` and `amount::text` are one value — the text of each is the same text. Only without
 * normalisers (`plain`), which may treat a text and a number differently. Needs the parser.
 */
export function valueShape(text: string, plain: boolean): string {
  if (!plain) return sqlShape(text, 'expression');
  const parsed = parseSql(`select (${text})`);
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  let node = (parsed.tree as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] })
    .stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  if (node === undefined) return sqlShape(text, 'expression');
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
