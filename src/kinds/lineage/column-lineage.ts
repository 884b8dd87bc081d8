/**
 * Which table columns each output column of a query is computed from, read from the server's plan
 * (EXPLAIN (VERBOSE, FORMAT JSON): views inlined, names resolved, `*` expanded, aliases made unique
 * across the plan). Pure: the plan in, per output column the set of (scan alias, column) it reads.
 *
 * Sound in one direction only, on purpose: a set may hold more than the column really reads, never
 * less. Where a value comes from something the plan does not spell as columns — a sub-query scan,
 * a WITH query, a sub-plan, a set operation arm — every column read anywhere under it counts; where
 * it cannot be told at all (a whole-row reference, a window function, a VALUES list, text the parser
 * cannot read) the column is `undefined`, and the caller refuses rather than guesses.
 *
 * EXPLAIN prints a reference to an Append's rows (a UNION ALL, a partitioned table) as its first
 * member's expression; such a reference is widened to the same position of every member.
 */
import { isReadOnlyBuiltin } from '../../sql/builtin-functions.js';
import { ctePlanOf } from '../../sql/cte-plan.js';
import { parseSql } from '../../sql/parser.js';
import { stringNodeValue, walkSqlTree } from '../../sql/tree-walk.js';

/** A plan node as EXPLAIN (FORMAT JSON) writes it; only the fields read here are named. */
export interface PlanNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  'CTE Name'?: string;
  Output?: string[];
  Plans?: PlanNode[];
  [field: string]: unknown;
}

/** A column a plan reads: a relation scan's alias and the column's name. */
export interface ColumnRead { alias: string; column: string }

/** What a query's plan says its columns read. */
export interface PlanLineage {
  /** Per output column, in order (junk sort columns after them are left out): what it reads, or undefined when it cannot be told. */
  outputs: (ColumnRead[] | undefined)[];
  /** Every condition of the plan (filters, join and index conditions, sort and group keys) with what it reads; undefined where not told. */
  conditions: (ColumnRead[] | undefined)[];
  /** Each relation scan's alias with the relation it scans. */
  relations: Map<string, { schema: string; name: string }>;
  /** Per output column, the expression text the plan computes it by (undefined where the root prints none: a union at the top). */
  texts: (string | undefined)[];
  /** Each index scan's alias with its index: rows come out in the index's order, which the plan does not print as a sort key. */
  indexScans: { alias: string; schema: string; index: string }[];
  /** Whether the plan groups rows (an output may be an aggregate over a key's rows). */
  groups: boolean;
}

/** Fields holding expressions that decide which rows meet (or which row is taken), never the values shown. */
const CONDITION_FIELDS = ['Filter', 'Join Filter', 'Hash Cond', 'Merge Cond', 'Index Cond', 'Recheck Cond', 'TID Cond', 'One-Time Filter', 'Cache Key', 'Run Condition', 'Function Call', 'Table Function Call', 'Sampling Parameters', 'Repeatable Seed', 'Group Key', 'Hash Key', 'Sort Key', 'Presorted Key', 'Order By'];
/** Of those, the ones written as ORDER BY items (`t.name DESC NULLS LAST`). */
const ORDER_FIELDS = new Set(['Sort Key', 'Presorted Key', 'Order By']);
/** Nodes whose rows are their members' rows, position by position. */
const MEMBER_UNIONS = new Set(['Append', 'Merge Append', 'Recursive Union', 'SetOp']);
/** Scans whose columns are another plan's outputs, read as everything that plan reads. */
const OPAQUE_SCANS = new Set(['Subquery Scan', 'CTE Scan', 'Function Scan']);

/** What one expression text reads before aliases are resolved; `rewritten` when sub-plan references were set aside. */
export interface TextReads { columns: { alias: string | undefined; column: string }[]; subplans: string[]; params: string[]; rewritten: boolean }

const key = (read: ColumnRead) => `${read.alias}\u0000${read.column}`;

