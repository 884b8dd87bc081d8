/**
 * Whether the server's own plan proves a query's answer fixed, whatever the tables hold. The load-
 * time judgement (fixed-answers.ts) reads the parse tree and cannot evaluate functions; the planner
 * folds every immutable expression over constants (`length('') > 0`, `lower('A') = 'B'`,
 * `nullif(1, 1) = 1`) and prunes what a filter or a partition bound excludes, and says so in the
 * plan as a `Result` node whose one-time filter is the constant `false`. Pure: reads EXPLAIN
 * (FORMAT JSON) output, and judges each condition it shows as fixed-answers.ts judges a `where`: the
 * plan spells a condition after the server has inlined views and pushed NOT down as far as the
 * column types allow (`not (x is null or x is not null)` is `x is not null and x is null` only for a
 * scalar x), which the parse tree of the check's own SQL cannot see.
 */
import { conjunctionTruth, expressionIsFixed, expressionTruth, T, type Adjust } from './fixed-answers.js';
import { columnKey, withPlanFacts, type PlanFacts } from './plan-facts.js';
import { parseExpression } from './parser.js';
import { walkSqlTree } from './tree-walk.js';
import { sql, type SQL } from './build.js';

interface PlanNode {
  'Node Type'?: string;
  'One-Time Filter'?: string;
  Filter?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  'Join Filter'?: string;
  'Hash Cond'?: string;
  'Merge Cond'?: string;
  'Sampling Method'?: string;
  'Sampling Parameters'?: string[];
  Strategy?: string;
  'Join Type'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  /** The name the plan's conditions give the relation a scan reads. */
  Alias?: string;
  /** EXPLAIN (VERBOSE): the expressions the node returns. */
  Output?: string[];
  Plans?: PlanNode[];
}

/** Reads a condition before it is judged: its text (references to InitPlans replaced), then its parse (facts spliced in). */
interface Reading { text: (text: string) => string; adjust: Adjust; allNull: (aliases: ReadonlySet<string>) => string | undefined }
const asWritten: Reading = { text: (text) => text, adjust: (node) => node, allNull: () => undefined };

/** Nodes that return no row when their input returns none (they pass, order, limit or lock rows). */
const ROWS_FROM_INPUT = new Set([
  'Limit', 'Sort', 'Incremental Sort', 'Unique', 'Subquery Scan', 'Materialize', 'Memoize', 'Gather', 'Gather Merge',
  'Result', 'Hash', 'WindowAgg', 'ProjectSet', 'LockRows',
]);

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);

/** The plans whose rows the node reads (an InitPlan or SubPlan computes a value, not rows). */
const inputsOf = (node: PlanNode) => (node.Plans ?? []).filter((child) => child['Parent Relationship'] !== 'InitPlan' && child['Parent Relationship'] !== 'SubPlan');

/** Whether a condition the plan shows is true on no row of any data (one it cannot read is not judged). */
const neverTrue = (condition: string | undefined, read: Reading) => condition !== undefined && !(expressionTruth(read.text(condition), read.adjust) & T);

/** Joins whose every row is a row of both inputs meeting the join's conditions. */
const BOTH_SIDES = new Set(['Inner', 'Semi']);

/**
 * The conditions every row the node returns meets, read down the plan: its own filters, and through
 * nodes that pass their input's rows (Sort, Limit, Subquery Scan …) and joins, the conditions of the
 * inputs its rows come from — both sides and the join's own of an inner or semi join; the preserved
 * side of an outer one, and of its nullable side "met the join's conditions and its own, or is NULL
 * in every column" (the columns the plan's conditions read). The plan names each relation apart
 * (`t`, `t_1`), so conditions of different nodes can be judged as one AND: the server's equivalence
 * classes and pushed-down filters then meet again (`a.x > 5` on one scan, `b.x < 3` on the other,
 * `a.x = b.x` on the join).
 */
function conditionsOf(node: PlanNode, read: Reading): string[] {
  const type = node['Node Type'] ?? '';
  const own = [node.Filter, node['Index Cond'], node['Recheck Cond'], node['One-Time Filter']];
  const children = inputsOf(node);
  let below: string[] = [];
  if (JOINS.has(type)) {
    const outer = children.find((child) => child['Parent Relationship'] === 'Outer');
    const inner = children.find((child) => child['Parent Relationship'] === 'Inner');
    const joinType = node['Join Type'] ?? '';
    const joined = [node['Join Filter'], node['Hash Cond'], node['Merge Cond']].filter((condition) => condition !== undefined);
    if (BOTH_SIDES.has(joinType)) {
      own.push(...joined);
      below = [...(outer ? conditionsOf(outer, read) : []), ...(inner ? conditionsOf(inner, read) : [])];
    } else if (joinType === 'Anti' && outer) below = conditionsOf(outer, read);
    else if ((joinType === 'Left' || joinType === 'Right' || joinType === 'Full') && outer && inner) below = outerJoinConditions(joinType, outer, inner, joined, read);
  } else if (ROWS_FROM_INPUT.has(type) && children.length === 1) below = conditionsOf(children[0]!, read);
  return [...own.filter((condition) => condition !== undefined), ...below];
}

