/**
 * The questions a plan raises for plan-facts.ts: the expressions its null tests read, and per class
 * of expressions compared with one another the constants and patterns they are compared with. A
 * class is asked about only when nothing else compares with its members — no number, no
 * expression of another kind, no operator that is not an order, equality or pattern test — so
 * ranks stand in for its constants everywhere they meet it. Pure once the parser is loaded.
 */
import { parseExpression } from './parser.js';
import { list, nodeOf } from './normal-form.js';
import { spellingOf, shapeKey } from './plan-text.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';
import {
  constantOf, likeLiteral, ORDER_KINDS, ORDERS, subjectAliases, textConstant,
  type Comparison, type Constant, type PatternTest, type PlanQuestions, type PlanRelation, type Subject, type SubjectClass,
} from './plan-facts.js';

/** LIKE, ILIKE and regular-expression matches of text, and their negations, as the plan spells them. */
const PATTERN_OPS = new Set(['~~', '!~~', '~~*', '!~~*', '~', '!~', '~*', '!~*']);
/** Nodes that are conditions (the judgement reads them itself; never compared with a constant it ranks). */
const CONDITIONS = new Set(['BoolExpr', 'NullTest', 'BooleanTest']);
const CONDITION_FIELDS = ['Filter', 'Index Cond', 'Recheck Cond', 'One-Time Filter', 'Join Filter', 'Hash Cond', 'Merge Cond'];
/** The most constants and pattern tests one class is asked about (each pair of constants is compared). */
const MAX_CONSTANTS = 24;
const MAX_PATTERNS = 8;

interface PlanNodeFields { [key: string]: unknown; Plans?: PlanNodeFields[] }
interface Condition { wrapped: string; parsed: unknown }

