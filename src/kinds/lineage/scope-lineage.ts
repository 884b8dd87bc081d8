/**
 * Whether a check's scope depends on what it checks, asked of the server's plan.
 *
 * A null_check counts NULLs only among the rows its scope keeps, and a same-table column_parity
 * compares only those (each side of the join form too, judged against both sides' values: a key
 * left out of both sides is neither compared nor missing): a filter that reads the counted or compared columns can put exactly the
 * failing rows out of scope — `where: has_first` over a stored `has_first generated always as
 * (first_name is not null)`, `where: fn is not null` through a view renaming `first_name`, a view
 * whose own definition filters on it, `where: first_name = 'f' || id` against `old: "'f' || id"`.
 * Names in the text cannot see these; the plan can. The scope's read is planned (EXPLAIN VERBOSE,
 * no row read) with the checked values as its outputs, and every condition the rows pass through
 * — the `where`, views' filters inlined into it, every scan's Index Cond, Recheck Cond and Filter,
 * join conditions, a sub-query scan's filter, the sub-plans those call, a partial index's
 * predicate (the plan drops conditions it implies), row-security policies — is read into columns
 * (column-lineage.ts; stored generated columns widened to their inputs, catalog-lineage.ts), a
 * column named by its relation and its name.
 *
 * The rule: no `and`-ed part of a condition may read a column a checked value is read from. For
 * NULL counts only, a part written `c IS NULL OR …`, where c is the counted value itself, a plain
 * column of a scanned relation, is true wherever c is NULL and keeps those rows. Rows that pass
 * through a node that drops rows by no condition the plan prints — a LIMIT/OFFSET, an aggregate
 * or DISTINCT, INTERSECT/EXCEPT, a set-returning function in the select list, TABLESAMPLE, a
 * foreign or custom scan (whose remote filters the plan does not show) — cannot be judged: which
 * rows it keeps may depend on the checked values. Sound in one direction: what cannot be told
 * (an unreadable condition, a function that is no built-in) is never taken as apart.
 */
import { conditionTexts, LineageReader, parsePlanText, planLineage, PlanIndex, readsOfTree, rootOf, type ColumnRead, type PlanNode } from './column-lineage.js';
import { readCatalogReads, readIndexPredicates, widenGenerated } from './catalog-lineage.js';
import type { ExecutionContext } from '../types.js';
import { explainSql, planOfRow } from '../../sql/planned-answer.js';
import { loadSqlParser } from '../../sql/parser.js';
import { joinSql, predicateSql, regclassText, sql, tableSql, type SQL } from '../../sql/build.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import { scopeReadsChecked, type FaultInfo, type ScopeDependence } from '../../results/fault.js';

/** A scope and what a check reads from each row in it. */
export interface CheckedScope {
  readonly source: string;
  readonly table: TableRef;
  readonly where?: string | undefined;
  /** The checked values (null_check: each counted column; column_parity: old and new), as SQL over the table. */
  readonly values: readonly SQL[];
  /** Only NULLs are counted: a part `c IS NULL OR …` of a filter keeps every row where the counted c is NULL. */
  readonly nullsOnly: boolean;
  /**
   * Values checked from another table (column_parity's join form: the other side's value), whose
   * columns no condition of this scope may read either; they follow `values` in the names a fault gives.
   */
  readonly alsoChecked?: { readonly table: TableRef; readonly values: readonly SQL[] } | undefined;
}

/** How a scope stands to the values it checks: apart, or how it depends on them. */
export type ScopeFinding = { standing: 'apart' } | ScopeDependence;

/** One `and`-ed part of a condition: what it reads, and the plain columns it holds a `c IS NULL` disjunct of. */
interface Conjunct { reads: ColumnRead[] | undefined; nullTested: ColumnRead[] }

/** Nodes that drop (or fold) rows by nothing the plan prints as a condition. */
const CUTTING_NODES = new Set(['Limit', 'Aggregate', 'Group', 'Unique', 'SetOp', 'Recursive Union', 'ProjectSet', 'Sample Scan', 'Foreign Scan', 'Custom Scan']);

const isNode = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `and`-ed (or `or`-ed) parts of a parsed expression; itself when it is no such BoolExpr. */
function boolParts(node: unknown, op: 'AND_EXPR' | 'OR_EXPR'): unknown[] {
  const bool = isNode(node) && isNode(node.BoolExpr) ? node.BoolExpr : undefined;
  return bool?.boolop === op && Array.isArray(bool.args) ? bool.args.flatMap((arg) => boolParts(arg, op)) : [node];
}