/**
 * The references EXPLAIN writes for sub-plans (PostgreSQL 15 and 18 spell them differently),
 * replaced by NULL so the rest parses as SQL, each noted by the plan's name for it.
 */
function withoutSubplanReferences(text: string): { text: string; subplans: string[] } {
  const subplans: string[] = [];
  const note = (kind: string) => (_match: string, n: string) => { subplans.push(`${kind} ${n}`); return 'NULL'; };
  const out = text
    .replace(/ARRAY\((?:hashed )?SubPlan (\d+)\)/g, note('SubPlan'))
    .replace(/\((?:hashed )?SubPlan (\d+)\)(?:\.col\d+)?/g, note('SubPlan'))
    .replace(/\(InitPlan (\d+)\)(?:\.col\d+)?/g, note('InitPlan'))
    .replace(/(?:hashed )?SubPlan (\d+)/g, note('SubPlan'))
    .replace(/\(alternatives: NULL or NULL\)/g, 'NULL')
    // PostgreSQL 18 writes a hashed `x IN (sub-select)` as `(ANY (x = …))`, which no parser reads.
    .replace(/\((ANY|ALL) \(/g, '((');
  return { text: out, subplans };
}

/**
 * Whether a call's body is PostgreSQL's own, reading nothing but its arguments: a read-only
 * built-in, named without a schema or with pg_catalog. Anything else — a plpgsql function, a SQL
 * function the planner did not inline (one with a FROM), reached through a view — may read any
 * column of any row, and the plan shows only its arguments.
 */
function isBuiltinCall(fields: Record<string, unknown>): boolean {
  const names = ((fields['funcname'] as unknown[] | undefined) ?? []).map(stringNodeValue);
  const name = names.at(-1);
  const schema = names.length === 2 ? names[0] : undefined;
  return names.length >= 1 && names.length <= 2 && name !== undefined && (schema === undefined || schema === 'pg_catalog') && isReadOnlyBuiltin(name);
}

/**
 * A plan text parsed: the whole tree, its one expression (undefined for an ORDER BY item or text
 * that is not one expression), and the sub-plans it calls, set aside.
 */
export interface ParsedPlanText { tree: unknown; expression: unknown; subplans: string[]; rewritten: boolean }

/** Parses an expression (or ORDER BY item) a plan printed; undefined when the parser cannot read it. */
export function parsePlanText(text: string, asOrderItem: boolean): ParsedPlanText | undefined {
  const { text: plain, subplans } = withoutSubplanReferences(text);
  const parsed = parseSql(asOrderItem ? `select 1 order by ${plain}` : `select ${plain}`);
  if (parsed.kind !== 'parsed') return undefined;
  const targets = asOrderItem ? undefined : (parsed.tree as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] }).stmts?.[0]?.stmt?.SelectStmt?.targetList;
  return { tree: parsed.tree, expression: targets?.length === 1 ? targets[0]?.ResTarget?.val : undefined, subplans, rewritten: plain !== text };
}

/** What a parsed plan text (or a part of its tree) reads, or undefined when it reads what cannot be told. */
export function readsOfTree(tree: unknown, subplans: string[], rewritten: boolean): TextReads | undefined {
  const reads: TextReads = { columns: [], subplans: [...subplans], params: [], rewritten };
  let told = true;
  walkSqlTree(tree, ({ type, fields }) => {
    if (type === 'ColumnRef') {
      const parts = (fields['fields'] as unknown[] | undefined) ?? [];
      const names = parts.map(stringNodeValue);
      // `t.*` (a whole row) reads columns the plan does not list.
      if (names.some((name) => name === undefined) || names.length < 1 || names.length > 2) { told = false; return; }
      reads.columns.push(names.length === 2 ? { alias: names[0]!, column: names[1]! } : { alias: undefined, column: names[0]! });
    }
    if (type === 'ParamRef' && typeof fields['number'] === 'number') reads.params.push(`$${fields['number']}`);
    if (type === 'ParamRef' && fields['number'] === undefined) reads.params.push('$0');
    // A window function's value depends on its window's rows, spelled elsewhere (or as `?`).
    if (type === 'FuncCall' && fields['over'] !== undefined) told = false;
    if (type === 'FuncCall' && !isBuiltinCall(fields)) told = false;
  });
  return told ? reads : undefined;
}

