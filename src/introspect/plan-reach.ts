/**
 * Which rows a side reads, as the server plans reading it: the row sources of `select * from side`.
 * relation-reach.ts follows a view by its definition's syntax (plain projections only); every
 * clause that does nothing and that syntax rule did not foresee — `offset 0`, `limit all`,
 * `limit null`, `where 1 = 1`, `where id = id` on a NOT NULL key, a sub-select or WITH wrapper, a
 * UNION ALL arm filtered by `where false`, computed columns beside every column — made a view of
 * the other side's table a relation of its own, and a check comparing the table with itself passed.
 * The planner already removes what does nothing (LIMIT ALL/NULL and OFFSET 0 are no Limit node,
 * constant-true conditions fold away, trivial sub-query scans and dummy UNION arms vanish), so
 * the plan (EXPLAIN VERBOSE, nothing executed) is read instead of the syntax.
 *
 * A side's plan is reduced to its arms: each relation scan with its conditions (after stripping
 * what passes every row through: a Subquery Scan without a filter, a Result without a one-time
 * filter, Sort, Gather; an Append's members are arms of their own; a CTE Scan read whole is its
 * WITH query's plan), and what each output column shows. Rows a node keeps whatever else it reads
 * (an outer join's preserved side, a UNION's members, EXCEPT's left member, a gate's input) are
 * arms beside one no arm equals: they share rows, never the same rows (keptRows). Anything else —
 * a Limit (EXPLAIN does not print its count), DISTINCT, aggregation, an inner join, a sub-plan, a
 * sample — is an arm no other arm equals, so a view that really filters, limits, joins or
 * aggregates stays a relation of its own. Sound in one direction: two arms are equal only
 * when they scan one relation through the same access path (an index, partial or not, is part of
 * it) under the same conditions, so they read the same rows; a conjunct `x IS NOT NULL` on a
 * scalar column declared NOT NULL holds on every row and is dropped (PostgreSQL 15 plans
 * `where id = id` that way).
 */
import { arrayLiteralText } from '../sql/array-literal.js';
import { sql, tableSql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { parseExpression } from '../sql/parser.js';
import { explainSql, planOfRow } from '../sql/planned-answer.js';
import { stringNodeValue } from '../sql/tree-walk.js';
import type { SourceReader } from './primary-key.js';
import { ctePlanOf, parentsOf } from '../sql/cte-plan.js';
import { planFeeds, planUniqueAnswers, relationKey, uniqueQuestions, type PlanFeeds } from './plan-feeds.js';

/** A plan node as EXPLAIN (VERBOSE, FORMAT JSON) writes it; only the fields read here are named. */
interface PlanNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  Output?: string[];
  Plans?: PlanNode[];
  [field: string]: unknown;
}

/**
 * One arm of the rows a side reads: `key` equal for two arms that read the same rows (undefined:
 * one no other arm equals), the relation it scans for messages, and per output column what it
 * shows: `col:<name>` a column of that relation, `expr:<tree>` an expression over its columns,
 * undefined where the plan does not tell.
 */
export interface PlanArm {
  readonly key: string | undefined; readonly relation: string; readonly columns: readonly (string | undefined)[];
  /** The relation (plan-feeds.ts relationKey) whose rows the arm's are, where it is a relation scan. */
  readonly scans?: string;
}

/** Scans whose rows are the rows of one relation meeting the conditions they print. */
const RELATION_SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan']);
/** Nodes returning every row of their one input, in some order. */
const PASS_THROUGH = new Set(['Sort', 'Incremental Sort', 'Gather', 'Gather Merge', 'Hash', 'Materialize', 'Memoize']);
const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
/** Per join type, the sides every row of which is a row of the join whatever the other side holds. */
const PRESERVED: Record<string, readonly string[]> = { Left: ['Outer'], Anti: ['Outer'], Right: ['Inner'], 'Right Anti': ['Inner'], Full: ['Outer', 'Inner'] };
/** Nodes merging duplicate rows of their input: over a set of members, a UNION. */
const MERGING = new Set(['Unique', 'Aggregate', 'Group']);
/** Fields of a relation scan that decide which rows it returns. */
const CONDITION_FIELDS = ['Filter', 'Index Cond', 'Recheck Cond', 'TID Cond'];
/** Fields of a relation scan that say nothing about its rows; any other field is part of its key as printed. */
const NEUTRAL_FIELDS = new Set([
  'Node Type', 'Parent Relationship', 'Parallel Aware', 'Async Capable', 'Relation Name', 'Schema', 'Alias', 'Startup Cost', 'Total Cost',
  'Plan Rows', 'Plan Width', 'Output', 'Scan Direction', 'Order By', 'Disabled', 'Plans', 'Subplan Name', ...CONDITION_FIELDS,
]);
/** Parse-tree fields that say where text was, not what it means. */
const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len']);

