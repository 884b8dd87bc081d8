/**
 * What a plan's text leaves out and the judgement of its conditions needs, asked of the server
 * (plan-facts-sql.ts) about each expression the conditions read — a column or any expression of
 * scanned relations' columns that depends on them alone (`lower(t.s)`, `(t.x + 1)`, a view's
 * column inlined): whether its type is scalar (the plan prints `e IS NULL` alike for a scalar and
 * a composite, and for a composite `e IS NULL` and `e IS NOT NULL` can both be false); how the
 * constants compared with it order, under its collation and by the operators of one btree family
 * (`e < 'b'::mood` in the enum's order, `d < '…'::date and d > '…'::timestamp` across types); and
 * what LIKE, ILIKE or a regular expression answers for the constants it equals. The answers are
 * spliced into the parsed conditions as the judgement reads them: a scalar's null test marked
 * `argisrow: false` (as the server's analyser marks it), each constant replaced by its rank
 * (ranks keep order and equality, so a range they leave empty is empty), and a pattern test by
 * what it is on each such constant. Pure once the parser is loaded.
 */
import { parseExpression } from './parser.js';
import { isValueOfColumns } from './fixed-answers.js';
import { lastName, list, nodeOf, numberOf } from './normal-form.js';
import { shapeKey } from './plan-text.js';
import { stringNodeValue } from './tree-walk.js';


/** The relation a plan's scan reads, by the alias the plan's conditions name it with. */
export interface PlanRelation { schema: string; name: string }
/** An expression of scanned relations' columns that the server is asked about: its parsed node and the text that spells it. */
export interface Subject { key: string; node: unknown; text: string; aliases: string[] }
/** A constant compared with a subject: a literal cast to its type as the plan spells it (or a text to bind, for a pattern's one string). */
export interface Constant { key: string; node: unknown; array: boolean; text?: string; bound?: string }
/** `left op right` between a subject and a constant or another subject, the operator as the plan names it. */
export interface Comparison { op: string[]; left: string; right: string; leftIsSubject: boolean; rightIsSubject: boolean; array: boolean }
/** `subject op pattern` by LIKE, ILIKE or a regular expression (`exact`: the one string a LIKE pattern without wildcards matches). */
export interface PatternTest { key: string; op: string; subject: string; pattern: string; exact?: string }
/** Subjects compared with one another, the constants compared with any of them, and their pattern tests. */
export interface SubjectClass { subjects: string[]; constants: string[]; comparisons: number[]; patterns: number[] }

/** What to ask the server about one plan. */
export interface PlanQuestions {
  relations: ReadonlyMap<string, PlanRelation>;
  subjects: ReadonlyMap<string, Subject>;
  constants: ReadonlyMap<string, Constant>;
  nullTested: string[];
  comparisons: Comparison[];
  patterns: PatternTest[];
  classes: SubjectClass[];
}

/** What a pattern test is on a class's constants: the constant (or rank) it is tested equal to and the server's answer. */
export interface PatternCase { against: unknown; matched: boolean }
/** A pattern test as the server judged it: the equality it is (a LIKE without wildcards), or its value on each constant. */
export interface PatternFact { exact?: { negated: boolean; constant: unknown }; cases: PatternCase[] }

/** The server's answers. */
export interface PlanFacts {
  /** Subjects whose type is scalar. */
  scalars: ReadonlySet<string>;
  /** Ranked subjects, by class. */
  classOf: ReadonlyMap<string, number>;
  /** Each constant's ranks in its class (`class NUL constant key`). */
  ranks: ReadonlyMap<string, number[]>;
  /** Pattern tests by their shape. */
  patterns: ReadonlyMap<string, PatternFact>;
}

/** The key of a plain two-part column reference (`t.x`), or undefined. */
export function columnKey(node: unknown): string | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'ColumnRef') return undefined;
  const parts = list(fields['fields']).map((part) => nodeOf(part).fields['sval']);
  return parts.length === 2 && parts.every((part) => typeof part === 'string') ? parts.join('\u0000') : undefined;
}

/** The operators whose meaning is a btree order's or equality's (the server confirms the family), and the kinds that apply them. */
export const ORDERS = new Set(['=', '<>', '<', '<=', '>', '>=']);
export const ORDER_KINDS = new Set(['AEXPR_OP', 'AEXPR_OP_ANY', 'AEXPR_OP_ALL']);

/** Columns every relation has that no row type shows (a subject reading one is not asked about). */
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid']);

/** The aliases a subject reads (scanned relations' only), or undefined when `node` is no subject: a function of such columns alone, reading one. */
export function subjectAliases(node: unknown, relations: ReadonlyMap<string, PlanRelation>): string[] | undefined {
  const aliases = new Set<string>();
  const known = (column: unknown) => {
    const key = columnKey(column);
    const [alias, name] = key === undefined ? [] : key.split('\u0000');
    if (alias === undefined || name === undefined || !relations.has(alias) || SYSTEM_COLUMNS.has(name)) return false;
    aliases.add(alias);
    return true;
  };
  return isValueOfColumns(node, known) && aliases.size > 0 ? [...aliases] : undefined;
}