/** What an expression (or ORDER BY item) reads, or undefined when its text cannot be parsed or it reads what cannot be told. */
export function readsOfText(text: string, asOrderItem: boolean): TextReads | undefined {
  const parsed = parsePlanText(text, asOrderItem);
  return parsed === undefined ? undefined : readsOfTree(parsed.tree, parsed.subplans, parsed.rewritten);
}

/** The plan's nodes with their parents, scans by alias, and sub-plans by name. */
export class PlanIndex {
  readonly parent = new Map<PlanNode, PlanNode | undefined>();
  readonly scans = new Map<string, PlanNode>();
  readonly subplans = new Map<string, PlanNode>();
  readonly params = new Map<string, string>();
  readonly relationScans: PlanNode[] = [];
  constructor(readonly root: PlanNode) {
    const visit = (node: PlanNode, parent: PlanNode | undefined) => {
      this.parent.set(node, parent);
      if (typeof node.Alias === 'string') this.scans.set(node.Alias, node);
      if (typeof node['Relation Name'] === 'string') this.relationScans.push(node);
      const name = node['Subplan Name'];
      if (typeof name === 'string') {
        // "SubPlan 2", "InitPlan 1 (returns $0,$1)" (PostgreSQL 15: its values are $0, $1), "CTE w".
        const [, plan, returns] = /^((?:SubPlan|InitPlan) \d+)(?: \(returns (.*)\))?$/.exec(name) ?? [];
        this.subplans.set(plan ?? name, node);
        for (const param of returns?.split(',').map((p) => p.trim()) ?? []) this.params.set(param, plan!);
      }
      for (const child of node.Plans ?? []) visit(child, node);
    };
    visit(root, undefined);
  }
  /** Whether `node` is a strict descendant of `ancestor`. */
  below(node: PlanNode | undefined, ancestor: PlanNode): boolean {
    for (let at = node === undefined ? undefined : this.parent.get(node); at !== undefined; at = this.parent.get(at)) if (at === ancestor) return true;
    return false;
  }
}

/** Reads what plan texts read, resolving aliases to relation scans; undefined wherever it cannot be told. */
export class LineageReader {
  constructor(private readonly plan: PlanIndex) {}

  /** What a text found in `at` reads. */
  text(text: string, at: PlanNode, asOrderItem = false, seen = new Set<PlanNode>()): ColumnRead[] | undefined {
    return this.resolve(readsOfText(text, asOrderItem), at, seen);
  }

  /** What a text's reads (found in `at`) read, aliases resolved to relation scans and sub-plans followed. */
  resolve(reads: TextReads | undefined, at: PlanNode, seen = new Set<PlanNode>()): ColumnRead[] | undefined {
    if (reads === undefined) return undefined;
    const out: ColumnRead[] = [];
    for (const column of reads.columns) {
      const resolved = this.column(column.alias, column.column, at, seen);
      if (resolved === undefined) return undefined;
      out.push(...resolved);
    }
    const subplans = [...reads.subplans, ...reads.params.flatMap((param) => (this.plan.params.has(param) ? [this.plan.params.get(param)!] : []))];
    for (const name of subplans) {
      const node = this.plan.subplans.get(name);
      if (node === undefined) return undefined;
      const all = this.everything(node, seen);
      if (all === undefined) return undefined;
      out.push(...all);
    }
    return out;
  }