const inputsOf = (node: PlanNode) => (node.Plans ?? []).filter((child) => child['Parent Relationship'] !== 'InitPlan' && child['Parent Relationship'] !== 'SubPlan');
/** The relation a node scans, or for another node the first one under it, named with the node (`s.users (under Limit)`). */
function relationOf(node: PlanNode): string {
  const named = (at: PlanNode) => `${String(at.Schema ?? '')}.${String(at['Relation Name'])}`;
  if (typeof node['Relation Name'] === 'string') return named(node);
  const stack = [...(node.Plans ?? [])];
  for (let at = stack.shift(); at !== undefined; at = stack.shift()) {
    if (typeof at['Relation Name'] === 'string') return `${named(at)} (under ${String(node['Node Type'])})`;
    stack.push(...(at.Plans ?? []));
  }
  return `a ${String(node['Node Type'] ?? 'plan')} node`;
}
/** A column of a scan: its alias and the relation's column, joined by NUL. */
type ColumnKey = string;
const columnKeyOf = (alias: string, column: string): ColumnKey => `${alias}\u0000${column}`;

/** What the catalog is asked of a plan: the relation each null-tested scan reads (by alias), and the columns tested. */
export interface NotNullQuestions { relations: ReadonlyMap<string, { schema: string; name: string }>; nullTested: ColumnKey[] }

/**
 * Per relation name, how a plan prints its columns where a view reads it under a FROM alias with a
 * column list: printed name → the relation's column; null where that cannot be told
 * (relation-reach.ts columnAliasesOf). A relation absent is printed under its own column names.
 */
export type ColumnAliases = ReadonlyMap<string, ReadonlyMap<string, string> | null>;

/** A printed column name → the scanned relation's column (undefined: not one of them); undefined when the scan's names cannot be told. */
type Renamer = (printed: string) => string | undefined;
function renamerOf(node: PlanNode, aliases: ColumnAliases): Renamer | undefined {
  const mapping = aliases.get(String(node['Relation Name']));
  if (mapping === null) return undefined;
  return mapping === undefined ? (name) => name : (name) => mapping.get(name);
}

/**
 * The expression's tree with every column of the scan `alias` as `{ col: name }` and positions
 * dropped, as text; undefined when it reads anything else (another relation, a parameter, a
 * sub-plan, a whole row) or does not parse.
 */
function canonicalTree(tree: unknown, alias: string, rename: Renamer): string | undefined {
  let told = tree !== undefined;
  const text = JSON.stringify(tree, (key, value: unknown) => {
    if (POSITIONS.has(key)) return undefined;
    if (key === 'ParamRef' || key === 'SubLink') told = false;
    if (key !== 'ColumnRef') return value;
    const names = ((value as { fields?: unknown[] }).fields ?? []).map(stringNodeValue);
    const printed = names.at(-1);
    const column = printed === undefined ? undefined : rename(printed);
    if (column === undefined || names.some((name) => name === undefined) || names.length > 2 || (names.length === 2 && names[0] !== alias)) told = false;
    return { col: column };
  });
  return told ? text : undefined;
}

/** The `and`-ed conjuncts of a parsed condition. */
function conjuncts(tree: unknown): unknown[] {
  const and = (tree as { BoolExpr?: { boolop?: string; args?: unknown[] } } | undefined)?.BoolExpr;
  return and?.boolop === 'AND_EXPR' && Array.isArray(and.args) ? and.args.flatMap(conjuncts) : [tree];
}

