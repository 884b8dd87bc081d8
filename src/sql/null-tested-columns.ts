/**
 * The table columns a query tests for NULL (`o.s is null`), each attributed to the table reference
 * it reads by SQL's name resolution: the innermost query level whose FROM names the qualifier (or,
 * unqualified, holds the column), sub-selects in FROM seeing the levels around their own query (and
 * the items to their left when LATERAL), never a sibling's. The data witness may generate NULL in
 * a NOT NULL column only for a test of that very column (the constraint is then what is asserted);
 * a test of another table's column of the same name (`c.s is null` beside orders.s) lifts nothing.
 * Where the owner cannot be told for certain (an aliased or USING join, a sub-select's column, a
 * qualifier that is no table) no table is named. Pure once the parser is loaded; iterative.
 */
import { indexOfByte, parseSql } from './parser.js';
import { list, nodeOf } from './normal-form.js';
import { stringNodeValue, untag } from './tree-walk.js';
import { withQueryReadsOf } from './with-scope.js';

type Fields = Record<string, unknown>;

/** A NULL test of `column`, and the table references (where each is named, a string index) it is a column of if it is any's: the one of a qualifier, or every table of the level an unqualified name resolves in. */
export interface NullTestedColumn { column: string; tables: number[] }

/**
 * A FROM item as names resolve against it: its name (undefined: none a column can be qualified by,
 * or one not worked out here, `unnamed`), where it is named when it is a table, hidden behind a join's alias.
 */
interface Item { name: string | undefined; unnamed?: boolean; table: number | undefined; hidden: boolean }
/** A query level: its FROM items; `plain` when every item is a table an unqualified column may be attributed to. */
interface Level { items: Item[]; plain: boolean; parent: Level | undefined }

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const aliasOf = (fields: Fields): string | undefined => {
  const alias = (fields['alias'] as Fields | undefined)?.['aliasname'];
  return typeof alias === 'string' ? alias : undefined;
};

/** Every NULL-tested table column of `text`, or undefined when it does not parse as one statement. */
export function nullTestedColumnsOf(text: string): NullTestedColumn[] | undefined {
  const parsed = parseSql(text);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  if (statements.length !== 1) return undefined;
  const withReads = withQueryReadsOf(parsed.tree);
  const out: NullTestedColumn[] = [];
  const stack: { value: unknown; key: string | undefined; level: Level | undefined }[] = [{ value: statements[0]?.stmt, key: undefined, level: undefined }];
  while (stack.length > 0) {
    const { value, key, level } = stack.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, key, level });
      continue;
    }
    if (!isObject(value)) continue;
    const { type, fields } = untag(value);
    const isQuery = type === 'SelectStmt' || (type === undefined && (key === 'larg' || key === 'rarg') && 'op' in fields);
    if (isQuery) {
      const own: Level = { items: [], plain: true, parent: level };
      for (const [childKey, child] of Object.entries(fields)) {
        if (typeof child !== 'object' || child === null) continue;
        // WITH queries and a set operation's branches see the levels around this one, not its FROM.
        if (childKey === 'withClause' || childKey === 'larg' || childKey === 'rarg') stack.push({ value: child, key: childKey, level });
        else if (childKey === 'fromClause') for (const item of list(child)) addFromItem(item, own, level, withReads, text, stack);
        else stack.push({ value: child, key: childKey, level: own });
      }
      continue;
    }
    if (type === 'NullTest') {
      const tested = attributed(nodeOf(fields['arg']), level);
      if (tested) out.push(tested);
    }
    for (const [childKey, child] of Object.entries(fields)) if (typeof child === 'object' && child !== null) stack.push({ value: child, key: childKey, level });
  }
  return out;
}

/**
 * Adds a FROM item (and a join's items within) to `own`, and queues what it holds: a sub-select
 * sees the levels around `own` (and, LATERAL, the items to its left); a function in FROM the items
 * to its left; a join's condition all of `own`.
 */