  /** What a column reference printed in `at` reads. */
  private column(alias: string | undefined, column: string, at: PlanNode, seen: Set<PlanNode>): ColumnRead[] | undefined {
    // Unqualified only where the plan reads one relation (a range table of one).
    const named = alias ?? (this.plan.relationScans.length === 1 ? this.plan.relationScans[0]!.Alias : undefined);
    const scan = named === undefined ? undefined : this.plan.scans.get(named);
    if (scan === undefined || named === undefined) return undefined;
    const union = this.unionAround(scan, at);
    if (union !== undefined) return this.throughUnion(union, { alias: named, column }, seen);
    if (typeof scan['Relation Name'] === 'string') return [{ alias: named, column }];
    const type = scan['Node Type'] ?? '';
    if (!OPAQUE_SCANS.has(type)) return undefined;
    // A sub-query's or WITH query's column: everything its plan reads (which of its outputs it is, the plan does not say).
    // A WITH query's plan by scope: two of one name may be in the plan (cte-plan.ts).
    const under = type === 'CTE Scan' ? ctePlanOf(scan, (node) => this.plan.parent.get(node)) : type === 'Subquery Scan' ? scan.Plans?.[0] : scan;
    return under === undefined ? undefined : this.everything(under, seen, type === 'Function Scan' ? scan : undefined);
  }

  /** The outermost union of members holding `scan` that `at` is not inside (a reference from outside it). */
  private unionAround(scan: PlanNode, at: PlanNode): PlanNode | undefined {
    let found: PlanNode | undefined;
    for (let node = this.plan.parent.get(scan); node !== undefined; node = this.plan.parent.get(node)) {
      if (MEMBER_UNIONS.has(node['Node Type'] ?? '') && !this.plan.below(at, node) && at !== scan) found = node;
    }
    return found;
  }

  /** A reference to a union's first member, widened to the same position in every member. */
  private throughUnion(union: PlanNode, read: ColumnRead, seen: Set<PlanNode>): ColumnRead[] | undefined {
    const members = rowInputsOf(union);
    const first = members[0];
    const scan = this.plan.scans.get(read.alias);
    const positions = first?.Output?.flatMap((text, j) => {
      const reads = readsOfText(text, false);
      return reads?.columns.some((c) => (c.alias ?? read.alias) === read.alias && c.column === read.column) ? [j] : [];
    }) ?? [];
    if (first === undefined || scan === undefined || !(scan === first || this.plan.below(scan, first)) || positions.length === 0 || members.some((m) => m.Output === undefined)) {
      return this.everything(union, seen);
    }
    const out: ColumnRead[] = [];
    for (const member of members) {
      for (const j of positions) {
        const text = member.Output![j];
        const reads = text === undefined ? undefined : this.text(text, member, false, seen);
        if (reads === undefined) return undefined;
        out.push(...reads);
      }
    }
    return out;
  }

  /** Everything read anywhere under `node` (outputs and conditions); `self`: an opaque scan whose own outputs are not followed again. */
  everything(node: PlanNode, seen: Set<PlanNode>, self?: PlanNode): ColumnRead[] | undefined {
    if (seen.has(node)) return [];
    const inner = new Set([...seen, node]);
    const out: ColumnRead[] = [];
    const stack = [node];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const texts = [...(at === self ? [] : at.Output ?? []).map((text) => ({ text, order: false })), ...conditionTexts(at)];
      for (const { text, order } of texts) {
        const reads = this.text(text, at, order, inner);
        if (reads === undefined) return undefined;
        out.push(...reads);
      }
      stack.push(...(at.Plans ?? []));
    }
    return out;
  }
}

/** Each condition text of a node, with whether it is an ORDER BY item. */
export function conditionTexts(node: PlanNode): { text: string; order: boolean }[] {
  return CONDITION_FIELDS.flatMap((field) => {
    const value = node[field];
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    return texts.map((text) => ({ text, order: ORDER_FIELDS.has(field) }));
  });
}

