/**
 * Whether a relation's rows come from a table's rows, asked of the server's plan.
 *
 * A row_count compares how many rows two relations hold, and a null_check counts NULLs among a
 * relation's rows; both assume that number is the data's. A view can fix it instead: `select g as
 * id from generate_series(1, 100) g` holds 100 rows whatever any table holds, and so does
 * `generate_series(1, 100) g left join users_new u on u.id = g` (the join keeps every series row, and
 * the planner removes it when no column of users_new is read). "users_new has as many rows as
 * legacy" then passes with users_new empty. The counted read (`select from t where …`, EXPLAIN, no
 * row read) is followed from the top down through the nodes whose rows it counts: a relation scan
 * is a table's rows; a function scan, VALUES, a constant Result, a work table, a select-list
 * set-returning function (ProjectSet) and an aggregate with no GROUP BY (one row) are rows no table
 * decides; a join's rows are its preserved side's (an inner join either side's, a full join both
 * sides'), unless the other side is more than one row no table holds, which multiplies them (a
 * series joined to one row of a table, a lateral series per row: `users_new u cross join lateral
 * generate_series(0, 9)` is 10 rows per user); a union's, every member's; a recursive union's,
 * none (its recursive term makes rows out of its earlier ones). A grouping is its input's rows, each
 * group at most once, only with one grouping set and that set not empty: ROLLUP, CUBE, an empty set
 * (a grand-total row, even over no row) or a set listed twice (every group twice) make rows no table
 * holds. Sound in one direction: a node is followed through its inputs only when it is known to
 * keep each input row at most once (an allow-list); any other node is rows no table decides.
 */
import { rootOf, rowInputsOf, type PlanNode } from './column-lineage.js';
import { ctePlanOf, parentsOf } from '../../sql/cte-plan.js';
import { explainSql, planOfRow } from '../../sql/planned-answer.js';
import { predicateSql, sql, tableSql } from '../../sql/build.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import { Fault, type FaultInfo } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';

/** Whether a relation's rows are a table's, or the node where they are not. */
export type RowSource = { fromTable: true } | { fromTable: false; node: string };

/** Scans producing rows no table decides. */
const FIXED_SCANS = new Set(['Function Scan', 'Values Scan', 'Table Function Scan', 'WorkTable Scan', 'Named Tuplestore Scan']);
const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
/** Scans of a relation: its rows, at most filtered (a foreign table's included). */
const RELATION_SCANS = new Set(['Seq Scan', 'Sample Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan', 'Foreign Scan']);
/**
 * Nodes whose rows are their inputs' rows, each at most once: passed on, projected one-to-one,
 * sorted, hashed, gathered from workers, filtered, limited, deduplicated, grouped by one key,
 * numbered by a window, or intersected and subtracted (every input followed).
 */
const KEEPING = new Set(['Result', 'Subquery Scan', 'Hash', 'Sort', 'Incremental Sort', 'Materialize', 'Memoize', 'Gather', 'Gather Merge', 'LockRows', 'Limit', 'Unique', 'Group', 'WindowAgg', 'SetOp']);

/** Every node under `root`, sub-plans included. */
function allNodes(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    stack.push(...(node.Plans ?? []));
  }
  return out;
}

/** Where the rows stop being a table's: the node, and whether it holds at most one row (which multiplies nothing it is joined to). */
interface Fixed { node: string; oneRow: boolean }

const multiplies = (side: Fixed | undefined): boolean => side !== undefined && !side.oneRow;
const joinedTo = (side: Fixed): Fixed => ({ node: `${side.node} joined to the other side's rows, multiplying them`, oneRow: false });