/** The column a conjunct tests `IS NOT NULL`, when it is that test of a plain column of the scan. */
function notNullTested(conjunct: unknown, alias: string, rename: Renamer): string | undefined {
  const test = (conjunct as { NullTest?: { nulltesttype?: string; arg?: { ColumnRef?: { fields?: unknown[] } } } } | undefined)?.NullTest;
  const names = (test?.arg?.ColumnRef?.fields ?? []).map(stringNodeValue);
  const printed = names.at(-1);
  if (test?.nulltesttype !== 'IS_NOT_NULL' || printed === undefined || names.length > 2 || (names.length === 2 && names[0] !== alias)) return undefined;
  return rename(printed);
}

const isLiteralTrue = (conjunct: unknown) => (conjunct as { A_Const?: { boolval?: { boolval?: boolean } } } | undefined)?.A_Const?.boolval?.boolval === true;

/** Every condition text a relation scan (and a bitmap scan's index scans) prints, each as its conjuncts. */
function conditionsOf(node: PlanNode): unknown[][] | undefined {
  const out: unknown[][] = [];
  for (const field of CONDITION_FIELDS) {
    const text = node[field];
    if (text === undefined) continue;
    const tree = typeof text === 'string' ? parseExpression(text) : undefined;
    if (tree === undefined) return undefined;
    out.push(conjuncts(tree));
  }
  return out;
}

/**
 * A relation scan as an arm. The key: the relation, the node type, its index (a partial index's
 * predicate is a condition the plan does not print), a bitmap scan's index tree, any field not
 * known to be neutral, and the set of its conditions' conjuncts (where they are printed does not
 * matter: every row meets all), less `true` and `IS NOT NULL` of a column in `notNull`.
 */
function scanArm(node: PlanNode, output: readonly string[] | null, notNull: ReadonlySet<ColumnKey>, aliases: ColumnAliases): PlanArm {
  const alias = node.Alias;
  const relation = relationOf(node);
  const scans = relationKey(String(node.Schema ?? ''), String(node['Relation Name']));
  const rename = renamerOf(node, aliases);
  if (rename === undefined) return { key: undefined, relation, columns: [], scans };
  const columns = columnsOf(output, alias, rename);
  const untold: PlanArm = { key: undefined, relation, columns, scans };
  const conditions = conditionsOf(node);
  if (alias === undefined || conditions === undefined) return untold;
  const kept = new Set<string>();
  for (const conjunct of conditions.flat()) {
    const tested = notNullTested(conjunct, alias, rename);
    if (isLiteralTrue(conjunct) || (tested !== undefined && notNull.has(columnKeyOf(alias, tested)))) continue;
    const canonical = canonicalTree(conjunct, alias, rename);
    if (canonical === undefined) return untold;
    kept.add(canonical);
  }
  const bitmap = node['Node Type'] === 'Bitmap Heap Scan' ? bitmapKey(inputsOf(node), alias, rename) : inputsOf(node).length === 0 ? [] : undefined;
  if (bitmap === undefined || (node.Plans ?? []).length !== inputsOf(node).length) return untold;
  const printed = Object.keys(node).filter((field) => !NEUTRAL_FIELDS.has(field)).sort().map((field) => [field, node[field]]);
  return { key: JSON.stringify({ relation: [node.Schema, node['Relation Name']], type: node['Node Type'], printed, bitmap, conditions: [...kept].sort() }), relation, columns, scans };
}

/** A bitmap heap scan's index tree (types, indexes, conditions), undefined where one cannot be read. */
function bitmapKey(nodes: readonly PlanNode[], alias: string, rename: Renamer): unknown[] | undefined {
  const out: unknown[] = [];
  for (const node of nodes) {
    const conditions = conditionsOf(node)?.flat().map((conjunct) => canonicalTree(conjunct, alias, rename));
    const below = bitmapKey(node.Plans ?? [], alias, rename);
    if (conditions === undefined || conditions.some((c) => c === undefined) || below === undefined) return undefined;
    out.push([node['Node Type'], node['Index Name'] ?? null, conditions.sort(), below]);
  }
  return out;
}

/** What each output text shows, over the scan `alias`: a column, an expression of its columns, or untold. */
function columnsOf(output: readonly string[] | null, alias: string | undefined, rename: Renamer): (string | undefined)[] {
  if (output === null || alias === undefined) return [];
  return output.map((text) => {
    const tree = parseExpression(text);
    const fields = (tree as { ColumnRef?: { fields?: unknown[] } } | undefined)?.ColumnRef?.fields;
    const printed = fields === undefined || canonicalTree(tree, alias, rename) === undefined ? undefined : stringNodeValue(fields.at(-1));
    if (printed !== undefined) return `col:${rename(printed)!}`;
    const expression = canonicalTree(tree, alias, rename);
    return expression === undefined ? undefined : `expr:${expression}`;
  });
}