/** The names a column reference spells (`c` or `t.c`), unresolved; undefined for anything else. */
function columnRefOf(node: unknown): { alias: string | undefined; column: string } | undefined {
  const ref = isNode(node) && isNode(node.ColumnRef) ? node.ColumnRef : undefined;
  const names = Array.isArray(ref?.fields) ? ref.fields.map((f) => (isNode(f) && isNode(f.String) && typeof f.String.sval === 'string' ? f.String.sval : undefined)) : [];
  if (names.length < 1 || names.length > 2 || names.some((n) => n === undefined)) return undefined;
  return names.length === 2 ? { alias: names[0], column: names[1]! } : { alias: undefined, column: names[0]! };
}

/** The column an `x IS NULL` disjunct tests, unresolved; undefined for anything else. */
function nullTestedColumn(node: unknown): { alias: string | undefined; column: string } | undefined {
  const test = isNode(node) && isNode(node.NullTest) ? node.NullTest : undefined;
  return test?.nulltesttype === 'IS_NULL' ? columnRefOf(test.arg) : undefined;
}

/** Whether a plan node's children under it are sub-plans that belong to whoever calls them (a WITH query's plan is the rows of its scans). */
function calledPlan(node: PlanNode): boolean {
  const relation = node['Parent Relationship'];
  return relation === 'SubPlan' || (relation === 'InitPlan' && !String(node['Subplan Name'] ?? '').startsWith('CTE '));
}

/** The nodes rows flow through: the plan without the sub-plans that conditions and outputs call. */
function rowNodes(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    stack.push(...(node.Plans ?? []).filter((child) => !calledPlan(child)));
  }
  return out;
}

/** Reads one condition text found in `at` into its conjuncts; `relation`: resolve unqualified names to this scan (a catalog text). */
function conjunctsOf(reader: LineageReader, text: string, at: PlanNode, order: boolean, relation?: string): Conjunct[] {
  const untold = [{ reads: undefined, nullTested: [] }];
  if (order) return [{ reads: reader.text(text, at, true), nullTested: [] }];
  const parsed = parsePlanText(text, false);
  if (parsed === undefined || parsed.expression === undefined) return untold;
  const resolve = (reads: ReturnType<typeof readsOfTree>): ColumnRead[] | undefined => {
    if (relation === undefined) return reader.resolve(reads, at);
    // A catalog text (a partial index's predicate) names its own relation's columns and nothing else.
    if (reads === undefined || reads.subplans.length > 0 || reads.params.length > 0 || reads.columns.some((c) => c.alias !== undefined)) return undefined;
    return reads.columns.map((c) => ({ alias: relation, column: c.column }));
  };
  return boolParts(parsed.expression, 'AND_EXPR').map((part): Conjunct => {
    const nullTested = boolParts(part, 'OR_EXPR').flatMap((disjunct) => {
      const column = nullTestedColumn(disjunct);
      const reads = column && resolve({ columns: [column], subplans: [], params: [], rewritten: false });
      return reads?.length === 1 ? reads : [];
    });
    return { reads: resolve(readsOfTree(part, parsed.subplans, parsed.rewritten)), nullTested };
  });
}

/** Per checked value, the plain relation column it is when it is one (at the top, or in every member of a top union); else none. */
function plainColumns(plan: PlanIndex, reader: LineageReader, root: PlanNode, i: number): ColumnRead[] {
  const union = root.Output === undefined && (root['Node Type'] === 'Append' || root['Node Type'] === 'Merge Append');
  const members = union ? (root.Plans ?? []).filter((child) => !calledPlan(child)) : [root];
  const out: ColumnRead[] = [];
  for (const member of members) {
    const text = member.Output?.[i];
    const parsed = text === undefined ? undefined : parsePlanText(text, false);
    const column = parsed && columnRefOf(parsed.expression);
    const reads = column && reader.text(text!, member);
    const scan = reads?.length === 1 ? plan.scans.get(reads[0]!.alias) : undefined;
    // Through a sub-query the name may stand for any function of what it reads (`nullif(c, 'x')`).
    if (scan === undefined || typeof scan['Relation Name'] !== 'string') return [];
    out.push(reads![0]!);
  }
  return out;
}

/** The nearest value of `field` on the node or above it (a bitmap index scan's relation is its heap scan's). */
function nearest(plan: PlanIndex, node: PlanNode, field: 'Alias' | 'Schema'): string | undefined {
  for (let at: PlanNode | undefined = node; at !== undefined; at = plan.parent.get(at)) if (typeof at[field] === 'string') return at[field];
  return undefined;
}