/** Types a constant of which the judgement reads by its own rules (a boolean, a number). */
const OWN_RULES = new Set(['bool', 'boolean']);

/** A literal cast to a type (`'a'::text`, `'{a,b}'::text[]`, `'b'::mood`) that is not a number or a boolean, or undefined. */
export function constantOf(node: unknown): { array: boolean } | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'TypeCast' || numberOf(node) !== undefined) return undefined;
  const arg = nodeOf(fields['arg']);
  const typeName = nodeOf(fields['typeName']).fields;
  if (arg.type !== 'A_Const' || arg.fields['sval'] === undefined || OWN_RULES.has(lastName(typeName['names']) ?? '')) return undefined;
  return { array: list(typeName['arrayBounds']).length > 0 };
}

/** The one string a LIKE pattern matches when it holds no wildcard (`\` escapes the next character), else undefined. */
export function likeLiteral(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '%' || ch === '_') return undefined;
    if (ch === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      i += 1;
      out += pattern[i]!;
    } else out += ch;
  }
  return out;
}

/** The node of a text constant, as the parser reads `'…'::text`. */
export function textConstant(text: string): unknown {
  return parseExpression(`'${text.replaceAll("'", "''")}'::text`);
}

/** The facts that would hold were every null-tested subject scalar: if even they judge nothing, nothing is asked. */
export function assumingScalar(questions: PlanQuestions): PlanFacts {
  return { scalars: new Set(questions.nullTested), classOf: new Map(), ranks: new Map(), patterns: new Map() };
}

/** The key of a constant's ranks in a class. */
export const rankKey = (klass: number, constant: string) => `${klass}\u0000${constant}`;

/** A rank as a literal integer. */
export const rankConstant = (rank: number): unknown => ({ A_Const: { ival: { ival: rank } } });
const comparison = (op: string, lexpr: unknown, rexpr: unknown): unknown => ({ A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: op } }], lexpr, rexpr } });
const booleanConstant = (value: boolean): unknown => ({ A_Const: { boolval: value ? { boolval: true } : {} } });

/** A copy of a parsed condition with the facts spliced in (scalar null tests marked, ranked constants replaced, pattern tests spelt out). */
export function withPlanFacts(node: unknown, facts: PlanFacts): unknown {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    const { type, fields } = nodeOf(value);
    if (type === 'NullTest' && facts.scalars.has(shapeKey(fields['arg']))) return { NullTest: { ...fields, argisrow: false } };
    if (type === 'A_Expr') {
      const ranked = rankedComparison(fields, facts);
      if (ranked) return { A_Expr: ranked };
      const pattern = facts.patterns.get(shapeKey(value));
      if (pattern) return patternSpelt(value, fields['lexpr'], pattern, rewrite);
    }
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, rewrite(child)]));
  };
  return rewrite(node);
}

/**
 * A pattern test as what it is: a LIKE without wildcards is `=` (`<>` negated) of its one string;
 * any other is `CASE WHEN s = c1 THEN <its answer on c1> … ELSE <the test> END` — on a row where s
 * equals a constant (bytewise: a deterministic collation's text) the test answers as on it.
 */
function patternSpelt(atom: unknown, subject: unknown, fact: PatternFact, rewrite: (value: unknown) => unknown): unknown {
  if (fact.exact) return rewrite(comparison(fact.exact.negated ? '<>' : '=', subject, fact.exact.constant));
  if (fact.cases.length === 0) return atom;
  const args = fact.cases.map(({ against, matched }) => ({ CaseWhen: { expr: rewrite(comparison('=', subject, against)), result: booleanConstant(matched) } }));
  return { CaseExpr: { args, defresult: atom } };
}

/** A comparison of a ranked subject with a constant of its class, the constant replaced by its rank(s). */
function rankedComparison(fields: Readonly<Record<string, unknown>>, facts: PlanFacts): Readonly<Record<string, unknown>> | undefined {
  const [left, right] = [facts.classOf.get(shapeKey(fields['lexpr'])), facts.classOf.get(shapeKey(fields['rexpr']))];
  if ((left === undefined) === (right === undefined)) return undefined;
  const side = left !== undefined ? 'rexpr' : 'lexpr';
  const klass = (left ?? right)!;
  const constant = constantOf(fields[side]);
  const names = list(fields['name']).map(stringNodeValue);
  if (!constant || !ORDERS.has(names.at(-1) ?? '') || !ORDER_KINDS.has(String(fields['kind']))) return undefined;
  const ranks = facts.ranks.get(rankKey(klass, shapeKey(fields[side])));
  if (!ranks || ranks.length === 0 || constant.array !== (fields['kind'] !== 'AEXPR_OP')) return undefined;
  const value = constant.array ? { A_ArrayExpr: { elements: ranks.map(rankConstant) } } : rankConstant(ranks[0]!);
  return { ...fields, [side]: value };
}