/**
 * The arms under `node`. `shown`: the output texts of the topmost node of the arm (what the side's
 * columns are there), null when a sub-query scan on the way names them by its own alias.
 */
function armsOf(node: PlanNode, shown: readonly string[] | null | undefined, notNull: ReadonlySet<ColumnKey>, aliases: ColumnAliases, ctes: CtePlans, singleRowGroups: ReadonlySet<PlanNode>): PlanArm[] {
  const output = shown === undefined ? node.Output ?? null : shown;
  const type = node['Node Type'] ?? '';
  const inputs = inputsOf(node);
  const untold = [{ key: undefined, relation: relationOf(node), columns: [] }];
  const kept = keptRows(node, inputs);
  if (kept !== undefined) {
    // Members show their own columns; a join's or a gate's sides, the columns the node prints.
    const arms = kept.inputs.flatMap((input) => armsOf(input, kept.members ? (shown === null ? null : undefined) : output, notNull, aliases, ctes, singleRowGroups));
    return [...arms, ...kept.besides.map((other) => ({ key: undefined, relation: other, columns: [] }))];
  }
  // A node computing a sub-plan's value may use it anywhere (a filter, an output): not followed.
  if (inputs.length !== (node.Plans ?? []).length) return untold;
  if (type === 'Append' || type === 'Merge Append') {
    if (Number(node['Subplans Removed'] ?? 0) !== 0) return untold;
    return inputs.flatMap((member) => armsOf(member, shown === null ? null : undefined, notNull, aliases, ctes, singleRowGroups));
  }
  // A window without a run condition adds a column to every row; a grouping by a unique NOT NULL key keeps every row as its own group.
  const passes = PASS_THROUGH.has(type) || (type === 'Result' && node['One-Time Filter'] === undefined) || (type === 'WindowAgg' && node['Run Condition'] === undefined) || singleRowGroups.has(node);
  if (inputs.length === 1 && passes) return armsOf(inputs[0]!, output, notNull, aliases, ctes, singleRowGroups);
  if (type === 'Subquery Scan' && inputs.length === 1 && node.Filter === undefined) return armsOf(inputs[0]!, null, notNull, aliases, ctes, singleRowGroups);
  // A WITH query's rows, read whole: its own plan, found by scope (two may share a name).
  const cte = type === 'CTE Scan' && node.Filter === undefined ? ctes(node) : undefined;
  if (cte !== undefined) return armsOf(cte, null, notNull, aliases, ctes, singleRowGroups);
  if (RELATION_SCANS.has(type) && typeof node['Relation Name'] === 'string') return [scanArm(node, output, notNull, aliases)];
  return untold;
}

/** A WITH query's plan for a CTE Scan, or undefined. */
type CtePlans = (scan: PlanNode) => PlanNode | undefined;

/** Below a node, the first node that is not one returning every row of its one input. */
function belowPassThrough(node: PlanNode): PlanNode {
  const inputs = inputsOf(node);
  return inputs.length === 1 && PASS_THROUGH.has(node['Node Type'] ?? '') ? belowPassThrough(inputs[0]!) : node;
}

/**
 * The inputs whose every row stays a row of the node whatever the rest holds, where the node is not
 * one row of them each (`besides`: what else it reads or does, an arm no other equals; `members`:
 * the inputs are set members naming their own columns). A join's preserved sides (a full join's
 * both), a UNION's members (duplicates merged), EXCEPT's left member, and the input of a gate (a
 * one-time filter: all rows or none). A side counting such rows of the other side's table counts
 * them whatever its own table holds: `users_new full join legacy` has at least legacy's rows.
 * Inner and semi joins, INTERSECT, a limit or a filter keep rows only by what else they read: held.
 */
