/**
 * A predicate as an OR of ANDs of literals (disjunctive normal form) under three-valued logic: each
 * literal is an expression the form does not open paired with the truth values (T, F, NULL) it must
 * take. "p takes one of S" is opened through NOT (S mirrored), AND and OR (Kleene), IS [NOT]
 * TRUE/FALSE/UNKNOWN, a comparison with a boolean constant, COALESCE, NULLIF and CASE over
 * conditions, and BETWEEN, IN and `op ANY/ALL` of a literal list spelt out as the comparisons they
 * are. p is in S exactly when one disjunct has every literal in its set, so a disjunct whose literals
 * cannot all hold is one no row takes — `(x > 0 or x <= 0) is false`, `not coalesce(x = x, true)`.
 * Pure: reads and builds parse-tree nodes.
 */
import { stringNodeValue, untag } from './tree-walk.js';

type Fields = Readonly<Record<string, unknown>>;

/** A tagged node's type and fields (`{ type: undefined }` for anything else). */
export const nodeOf = (value: unknown): { type: string | undefined; fields: Fields } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? untag(value as Record<string, unknown>) : { type: undefined, fields: {} };
/** A parse-tree list field, or none. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The last part of a qualified name (`pg_catalog.count` → `count`). */
export const lastName = (names: unknown): string | undefined => list(names).map(stringNodeValue).at(-1);

/** Types a literal may be cast to and keep its number exactly (an integer cast of a fraction rounds; float4 and typmods round). */
const EXACT_NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'float8', 'numeric']);
const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

/**
 * A literal number exactly as written, or undefined (a decimal that no double spells back is not
 * judged). A cast of one into an exact numeric type (`'-5'::integer`, `'5'::double precision`: how
 * the server spells constants in a plan) is the same number.
 */
export function numberOf(node: unknown): number | undefined {
  const { type, fields } = nodeOf(node);
  if (type === 'TypeCast') {
    const typeName = nodeOf(fields['typeName']).fields;
    const target = lastName(typeName['names']) ?? '';
    if (!EXACT_NUMBER_TYPES.has(target) || typeName['arrayBounds'] !== undefined || (typeName['typmods'] !== undefined)) return undefined;
    const arg = nodeOf(fields['arg']);
    const text = (arg.fields['sval'] as { sval?: string } | undefined)?.sval;
    const n = arg.type === 'A_Const' && text !== undefined ? (String(Number(text.trim())) === text.trim() ? Number(text.trim()) : undefined) : numberOf(fields['arg']);
    return n !== undefined && (!INTEGER_TYPES.has(target) || Number.isInteger(n)) ? n : undefined;
  }
  if (type !== 'A_Const') return undefined;
  if (fields['ival'] !== undefined) return Number((fields['ival'] as { ival?: number }).ival ?? 0);
  const text = (fields['fval'] as { fval?: string } | undefined)?.fval;
  return text !== undefined && String(Number(text)) === text ? Number(text) : undefined;
}

/** Each comparison's negator: `not (a < b)` is `a >= b` for every btree order (NULL stays NULL). */
export const NEGATOR: Readonly<Record<string, string>> = {
  '=': '<>', '<>': '=', '!=': '=', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
  // LIKE, ILIKE and regular expressions: each pg_catalog operator's declared negator.
  '~~': '!~~', '!~~': '~~', '~~*': '!~~*', '!~~*': '~~*', '~': '!~', '!~': '~', '~*': '!~*', '!~*': '~*',
};
/** The A_Expr kinds whose operator is a plain binary one (LIKE and ILIKE name theirs: `~~`, `!~~*`). */
export const BINARY_KINDS = new Set(['AEXPR_OP', 'AEXPR_LIKE', 'AEXPR_ILIKE']);
/** The most disjuncts judged: past it the predicate is left unjudged. */
const MAX_DISJUNCTS = 64;
/** The longest literal list spelt out as comparisons, and the most literals one disjunct holds. */
const MAX_LIST = 32;
const MAX_LITERALS = 128;

const comparison = (op: string, lexpr: unknown, rexpr: unknown): unknown => ({ A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: op } }], lexpr, rexpr } });
const junction = (boolop: 'AND_EXPR' | 'OR_EXPR', args: unknown[]): unknown => ({ BoolExpr: { boolop, args } });

/** The truth values a predicate may take, as a set: T, F and N (NULL). */
export type Truth = number;
export const T = 1;
export const F = 2;
export const N = 4;
export const ANY = T | F | N;
/** Kleene NOT of each value in a set. */
export const not3 = (s: Truth): Truth => (s & T ? F : 0) | (s & F ? T : 0) | (s & N ? N : 0);
/** The values v whose image `map(v)` is in `wanted`: what an argument may be for its expression to be in `wanted`. */
const preimage = (wanted: Truth, map: (v: Truth) => Truth): Truth => [T, F, N].reduce((out, v) => (map(v) & wanted ? out | v : out), 0);

