/**
 * Which relations a side's rows are made of, as the server plans reading it: every relation a row
 * of the side may be produced from. plan-reach.ts equates two sides' arms only where both scan one
 * relation under the same conditions; a side producing its rows from the other side's table any
 * other way — an inner, cross or lateral join with it, a set-operation arm or full join reading it
 * under a filter, DISTINCT, a window, a limit or GROUP BY over it — counted that table's rows as
 * rows of its own, and `users_new u join legacy l on u.id = l.id % 2 + 1` (users_new holding two
 * rows) passed as "as many rows as legacy".
 *
 * Followed from the top down through every row input, whatever the node does to the rows, except
 * inputs that can only remove rows of another one: a semi or anti join's filtering side, EXCEPT's
 * right member, a sub-plan (a value or a filter), the side of an inner join matched at most once
 * per row of the other (the planner's `Inner Unique`; for the outer side, a unique index of the
 * scanned relation whose every column the join equates to the other side), and a plain aggregate
 * (one row whatever it reads). Where both sides of an inner join are matched at most once (one to
 * one) and in an INTERSECT, a row is a row of every input: only relations every input reads count.
 * Sound in one direction: a node not named here counts every row input.
 */
import { arrayLiteralText } from '../sql/array-literal.js';
import { sql, type SQL } from '../sql/build.js';
import { ctePlanOf, parentsOf } from '../sql/cte-plan.js';
import { parseExpression } from '../sql/parser.js';
import { stringNodeValue } from '../sql/tree-walk.js';

/** A plan node as EXPLAIN (VERBOSE, FORMAT JSON) writes it; only the fields read here are named. */
export interface FeedNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  Plans?: FeedNode[];
  [field: string]: unknown;
}

/** A printed column name → the scanned relation's column; undefined when the scan's names cannot be told. */
export type ScanRenamer = (scan: FeedNode) => ((printed: string) => string | undefined) | undefined;

/** A relation as the plan names it, one text per relation (schema and name cannot run together). */
export const relationKey = (schema: string, name: string): string => JSON.stringify([schema, name]);

/**
 * Is a scanned relation unique on some of `columns` (`notNull`: and are those NOT NULL)? Asked of
 * an inner or right join whose outer input scans one relation (the columns the join equates to
 * the inner side), and of a grouping whose input scans one (its group key: every group one row).
 */
export interface UniqueQuestion { readonly node: FeedNode; readonly schema: string; readonly name: string; readonly columns: readonly string[]; readonly notNull: boolean }

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
const PASS_THROUGH = new Set(['Sort', 'Incremental Sort', 'Gather', 'Gather Merge', 'Hash', 'Materialize', 'Memoize']);
const RELATION_SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan']);
const JOIN_CONDITIONS = ['Hash Cond', 'Merge Cond', 'Join Filter'];
const SCAN_CONDITIONS = ['Index Cond', 'Recheck Cond', 'Filter'];

const inputsOf = (node: FeedNode) => (node.Plans ?? []).filter((child) => child['Parent Relationship'] !== 'InitPlan' && child['Parent Relationship'] !== 'SubPlan');
const below = (node: FeedNode): FeedNode => {
  const inputs = inputsOf(node);
  return inputs.length === 1 && PASS_THROUGH.has(node['Node Type'] ?? '') ? below(inputs[0]!) : node;
};
const sideOf = (inputs: readonly FeedNode[], relationship: string) => inputs.find((input) => input['Parent Relationship'] === relationship);
const isScan = (node: FeedNode | undefined): node is FeedNode & { 'Relation Name': string } => node !== undefined && RELATION_SCANS.has(node['Node Type'] ?? '') && typeof node['Relation Name'] === 'string';

/** The `and`-ed conjuncts of a parsed condition. */
function conjuncts(tree: unknown): unknown[] {
  const and = (tree as { BoolExpr?: { boolop?: string; args?: unknown[] } } | undefined)?.BoolExpr;
  return and?.boolop === 'AND_EXPR' && Array.isArray(and.args) ? and.args.flatMap(conjuncts) : [tree];
}

/** Whether an expression may read the scan `alias` or differ between evaluations (a function call, a sub-query, an unqualified column). */
function mayReadOrVary(tree: unknown, alias: string): boolean {
  let reads = false;
  JSON.stringify(tree, (key, value: unknown) => {
    if (key === 'FuncCall' || key === 'SubLink') reads = true;
    if (key === 'ColumnRef') {
      const names = ((value as { fields?: unknown[] }).fields ?? []).map(stringNodeValue);
      if (names.length !== 2 || names[0] === undefined || names[0] === alias) reads = true;
    }
    return value;
  });
  return reads;
}