function keptRows(node: PlanNode, inputs: readonly PlanNode[]): { inputs: PlanNode[]; besides: string[]; members: boolean } | undefined {
  const type = node['Node Type'] ?? '';
  if (JOINS.has(type)) {
    const sides = PRESERVED[String(node['Join Type'] ?? '')];
    if (sides === undefined) return undefined;
    const keptSides = inputs.filter((input) => sides.includes(String(input['Parent Relationship'])));
    const others = inputs.filter((input) => !keptSides.includes(input)).map(relationOf);
    return { inputs: keptSides, besides: others.length > 0 ? others : [`a ${type} (a full join: a matched row is one row of both sides)`], members: false };
  }
  if (type === 'Result' && inputs.length === 1 && node['One-Time Filter'] !== undefined) {
    return { inputs: [...inputs], besides: [`a Result (all its input's rows or none, by a one-time filter)`], members: false };
  }
  const below = inputs.length === 1 ? belowPassThrough(inputs[0]!) : undefined;
  const set = below !== undefined && (below['Node Type'] === 'Append' || below['Node Type'] === 'Merge Append') ? inputsOf(below) : undefined;
  if (MERGING.has(type) && node.Strategy !== 'Plain' && set !== undefined && set.length > 1) {
    return { inputs: set, besides: [`a ${type} (duplicates merged)`], members: true };
  }
  if (type === 'SetOp' && String(node.Command ?? '').startsWith('Except')) {
    const members = set ?? inputs.filter((input) => input['Parent Relationship'] === 'Outer' || input['Parent Relationship'] === 'Inner');
    const [left, ...right] = members;
    return left === undefined ? undefined : { inputs: [left], besides: right.length > 0 ? right.map(relationOf) : [`a SetOp (except)`], members: true };
  }
  return undefined;
}

const rootOf = (explained: unknown) => (Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined);

