/**
 * A predicate as an OR of ANDs of literals (disjunctive normal form), with every NOT pushed down to
 * a literal: De Morgan, double negation, an operator's negator (`not (x > 5)` is `x <= 5`,
 * `not (s like p)` is `s not like p`), IS TRUE / IS FALSE, BETWEEN, IN and `op ANY/ALL` of a literal
 * list spelt out as the comparisons they are. A predicate is true exactly when one disjunct has
 * every literal true (Kleene logic: AND is true when all are, OR when one is, NOT when its argument
 * is false), so a disjunct whose literals cannot all be true is one no row takes. A NOT that cannot
 * be pushed (`not (x is null)`: for a composite x it is not `x is not null`) stays as a literal.
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
const negation = (node: unknown): unknown => ({ BoolExpr: { boolop: 'NOT_EXPR', args: [node] } });

type Form = unknown[][];
const or = (forms: Form[]): Form | undefined => { const out = forms.flat(); return out.length > MAX_DISJUNCTS ? undefined : out; };
function and(forms: Form[]): Form | undefined {
  let out: Form = [[]];
  for (const form of forms) {
    if (out.length * form.length > MAX_DISJUNCTS) return undefined;
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

function formOf(node: unknown, negate: boolean): Form | undefined {
  const { type, fields } = nodeOf(node);
  if (type === 'BoolExpr') {
    const args = list(fields['args']);
    if (fields['boolop'] === 'NOT_EXPR') return args.length === 1 ? formOf(args[0], !negate) : undefined;
    const parts = args.map((arg) => formOf(arg, negate));
    if (parts.some((part) => part === undefined)) return undefined;
    return (fields['boolop'] === 'AND_EXPR') !== negate ? and(parts as Form[]) : or(parts as Form[]);
  }
  if (type === 'BooleanTest') {
    // `p is true` is true when p is; `p is false` when `not p` is; `not (p is not true)` is `p is true`.
    const test = String(fields['booltesttype']);
    if ((test === 'IS_TRUE' && !negate) || (test === 'IS_NOT_TRUE' && negate)) return formOf(fields['arg'], false);
    if ((test === 'IS_FALSE' && !negate) || (test === 'IS_NOT_FALSE' && negate)) return formOf(fields['arg'], true);
  }
  if (type === 'A_Expr') {
    const op = lastName(fields['name']) ?? '';
    if (negate && BINARY_KINDS.has(String(fields['kind'])) && NEGATOR[op] !== undefined) return [[{ A_Expr: { ...fields, name: [{ String: { sval: NEGATOR[op] } }] } }]];
    const spelled = spelledOut(fields, negate);
    if (spelled) return spelled.all ? and(spelled.items.map((item) => [[item]])) : or(spelled.items.map((item) => [[item]]));
  }
  return [[negate ? negation(node) : node]];
}

/** The predicate's disjunctive normal form, NOT pushed to the literals; undefined past 64 disjuncts or 128 literals in one. */
export function disjunctiveForm(node: unknown): unknown[][] | undefined {
  return formOf(node, false);
}