/** One literal of a disjunct: an expression the normal form does not open, and the truth values it must take. */
export interface Literal { atom: unknown; truth: Truth }
type Form = Literal[][];
const NEVER: Form = [];
const ALWAYS: Form = [[]];
const or = (forms: (Form | undefined)[]): Form | undefined => {
  if (forms.some((form) => form === undefined)) return undefined;
  const out = (forms as Form[]).flat();
  return out.length > MAX_DISJUNCTS ? undefined : out;
};
function and(forms: (Form | undefined)[]): Form | undefined {
  let out: Form = ALWAYS;
  for (const form of forms) {
    if (form === undefined || out.length * form.length > MAX_DISJUNCTS) return undefined;
    out = out.flatMap((left) => form.map((right) => [...left, ...right]));
  }
  return out.some((literals) => literals.length > MAX_LITERALS) ? undefined : out;
}

/** The elements of an array literal of numbers (`array[1, 2]`, `'{1,2}'::int[]`), or undefined. */
function literalElements(node: unknown): unknown[] | undefined {
  let array = nodeOf(node);
  if (array.type === 'TypeCast') {
    // Only an array of numbers holds numbers: `'{1,2}'::text[]` holds the texts '1' and '2'.
    if (!EXACT_NUMBER_TYPES.has(lastName(nodeOf(array.fields['typeName']).fields['names']) ?? '')) return undefined;
    array = nodeOf(array.fields['arg']);
  }
  if (array.type === 'A_ArrayExpr') {
    const elements = list(array.fields['elements']);
    return elements.length > 0 && elements.every((e) => numberOf(e) !== undefined) ? elements : undefined;
  }
  const text = (array.fields['sval'] as { sval?: string } | undefined)?.sval?.trim();
  if (array.type !== 'A_Const' || !text?.startsWith('{') || !text.endsWith('}')) return undefined;
  const items = text.slice(1, -1).split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '' || String(Number(s)) !== s)) return undefined;
  return items.map((s) => (Number.isInteger(Number(s)) ? { A_Const: { ival: { ival: Number(s) } } } : { A_Const: { fval: { fval: s } } }));
}

/** BETWEEN, IN and `op ANY/ALL (literal list)` as an AND (`all`) or OR of comparisons, NOT pushed in. */
function spelledOut(fields: Fields, negate: boolean): { all: boolean; items: unknown[] } | undefined {
  const kind = fields['kind'];
  const subject = fields['lexpr'];
  if (kind === 'AEXPR_BETWEEN' || kind === 'AEXPR_NOT_BETWEEN') {
    const range = nodeOf(fields['rexpr']);
    const [low, high] = list(range.type === 'List' ? range.fields['items'] : fields['rexpr']);
    if (low === undefined || high === undefined) return undefined;
    const inside = (kind === 'AEXPR_BETWEEN') !== negate;
    return inside ? { all: true, items: [comparison('>=', subject, low), comparison('<=', subject, high)] }
      : { all: false, items: [comparison('<', subject, low), comparison('>', subject, high)] };
  }
  const op = lastName(fields['name']) ?? '';
  let elements: unknown[] | undefined;
  let any: boolean;
  if (kind === 'AEXPR_IN') {
    const range = nodeOf(fields['rexpr']);
    elements = list(range.type === 'List' ? range.fields['items'] : fields['rexpr']);
    // `x in (…)` is `x = a or x = b`; `x not in (…)` is `x <> a and x <> b`.
    any = op === '=';
  } else if (kind === 'AEXPR_OP_ANY' || kind === 'AEXPR_OP_ALL') {
    elements = literalElements(fields['rexpr']);
    any = kind === 'AEXPR_OP_ANY';
  } else return undefined;
  if (!elements || elements.length === 0 || elements.length > MAX_LIST || NEGATOR[op] === undefined) return undefined;
  const used = negate ? NEGATOR[op]! : op;
  return { all: any === negate, items: elements.map((e) => comparison(used, subject, e)) };
}