function addFromItem(node: unknown, own: Level, outer: Level | undefined, withReads: ReadonlySet<object>, text: string, stack: { value: unknown; key: string | undefined; level: Level | undefined }[], hidden = false): void {
  const { type, fields } = nodeOf(node);
  const left = (): Level => ({ items: [...own.items], plain: own.plain && own.items.length > 0, parent: outer });
  if (type === 'RangeVar' && !withReads.has(fields) && typeof fields['location'] === 'number') {
    own.items.push({ name: aliasOf(fields) ?? String(fields['relname']), table: indexOfByte(text, fields['location']), hidden });
    return;
  }
  if (type === 'JoinExpr') {
    const alias = aliasOf(fields);
    const usingAlias = (fields['join_using_alias'] as Fields | undefined)?.['aliasname'];
    // Columns a USING or NATURAL join merges, or names an alias hides, are not one table's.
    if (alias !== undefined || list(fields['usingClause']).length > 0 || fields['isNatural'] === true) own.plain = false;
    addFromItem(fields['larg'], own, outer, withReads, text, stack, hidden || alias !== undefined);
    addFromItem(fields['rarg'], own, outer, withReads, text, stack, hidden || alias !== undefined);
    for (const name of [alias, typeof usingAlias === 'string' ? usingAlias : undefined]) if (name !== undefined) own.items.push({ name, table: undefined, hidden: false });
    stack.push({ value: fields['quals'], key: 'quals', level: own });
    return;
  }
  own.plain = false;
  const sampled = type === 'RangeTableSample' ? nodeOf(fields['relation']).fields : undefined;
  const name = type === 'RangeVar' ? aliasOf(fields) ?? String(fields['relname']) : sampled ? aliasOf(sampled) ?? (sampled['relname'] as string | undefined) : aliasOf(fields);
  const scope = type === 'RangeSubselect' && fields['lateral'] !== true ? outer : left();
  // An unaliased sub-select has no name; any other item without one is named in a way not worked out here (a function's own name).
  own.items.push({ name, unnamed: name === undefined && type !== 'RangeSubselect', table: undefined, hidden });
  stack.push({ value: node, key: 'fromClause', level: scope });
}

/** The NULL test's column and the tables it may be a column of, when its argument is a column SQL attributes to tables for certain. */
function attributed(arg: { type: string | undefined; fields: Fields }, level: Level | undefined): NullTestedColumn | undefined {
  if (arg.type !== 'ColumnRef') return undefined;
  const parts = list(arg.fields['fields']).map(stringNodeValue);
  if (parts.some((part) => part === undefined) || parts.length > 2) return undefined;
  const [qualifier, column] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  for (let at = level; at !== undefined; at = at.parent) {
    if (qualifier === undefined) {
      if (at.items.length === 0) continue;
      // The innermost level with FROM items holds the column or passes it outwards: only tables here can say which.
      return at.plain ? { column, tables: at.items.flatMap((item) => (item.table === undefined ? [] : [item.table])) } : undefined;
    }
    const named = at.items.filter((item) => item.name === qualifier);
    if (named.length === 0 && at.items.some((item) => item.unnamed === true)) return undefined;
    if (named.length === 0) continue;
    const [item] = named;
    return named.length === 1 && !item!.hidden && item!.table !== undefined ? { column, tables: [item!.table] } : undefined;
  }
  return undefined;
}

/**
 * For each table reference (where it is named), the columns NULL tests are attributed to: a test's
 * one candidate that holds the column. A candidate whose columns are unknown (`columnsAt` gives
 * undefined) may hold it too, so that test names no table.
 */
export function nullTestedByTable(tests: readonly NullTestedColumn[], columnsAt: (at: number) => readonly string[] | undefined): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const { column, tables } of tests) {
    if (tables.some((at) => columnsAt(at) === undefined)) continue;
    const holders = tables.filter((at) => columnsAt(at)!.includes(column));
    if (holders.length !== 1) continue;
    const set = out.get(holders[0]!) ?? new Set<string>();
    set.add(column);
    out.set(holders[0]!, set);
  }
  return out;
}