/** Every condition anywhere in the plan (its parse and the text it was parsed from), and the relation each scan alias reads. */
function planParts(root: PlanNodeFields): { conditions: Condition[]; relations: Map<string, PlanRelation> } {
  const conditions: Condition[] = [];
  const relations = new Map<string, PlanRelation>();
  const visit = (node: PlanNodeFields) => {
    for (const field of CONDITION_FIELDS) {
      const text = node[field];
      const parsed = typeof text === 'string' ? parseExpression(text) : undefined;
      if (parsed !== undefined) conditions.push({ wrapped: `select (${text as string})`, parsed });
    }
    const [alias, schema, name] = [node['Alias'], node['Schema'], node['Relation Name']];
    if (typeof alias === 'string' && typeof schema === 'string' && typeof name === 'string') relations.set(alias, { schema, name });
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return { conditions, relations };
}

/** Union-find over subject keys. */
function classes(): { join: (a: string, b: string) => void; find: (a: string) => string } {
  const parent = new Map<string, string>();
  const find = (a: string): string => {
    const up = parent.get(a);
    if (up === undefined || up === a) return a;
    const root = find(up);
    parent.set(a, root);
    return root;
  };
  return { join: (a, b) => { const [x, y] = [find(a), find(b)]; if (x !== y) parent.set(x, y); }, find };
}

/**
 * The questions a plan raises, or undefined when there are none: the subjects its null tests read,
 * and the classes of subjects compared only with constants, one another (by an order or equality)
 * or patterns, holding two constants or more (an array counts two) or a pattern beside a constant.
 */
export function planQuestions(explained: unknown): PlanQuestions | undefined {
  const root = Array.isArray(explained) ? (explained[0] as { Plan?: PlanNodeFields } | undefined)?.Plan : undefined;
  if (!root) return undefined;
  const { conditions, relations } = planParts(root);
  const found = new Map<string, { node: unknown; wrapped: string; aliases: string[] } | null>();
  const subjectOf = (node: unknown, wrapped: string) => {
    if (constantOf(node) !== undefined || typeof node !== 'object' || node === null || CONDITIONS.has(nodeOf(node).type ?? '')) return undefined;
    const key = shapeKey(node);
    if (!found.has(key)) {
      const aliases = subjectAliases(node, relations);
      found.set(key, aliases ? { node, wrapped, aliases } : null);
    }
    return found.get(key) ? key : undefined;
  };
  const constantNodes = new Map<string, { node: unknown; wrapped: string; array: boolean; bound?: string }>();
  const nullTested = new Set<string>();
  const comparisons: Comparison[] = [];
  const patterns: PatternTest[] = [];
  const poisoned = new Set<string>();
  const { join, find } = classes();
  for (const { wrapped, parsed } of conditions) {
    walkSqlTree(parsed, ({ type, fields }) => {
      if (type === 'NullTest') {
        const subject = subjectOf(fields['arg'], wrapped);
        if (subject !== undefined) nullTested.add(subject);
      }
      if (type !== 'A_Expr') return undefined;
      const names = list(fields['name']).map(stringNodeValue);
      const op = names.at(-1) ?? '';
      const [left, right] = [subjectOf(fields['lexpr'], wrapped), subjectOf(fields['rexpr'], wrapped)];
      if (left === undefined && right === undefined) return undefined;
      const order = ORDERS.has(op) && ORDER_KINDS.has(String(fields['kind'])) && names.every((name) => name !== undefined) && names.length <= 2;
      const array = fields['kind'] !== 'AEXPR_OP';
      if (order && !array && left !== undefined && right !== undefined) {
        join(left, right);
        comparisons.push({ op: names as string[], left, right, leftIsSubject: true, rightIsSubject: true, array });
        return undefined;
      }
      const [subject, other] = left !== undefined ? [left, fields['rexpr']] : [right!, fields['lexpr']];
      const constant = left !== undefined && right !== undefined ? undefined : constantOf(other);
      const key = constant ? shapeKey(other) : '';
      if (order && constant && constant.array === array && (!array || left !== undefined)) {
        constantNodes.set(key, { node: other, wrapped, array: constant.array });
        comparisons.push({ op: names as string[], left: left ?? key, right: right ?? key, leftIsSubject: left !== undefined, rightIsSubject: right !== undefined, array });
        return undefined;
      }
      const patternText = (nodeOf(nodeOf(other).fields['arg']).fields['sval'] as { sval?: string } | undefined)?.sval;
      if (PATTERN_OPS.has(op) && names.length === 1 && fields['kind'] === 'AEXPR_OP' && left !== undefined && constant && !constant.array && patternText !== undefined) {
        constantNodes.set(key, { node: other, wrapped, array: false });
        const exact = op === '~~' || op === '!~~' ? likeLiteral(patternText) : undefined;
        patterns.push({ key: shapeKey({ A_Expr: fields }), op, subject: left, pattern: key, ...(exact === undefined ? {} : { exact }) });
        return undefined;
      }
      for (const side of [left, right]) if (side !== undefined) poisoned.add(side);
      return undefined;
    });
  }
  const subjects = new Map<string, Subject>();
  const constants = new Map<string, Constant>();
  const spell = (key: string): Subject | undefined => {
    if (!subjects.has(key)) {
      const seen = found.get(key);
      const text = seen ? spellingOf(seen.wrapped, seen.node) : undefined;
      if (!seen || text === undefined) return undefined;
      subjects.set(key, { key, node: seen.node, text, aliases: seen.aliases });
    }
    return subjects.get(key);
  };
  const spellConstant = (key: string): boolean => {
    if (constants.has(key)) return true;
    const seen = constantNodes.get(key);
    const text = seen ? spellingOf(seen.wrapped, seen.node) : undefined;
    if (!seen || text === undefined) return false;
    constants.set(key, { key, node: seen.node, array: seen.array, text });
    return true;
  };
  const nullTestedSpelt = [...nullTested].filter((key) => spell(key) !== undefined);
  const asked = askedClasses(comparisons, patterns, poisoned, find, spell, spellConstant, constants);
  if (nullTestedSpelt.length === 0 && asked.length === 0) return undefined;
  return { relations, subjects, constants, nullTested: nullTestedSpelt, comparisons, patterns, classes: asked };
}

/** The classes worth asking about, their subjects and constants spelt (a pattern's one string added as a constant of its own). */
function askedClasses(
  comparisons: readonly Comparison[], patterns: readonly PatternTest[], poisoned: ReadonlySet<string>, find: (key: string) => string,
  spell: (key: string) => Subject | undefined, spellConstant: (key: string) => boolean, constants: Map<string, Constant>,
): SubjectClass[] {
  const byRoot = new Map<string, SubjectClass>();
  const classOf = (subject: string) => {
    const root = find(subject);
    let klass = byRoot.get(root);
    if (!klass) byRoot.set(root, (klass = { subjects: [], constants: [], comparisons: [], patterns: [] }));
    if (!klass.subjects.includes(subject)) klass.subjects.push(subject);
    return klass;
  };
  comparisons.forEach((c, i) => {
    const klass = classOf(c.leftIsSubject ? c.left : c.right);
    if (c.leftIsSubject && c.rightIsSubject) classOf(c.right);
    else if (!klass.constants.includes(c.leftIsSubject ? c.right : c.left)) klass.constants.push(c.leftIsSubject ? c.right : c.left);
    klass.comparisons.push(i);
  });
  patterns.forEach((p, i) => {
    const klass = classOf(p.subject);
    klass.patterns.push(i);
    if (p.exact === undefined) return;
    const node = textConstant(p.exact);
    const key = shapeKey(node);
    if (!constants.has(key)) constants.set(key, { key, node, array: false, bound: p.exact });
    if (!klass.constants.includes(key)) klass.constants.push(key);
  });
  const asked: SubjectClass[] = [];
  for (const klass of byRoot.values()) {
    if (klass.subjects.some((subject) => poisoned.has(subject) || spell(subject) === undefined)) continue;
    klass.constants = klass.constants.filter((key) => constants.has(key) || spellConstant(key));
    klass.patterns = klass.patterns.filter((p) => spellConstant(patterns[p]!.pattern));
    const weight = klass.constants.reduce((sum, key) => sum + (constants.get(key)?.array ? 2 : 1), 0);
    const worth = weight >= 2 || (klass.patterns.length > 0 && weight >= 1);
    if (worth && klass.constants.length <= MAX_CONSTANTS && klass.patterns.length <= MAX_PATTERNS) asked.push(klass);
  }
  return asked;
}