/** A boolean constant (`true`, `false`, `'t'::boolean`), or undefined. */
function booleanConstant(node: unknown): boolean | undefined {
  const { type, fields } = nodeOf(node);
  // The parser leaves `boolval` empty for false.
  if (type === 'A_Const') return fields['boolval'] === undefined ? undefined : (fields['boolval'] as { boolval?: boolean }).boolval === true;
  if (type !== 'TypeCast' || !['bool', 'boolean'].includes(lastName(nodeOf(fields['typeName']).fields['names']) ?? '')) return undefined;
  const text = (nodeOf(fields['arg']).fields['sval'] as { sval?: string } | undefined)?.sval?.trim().toLowerCase();
  return text === undefined ? booleanConstant(fields['arg']) : BOOLEAN_TEXT[text];
}
const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, t: true, yes: true, y: true, on: true, 1: true, false: false, f: false, no: false, n: false, off: false, 0: false };

/**
 * A comparison of a predicate with a boolean constant (`p = true`, `p <> false`, `p is distinct from
 * true`) as the function of p's truth value it is; the operands' types are boolean, or it does not run.
 */
function againstBoolean(fields: Fields): { subject: unknown; map: (v: Truth) => Truth } | undefined {
  const kind = String(fields['kind']);
  const op = lastName(fields['name']) ?? '';
  const [left, right] = [booleanConstant(fields['lexpr']), booleanConstant(fields['rexpr'])];
  if ((left === undefined) === (right === undefined)) return undefined;
  const [subject, constant] = left === undefined ? [fields['lexpr'], right! ? T : F] : [fields['rexpr'], left ? T : F];
  const equal = kind === 'AEXPR_NOT_DISTINCT' || (kind === 'AEXPR_OP' && op === '=');
  const unequal = kind === 'AEXPR_DISTINCT' || (kind === 'AEXPR_OP' && (op === '<>' || op === '!='));
  if (!equal && !unequal) return undefined;
  // `=` and `<>` are strict (NULL stays NULL); IS [NOT] DISTINCT FROM is never NULL.
  const strict = kind === 'AEXPR_OP';
  return { subject, map: (v) => (v === N && strict ? N : (v === constant) === equal ? T : F) };
}

/** Nodes that are conditions whatever they hold (boolean-typed by their syntax). */
const CONDITIONS = new Set(['BoolExpr', 'NullTest', 'BooleanTest']);

/**
 * A comparison of two conditions (`(x is null) = (x is not null)`, `p is distinct from q`) as the
 * function of their two truth values it is, or undefined for anything else.
 */
function betweenConditions(fields: Fields): ((a: Truth, b: Truth) => Truth) | undefined {
  if (!CONDITIONS.has(nodeOf(fields['lexpr']).type ?? '') || !CONDITIONS.has(nodeOf(fields['rexpr']).type ?? '')) return undefined;
  const kind = String(fields['kind']);
  const op = lastName(fields['name']) ?? '';
  const equal = kind === 'AEXPR_NOT_DISTINCT' || (kind === 'AEXPR_OP' && op === '=');
  const unequal = kind === 'AEXPR_DISTINCT' || (kind === 'AEXPR_OP' && (op === '<>' || op === '!='));
  if (!equal && !unequal) return undefined;
  // `=` and `<>` are strict; IS [NOT] DISTINCT FROM counts NULL as a value.
  const strict = kind === 'AEXPR_OP';
  return (a, b) => (strict && (a === N || b === N) ? N : (a === b) === equal ? T : F);
}

/** `p op q` in `wanted`: each pair of truth values of p and q that op maps into it. */
function pairForm(p: unknown, q: unknown, wanted: Truth, op: (a: Truth, b: Truth) => Truth): Form | undefined {
  const parts: (Form | undefined)[] = [];
  for (const a of [T, F, N]) {
    const values = [T, F, N].reduce((out, b) => (op(a, b) & wanted ? out | b : out), 0);
    if (values !== 0) parts.push(and([formOf(p, a), formOf(q, values)]));
  }
  return or(parts);
}

/**
 * An AND of `args` in `wanted`: true when all are, false when one is, NULL when none is false and
 * one is NULL (Kleene). `argForm(arg, values)` spells an argument taking one of `values`.
 */
function conjunction(args: unknown[], wanted: Truth, argForm: (arg: unknown, values: Truth) => Form | undefined): Form | undefined {
  if (wanted === (T | N)) return and(args.map((arg) => argForm(arg, T | N)));
  if (wanted === (F | N)) return or(args.map((arg) => argForm(arg, F | N)));
  const parts: (Form | undefined)[] = [];
  if (wanted & T) parts.push(and(args.map((arg) => argForm(arg, T))));
  if (wanted & F) parts.push(or(args.map((arg) => argForm(arg, F))));
  if (wanted & N) parts.push(and([...args.map((arg) => argForm(arg, T | N)), or(args.map((arg) => argForm(arg, N)))]));
  return or(parts);
}

