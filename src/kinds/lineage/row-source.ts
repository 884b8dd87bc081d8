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
 * is a table's rows; a function scan, VALUES, a constant Result, a work table and an aggregate with
 * no GROUP BY (one row) are rows no table decides; a join's rows are its preserved side's (an inner
 * join either side's, a full join both sides'); a union's, every member's. Sound in one direction:
 * a node not listed is followed only through all of its row inputs, and one with none is fixed.
 */
import { rootOf, rowInputsOf, type PlanNode } from './column-lineage.js';
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

/** Every node of the plan, sub-plans included (a WITH query's plan is an InitPlan named `CTE name`). */
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

/** Judges a plan (pure): whether the rows its top returns are a table's rows. */
export function judgeRowSource(explained: unknown): RowSource {
  const root = rootOf(explained);
  if (root === undefined) return { fromTable: false, node: 'unreadable plan' };
  const nodes = allNodes(root);
  // A WITH query's plan may be scanned twice: judged once.
  const judged = new Map<PlanNode, string | undefined>();
  const fixedAt = (node: PlanNode): string | undefined => {
    if (!judged.has(node)) {
      judged.set(node, node['Node Type'] ?? 'unknown node');
      judged.set(node, judge(node));
    }
    return judged.get(node);
  };
  const judge = (node: PlanNode): string | undefined => {
    const type = node['Node Type'] ?? 'unknown node';
    const inputs = rowInputsOf(node);
    const first = (nodesToFollow: (PlanNode | undefined)[]): string | undefined => {
      if (nodesToFollow.length === 0 || nodesToFollow.some((n) => n === undefined)) return type;
      for (const input of nodesToFollow) {
        const at = fixedAt(input!);
        if (at !== undefined) return at;
      }
      return undefined;
    };
    if (typeof node['Relation Name'] === 'string') return undefined;
    if (FIXED_SCANS.has(type)) return type === 'Function Scan' ? `${type} (${String(node['Function Name'] ?? 'a function')})` : type;
    if (type === 'CTE Scan') {
      const plan = nodes.find((n) => n['Subplan Name'] === `CTE ${String(node['CTE Name'])}`);
      return plan === undefined ? type : fixedAt(plan);
    }
    // A plan that proves the read empty returns no row: an empty scope is judged by min_rows.
    if (type === 'Result' && inputs.length === 0) return node['One-Time Filter'] === 'false' ? undefined : 'Result (rows of constants)';
    if (type === 'Aggregate' && node.Strategy === 'Plain') return 'Aggregate (one row, no GROUP BY)';
    // Every partition pruned at plan time: no row, as above.
    if ((type === 'Append' || type === 'Merge Append') && inputs.length === 0) return undefined;
    if (JOINS.has(type)) {
      const outer = inputs.find((child) => child['Parent Relationship'] === 'Outer');
      const inner = inputs.find((child) => child['Parent Relationship'] === 'Inner');
      const joinType = String(node['Join Type'] ?? '');
      if (joinType === 'Inner') {
        // Rows of either side multiplied by matches on the other: a table's rows on one side decide them.
        const a = outer === undefined ? type : fixedAt(outer);
        const b = inner === undefined ? type : fixedAt(inner);
        return a !== undefined && b !== undefined ? a : undefined;
      }
      if (joinType === 'Left' || joinType === 'Semi' || joinType === 'Anti') return first([outer]);
      if (joinType.startsWith('Right')) return first([inner]);
      return first([outer, inner]);
    }
    if (type === 'Recursive Union') return first([inputs[0]]);
    return first(inputs);
  };
  const at = fixedAt(root);
  return at === undefined ? { fromTable: true } : { fromTable: false, node: at };
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
    message: `the rows of ${scope} do not come from a table's rows: as the server plans reading them, their number is decided by a ${found.node} (a set-returning function, VALUES, constants, an aggregate with no GROUP BY, or such a node outer-joined to a table), whatever any table holds, so counting them proves nothing about the migration; check the table the view reads`,
  };
}