/** The column of the scan `alias` a conjunct equates to an expression not reading that scan, as it prints it. */
function equatedColumn(conjunct: unknown, alias: string): string | undefined {
  const op = (conjunct as { A_Expr?: { kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown } } | undefined)?.A_Expr;
  if (op?.kind !== 'AEXPR_OP' || stringNodeValue(op.name?.at(-1)) !== '=') return undefined;
  for (const [column, other] of [[op.lexpr, op.rexpr], [op.rexpr, op.lexpr]]) {
    const names = ((column as { ColumnRef?: { fields?: unknown[] } } | undefined)?.ColumnRef?.fields ?? []).map(stringNodeValue);
    if (names.length === 2 && names[0] === alias && names[1] !== undefined && !mayReadOrVary(other, alias)) return names[1];
  }
  return undefined;
}

/** A grouping's key columns of the one relation it scans, as that relation names them; undefined where not told. */
function groupKeyOf(node: FeedNode, rename: ScanRenamer): { scan: FeedNode; columns: string[] } | undefined {
  const type = node['Node Type'] ?? '';
  const inputs = inputsOf(node);
  const keys = node['Group Key'];
  const grouping = (type === 'Aggregate' && (node.Strategy === 'Hashed' || node.Strategy === 'Sorted')) || type === 'Group';
  if (!grouping || !Array.isArray(keys) || node.Filter !== undefined || inputs.length !== 1 || inputs.length !== (node.Plans ?? []).length) return undefined;
  const scan = below(inputs[0]!);
  const renamer = isScan(scan) && scan.Alias !== undefined ? rename(scan) : undefined;
  if (renamer === undefined) return undefined;
  const columns = keys.flatMap((text) => {
    const names = ((parseExpression(String(text)) as { ColumnRef?: { fields?: unknown[] } } | undefined)?.ColumnRef?.fields ?? []).map(stringNodeValue);
    const column = names.length === 2 && names[0] === scan.Alias && names[1] !== undefined ? renamer(names[1]) : undefined;
    return column === undefined ? [] : [column];
  });
  return columns.length === 0 ? undefined : { scan, columns };
}

/**
 * The joins whose outer input is one relation scan, with the columns of it the join equates to the
 * inner side; and the groupings of one relation scan, with their key's columns.
 */
