/**
 * What a plan's text leaves out and the judgement of its conditions needs: whether a null-tested
 * column is scalar (the plan prints `t.x IS NULL` alike for a scalar and a composite, and for a
 * composite `x IS NULL` and `x IS NOT NULL` can both be false), and how the constants compared
 * with a column order (`t.d < '2020-01-01'::date`, `t.s = 'a'::text` under the column's
 * collation). The server answers both (plan-facts-sql.ts); the answers are spliced into the parsed
 * conditions as the judgement reads them: a scalar's null test marked `argisrow: false` (as the
 * server's analyser marks it), each constant replaced by its rank among the constants of its type.
 * Ranks keep the order and equality of the constants, so a range they leave empty is empty. Pure.
 */
import { parseExpression } from './parser.js';
import { lastName, list, nodeOf, numberOf } from './normal-form.js';
import { walkSqlTree } from './tree-walk.js';

type Fields = Readonly<Record<string, unknown>>;

/** The relation a plan's scan reads, by the alias the plan's conditions name it with. */
export interface PlanRelation { schema: string; name: string }
/** A column as the plan names it: alias and column (and, for a subject compared through a cast, the cast's type), joined by NUL. */
export type ColumnKey = string;
/** One constant to rank: a scalar of the domain's type, or an array of them. */
export interface RankItem { array: boolean; text: string }
/** Constants of one type compared with columns, to be ranked together. */
export interface RankDomain { type: string; collatable: boolean; columns: ColumnKey[]; items: RankItem[] }

/** What to ask the server about one plan. */
export interface PlanQuestions {
  relations: ReadonlyMap<string, PlanRelation>;
  nullTested: ColumnKey[];
  domains: RankDomain[];
}
/** The server's answers: scalar columns, each ranked column's domain, and each item's ranks. */
export interface PlanFacts {
  scalarColumns: ReadonlySet<ColumnKey>;
  rankedColumns: ReadonlyMap<ColumnKey, string>;
  ranks: ReadonlyMap<string, number[]>;
}

/** Built-in types whose `<` and `=` are a total order (btree), as a plan's constant casts name them. */
const RANKED_TYPES: Readonly<Record<string, boolean>> = {
  date: false, timestamp: false, timestamptz: false, time: false, interval: false, uuid: false,
  text: true, varchar: true, bpchar: true,
};
/** The operators whose meaning on those types is their order or equality. */
const ORDERS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const CONDITION_FIELDS = ['Filter', 'Index Cond', 'Recheck Cond', 'One-Time Filter', 'Join Filter', 'Hash Cond', 'Merge Cond'];

/** The key of a plain two-part column reference (`t.x`), or undefined. */
export function columnKey(node: unknown): ColumnKey | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'ColumnRef') return undefined;
  const parts = list(fields['fields']).map((part) => nodeOf(part).fields['sval']);
  return parts.length === 2 && parts.every((part) => typeof part === 'string') ? parts.join('\u0000') : undefined;
}

/**
 * A column compared as itself or through a cast to a ranked type (`(t.v)::text`: how the plan
 * spells a varchar compared with a text): alias, column and the cast's type, joined by NUL.
 */
export function subjectKey(node: unknown): ColumnKey | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'TypeCast') return columnKey(node);
  const typeName = nodeOf(fields['typeName']).fields;
  const names = list(typeName['names']).map((name) => nodeOf(name).fields['sval']);
  const target = lastName(typeName['names']) ?? '';
  const column = columnKey(fields['arg']);
  const plain = typeName['typmods'] === undefined && typeName['arrayBounds'] === undefined && (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog'));
  return column !== undefined && plain && RANKED_TYPES[target] !== undefined ? `${column}\u0000${target}` : undefined;
}