/** CASE: branch i is taken when every earlier condition is not true and its own is (a simple CASE compares its argument with `=`). */
function caseForm(fields: Fields, wanted: Truth): Form | undefined {
  const subject = fields['arg'];
  const conditions: unknown[] = [];
  const branches: (Form | undefined)[] = [];
  for (const when of list(fields['args'])) {
    const branch = nodeOf(when).fields;
    const condition = subject === undefined ? branch['expr'] : comparison('=', subject, branch['expr']);
    branches.push(and([...conditions.map((c) => formOf(c, F | N)), formOf(condition, T), formOf(branch['result'], wanted)]));
    conditions.push(condition);
  }
  const otherwise = fields['defresult'] === undefined ? (wanted & N ? ALWAYS : NEVER) : formOf(fields['defresult'], wanted);
  branches.push(and([...conditions.map((c) => formOf(c, F | N)), otherwise]));
  return or(branches);
}

/** COALESCE: argument i is the value when every earlier one is NULL and it is not; NULL when all are. */
function coalesceForm(args: unknown[], wanted: Truth): Form | undefined {
  const parts = args.map((arg, i) => and([...args.slice(0, i).map((earlier) => formOf(earlier, N)), formOf(arg, wanted & ~N)]));
  if (wanted & N) parts.push(and(args.map((arg) => formOf(arg, N))));
  return or(parts);
}

/**
 * The disjuncts under which `node` takes one of the truth values `wanted`: the connectives, boolean
 * tests, COALESCE, NULLIF and CASE over conditions opened by three-valued logic; anything else a
 * literal. Every row on which node is in `wanted` meets some disjunct (opening is exact, or wider).
 */
function formOf(node: unknown, wanted: Truth): Form | undefined {
  if (wanted === 0) return NEVER;
  if (wanted === ANY) return ALWAYS;
  // One node is asked for the same values many times over (each ancestor, each branch of a CASE): asked once.
  if (typeof node !== 'object' || node === null) return openedForm(node, wanted);
  let known = FORMS.get(node);
  if (!known) FORMS.set(node, (known = new Map()));
  if (!known.has(wanted)) known.set(wanted, openedForm(node, wanted));
  return known.get(wanted);
}
/** Forms already built, by node and wanted values (parse trees are not changed once built). */
const FORMS = new WeakMap<object, Map<Truth, Form | undefined>>();

function openedForm(node: unknown, wanted: Truth): Form | undefined {
  const { type, fields } = nodeOf(node);
  if (type === 'BoolExpr') {
    const args = list(fields['args']);
    if (fields['boolop'] === 'NOT_EXPR') return args.length === 1 ? formOf(args[0], not3(wanted)) : undefined;
    // OR is NOT of the AND of NOTs.
    if (fields['boolop'] === 'OR_EXPR') return conjunction(args, not3(wanted), (arg, values) => formOf(arg, not3(values)));
    return conjunction(args, wanted, formOf);
  }
  if (type === 'BooleanTest') {
    const test = String(fields['booltesttype']);
    const tested = test.endsWith('TRUE') ? T : test.endsWith('FALSE') ? F : N;
    const negated = test.includes('_NOT_');
    return formOf(fields['arg'], preimage(wanted, (v) => ((v === tested) !== negated ? T : F)));
  }
  if (type === 'CoalesceExpr') return coalesceForm(list(fields['args']), wanted);
  if (type === 'CaseExpr') return caseForm(fields, wanted);
  if (type === 'A_Expr') {
    if (fields['kind'] === 'AEXPR_NULLIF') {
      // NULLIF(a, b) is NULL when a = b, else a.
      const equal = comparison('=', fields['lexpr'], fields['rexpr']);
      return or([wanted & N ? formOf(equal, T) : NEVER, and([formOf(equal, F | N), formOf(fields['lexpr'], wanted)])]);
    }
    const boolean = againstBoolean(fields);
    if (boolean) return formOf(boolean.subject, preimage(wanted, boolean.map));
    const paired = betweenConditions(fields);
    if (paired) return pairForm(fields['lexpr'], fields['rexpr'], wanted, paired);
    const spelled = spelledOut(fields, false);
    if (spelled) return formOf(junction(spelled.all ? 'AND_EXPR' : 'OR_EXPR', spelled.items), wanted);
  }
  return [[{ atom: node, truth: wanted }]];
}

/**
 * The disjunctive normal form of "`node` takes one of `wanted`" (by default: is true), each literal an
 * expression with the truth values it must take; undefined past 64 disjuncts or 128 literals in one.
 */
export function disjunctiveForm(node: unknown, wanted: Truth = T): Literal[][] | undefined {
  return formOf(node, wanted);
}