/** Distinct reads, in a stable order. */
function distinct(reads: ColumnRead[] | undefined): ColumnRead[] | undefined {
  if (reads === undefined) return undefined;
  return [...new Map(reads.map((read) => [key(read), read])).values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/** A node's children whose rows it returns: sub-plans called by its conditions and outputs are lookups, not rows. */
export function rowInputsOf(node: PlanNode): PlanNode[] {
  return (node.Plans ?? []).filter((child) => child['Parent Relationship'] !== 'SubPlan' && child['Parent Relationship'] !== 'InitPlan');
}

/** The root plan of EXPLAIN (FORMAT JSON)'s value (an array of one object with `Plan`). */
export function rootOf(explained: unknown): PlanNode | undefined {
  return Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
}

/**
 * What each of a query's first `count` output columns reads, and what its conditions read, from its
 * plan; undefined when the plan cannot be read at all.
 */
export function planLineage(explained: unknown, count: number): PlanLineage | undefined {
  const root = rootOf(explained);
  if (root === undefined) return undefined;
  const plan = new PlanIndex(root);
  const reader = new LineageReader(plan);
  const outputs: (ColumnRead[] | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const text = root.Output?.[i];
    if (text !== undefined) { outputs.push(distinct(reader.text(text, root))); continue; }
    // A union at the top (PostgreSQL prints no Output for an Append): each member's column at that position.
    if (!MEMBER_UNIONS.has(root['Node Type'] ?? '')) { outputs.push(undefined); continue; }
    const members = (root.Plans ?? []).filter((child) => child['Parent Relationship'] === 'Member' || child['Parent Relationship'] === 'Outer' || child['Parent Relationship'] === 'Inner');
    const reads = members.map((member) => (member.Output?.[i] === undefined ? undefined : reader.text(member.Output[i]!, member)));
    outputs.push(members.length === 0 || reads.some((r) => r === undefined) ? undefined : distinct(reads.flat() as ColumnRead[]));
  }
  const conditions: (ColumnRead[] | undefined)[] = [];
  for (const node of plan.parent.keys()) for (const { text, order } of conditionTexts(node)) conditions.push(distinct(reader.text(text, node, order)));
  const relations = new Map(plan.relationScans.map((scan) => [scan.Alias!, { schema: String(scan.Schema ?? ''), name: String(scan['Relation Name']) }]));
  const texts = Array.from({ length: count }, (_, i) => root.Output?.[i]);
  const indexScans = plan.relationScans.flatMap((scan) => (typeof scan['Index Name'] === 'string' && scan['Node Type'] !== 'Bitmap Heap Scan'
    ? [{ alias: scan.Alias!, schema: String(scan.Schema ?? ''), index: scan['Index Name'] }] : []));
  const groups = [...plan.parent.keys()].some((node) => node['Node Type'] === 'Aggregate' || node['Node Type'] === 'Group');
  return { outputs, conditions, relations, texts, indexScans, groups };
}

/**
 * What an output column's value depends on: the columns it reads, and — for each relation it reads
 * other than those the query's rows are rows of (`rowAliases`, the key's) — the columns of every
 * condition that picks that relation's row (a join to a lookup by `u.region_new` depends on
 * `region_new`), until nothing more is added. Undefined when anything on the way cannot be told.
 */
export function dependsOn(lineage: PlanLineage, reads: ColumnRead[] | undefined, rowAliases: ReadonlySet<string>): ColumnRead[] | undefined {
  if (reads === undefined) return undefined;
  const out = new Map(reads.map((read) => [key(read), read]));
  const followed = new Set<string>();
  for (;;) {
    const next = [...out.values()].map((read) => read.alias).find((alias) => !rowAliases.has(alias) && !followed.has(alias));
    if (next === undefined) break;
    followed.add(next);
    for (const condition of lineage.conditions) {
      if (condition === undefined) {
        // A condition that cannot be read may pick this relation's row by anything.
        return undefined;
      }
      if (!condition.some((read) => read.alias === next)) continue;
      for (const read of condition) out.set(key(read), read);
    }
  }
  return distinct([...out.values()]);
}