/** A constant cast to a ranked type (`'a'::text`, `'{a,b}'::text[]`): its type, text and arrayness. */
function typedConstant(node: unknown): { type: string; item: RankItem } | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'TypeCast') return undefined;
  const typeName = nodeOf(fields['typeName']).fields;
  const names = list(typeName['names']).map((name) => nodeOf(name).fields['sval']);
  const target = lastName(typeName['names']) ?? '';
  const text = (nodeOf(fields['arg']).fields['sval'] as { sval?: string } | undefined)?.sval;
  if (nodeOf(fields['arg']).type !== 'A_Const' || text === undefined || RANKED_TYPES[target] === undefined || typeName['typmods'] !== undefined) return undefined;
  if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) return undefined;
  return { type: target, item: { array: list(typeName['arrayBounds']).length > 0, text } };
}

interface PlanNodeFields { [key: string]: unknown; Plans?: PlanNodeFields[] }

/** Every condition text anywhere in the plan, and the relation each scan alias reads. */
function planParts(root: PlanNodeFields): { conditions: unknown[]; relations: Map<string, PlanRelation> } {
  const conditions: unknown[] = [];
  const relations = new Map<string, PlanRelation>();
  const visit = (node: PlanNodeFields) => {
    for (const field of CONDITION_FIELDS) {
      const text = node[field];
      const parsed = typeof text === 'string' ? parseExpression(text) : undefined;
      if (parsed !== undefined) conditions.push(parsed);
    }
    const [alias, schema, name] = [node['Alias'], node['Schema'], node['Relation Name']];
    if (typeof alias === 'string' && typeof schema === 'string' && typeof name === 'string') relations.set(alias, { schema, name });
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return { conditions, relations };
}

/** A null test's argument read as a column: the column, or a one-column COALESCE of it (opaque-null-tests.ts). */
function testedColumn(arg: unknown): ColumnKey | undefined {
  const { type, fields } = nodeOf(arg);
  const args = list(fields['args']);
  return type === 'CoalesceExpr' ? (args.length === 1 ? columnKey(args[0]) : undefined) : columnKey(arg);
}

/**
 * The questions a plan raises, or undefined when there are none: the columns of scanned relations
 * its null tests read, and per ranked type the constants compared with columns that are compared
 * with nothing else — no number, no constant of another type, no expression, and through `=`
 * only with columns of the same type (a rank means nothing beside another type's).
 */
export function planQuestions(explained: unknown): PlanQuestions | undefined {
  const root = Array.isArray(explained) ? (explained[0] as { Plan?: PlanNodeFields } | undefined)?.Plan : undefined;
  if (!root) return undefined;
  const { conditions, relations } = planParts(root);
  const nullTested = new Set<ColumnKey>();
  const domainsOf = new Map<ColumnKey, Set<string>>();
  const itemsOf = new Map<string, Map<string, RankItem>>();
  const links: [ColumnKey, ColumnKey][] = [];
  const poisoned = new Set<ColumnKey>();
  const note = (column: ColumnKey, domain: string) => domainsOf.set(column, (domainsOf.get(column) ?? new Set()).add(domain));
  walkSqlTree(conditions, ({ type, fields }) => {
    if (type === 'NullTest') {
      const column = testedColumn(fields['arg']);
      if (column !== undefined && relations.has(column.split('\u0000')[0]!)) nullTested.add(column);
    }
    if (type !== 'A_Expr') return undefined;
    const sides = [fields['lexpr'], fields['rexpr']];
    const columns = sides.map(subjectKey);
    if (columns.every((column) => column === undefined)) return undefined;
    const op = lastName(fields['name']) ?? '';
    const comparison = ORDERS.has(op) && ['AEXPR_OP', 'AEXPR_OP_ANY', 'AEXPR_OP_ALL'].includes(String(fields['kind']));
    if (comparison && columns[0] !== undefined && columns[1] !== undefined) return void links.push([columns[0], columns[1]]);
    const [column, other] = columns[0] !== undefined ? [columns[0], sides[1]] : [columns[1]!, sides[0]];
    const constant = typedConstant(other);
    const fits = comparison && constant !== undefined && constant.item.array === (fields['kind'] !== 'AEXPR_OP') && (constant.item.array ? columns[0] !== undefined : true);
    if (!fits || numberOf(other) !== undefined) return void poisoned.add(column);
    note(column, constant.type);
    const items = itemsOf.get(constant.type) ?? new Map<string, RankItem>();
    itemsOf.set(constant.type, items.set(`${constant.item.array}\u0000${constant.item.text}`, constant.item));
    return undefined;
  });
  const ranked = rankedColumns(domainsOf, links, poisoned);
  const domains: RankDomain[] = [];
  for (const [type, items] of itemsOf) {
    const columns = [...ranked].filter(([, domain]) => domain === type).map(([column]) => column);
    const collatable = RANKED_TYPES[type]!;
    // A collatable type is ranked under its columns' collation, read from a scanned relation's column.
    if (columns.length === 0 || (collatable && columns.some((column) => !relations.has(column.split('\u0000')[0]!)))) continue;
    if (items.size + [...items.values()].filter((item) => item.array).length >= 2) domains.push({ type, collatable, columns, items: [...items.values()] });
  }
  if (nullTested.size === 0 && domains.length === 0) return undefined;
  return { relations, nullTested: [...nullTested], domains };
}

/** Columns and their one domain, over classes of columns compared with each other (none poisoned, one type). */
function rankedColumns(domainsOf: ReadonlyMap<ColumnKey, Set<string>>, links: readonly [ColumnKey, ColumnKey][], poisoned: ReadonlySet<ColumnKey>): Map<ColumnKey, string> {
  const classOf = new Map<ColumnKey, Set<ColumnKey>>();
  const members = (column: ColumnKey) => classOf.get(column) ?? new Set([column]);
  for (const [a, b] of links) {
    const joined = new Set([...members(a), ...members(b)]);
    for (const column of joined) classOf.set(column, joined);
  }
  const out = new Map<ColumnKey, string>();
  for (const column of domainsOf.keys()) {
    const group = [...members(column)];
    const domains = new Set(group.flatMap((member) => [...(domainsOf.get(member) ?? [])]));
    if (domains.size === 1 && !group.some((member) => poisoned.has(member))) out.set(column, [...domains][0]!);
  }
  return out;
}

/** The facts that would hold were every null-tested column scalar: if even they judge nothing, nothing is asked. */
export function assumingScalar(questions: PlanQuestions): PlanFacts {
  return { scalarColumns: new Set(questions.nullTested), rankedColumns: new Map(), ranks: new Map() };
}

/** The key of one ranked item among the facts. */
export const rankKey = (type: string, item: RankItem) => `${type}\u0000${item.array}\u0000${item.text}`;

const rankConstant = (rank: number): unknown => ({ A_Const: { ival: { ival: rank } } });

/** A copy of a parsed condition with the facts spliced in (scalar null tests marked, ranked constants replaced). */
export function withPlanFacts(node: unknown, facts: PlanFacts): unknown {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    const { type, fields } = nodeOf(value);
    if (type === 'NullTest') {
      const column = testedColumn(fields['arg']);
      if (column !== undefined && facts.scalarColumns.has(column)) return { NullTest: { ...fields, argisrow: false } };
    }
    if (type === 'A_Expr') {
      const replaced = rankedComparison(fields, facts);
      if (replaced) return { A_Expr: replaced };
    }
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, rewrite(child)]));
  };
  return rewrite(node);
}

/** A comparison of a ranked column with a constant of its domain, the constant replaced by its rank(s). */
function rankedComparison(fields: Fields, facts: PlanFacts): Fields | undefined {
  const [left, right] = [subjectKey(fields['lexpr']), subjectKey(fields['rexpr'])];
  const column = left ?? right;
  if (column === undefined || (left !== undefined && right !== undefined)) return undefined;
  const domain = facts.rankedColumns.get(column);
  const side = left !== undefined ? 'rexpr' : 'lexpr';
  const constant = typedConstant(fields[side]);
  if (domain === undefined || constant === undefined || constant.type !== domain) return undefined;
  const ranks = facts.ranks.get(rankKey(domain, constant.item));
  if (!ranks || ranks.length === 0) return undefined;
  const value = constant.item.array ? { A_ArrayExpr: { elements: ranks.map(rankConstant) } } : rankConstant(ranks[0]!);
  return { ...fields, [side]: value };
}