/** Judges a plan (pure): whether the rows its top returns are a table's rows. */
export function judgeRowSource(explained: unknown): RowSource {
  const root = rootOf(explained);
  if (root === undefined) return { fromTable: false, node: 'unreadable plan' };
  const parents = parentsOf(root);
  // A WITH query's plan may be scanned twice: judged once.
  const judged = new Map<PlanNode, Fixed | undefined>();
  const fixedAt = (node: PlanNode): Fixed | undefined => {
    if (!judged.has(node)) {
      judged.set(node, { node: node['Node Type'] ?? 'unknown node', oneRow: false });
      judged.set(node, judge(node));
    }
    return judged.get(node);
  };
  const judge = (node: PlanNode): Fixed | undefined => {
    const type = node['Node Type'] ?? 'unknown node';
    const inputs = rowInputsOf(node);
    const here: Fixed = { node: type, oneRow: false };
    // Through one input the rows are at most its rows; through several (a union), more than any one's.
    const first = (nodesToFollow: (PlanNode | undefined)[]): Fixed | undefined => {
      if (nodesToFollow.length === 0 || nodesToFollow.some((n) => n === undefined)) return here;
      for (const input of nodesToFollow) {
        const at = fixedAt(input!);
        if (at !== undefined) return nodesToFollow.length === 1 ? at : { ...at, oneRow: false };
      }
      return undefined;
    };
    if (RELATION_SCANS.has(type) && typeof node['Relation Name'] === 'string') return undefined;
    if (FIXED_SCANS.has(type)) return type === 'Function Scan' ? { node: `${type} (${String(node['Function Name'] ?? 'a function')})`, oneRow: false } : here;
    if (type === 'CTE Scan') {
      // By scope, not by name: two WITH queries may share one (cte-plan.ts); one not told is no table's rows.
      const plan = ctePlanOf(node, (n) => parents.get(n));
      return plan === undefined ? { node: 'CTE Scan (of a WITH query whose own plan the plan does not tell by scope)', oneRow: false } : fixedAt(plan);
    }
    // A plan that proves the read empty returns no row: an empty scope is judged by min_rows.
    if (type === 'Result' && inputs.length === 0) return node['One-Time Filter'] === 'false' ? undefined : { node: 'Result (rows of constants)', oneRow: true };
    if (type === 'Aggregate') {
      const grouping = groupingOf(node);
      if (grouping.rows === 'one') return { node: 'Aggregate (one row, no GROUP BY)', oneRow: true };
      if (grouping.rows === 'made') return { node: `Aggregate (${grouping.why})`, oneRow: false };
      return first(inputs);
    }
    // A set-returning function in the select list: each input row becomes as many rows as it returns.
    if (type === 'ProjectSet') return { node: 'ProjectSet (a set-returning function in the select list, multiplying its input rows)', oneRow: false };
    // Every partition pruned at plan time: no row, as above.
    if ((type === 'Append' || type === 'Merge Append') && inputs.length === 0) return undefined;
    if (JOINS.has(type)) return judgeJoin(node, inputs, fixedAt, here);
    if (type === 'Recursive Union') {
      const seed = first([inputs[0]]);
      if (seed !== undefined) return { ...seed, oneRow: false };
      // The recursive term reads the rows made so far: the rows it makes are generated from a seed, not held by a table.
      const recursive = inputs[1] === undefined ? [] : allNodes(inputs[1]);
      if (recursive.some((n) => n['Node Type'] === 'WorkTable Scan')) return { node: 'Recursive Union (rows generated from its own earlier rows)', oneRow: false };
      return first(inputs);
    }
    if (type === 'Append' || type === 'Merge Append' || KEEPING.has(type)) return first(inputs);
    return { node: `${type} (a plan node not known to keep each row of its input at most once)`, oneRow: false };
  };
  const at = fixedAt(root);
  return at === undefined ? { fromTable: true } : { fromTable: false, node: at.node };
}

/** The grouping sets of an Aggregate, each a list of keys (EXPLAIN's `Grouping Sets`: Group Keys and Hash Keys per phase); undefined when it prints none. */
function groupingSetsOf(node: PlanNode): unknown[][] | undefined {
  const phases = node['Grouping Sets'];
  if (phases === undefined) return undefined;
  if (!Array.isArray(phases)) return [];
  return phases.flatMap((phase: unknown) => {
    const sets = [(phase as Record<string, unknown>)?.['Group Keys'], (phase as Record<string, unknown>)?.['Hash Keys']];
    return sets.flatMap((keys) => (Array.isArray(keys) ? keys.map((set: unknown) => (Array.isArray(set) ? set : [set])) : []));
  });
}

/** What an Aggregate's grouping makes of its input's rows. */
type Grouping = { rows: 'one' } | { rows: 'per group' } | { rows: 'made'; why: string };

/**
 * What an Aggregate's grouping makes of its input: one row (no GROUP BY, or one empty grouping
 * set), each group of one non-empty key at most once, or otherwise rows no table holds — an empty
 * set beside a key (a grand-total row even over no row: ROLLUP, CUBE), two sets (a group per set,
 * twice when listed twice), several empty sets (as many rows, whatever the table holds).
 */