export function uniqueQuestions(root: FeedNode, rename: ScanRenamer): UniqueQuestion[] {
  const out: UniqueQuestion[] = [];
  const visit = (node: FeedNode) => {
    const grouped = groupKeyOf(node, rename);
    if (grouped) out.push({ node, schema: String(grouped.scan.Schema ?? ''), name: String(grouped.scan['Relation Name']), columns: [...new Set(grouped.columns)], notNull: true });
    const inputs = inputsOf(node);
    const joinType = String(node['Join Type'] ?? '');
    const outerInput = sideOf(inputs, 'Outer');
    const outer = outerInput === undefined ? undefined : below(outerInput);
    const renamer = isScan(outer) ? rename(outer) : undefined;
    if (JOINS.has(node['Node Type'] ?? '') && (joinType === 'Inner' || joinType === 'Right') && isScan(outer) && outer.Alias !== undefined && renamer !== undefined) {
      const innerInput = sideOf(inputs, 'Inner');
      const inner = innerInput === undefined ? undefined : below(innerInput);
      // A nested loop's inner scan may hold the join's equality in its own index condition.
      const fields = [...JOIN_CONDITIONS.map((field) => node[field]), ...(node['Node Type'] === 'Nested Loop' && isScan(inner) ? SCAN_CONDITIONS.map((field) => inner[field]) : [])];
      const columns = fields.flatMap((text) => (typeof text === 'string' ? conjuncts(parseExpression(text)) : []))
        .flatMap((conjunct) => equatedColumn(conjunct, outer.Alias!) ?? []).map(renamer);
      if (columns.length > 0 && columns.every((column) => column !== undefined)) {
        out.push({ node, schema: String(outer.Schema ?? ''), name: outer['Relation Name']!, columns: [...new Set(columns as string[])], notNull: false });
      }
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return out;
}

/**
 * The questions (by index) whose relation has a valid, immediate unique index on plain columns,
 * with no predicate, every column of which is among the question's (and NOT NULL, where asked):
 * each inner row then matches at most one outer row, each group is one row. Catalog only.
 */
export function planUniqueAnswers(questions: readonly UniqueQuestion[]): SQL | undefined {
  const wanted = questions.flatMap((question, i) => question.columns.map((column) => ({ i: String(i), schema: question.schema, name: question.name, column, nn: String(question.notNull) })));
  if (wanted.length === 0) return undefined;
  const texts = (values: string[]) => sql`pg_catalog.unnest(${arrayLiteralText(values)}::text[])`;
  const eq = sql`operator(pg_catalog.=)`;
  return sql`with w(i, nsp, rel, att, nn) as (
      select * from rows from (${texts(wanted.map((w) => w.i))}, ${texts(wanted.map((w) => w.schema))}, ${texts(wanted.map((w) => w.name))}, ${texts(wanted.map((w) => w.column))}, ${texts(wanted.map((w) => w.nn))})),
    q as (select distinct i, nsp, rel, nn::bool as nn from w)
    select q.i from q
      join pg_catalog.pg_namespace n on n.nspname ${eq} q.nsp
      join pg_catalog.pg_class c on c.relnamespace ${eq} n.oid and c.relname ${eq} q.rel
      join pg_catalog.pg_index x on x.indrelid ${eq} c.oid
    where x.indisunique and x.indimmediate and x.indisvalid and x.indpred is null and x.indexprs is null
      and not exists (select from pg_catalog.pg_attribute a
        where a.attrelid ${eq} c.oid and a.attnum ${eq} any (x.indkey::pg_catalog.int2[])
          and (not exists (select from w where w.i ${eq} q.i and w.att ${eq} a.attname) or (q.nn and not a.attnotnull)))
    group by q.i`;
}

/** Nodes returning at most one row per row of their one input. */
const SUBSET = new Set([...PASS_THROUGH, 'WindowAgg', 'Subquery Scan', 'Result', 'Limit', 'Unique', 'Aggregate', 'Group', 'LockRows']);

/**
 * What a plan's rows are made of: `feeds`, the relations (relationKey) any row may be produced from;
 * `within`, whether each row is one row of each of them at most (a filtered, limited, grouped or
 * one-to-one joined read of one relation: a subset of its rows); `reads`, every relation the plan
 * reads, filters and sub-plans included.
 */
export interface PlanFeeds { readonly feeds: ReadonlySet<string>; readonly within: boolean; readonly reads: ReadonlySet<string> }

interface Made { feeds: Set<string>; within: boolean }
const union = (made: readonly Made[]): Made => ({ feeds: new Set(made.flatMap(({ feeds }) => [...feeds])), within: false });
const intersection = (made: readonly Made[]): Made => ({
  feeds: made.length === 0 ? new Set() : new Set([...made[0]!.feeds].filter((key) => made.every(({ feeds }) => feeds.has(key)))),
  within: made.every(({ within }) => within),
});

/** Every relation a plan reads, sub-plans included. */
function readsOf(root: FeedNode): Set<string> {
  const all = new Set<string>();
  const visit = (node: FeedNode) => {
    if (typeof node['Relation Name'] === 'string') all.add(relationKey(String(node.Schema ?? ''), node['Relation Name']));
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return all;
}

/** What the plan's rows are made of (pure). `unique`: the nodes whose question the catalog answered yes (uniqueQuestions). */
export function planFeeds(root: FeedNode, unique: ReadonlySet<FeedNode>): PlanFeeds {
  const parents = parentsOf(root);
  const madeOf = (node: FeedNode): Made => {
    const type = node['Node Type'] ?? '';
    const inputs = inputsOf(node);
    if (isScan(node)) return { feeds: new Set([relationKey(String(node.Schema ?? ''), node['Relation Name'])]), within: true };
    const own = typeof node['Relation Name'] === 'string' ? [{ feeds: new Set([relationKey(String(node.Schema ?? ''), node['Relation Name'])]), within: false }] : [];
    const all = () => union([...own, ...inputs.map(madeOf)]);
    if (JOINS.has(type)) {
      const outer = sideOf(inputs, 'Outer');
      const inner = sideOf(inputs, 'Inner');
      if (outer === undefined || inner === undefined) return all();
      const [o, i] = [madeOf(outer), madeOf(inner)];
      const innerUnique = node['Inner Unique'] === true;
      const outerOnce = unique.has(node);
      switch (String(node['Join Type'] ?? '')) {
        case 'Semi': case 'Anti': return o;
        case 'Right Semi': case 'Right Anti': return i;
        case 'Inner': return innerUnique && outerOnce ? intersection([o, i]) : innerUnique ? o : outerOnce ? i : union([o, i]);
        case 'Left': return innerUnique ? o : union([o, i]);
        case 'Right': return outerOnce ? i : union([o, i]);
        default: return union([o, i]);
      }
    }
    // One row whatever its input holds.
    if (type === 'Aggregate' && node.Strategy === 'Plain') return { feeds: new Set(), within: true };
    if (type === 'SetOp') {
      const only = inputs.length === 1 ? below(inputs[0]!) : undefined;
      const members = only !== undefined && (only['Node Type'] === 'Append' || only['Node Type'] === 'Merge Append') ? inputsOf(only)
        : inputs.filter((input) => input['Parent Relationship'] === 'Outer' || input['Parent Relationship'] === 'Inner');
      const command = String(node.Command ?? '');
      if (members.length === 0) return all();
      if (command.startsWith('Except')) return madeOf(members[0]!);
      if (command.startsWith('Intersect')) return intersection(members.map(madeOf));
      return all();
    }
    if (type === 'CTE Scan') {
      const plan = ctePlanOf(node, (at) => parents.get(at));
      // A WITH query not told apart by scope: any relation of the plan.
      return plan === undefined ? { feeds: readsOf(root), within: false } : madeOf(plan);
    }
    if (inputs.length === 1 && SUBSET.has(type) && own.length === 0) return madeOf(inputs[0]!);
    return all();
  };
  return { ...madeOf(root), reads: readsOf(root) };
}