/** `(a) AND (b)` of condition texts (`true` of none). */
const allOf = (conditions: readonly string[]) => (conditions.length === 0 ? 'true' : conditions.map((c) => `(${c})`).join(' AND '));

/** The conditions of an outer join's rows: matched (both sides and the join's own), or one side's with the other side NULL. */
function outerJoinConditions(joinType: string, outer: PlanNode, inner: PlanNode, joined: readonly string[], read: Reading): string[] {
  const [outerConditions, innerConditions] = [conditionsOf(outer, read), conditionsOf(inner, read)];
  const matched = allOf([...joined, ...outerConditions, ...innerConditions]);
  const [outerNull, innerNull] = [read.allNull(aliasesUnder(outer)), read.allNull(aliasesUnder(inner))];
  if (joinType === 'Full') return outerNull && innerNull ? [`(${matched}) OR (${allOf(outerConditions)} AND ${innerNull}) OR (${allOf(innerConditions)} AND ${outerNull})`] : [];
  const [preserved, nullable, nulls] = joinType === 'Left' ? [outerConditions, innerConditions, innerNull] : [innerConditions, outerConditions, outerNull];
  return nulls ? [...preserved, `(${allOf([...joined, ...nullable])}) OR (${nulls})`] : preserved;
}

/** The aliases of the relations under a node (each scan's). */
function aliasesUnder(node: PlanNode): Set<string> {
  const aliases = new Set<string>();
  const visit = (at: PlanNode) => {
    if (typeof at.Alias === 'string') aliases.add(at.Alias);
    for (const child of at.Plans ?? []) visit(child);
  };
  visit(node);
  return aliases;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** For a set of aliases, `alias.column IS NULL` of each of their columns `plan`'s conditions read, as one AND (undefined: none). */
function allNullReading(root: PlanNode): (aliases: ReadonlySet<string>) => string | undefined {
  const columns: [string, string][] = [];
  const visit = (node: PlanNode) => {
    for (const text of [node.Filter, node['Index Cond'], node['Recheck Cond'], node['One-Time Filter'], node['Join Filter'], node['Hash Cond'], node['Merge Cond']]) {
      const parsed = text === undefined ? undefined : parseExpression(text);
      for (const column of parsed === undefined ? [] : columnsOf(parsed)) columns.push(column);
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return (aliases) => {
    const mine = new Set(columns.filter(([alias]) => aliases.has(alias)).map(([alias, column]) => `${quoted(alias)}.${quoted(column)} IS NULL`));
    return mine.size === 0 ? undefined : [...mine].join(' AND ');
  };
}

/** The two-part column references in a parsed condition, as alias and column. */
function columnsOf(parsed: unknown): [string, string][] {
  const out: [string, string][] = [];
  walkSqlTree(parsed, ({ type, fields }) => {
    const key = type === 'ColumnRef' ? columnKey({ ColumnRef: fields }) : undefined;
    if (key !== undefined) out.push(key.split('\u0000') as [string, string]);
  });
  return out;
}

/** Whether the node provably returns no row. */
function returnsNoRow(node: PlanNode, read: Reading): boolean {
  const type = node['Node Type'] ?? '';
  const children = inputsOf(node);
  // Conditions of several nodes that no row meets together (each alone could be met).
  // Judged without what outer joins' nullable sides hold, then with it (a bigger form may pass the normal form's caps).
  const conditions = conditionsOf(node, { ...read, allNull: () => undefined });
  if (conditions.length > 1 && !(conjunctionTruth(conditions.map(read.text), read.adjust) & T)) return true;
  const joined = conditionsOf(node, read);
  if (joined.length > conditions.length && !(conjunctionTruth(joined.map(read.text), read.adjust) & T)) return true;
  if (type === 'Result' && node['One-Time Filter'] === 'false') return true;
  // TABLESAMPLE of 0 percent by a built-in method keeps no row (the planner spells the 0 as `'0'::real`).
  if (type === 'Sample Scan' && ['bernoulli', 'system'].includes(node['Sampling Method'] ?? '') && /^'?0(\.0*)?'?(::real)?$/.test(node['Sampling Parameters']?.[0] ?? '')) return true;
  // Every row a node returns meets its filter and its index conditions.
  if ([node.Filter, node['Index Cond'], node['Recheck Cond'], node['One-Time Filter']].some((condition) => neverTrue(condition, read))) return true;
  if (JOINS.has(type) && (node['Join Type'] === 'Inner' || node['Join Type'] === 'Semi') && neverTrue(node['Join Filter'], read)) return true;
  if (type === 'Append' || type === 'Merge Append') return children.every((child) => returnsNoRow(child, read));
  if (type === 'Aggregate') return node.Strategy !== 'Plain' && children.length === 1 && returnsNoRow(children[0]!, read);
  if (JOINS.has(type)) {
    const outer = children.find((child) => child['Parent Relationship'] === 'Outer');
    const inner = children.find((child) => child['Parent Relationship'] === 'Inner');
    if (!outer || !inner) return false;
    const joinType = node['Join Type'] ?? '';
    if (joinType === 'Inner' || joinType === 'Semi') return returnsNoRow(outer, read) || returnsNoRow(inner, read);
    if (joinType === 'Left' || joinType === 'Anti') return returnsNoRow(outer, read);
    if (joinType === 'Right') return returnsNoRow(inner, read);
    return returnsNoRow(outer, read) && returnsNoRow(inner, read);
  }
  return ROWS_FROM_INPUT.has(type) && children.length === 1 && returnsNoRow(children[0]!, read);
}

/** Whether the node's answer is the same on any data: no row, or one row of aggregates over none. */
function answerIsFixed(node: PlanNode, read: Reading): boolean {
  if (returnsNoRow(node, read)) return true;
  const type = node['Node Type'] ?? '';
  const children = inputsOf(node);
  // A plain aggregate (no GROUP BY) over no row answers one row of empty aggregates (count 0, max NULL), or none after HAVING, always alike.
  if (type === 'Aggregate' && node.Strategy === 'Plain') return children.length === 1 && returnsNoRow(children[0]!, read);
  return ROWS_FROM_INPUT.has(type) && children.length === 1 && answerIsFixed(children[0]!, read);
}

/**
 * What the plan proves about the query's answer (EXPLAIN (FORMAT JSON)'s one value: an array of one
 * object with `Plan`): `no rows`, `fixed` (one row of aggregates over no rows), or undefined when
 * the answer depends on the data as far as the plan shows.
 */
export function plannedFixedAnswer(explained: unknown, facts?: PlanFacts): 'no rows' | 'fixed' | undefined {
  const root = (Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined);
  if (!root) return undefined;
  const adjust: Adjust = facts ? (node) => withPlanFacts(node, facts) : asWritten.adjust;
  const allNull = allNullReading(root);
  const { noRow, fixed } = fixedInitPlans(root, { text: asWritten.text, adjust, allNull });
  const read = { text: replacing(noRow, (param) => `(null::boolean and ${param})`), adjust, allNull };
  if (returnsNoRow(root, read)) return 'no rows';
  if (answerIsFixed(root, read)) return 'fixed';
  // One row computed from constants and InitPlans whose answers are fixed (`select exists (select 1 from v)`, v never true).
  const first = root.Output?.[0];
  const fromValuesAlone = root['Node Type'] === 'Result' && inputsOf(root).length === 0 && root['One-Time Filter'] === undefined;
  return fromValuesAlone && first !== undefined && expressionIsFixed(replacing([...noRow, ...fixed], () => 'null')(first)) ? 'fixed' : undefined;
}

/** How a plan's text names an InitPlan's values: `$0` (PostgreSQL 16 and before, `InitPlan 1 (returns $0,$1)`) or `(InitPlan 1).col1`. */
function initPlanReferences(name: string): RegExp[] {
  const [, number, returns] = /^InitPlan (\d+)(?: \(returns (.*)\))?$/.exec(name) ?? [];
  if (number === undefined) return [];
  const params = returns === undefined ? [] : returns.split(',').map((p) => p.trim()).filter((p) => /^\$\d+$/.test(p));
  return [new RegExp(`\\(InitPlan ${number}\\)\\.col\\d+`, 'g'), ...params.map((p) => new RegExp(`\\${p}(?!\\d)`, 'g'))];
}

/**
 * The references to InitPlans whose answers the plan shows fixed, apart: those that return no row
 * (EXISTS of them is false, a scalar sub-select NULL) and those that return one row of aggregates over none.
 */
function fixedInitPlans(root: PlanNode, read: Reading): { noRow: RegExp[]; fixed: RegExp[] } {
  const noRow: RegExp[] = [];
  const fixed: RegExp[] = [];
  const visit = (node: PlanNode) => {
    if (node['Parent Relationship'] === 'InitPlan') {
      const references = initPlanReferences(node['Subplan Name'] ?? '');
      if (returnsNoRow(node, read)) noRow.push(...references);
      else if (answerIsFixed(node, read)) fixed.push(...references);
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return { noRow, fixed };
}

/** A reading that replaces each reference by `by(a parameter of its own)`: false or NULL for a no-row InitPlan, whichever it is. */
function replacing(references: readonly RegExp[], by: (param: string) => string): (text: string) => string {
  return (text) => references.reduce((out, reference, i) => out.replace(reference, by(`$${90_001 + i}`)), text);
}

/** `statement`'s plan as EXPLAIN (VERBOSE, FORMAT JSON) gives it: nothing is executed; VERBOSE names what each node returns. */
export function explainSql(statement: SQL): SQL {
  return sql`explain (verbose, format json) ${statement}`;
}

/** The plan out of explainSql's one row (a JSON text or, parsed by the driver, the value itself). */
export function planOfRow(row: Record<string, unknown> | undefined): unknown {
  const plan = row?.['QUERY PLAN'];
  return typeof plan === 'string' ? JSON.parse(plan) : plan;
}