function groupingOf(node: PlanNode): Grouping {
  const sets = groupingSetsOf(node);
  if (sets === undefined) {
    const keys = node['Group Key'];
    if (node.Strategy === 'Plain' && keys === undefined) return { rows: 'one' };
    if ((node.Strategy === 'Sorted' || node.Strategy === 'Hashed') && Array.isArray(keys) && keys.length > 0) return { rows: 'per group' };
    return { rows: 'made', why: `strategy ${String(node.Strategy ?? 'not printed')} without one grouping key` };
  }
  if (sets.length === 1) return sets[0]!.length === 0 ? { rows: 'one' } : { rows: 'per group' };
  const empty = sets.filter((set) => set.length === 0).length;
  const why = empty > 0 ? `, ${empty} of them empty: a grand-total row whatever the table holds, as ROLLUP and CUBE add` : ': each group made once per set';
  return { rows: 'made', why: `GROUP BY grouping sets, ${sets.length} sets${why}` };
}

/**
 * A join's rows: its preserved side's (an inner join: either side's), each multiplied by its
 * matches on the other side. A side of table rows against more than one row no table holds (a
 * function scan, VALUES, a select-list or lateral series) is multiplied by them, whatever the
 * table holds; a side of at most one row (an aggregate with no GROUP BY) multiplies nothing, and
 * an inner side matching each outer row at most once (`Inner Unique`) neither. Tables joined with
 * tables are a table's rows, as before.
 */
function judgeJoin(node: PlanNode, inputs: PlanNode[], fixedAt: (node: PlanNode) => Fixed | undefined, here: Fixed): Fixed | undefined {
  const outerNode = inputs.find((child) => child['Parent Relationship'] === 'Outer');
  const innerNode = inputs.find((child) => child['Parent Relationship'] === 'Inner');
  const outer = outerNode === undefined ? here : fixedAt(outerNode);
  const inner = innerNode === undefined ? here : fixedAt(innerNode);
  const innerUnique = node['Inner Unique'] === true;
  const joinType = String(node['Join Type'] ?? '');
  if (joinType === 'Semi' || joinType === 'Anti') return outer;
  if (joinType === 'Right Semi' || joinType === 'Right Anti') return inner;
  if (joinType === 'Inner') {
    if (outer === undefined && innerUnique) return undefined;
    if (multiplies(outer)) return joinedTo(outer!);
    if (multiplies(inner)) return joinedTo(inner!);
    // Either side a table's rows, the other at most one row; both one row: one row.
    return outer === undefined || inner === undefined ? undefined : { node: outer.node, oneRow: true };
  }
  if (joinType === 'Left') {
    if (outer !== undefined) return outer;
    return !innerUnique && multiplies(inner) ? joinedTo(inner!) : undefined;
  }
  if (joinType === 'Right') {
    if (inner !== undefined) return inner;
    return multiplies(outer) ? joinedTo(outer!) : undefined;
  }
  // Full: both sides' rows.
  return outer !== undefined ? { ...outer, oneRow: false } : inner !== undefined ? { ...inner, oneRow: false } : undefined;
}

/** The fault for a counted relation whose rows come from no table, or undefined. Asked on a pass only. */
export async function fixedRowsFault(ctx: ExecutionContext, side: { source: string; table: TableRef; where?: string | undefined }): Promise<FaultInfo | undefined> {
  const scope = `${formatTableRef(side.table)}${side.where === undefined ? '' : ` where ${side.where}`} on source "${side.source}"`;
  let row: Record<string, unknown> | undefined;
  try {
    [row] = await ctx.query(side.source, explainSql(sql`select from ${tableSql(side.table)} where ${predicateSql(side.where)}`));
  } catch (error) {
    // Renamed or dropped since it was counted: a value, so that the runner's proof of what the counts read still decides.
    if (error instanceof Fault && error.fault.sqlstate === '42P01') {
      return { code: 'table_replaced', message: `${scope} no longer resolves since it was counted, so where its rows come from cannot be told; run the check again` };
    }
    throw error;
  }
  const found = judgeRowSource(planOfRow(row));
  if (found.fromTable) return undefined;
  return {
    code: 'fixed_rows',
    message: `the rows of ${scope} do not come from a table's rows: as the server plans reading them, their number is decided by a ${found.node} (a set-returning function, VALUES, constants, an aggregate with no GROUP BY, GROUP BY grouping sets other than one non-empty set — ROLLUP, CUBE, an empty set, a set listed twice —, a recursive WITH, a WITH query the plan does not tell apart from another of its name, a plan node not known to keep each row at most once, such a node outer-joined to a table, or one multiplying a table's rows by a join or a select-list series), whatever any table holds, so counting them proves nothing about the migration; check the table the view reads`,
  };
}