/** The relation scans' null tests the catalog must answer (which are of scalar NOT NULL columns). */
export function notNullQuestions(explained: unknown, aliases: ColumnAliases = new Map()): NotNullQuestions {
  const relations = new Map<string, { schema: string; name: string }>();
  const nullTested: ColumnKey[] = [];
  const visit = (node: PlanNode) => {
    const alias = node.Alias;
    const rename = renamerOf(node, aliases);
    if (RELATION_SCANS.has(node['Node Type'] ?? '') && typeof node['Relation Name'] === 'string' && alias !== undefined && rename !== undefined) {
      for (const conjunct of conditionsOf(node)?.flat() ?? []) {
        const column = notNullTested(conjunct, alias, rename);
        if (column === undefined) continue;
        relations.set(alias, { schema: String(node.Schema ?? ''), name: node['Relation Name'] });
        nullTested.push(columnKeyOf(alias, column));
      }
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  const root = rootOf(explained);
  if (root) visit(root);
  return { relations, nullTested: [...new Set(nullTested)] };
}

/**
 * The null-tested columns (by their index) declared NOT NULL whose type, through any domains, is a
 * base, enum, range or multirange type: `x IS NOT NULL` then holds on every row. A composite column
 * declared NOT NULL may hold a row with a NULL field, for which `x IS NOT NULL` is false. Catalog only.
 */
export function planNotNullScalarColumns(questions: NotNullQuestions): SQL | undefined {
  const wanted = questions.nullTested.flatMap((key, i) => {
    const [alias, column] = key.split('\u0000') as [string, string];
    const relation = questions.relations.get(alias);
    return relation ? [{ i: String(i), schema: relation.schema, name: relation.name, column }] : [];
  });
  if (wanted.length === 0) return undefined;
  const texts = (values: string[]) => sql`pg_catalog.unnest(${arrayLiteralText(values)}::text[])`;
  const eq = sql`operator(pg_catalog.=)`;
  return sql`with recursive w(i, nsp, rel, att) as (
      select * from rows from (${texts(wanted.map((w) => w.i))}, ${texts(wanted.map((w) => w.schema))}, ${texts(wanted.map((w) => w.name))}, ${texts(wanted.map((w) => w.column))})),
    base(i, typ) as (
      select w.i::int, a.atttypid from w
        join pg_catalog.pg_namespace n on n.nspname ${eq} w.nsp
        join pg_catalog.pg_class c on c.relnamespace ${eq} n.oid and c.relname ${eq} w.rel
        join pg_catalog.pg_attribute a on a.attrelid ${eq} c.oid and a.attname ${eq} w.att and a.attnum > 0 and not a.attisdropped and a.attnotnull
      union all
      select b.i, t.typbasetype from base b join pg_catalog.pg_type t on t.oid ${eq} b.typ where t.typtype ${eq} 'd')
    select b.i from base b join pg_catalog.pg_type t on t.oid ${eq} b.typ where t.typtype ${eq} any ('{b,e,r,m}'::"char"[])`;
}

/**
 * The arms of a side's plan (pure); `notNull`: null-tested columns that are scalar and NOT NULL;
 * `singleRowGroups`: groupings the catalog proved keep each row a group of its own (plan-feeds.ts).
 */
export function planArms(explained: unknown, notNull: ReadonlySet<ColumnKey> = new Set(), aliases: ColumnAliases = new Map(), singleRowGroups: ReadonlySet<PlanNode> = new Set()): PlanArm[] {
  const root = rootOf(explained);
  if (root === undefined) return [{ key: undefined, relation: 'an unreadable plan', columns: [] }];
  const parents = parentsOf(root);
  return armsOf(root, undefined, notNull, aliases, (scan) => ctePlanOf(scan, (node) => parents.get(node)), singleRowGroups);
}

/** The statement whose plan tells a side's rows: every column of the relation, nothing executed. */
export function planSideRows(table: TableRef): SQL {
  return explainSql(sql`select * from ${tableSql(table)}`);
}

/** A side's plan read two ways: its arms (the rows it reads as they are) and the relations any of its rows are made of (plan-feeds.ts). */
export interface PlanRows { readonly arms: PlanArm[]; readonly made: PlanFeeds }

/**
 * Plans a side's rows and reduces the plan to its arms and feeds: one statement, and one catalog
 * statement each when the plan tests a column IS NOT NULL or joins a relation scan as an outer input.
 */
export async function readPlanRows(ctx: SourceReader, source: string, table: TableRef, aliases: ColumnAliases): Promise<PlanRows> {
  const [row] = await ctx.query(source, planSideRows(table));
  const explained = planOfRow(row);
  const questions = notNullQuestions(explained, aliases);
  const asked = planNotNullScalarColumns(questions);
  const rows = asked === undefined ? [] : await ctx.query<{ i: number | string }>(source, asked);
  const notNull = new Set(rows.flatMap(({ i }) => questions.nullTested[Number(i)] ?? []));
  const root = rootOf(explained);
  // An unreadable plan: its one arm equals no other, and no relation is known to make its rows.
  if (root === undefined) return { arms: planArms(explained, notNull, aliases), made: { feeds: new Set(), within: false, reads: new Set() } };
  const uniques = uniqueQuestions(root, (scan) => renamerOf(scan as PlanNode, aliases));
  const uniqueAsked = planUniqueAnswers(uniques);
  const answered = uniqueAsked === undefined ? [] : await ctx.query<{ i: number | string }>(source, uniqueAsked);
  const unique = new Set(answered.flatMap(({ i }) => { const asked = uniques[Number(i)]; return asked === undefined ? [] : [asked.node as PlanNode]; }));
  return { arms: planArms(explained, notNull, aliases, unique), made: planFeeds(root, unique) };
}

/**
 * The rows two sides' arms read in common (pure), undefined when no arm of one equals an arm of
 * the other. `same`: every arm of each has its equal in the other, one for one (the same rows);
 * `pairs`: the equal arms, old's first; `onlyA`/`onlyB`: the relations of the arms one side reads alone.
 */
export function sharedArms(a: readonly PlanArm[], b: readonly PlanArm[]): { same: boolean; pairs: [PlanArm, PlanArm][]; onlyA: string[]; onlyB: string[] } | undefined {
  const unmatched = [...b];
  const pairs: [PlanArm, PlanArm][] = [];
  const onlyA: string[] = [];
  for (const arm of a) {
    const i = arm.key === undefined ? -1 : unmatched.findIndex((other) => other.key === arm.key);
    if (i < 0) { onlyA.push(arm.relation); continue; }
    pairs.push([arm, unmatched[i]!]);
    unmatched.splice(i, 1);
  }
  if (pairs.length === 0) return undefined;
  return { same: onlyA.length === 0 && unmatched.length === 0, pairs, onlyA, onlyB: unmatched.map((arm) => arm.relation) };
}