/** An index scan's index, as regclass text. */
const indexText = (plan: PlanIndex, node: PlanNode) => regclassText({ schema: nearest(plan, node, 'Schema') ?? '', name: String(node['Index Name']) });

/** What the catalog adds to one plan: stored generated columns' inputs, and partial indexes' predicates by regclass text. */
export interface ScopeCatalog { generated: Map<string, Map<string, string[] | undefined>>; predicates: Map<string, string | null> }

/** The indexes the rows are read through (regclass texts), whose predicates the judgement needs. */
export function scopeIndexes(explained: unknown): string[] {
  const root = rootOf(explained);
  if (root === undefined) return [];
  const plan = new PlanIndex(root);
  return [...new Set(rowNodes(root).flatMap((node) => (typeof node['Index Name'] === 'string' ? [indexText(plan, node)] : [])))];
}

/**
 * The nodes a scan's rows pass on their way to the top: its ancestors, and from a WITH query's
 * plan on through every scan of that query.
 */
function pathUp(plan: PlanIndex, nodes: readonly PlanNode[], scan: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [scan];
  const seen = new Set<PlanNode>();
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (seen.has(at)) continue;
    seen.add(at);
    out.push(at);
    const name = at['Parent Relationship'] === 'InitPlan' ? String(at['Subplan Name'] ?? '') : '';
    if (name.startsWith('CTE ')) {
      stack.push(...nodes.filter((node) => node['Node Type'] === 'CTE Scan' && `CTE ${String(node['CTE Name'])}` === name));
      continue;
    }
    const parent = plan.parent.get(at);
    if (parent !== undefined) stack.push(parent);
  }
  return out;
}

/**
 * Judges a scope's plan (pure): `count` checked values are the plan's first outputs. Apart when no
 * condition the checked rows pass reads a checked value's column and no node drops them unseen.
 */
export function judgeScope(explained: unknown, count: number, nullsOnly: boolean, catalog: ScopeCatalog, alsoChecked: ReadonlySet<string> = new Set()): ScopeFinding {
  const root = rootOf(explained);
  const lineage = planLineage(explained, count);
  if (root === undefined || lineage === undefined) return { standing: 'untold' };
  // A plan that proves the scope empty reads no row: nothing is left out by what it checks (whether
  // an empty scope may pass is the engine's question, runner/empty-scope.ts).
  if (root['One-Time Filter'] === 'false' && (root.Plans ?? []).length === 0) return { standing: 'apart' };
  const plan = new PlanIndex(root);
  const reader = new LineageReader(plan);
  const identity = (read: ColumnRead) => {
    const relation = lineage.relations.get(read.alias);
    return relation === undefined ? undefined : `${regclassText(relation)}\u0000${read.column}`;
  };
  const checked: Set<string>[] = [];
  for (let i = 0; i < count; i++) {
    const reads = widenGenerated(lineage.outputs[i], catalog.generated);
    const ids = reads?.map(identity);
    if (ids === undefined || ids.some((id) => id === undefined)) return { standing: 'untold' };
    checked.push(new Set(ids as string[]));
  }
  const plain = Array.from({ length: count }, (_, i) => (nullsOnly ? plainColumns(plan, reader, root, i) : []));
  const nodes = rowNodes(root);
  // The rows of a checked value's relation scans: what they pass on the way up (a scan under a
  // sub-plan is a lookup, its row chosen by the conditions that call it).
  const aliases = new Set(lineage.outputs.slice(0, count).flatMap((reads) => reads?.map((read) => read.alias) ?? []));
  const rowScans = nodes.filter((node) => typeof node.Alias === 'string' && aliases.has(node.Alias));
  for (const at of rowScans.flatMap((scan) => pathUp(plan, nodes, scan))) {
    if (CUTTING_NODES.has(at['Node Type'] ?? '')) return { standing: 'cut', node: at['Node Type']! };
  }
  const conjuncts: Conjunct[] = [];
  for (const node of nodes) {
    // A bitmap heap scan's Recheck Cond restates its index scans' conditions, `or`-ed as they are.
    if (node['Node Type'] !== 'Bitmap Index Scan') {
      for (const { text, order } of conditionTexts(node)) conjuncts.push(...conjunctsOf(reader, text, node, order));
    }
    if (typeof node['Index Name'] === 'string') {
      const predicate = catalog.predicates.get(indexText(plan, node));
      const alias = nearest(plan, node, 'Alias');
      if (predicate === undefined || alias === undefined) return { standing: 'untold' };
      if (predicate !== null) conjuncts.push(...conjunctsOf(reader, predicate, node, false, alias));
    }
  }
  for (const conjunct of conjuncts) {
    const reads = widenGenerated(conjunct.reads, catalog.generated);
    const ids = reads?.map(identity);
    if (reads === undefined || ids === undefined || ids.some((id) => id === undefined)) return { standing: 'untold' };
    for (let i = 0; i < count; i++) {
      const common = reads.filter((_, j) => checked[i]!.has(ids[j]!));
      if (common.length === 0) continue;
      // `c IS NULL OR …` on the counted column itself keeps every row where it is NULL.
      if (plain[i]!.some((p) => conjunct.nullTested.some((t) => t.alias === p.alias && t.column === p.column))) continue;
      return { standing: 'reads', value: i, columns: [...new Set(common.map((read) => read.column))].sort() };
    }
    const other = reads.filter((_, j) => alsoChecked.has(ids[j]!));
    if (other.length > 0) return { standing: 'reads', value: count, columns: [...new Set(other.map((read) => read.column))].sort() };
  }
  return { standing: 'apart' };
}

/**
 * The columns values over another table are read from (relation regclass text and column, as
 * judgeScope names them; stored generated columns widened to their inputs), from their plan; undefined
 * when the plan does not tell.
 */
async function checkedColumns(ctx: ExecutionContext, source: string, checked: NonNullable<CheckedScope['alsoChecked']>): Promise<Set<string> | undefined> {
  const [row] = await ctx.query(source, explainSql(sql`select ${joinSql([...checked.values])} from ${tableSql(checked.table)}`));
  const lineage = planLineage(planOfRow(row), checked.values.length);
  if (lineage === undefined) return undefined;
  const { generated } = await readCatalogReads(ctx, source, { ...lineage, indexScans: [] }, regclassText);
  const out = new Set<string>();
  for (const reads of lineage.outputs.slice(0, checked.values.length)) {
    const widened = widenGenerated(reads, generated);
    if (widened === undefined) return undefined;
    for (const read of widened) {
      const relation = lineage.relations.get(read.alias);
      if (relation === undefined) return undefined;
      out.add(`${regclassText(relation)}\u0000${read.column}`);
    }
  }
  return out;
}

/** The plan (EXPLAIN, no row read) of the scope's read with the checked values as outputs. */
export async function planScope(ctx: ExecutionContext, scope: Pick<CheckedScope, 'source' | 'table' | 'where' | 'values'>): Promise<unknown> {
  const [row] = await ctx.query(scope.source, explainSql(sql`select ${joinSql([...scope.values])} from ${tableSql(scope.table)} where ${predicateSql(scope.where)}`));
  return planOfRow(row);
}

/** Judges the scope on its plan (`explained`: planScope's, when the caller has read it already). */
export async function readScope(ctx: ExecutionContext, scope: CheckedScope, explained?: unknown): Promise<ScopeFinding> {
  // Plans are read as SQL texts: the parser loads once per process.
  await loadSqlParser();
  const others = scope.alsoChecked && await checkedColumns(ctx, scope.source, scope.alsoChecked);
  if (scope.alsoChecked && others === undefined) return { standing: 'untold' };
  explained ??= await planScope(ctx, scope);
  const lineage = planLineage(explained, scope.values.length);
  if (lineage === undefined) return { standing: 'untold' };
  // Only generated columns are asked here: an index's order picks no row out of scope.
  const [{ generated }, predicates] = await Promise.all([
    readCatalogReads(ctx, scope.source, { ...lineage, indexScans: [] }, regclassText),
    readIndexPredicates(ctx, scope.source, scopeIndexes(explained)),
  ]);
  return judgeScope(explained, scope.values.length, scope.nullsOnly, { generated, predicates }, others);
}

/**
 * The fault for a scope that depends on what the check reads, or undefined when it stands apart.
 * Asked on a pass only: a fail is never a wrong pass. `names`: the checked values as the check file
 * writes them.
 */
export async function scopeDependenceFault(ctx: ExecutionContext, scope: CheckedScope, what: 'counted' | 'compared', names: readonly string[], explained?: unknown): Promise<FaultInfo | undefined> {
  const found = await readScope(ctx, scope, explained);
  if (found.standing === 'apart') return undefined;
  return scopeReadsChecked(what, `rows of ${formatTableRef(scope.table)}${scope.where === undefined ? '' : ` where ${scope.where}`}`, names, found);
}
