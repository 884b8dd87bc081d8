/**
 * Answers operator SQL gives whatever the data: a predicate that folds to one truth value
 * (`false and x`, `x or true`, `not (x is distinct from x)`, `count(*) >= 0`), a query whose number
 * of rows is fixed (an aggregate without GROUP BY, `limit 1`, a FROM sub-select of one row), a
 * value that depends on nothing (`1`, `upper('a')`). A check built on one can never fail for a
 * reason in the data. Sound, not heuristic: each rule is Postgres semantics on the parse tree
 * (three-valued logic, a reflexive `=`, what GROUP BY and LIMIT do to a row count), and whatever is
 * not known is "could be anything". Pure once the parser is loaded.
 */
import { isBuiltinAggregate, isBuiltinSetReturning } from './builtin-row-functions.js';
import { isSelfAntiJoin } from './self-anti-join.js';
import { VETTED_VOLATILE } from './builtin-functions.js';
import { dependsOnArgumentsAlone } from './stable-builtins.js';
import { parseExpression, parseSql } from './parser.js';
import { ANY, BINARY_KINDS, disjunctiveForm, F, lastName, list, N, NEGATOR, nodeOf, not3, numberOf, T, type Literal, type Truth } from './normal-form.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';
import { innerJoinConditions, outerJoinConditions } from './join-conditions.js';

type Fields = Readonly<Record<string, unknown>>;

export { F, N, T, type Truth };

/** The fewest and most rows a query may return (`max` Infinity when unbounded). */
export interface RowBounds { min: number; max: number }
const UNBOUNDED: RowBounds = { min: 0, max: Infinity };

const VOLATILE = new Set(VETTED_VOLATILE);
/** Call syntax only an aggregate accepts (`count(*)`, `sum(distinct x)`, `… filter (where …)`). */
const AGGREGATE_SYNTAX = ['agg_star', 'agg_distinct', 'agg_order', 'agg_filter', 'agg_within_group'];

/** Each truth value in `a` and `b` combined by `op`: a superset of what the expression can be, so sound. */
function combine(a: Truth, b: Truth, op: (x: number, y: number) => number): Truth {
  let out = 0;
  for (const x of [T, F, N]) for (const y of [T, F, N]) if (a & x && b & y) out |= op(x, y);
  return out;
}
const and3 = (x: number, y: number) => (x === F || y === F ? F : x === N || y === N ? N : T);
const or3 = (x: number, y: number) => (x === T || y === T ? T : x === N || y === N ? N : F);
/** `true`/`false` for a known answer, a set of both when the test may go either way. */
const decided = (yes: boolean | undefined): Truth => (yes === undefined ? T | F : yes ? T : F);

/** The range a numeric value is certainly in: a literal, or a count (never negative). */
function rangeOf(node: unknown): [number, number] | undefined {
  const n = numberOf(node);
  if (n !== undefined) return [n, n];
  const { type, fields } = nodeOf(node);
  if (type === 'FuncCall' && isCatalogCall(fields) && lastName(fields['funcname']) === 'count') return [0, Infinity];
  return undefined;
}

const isCatalogCall = (fields: Fields) => { const names = list(fields['funcname']).map(stringNodeValue); return names.length === 1 || names[0] === 'pg_catalog'; };

/** Whether a value is certainly NULL, certainly not, or either. */
function nullness(node: unknown): 'null' | 'not null' | undefined {
  const { type, fields } = nodeOf(node);
  if (type === 'A_Const') return fields['isnull'] === true ? 'null' : 'not null';
  // A cast keeps NULL; a cast literal may be a composite, whose IS NULL asks about its fields.
  if (type === 'TypeCast') return nullness(fields['arg']) === 'null' ? 'null' : undefined;
  if (type === 'FuncCall' && isCatalogCall(fields) && lastName(fields['funcname']) === 'count') return 'not null';
  const truth = truthOf(node);
  return truth === N ? 'null' : truth === ANY || truth & N ? undefined : 'not null';
}

/** Without locations, two spellings of one expression have one text. */
function shapeOf(node: unknown): string {
  if (typeof node !== 'object' || node === null) return JSON.stringify(node);
  let shape = SHAPES.get(node);
  if (shape === undefined) SHAPES.set(node, (shape = JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value))));
  return shape;
}
/** Shapes already spelt, by node (parse trees are not changed once built). */
const SHAPES = new WeakMap<object, string>();

/** The same expression twice, evaluated to the same value on one row: no sub-query, no volatile or window call. */
function sameValueTwice(a: unknown, b: unknown): boolean {
  if (shapeOf(a) !== shapeOf(b)) return false;
  if (typeof a !== 'object' || a === null) return true;
  let steady = STEADY.get(a);
  if (steady === undefined) STEADY.set(a, (steady = isSteady(a)));
  return steady;
}
/** Steadiness already judged, by node. */
const STEADY = new WeakMap<object, boolean>();

function isSteady(a: unknown): boolean {
  let steady = true;
  walkSqlTree(a, ({ type, fields }) => {
    if (type === 'SubLink' || (type === 'FuncCall' && (fields['over'] !== undefined || VOLATILE.has(lastName(fields['funcname']) ?? '')))) steady = false;
    return steady ? undefined : 'skip';
  });
  return steady;
}

const COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b, '<>': (a, b) => a !== b, '!=': (a, b) => a !== b,
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
};

/** `a op b` over two ranges: true or false when every pair agrees (only at the ends can they differ). */
function compareRanges(op: string, [amin, amax]: [number, number], [bmin, bmax]: [number, number]): boolean | undefined {
  const test = COMPARISONS[op]!;
  if (op === '=' || op === '<>' || op === '!=') {
    if (amin === amax && bmin === bmax) return test(amin, bmin);
    const apart = amax < bmin || bmax < amin;
    return apart ? op !== '=' : undefined;
  }
  const all = [test(amin, bmax), test(amax, bmin), test(amin, bmin), test(amax, bmax)];
  // Each order is monotone in both sides, so its extremes are at the corners.
  return all.every(Boolean) ? true : all.every((x) => !x) ? false : undefined;
}

/** A comparison, IS [NOT] DISTINCT FROM: folded when both sides are known or are one steady expression. */
function comparisonTruth(fields: Fields): Truth {
  const op = lastName(fields['name']) ?? '';
  const [left, right] = [fields['lexpr'], fields['rexpr']];
  const distinct = fields['kind'] === 'AEXPR_DISTINCT';
  if (!distinct && fields['kind'] !== 'AEXPR_NOT_DISTINCT' && (fields['kind'] !== 'AEXPR_OP' || COMPARISONS[op] === undefined)) return ANY;
  const [a, b] = [nullness(left), nullness(right)];
  const ranges = [rangeOf(left), rangeOf(right)];
  if (distinct || fields['kind'] === 'AEXPR_NOT_DISTINCT') {
    // Never NULL. `=` is reflexive for every type that has one (a type without errors at run time).
    const same = sameValueTwice(left, right) ? true
      : a === 'null' && b === 'null' ? true
        : (a === 'null' && b === 'not null') || (a === 'not null' && b === 'null') ? false
          : ranges[0] && ranges[1] ? compareRanges('=', ranges[0], ranges[1]) : undefined;
    return decided(same === undefined ? undefined : distinct ? !same : same);
  }
  // pg_catalog's comparison operators are strict: NULL on either side is NULL.
  if (a === 'null' || b === 'null') return N;
  const bothKnown = a === 'not null' && b === 'not null';
  if (ranges[0] && ranges[1]) return decided(compareRanges(op, ranges[0], ranges[1]));
  if (sameValueTwice(left, right)) return (['=', '<=', '>='].includes(op) ? T : F) | (bothKnown ? 0 : N);
  return ANY;
}

/** One test of a value against a literal number: `subject op value`, the literal on the right. */
interface Bound { subject: unknown; op: string; value: number }
const FLIPPED: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>', '!=': '!=' };

/** The literal bounds a comparison or BETWEEN puts on one steady value (none for anything else). */
function boundsOf(node: unknown): Bound[] {
  const { type, fields } = nodeOf(node);
  if (type !== 'A_Expr') return [];
  if (fields['kind'] === 'AEXPR_BETWEEN' || fields['kind'] === 'AEXPR_BETWEEN_SYM') {
    const range = nodeOf(fields['rexpr']);
    const [lo, hi] = list(range.type === 'List' ? range.fields['items'] : fields['rexpr']).map(numberOf);
    if (lo === undefined || hi === undefined) return [];
    const [low, high] = fields['kind'] === 'AEXPR_BETWEEN_SYM' ? [Math.min(lo, hi), Math.max(lo, hi)] : [lo, hi];
    return [{ subject: fields['lexpr'], op: '>=', value: low }, { subject: fields['lexpr'], op: '<=', value: high }];
  }
  const op = lastName(fields['name']) ?? '';
  if (fields['kind'] !== 'AEXPR_OP' || COMPARISONS[op] === undefined) return [];
  const [left, right] = [numberOf(fields['lexpr']), numberOf(fields['rexpr'])];
  if (right !== undefined && left === undefined) return [{ subject: fields['lexpr'], op, value: right }];
  if (left !== undefined && right === undefined) return [{ subject: fields['rexpr'], op: FLIPPED[op]!, value: left }];
  return [];
}

/** Whether the values `bounds` allow (all on one value) are none: an empty interval, or its one point excluded. */
function boundsMeetNowhere(bounds: readonly Bound[]): boolean {
  let [lo, loOpen, hi, hiOpen] = [-Infinity, false, Infinity, false];
  const excluded: number[] = [];
  for (const { op, value } of bounds) {
    if (op === '<>' || op === '!=') excluded.push(value);
    if (op === '>' || op === '>=' || op === '=') if (value > lo || (value === lo && op === '>')) [lo, loOpen] = [value, op === '>'];
    if (op === '<' || op === '<=' || op === '=') if (value < hi || (value === hi && op === '<')) [hi, hiOpen] = [value, op === '<'];
  }
  if (lo > hi || (lo === hi && (loOpen || hiOpen))) return true;
  return lo === hi && excluded.includes(lo);
}

/**
 * Whether no row can make every one of `conjuncts` true: `e is null` beside a comparison of e or
 * `e is not null` (pg_catalog's comparisons are strict), or literal bounds on one steady value that
 * no number meets (`x < 0 and x > 0`, `x between 5 and 1`, `x = 1 and x <> 1`). Numeric order is
 * total (NaN above every number), so an empty interval of numbers holds no value at all.
 */
function conjunctsContradict(conjuncts: readonly unknown[]): boolean {
  const nulled = conjuncts.flatMap((c) => {
    const { type, fields } = nodeOf(c);
    return type === 'NullTest' && fields['nulltesttype'] === 'IS_NULL' && fields['argisrow'] !== true ? [fields['arg']] : [];
  });
  const bounds: Bound[] = [];
  for (const conjunct of conjuncts) {
    const { type, fields } = nodeOf(conjunct);
    if (type === 'NullTest' && fields['nulltesttype'] === 'IS_NOT_NULL' && fields['argisrow'] !== true && nulled.some((e) => sameValueTwice(e, fields['arg']))) return true;
    const op = lastName(fields['name']) ?? '';
    if (type === 'A_Expr' && fields['kind'] === 'AEXPR_OP' && COMPARISONS[op] !== undefined
      && nulled.some((e) => sameValueTwice(e, fields['lexpr']) || sameValueTwice(e, fields['rexpr']))) return true;
    bounds.push(...boundsOf(conjunct));
  }
  // `a = b` (true) makes a and b one value: bounds on either bound both (`a.x = b.x and a.x > 5 and b.x < 3`).
  const classes = equalityClasses(conjuncts);
  const bySubject = new Map<string, Bound[]>();
  for (const bound of bounds) {
    if (!sameValueTwice(bound.subject, bound.subject)) continue;
    const key = classes(shapeOf(bound.subject));
    bySubject.set(key, [...(bySubject.get(key) ?? []), bound]);
  }
  if ([...bySubject.values()].some(boundsMeetNowhere)) return true;
  // Two members of one class are one value, so `<>` between them is false.
  return conjuncts.some((c) => {
    const { type, fields } = nodeOf(c);
    const op = lastName(fields['name']) ?? '';
    return type === 'A_Expr' && fields['kind'] === 'AEXPR_OP' && (op === '<>' || op === '!=') && sameValueTwice(c, c)
      && classes(shapeOf(fields['lexpr'])) === classes(shapeOf(fields['rexpr']));
  });
}

/**
 * The classes of steady expressions that `=` conjuncts make one value (union-find over their
 * shapes): a function from an expression's shape to its class's. A true `=` of pg_catalog is
 * an equivalence on the values it compares (the planner's equivalence classes rest on it too).
 */
function equalityClasses(conjuncts: readonly unknown[]): (shape: string) => string {
  const parent = new Map<string, string>();
  const find = (shape: string): string => {
    const up = parent.get(shape);
    if (up === undefined || up === shape) return shape;
    const root = find(up);
    parent.set(shape, root);
    return root;
  };
  for (const conjunct of conjuncts) {
    const { type, fields } = nodeOf(conjunct);
    if (type !== 'A_Expr' || fields['kind'] !== 'AEXPR_OP' || lastName(fields['name']) !== '=' || !sameValueTwice(conjunct, conjunct)) continue;
    if (numberOf(fields['lexpr']) !== undefined || numberOf(fields['rexpr']) !== undefined) continue;
    const [a, b] = [find(shapeOf(fields['lexpr'])), find(shapeOf(fields['rexpr']))];
    if (a !== b) parent.set(a, b);
  }
  return find;
}

/** The orders `a op b` allows between two non-null values: equality ops and order ops apart (a type's `=` need not be its order's). */
const EQUALITY: Readonly<Record<string, number>> = { '=': 1, '<>': 2, '!=': 2 };
const ORDER: Readonly<Record<string, number>> = { '<': 1, '<=': 3, '>': 4, '>=': 6 };
const REVERSED_ORDER = (set: number) => (set & 1 ? 4 : 0) | (set & 2) | (set & 4 ? 1 : 0);

/**
 * Whether facts that must all be true on one row can be: none folds to not-true, they do not
 * contradict (above), no steady fact stands beside its own NOT, and no two comparisons of one steady
 * pair allow disjoint orders (`a < b and a >= b`, `a = b and b <> a`).
 */
function factsMeet(facts: readonly unknown[]): boolean {
  if (facts.some((fact) => !(baseTruth(fact) & T)) || conjunctsContradict(facts)) return false;
  const steady = facts.filter((fact) => sameValueTwice(fact, fact)).map(shapeOf);
  for (const fact of facts) {
    const { type, fields } = nodeOf(fact);
    if (type === 'BoolExpr' && fields['boolop'] === 'NOT_EXPR' && steady.includes(shapeOf(list(fields['args'])[0]))) return false;
  }
  const allowed = new Map<string, number>();
  const operators = new Set<string>();
  for (const fact of facts) {
    const { type, fields } = nodeOf(fact);
    const op = lastName(fields['name']) ?? '';
    if (type !== 'A_Expr' || !BINARY_KINDS.has(String(fields['kind'])) || !sameValueTwice(fact, fact)) continue;
    // An operator beside its negator on the same operands (`s like 'a%' and s not like 'a%'`).
    const sides = `${shapeOf(fields['lexpr'])}\u0000${shapeOf(fields['rexpr'])}`;
    if (NEGATOR[op] !== undefined && operators.has(`${NEGATOR[op]}\u0000${sides}`)) return false;
    operators.add(`${op}\u0000${sides}`);
    if (fields['kind'] !== 'AEXPR_OP') continue;
    const family = EQUALITY[op] !== undefined ? 'eq' : ORDER[op] !== undefined ? 'ord' : undefined;
    if (!family) continue;
    let set = family === 'eq' ? EQUALITY[op]! : ORDER[op]!;
    let [left, right] = [shapeOf(fields['lexpr']), shapeOf(fields['rexpr'])];
    if (left > right) [left, right, set] = [right, left, family === 'eq' ? set : REVERSED_ORDER(set)];
    const key = `${family}\u0000${left}\u0000${right}`;
    const meet = (allowed.get(key) ?? 7) & set;
    if (meet === 0) return false;
    allowed.set(key, meet);
  }
  return true;
}

/** Types whose values IS NULL tests as a whole (a composite's IS NULL asks about each field). */
const SCALAR_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'text', 'varchar', 'bpchar', 'bool', 'boolean', 'date', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval', 'uuid', 'json', 'jsonb', 'bytea']);

/**
 * The expressions a predicate shows to be scalar: compared with a number (no composite compares
 * with one) or cast to a scalar built-in type. For them `x is null` is false exactly when `x is not
 * null` is true; for a composite, both are false on a row with some fields NULL.
 */
function scalarsOf(form: readonly Literal[][]): Set<string> {
  const scalars = new Set<string>();
  for (const { atom } of form.flat()) {
    const { type, fields } = nodeOf(atom);
    if (type === 'A_Expr' && fields['kind'] === 'AEXPR_OP') for (const { subject } of boundsOf(atom)) scalars.add(shapeOf(subject));
    if (type !== 'NullTest') continue;
    const arg = nodeOf(fields['arg']);
    // `argisrow: false` is the server's word that the argument is not a row (plan-facts.ts).
    if (fields['argisrow'] === false || arg.type === 'A_Const' || (arg.type === 'TypeCast' && SCALAR_TYPES.has(lastName(nodeOf(arg.fields['typeName']).fields['names']) ?? ''))) scalars.add(shapeOf(fields['arg']));
  }
  return scalars;
}

const nullTest = (arg: unknown, test: 'IS_NULL' | 'IS_NOT_NULL'): unknown => ({ NullTest: { arg, nulltesttype: test } });

/** A fact true exactly when `atom` is false: an operator's negator, the other null test of a scalar, else NOT. */
function falsity(atom: unknown, scalars: ReadonlySet<string>): unknown {
  const { type, fields } = nodeOf(atom);
  const op = lastName(fields['name']) ?? '';
  if (type === 'A_Expr' && BINARY_KINDS.has(String(fields['kind'])) && NEGATOR[op] !== undefined) return { A_Expr: { ...fields, name: [{ String: { sval: NEGATOR[op] } }] } };
  if (type === 'NullTest' && fields['argisrow'] !== true && scalars.has(shapeOf(fields['arg']))) return nullTest(fields['arg'], fields['nulltesttype'] === 'IS_NULL' ? 'IS_NOT_NULL' : 'IS_NULL');
  return { BoolExpr: { boolop: 'NOT_EXPR', args: [atom] } };
}

/**
 * The facts (expressions that must be true) an atom taking `truth` gives: itself when true, its
 * falsity when false; a comparison with a number (strict, and of a scalar) is NULL exactly when the
 * other side is NULL, so NULL says `x is null` and true-or-false says `x is not null`.
 */
function factsOf(atom: unknown, truth: Truth, scalars: ReadonlySet<string>): unknown[] {
  const facts = truth === T ? [atom] : truth === F ? [falsity(atom, scalars)] : [];
  const { type, fields } = nodeOf(atom);
  if (type === 'A_Expr' && fields['kind'] === 'AEXPR_OP' && COMPARISONS[lastName(fields['name']) ?? ''] !== undefined) {
    for (const { subject } of boundsOf(atom)) {
      if (truth === N) facts.push(nullTest(subject, 'IS_NULL'));
      else if (!(truth & N)) facts.push(nullTest(subject, 'IS_NOT_NULL'));
    }
  }
  return facts;
}

/**
 * Whether the literals of one disjunct (normal-form.ts) can all hold on one row. A steady atom has one
 * value on a row, so its literals' truth sets meet, within the values it can take at all (`x = x` is
 * never false); then the facts each gives must meet (factsMeet).
 */
function literalsMeet(literals: readonly Literal[], scalars: ReadonlySet<string>): boolean {
  const byAtom = new Map<string, Literal>();
  for (const [i, { atom, truth }] of literals.entries()) {
    const key = sameValueTwice(atom, atom) ? shapeOf(atom) : `\u0001${i}`;
    byAtom.set(key, { atom, truth: (byAtom.get(key)?.truth ?? truthOf(atom)) & truth });
  }
  const merged = [...byAtom.values()];
  if (merged.some(({ truth }) => truth === 0)) return false;
  // A scalar is NULL or not on a row: what one literal says of it bounds the others' truth.
  const nulls = new Map<string, boolean>();
  for (const { atom, truth } of merged) {
    for (const [subject, isNull] of nullnessSaid(atom, truth, scalars)) {
      if (nulls.get(subject) === !isNull) return false;
      nulls.set(subject, isNull);
    }
  }
  const facts: unknown[] = [];
  for (const { atom, truth } of merged) {
    let allowed = truth;
    for (const subject of [atom, ...strictSubjects(atom)]) {
      const isNull = nulls.get(shapeOf(subject));
      if (isNull !== undefined) allowed &= isNull ? N : T | F;
    }
    if (allowed === 0) return false;
    facts.push(...factsOf(atom, allowed, scalars));
  }
  return factsMeet(facts);
}

/** A comparison of pg_catalog (strict) against a number literal: NULL exactly when its other side is. */
const numberComparison = (atom: unknown): boolean => {
  const { type, fields } = nodeOf(atom);
  return type === 'A_Expr' && fields['kind'] === 'AEXPR_OP' && COMPARISONS[lastName(fields['name']) ?? ''] !== undefined && boundsOf(atom).length > 0;
};

/** The expressions a strict comparison is NULL exactly when: its side against a number, or the one steady side of `x = x`. */
function strictSubjects(atom: unknown): unknown[] {
  if (numberComparison(atom)) return boundsOf(atom).map(({ subject }) => subject);
  const { type, fields } = nodeOf(atom);
  const same = type === 'A_Expr' && fields['kind'] === 'AEXPR_OP' && COMPARISONS[lastName(fields['name']) ?? ''] !== undefined && sameValueTwice(fields['lexpr'], fields['rexpr']);
  return same ? [fields['lexpr']] : [];
}

/**
 * What an atom taking `truth` says of values being NULL (shape → NULL or not): a condition is NULL
 * when its value is, a strict comparison when its subject is, and a null test says so of its
 * argument — "not NULL" of any type (`x is not null` true, `x is null` false), "NULL" only of a
 * scalar (a composite of NULL fields is itself a value).
 */
function nullnessSaid(atom: unknown, truth: Truth, scalars: ReadonlySet<string>): [string, boolean][] {
  const said: [string, boolean][] = [];
  const certain = truth === N ? true : truth & N ? undefined : false;
  if (certain !== undefined) said.push([shapeOf(atom), certain], ...strictSubjects(atom).map((subject): [string, boolean] => [shapeOf(subject), certain]));
  const { type, fields } = nodeOf(atom);
  if (type === 'NullTest' && fields['argisrow'] !== true && (truth === T || truth === F)) {
    const saysNull = (truth === T) === (fields['nulltesttype'] === 'IS_NULL');
    if (!saysNull || scalars.has(shapeOf(fields['arg']))) said.push([shapeOf(fields['arg']), saysNull]);
  }
  return said;
}

/** Whether no row gives the predicate the truth value `value`: each disjunct of its normal form has literals that cannot all hold. */
function neverInNormalForm(node: unknown, value: Truth): boolean {
  const form = disjunctiveForm(node, value);
  // A form that is the node itself says nothing new (and judging it would ask the same question again).
  if (!form || (form.length === 1 && form[0]!.length === 1 && form[0]![0]!.atom === node)) return false;
  const scalars = scalarsOf(form);
  return form.every((literals) => !literalsMeet(literals, scalars));
}

/** `x op ANY` / `ALL` of an empty array literal (`'{}'`, `array[]`): false and true on every row. */
function emptyArrayTruth(fields: Fields): Truth | undefined {
  if (fields['kind'] !== 'AEXPR_OP_ANY' && fields['kind'] !== 'AEXPR_OP_ALL') return undefined;
  let array = nodeOf(fields['rexpr']);
  if (array.type === 'TypeCast') array = nodeOf(array.fields['arg']);
  const empty = (array.type === 'A_Const' && (array.fields['sval'] as { sval?: string } | undefined)?.sval?.trim() === '{}')
    || (array.type === 'A_ArrayExpr' && list(array.fields['elements']).length === 0);
  if (!empty) return undefined;
  return fields['kind'] === 'AEXPR_OP_ANY' ? F : T;
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, t: true, yes: true, y: true, on: true, 1: true, false: false, f: false, no: false, n: false, off: false, 0: false };

/** Nodes the normal form opens (normal-form.ts): their truth is judged on it too. */
const OPENED = new Set(['BoolExpr', 'BooleanTest', 'CoalesceExpr', 'CaseExpr', 'A_Expr']);

/** The truth values a predicate may take on any row of any data (ANY when it is not known). */
export function truthOf(node: unknown): Truth {
  if (typeof node !== 'object' || node === null) return judgedTruth(node);
  let truth = TRUTHS.get(node);
  if (truth === undefined) TRUTHS.set(node, (truth = judgedTruth(node)));
  return truth;
}
/** Truths already judged, by node: every ancestor asks its parts again (parse trees are not changed once built). */
const TRUTHS = new WeakMap<object, Truth>();

function judgedTruth(node: unknown): Truth {
  const truth = baseTruth(node);
  if (!OPENED.has(nodeOf(node).type ?? '')) return truth;
  // Opened by three-valued logic, a contradiction under a NOT, across OR branches or inside a test shows.
  let out = truth;
  for (const value of [T, F, N]) if (out & value && neverInNormalForm(node, value)) out &= ~value;
  // No value at all would be two rules disagreeing: the parts' judgement stands.
  return out || truth;
}

/** The truth values of a predicate judged from its parts (truthOf adds its normal form). */
function baseTruth(node: unknown): Truth {
  const { type, fields } = nodeOf(node);
  switch (type) {
    case 'A_Const':
      if (fields['isnull'] === true) return N;
      return fields['boolval'] !== undefined ? ((fields['boolval'] as { boolval?: boolean }).boolval === true ? T : F) : ANY;
    case 'TypeCast': {
      const target = lastName((fields['typeName'] as Fields | undefined)?.['names']);
      const text = (nodeOf(fields['arg']).fields['sval'] as { sval?: string } | undefined)?.sval;
      const literal = text === undefined ? undefined : BOOLEAN_TEXT[text.trim().toLowerCase()];
      if ((target === 'bool' || target === 'boolean') && literal !== undefined) return literal ? T : F;
      const inner = truthOf(fields['arg']);
      return target === 'bool' || target === 'boolean' || inner === N ? inner : ANY;
    }
    case 'BoolExpr': {
      const args = list(fields['args']).map(truthOf);
      if (fields['boolop'] === 'NOT_EXPR') return not3(args[0] ?? ANY);
      const op = fields['boolop'] === 'AND_EXPR' ? and3 : or3;
      const truth = args.reduce((a, b) => combine(a, b, op));
      // Conjuncts that no row makes true together leave the AND false or NULL.
      return fields['boolop'] === 'AND_EXPR' && conjunctsContradict(list(fields['args'])) ? (truth & ~T) || F : truth;
    }
    case 'NullTest': {
      const known = fields['argisrow'] === true ? undefined : nullness(fields['arg']);
      return decided(known === undefined ? undefined : (known === 'null') === (fields['nulltesttype'] === 'IS_NULL'));
    }
    case 'BooleanTest': {
      const s = truthOf(fields['arg']);
      const test = String(fields['booltesttype']);
      const wanted = test.endsWith('TRUE') ? T : test.endsWith('FALSE') ? F : N;
      const yes = (s & wanted ? T : 0) | (s & ~wanted ? F : 0);
      return test.includes('_NOT_') ? not3(yes) : yes;
    }
    case 'CaseExpr': return caseTruth(fields);
    case 'CoalesceExpr': {
      let out = 0;
      for (const arg of list(fields['args'])) {
        const s = truthOf(arg);
        out |= s & ~N;
        if (!(s & N)) return out;
      }
      return out | N;
    }
    case 'A_Expr':
      if (conjunctsContradict([node])) return F | N;
      return emptyArrayTruth(fields) ?? comparisonTruth(fields);
    case 'SubLink': return subLinkTruth(fields);
    default: return ANY;
  }
}

/** A CASE: the truth of the branches that can be taken (a searched branch after a certain one cannot). */
function caseTruth(fields: Fields): Truth {
  const simple = fields['arg'] !== undefined;
  let out = 0;
  for (const when of list(fields['args'])) {
    const { fields: branch } = nodeOf(when);
    const condition = simple ? T | F : truthOf(branch['expr']);
    if (condition & T) out |= truthOf(branch['result']);
    if (condition === T) return out;
  }
  return out | (fields['defresult'] === undefined ? N : truthOf(fields['defresult']));
}

/** EXISTS, IN, ALL and a scalar sub-select, by how many rows the sub-select can return. */
function subLinkTruth(fields: Fields): Truth {
  const select = nodeOf(fields['subselect']).fields;
  const rows = rowBoundsOf(select);
  switch (fields['subLinkType']) {
    case 'EXISTS_SUBLINK': return decided(rows.min >= 1 ? true : rows.max === 0 ? false : undefined);
    case 'ANY_SUBLINK': return rows.max === 0 ? F : ANY;
    case 'ALL_SUBLINK': return rows.max === 0 ? T : ANY;
    case 'EXPR_SUBLINK': {
      if (rows.max === 0) return N;
      const first = nodeOf(list(select['targetList'])[0]).fields['val'];
      return rows.min >= 1 && select['op'] === 'SETOP_NONE' ? truthOf(first) : ANY;
    }
    default: return ANY;
  }
}

const times = (a: number, b: number) => (a === 0 || b === 0 ? 0 : a * b);
const product = (a: RowBounds, b: RowBounds): RowBounds => ({ min: times(a.min, b.min), max: times(a.max, b.max) });
/** Rows a filter keeps: all when it is certainly true, none when it cannot be. */
function filtered(rows: RowBounds, truth: Truth): RowBounds {
  if (!(truth & T)) return { min: 0, max: 0 };
  return truth === T ? rows : { min: 0, max: rows.max };
}

type Ctes = ReadonlyMap<string, RowBounds>;

/** The rows of a FROM item. */
function fromItemBounds(item: unknown, ctes: Ctes): RowBounds {
  const { type, fields } = nodeOf(item);
  if (type === 'RangeSubselect') return rowBoundsOf(nodeOf(fields['subquery']).fields, ctes);
  if (type === 'RangeVar') return (fields['schemaname'] === undefined && ctes.get(String(fields['relname']))) || UNBOUNDED;
  // A sample keeps some of the rows; the built-in methods keep none at 0 percent, whatever the table holds.
  if (type === 'RangeTableSample') {
    const rows = fromItemBounds(fields['relation'], ctes);
    const method = lastName(fields['method']);
    const none = (method === 'bernoulli' || method === 'system') && numberOf(list(fields['args'])[0]) === 0;
    return { min: 0, max: none ? 0 : rows.max };
  }
  if (type !== 'JoinExpr' || fields['isNatural'] === true || fields['usingClause'] !== undefined) return UNBOUNDED;
  const [a, b] = [fromItemBounds(fields['larg'], ctes), fromItemBounds(fields['rarg'], ctes)];
  const quals = fields['quals'] === undefined ? T : truthOf(fields['quals']);
  if (fields['jointype'] === 'JOIN_INNER') return filtered(product(a, b), quals);
  // An outer join keeps every row of its preserved side, each at least once.
  if (fields['jointype'] === 'JOIN_LEFT') return { min: a.min, max: b.max === 0 ? a.max : times(a.max, b.max) };
  if (fields['jointype'] === 'JOIN_RIGHT') return { min: b.min, max: a.max === 0 ? b.max : times(a.max, b.max) };
  return UNBOUNDED;
}

/** What a select list, HAVING and ORDER BY say about grouping, and whether one may return sets. */
function callsOf(nodes: unknown): { aggregate: 'none' | 'certain' | 'maybe'; setReturning: boolean } {
  let aggregate: 'none' | 'certain' | 'maybe' = 'none';
  let setReturning = false;
  walkSqlTree(nodes, ({ type, fields }) => {
    if (type === 'SubLink') {
      // An aggregate over only the outer query's columns belongs to the outer query.
      walkSqlTree(fields['subselect'], (inner) => { if (inner.type === 'FuncCall' && aggregate === 'none') aggregate = 'maybe'; });
      return 'skip';
    }
    if (type === 'GroupingFunc') aggregate = 'certain';
    if (type !== 'FuncCall') return undefined;
    const name = lastName(fields['funcname']) ?? '';
    if (fields['over'] !== undefined) return 'skip';
    const aggregateSyntax = AGGREGATE_SYNTAX.some((k) => fields[k] !== undefined && fields[k] !== false);
    if (aggregateSyntax || isBuiltinAggregate(name)) {
      aggregate = 'certain';
      return 'skip';
    }
    if (isBuiltinSetReturning(name) || !isCatalogCall(fields)) setReturning = true;
    return undefined;
  });
  return { aggregate, setReturning };
}

/** LIMIT and OFFSET written as literals bound the rows; any other expression only lowers the least. */
function limited(rows: RowBounds, select: Fields): RowBounds {
  let { min, max } = rows;
  const offset = select['limitOffset'];
  if (offset !== undefined) {
    const k = numberOf(offset);
    if (k !== undefined && Number.isInteger(k) && k >= 0) [min, max] = [Math.max(0, min - k), Math.max(0, max - k)];
    else if (nullness(offset) !== 'null') min = 0;
  }
  const count = select['limitCount'];
  if (count !== undefined && nullness(count) !== 'null') {
    const n = numberOf(count);
    if (n === undefined || !Number.isInteger(n) || n < 0) min = 0;
    else {
      min = Math.min(min, n);
      // WITH TIES returns every row tied with the last.
      if (select['limitOption'] !== 'LIMIT_OPTION_WITH_TIES') max = Math.min(max, n);
    }
  }
  return { min, max };
}

/** The rows of the WITH queries a query may read by name (a recursive WITH clause: unknown). */
function withBounds(select: Fields, outer: Ctes): Ctes {
  const clause = nodeOf(select['withClause']).fields;
  const ctes = new Map(outer);
  for (const cte of list(clause['ctes'])) {
    const fields = nodeOf(cte).fields;
    const name = String(fields['ctename']);
    ctes.set(name, clause['recursive'] === true ? UNBOUNDED : rowBoundsOf(nodeOf(fields['ctequery']).fields, ctes));
  }
  return ctes;
}

/** The fewest and most rows a SELECT (its fields) returns, whatever the tables hold. */
export function rowBoundsOf(select: Fields, outer: Ctes = new Map()): RowBounds {
  const ctes = select['withClause'] === undefined ? outer : withBounds(select, outer);
  if (select['op'] !== undefined && select['op'] !== 'SETOP_NONE') {
    const [a, b] = [select['larg'], select['rarg']].map((arm) => rowBoundsOf(nodeOf(arm).fields, ctes)) as [RowBounds, RowBounds];
    const all = select['all'] === true;
    const rows = select['op'] === 'SETOP_UNION' ? { min: all ? a.min + b.min : Math.min(1, a.min + b.min), max: a.max + b.max }
      // One query minus itself (read in one snapshot) is nothing, with or without ALL.
      : select['op'] === 'SETOP_EXCEPT' ? { min: 0, max: sameValueTwice(select['larg'], select['rarg']) ? 0 : a.max } : { min: 0, max: Math.min(a.max, b.max) };
    return limited(rows, select);
  }
  if (Array.isArray(select['valuesLists'])) return limited({ min: select['valuesLists'].length, max: select['valuesLists'].length }, select);
  let rows = list(select['fromClause']).reduce<RowBounds>((acc, item) => product(acc, fromItemBounds(item, ctes)), { min: 1, max: 1 });
  // Every row meets the WHERE and the ON of each inner join it came through: judged as one AND, so a
  // join condition and a filter that contradict show (`a join b on a.x = b.x where a.x > 5 and b.x < 3`).
  const conditions = [...(select['whereClause'] === undefined ? [] : [select['whereClause']]), ...list(select['fromClause']).flatMap(innerJoinConditions)];
  if (conditions.length > 0) rows = filtered(rows, truthOf(conditions.length === 1 ? conditions[0] : { BoolExpr: { boolop: 'AND_EXPR', args: conditions } }));
  // A relation held against itself row by row (`not exists (… u.k is not distinct from o.k)`, `o.k not in (select u.k …)`) keeps no row.
  const where = nodeOf(select['whereClause']);
  const conjuncts = where.type === 'BoolExpr' && where.fields['boolop'] === 'AND_EXPR' ? list(where.fields['args']) : select['whereClause'] === undefined ? [] : [select['whereClause']];
  if (conjuncts.some((c) => list(select['fromClause']).some((item) => isSelfAntiJoin(c, item)))) rows = { min: 0, max: 0 };
  // An outer join's nullable side met its ON or is NULL: a WHERE true of neither is true of no row.
  const joined = select['whereClause'] === undefined || rows.max === 0 ? undefined : outerJoinConditions(select);
  if (joined !== undefined && !(truthOf({ BoolExpr: { boolop: 'AND_EXPR', args: [select['whereClause'], joined] } }) & T)) rows = { min: 0, max: 0 };
  const calls = callsOf([select['targetList'], select['havingClause'], select['sortClause'], select['distinctClause']]);
  const groups = list(select['groupClause']);
  const emptyGroupingOnly = groups.length > 0 && groups.every((g) => nodeOf(g).fields['kind'] === 'GROUPING_SET_EMPTY');
  if (groups.length > 0 && !emptyGroupingOnly) {
    const sets = groups.some((g) => nodeOf(g).type === 'GroupingSet');
    rows = sets ? UNBOUNDED : { min: Math.min(1, rows.min), max: groups.every(isOneKey) ? Math.min(1, rows.max) : rows.max };
  } else if (emptyGroupingOnly || select['havingClause'] !== undefined || calls.aggregate === 'certain') rows = { min: 1, max: 1 };
  else if (calls.aggregate === 'maybe') rows = { min: Math.min(1, rows.min), max: Math.max(1, rows.max) };
  if (select['havingClause'] !== undefined) rows = filtered(rows, truthOf(select['havingClause']));
  if (calls.setReturning) rows = UNBOUNDED;
  if (Array.isArray(select['distinctClause'])) {
    // DISTINCT over values fixed on every row (`select distinct true`), or DISTINCT ON such values, keeps one row.
    const on = select['distinctClause'].filter((item) => nodeOf(item).type !== undefined);
    const values = list(select['targetList']).map((target) => nodeOf(target).fields['val']);
    const one = on.length > 0 ? on.every(isOneKey) : values.length > 0 && values.every((value) => value !== undefined && isFixedValue(value));
    rows = { min: Math.min(1, rows.min), max: !calls.setReturning && one ? Math.min(1, rows.max) : rows.max };
  }
  return limited(rows, select);
}

/**
 * Whether a GROUP BY or DISTINCT key has one value on every row (`1 + 1`, `length('')`, `1 = 1`):
 * every row then falls in one group. A bare literal is not judged (GROUP BY 1 names a column).
 */
function isOneKey(key: unknown): boolean {
  const { type } = nodeOf(key);
  return key !== undefined && type !== 'A_Const' && type !== 'GroupingSet' && isFixedValue(key);
}

/** Whether a call's value depends on its arguments alone: a scalar pg_catalog built-in, no clock, catalog or session. */
function callOfArgumentsAlone(fields: Fields): boolean {
  const name = lastName(fields['funcname']) ?? '';
  return isCatalogCall(fields) && fields['over'] === undefined && !AGGREGATE_SYNTAX.some((k) => fields[k] !== undefined && fields[k] !== false)
    && !isBuiltinAggregate(name) && !isBuiltinSetReturning(name) && !VOLATILE.has(name) && dependsOnArgumentsAlone(name);
}

/**
 * Whether a value is a function of the columns `known` accepts alone: literals, operators, casts,
 * CASE and built-ins that depend on their arguments alone (no sub-select, no aggregate, no clock,
 * catalog or session). A node not known here is not such a function.
 */
export function isValueOfColumns(node: unknown, known: (columnRef: unknown) => boolean): boolean {
  let fixed = true;
  walkSqlTree(node, ({ type, fields }) => {
    if (!fixed) return 'skip';
    if (type === 'FuncCall') fixed = callOfArgumentsAlone(fields);
    // A cast into regclass, regtype, regproc … looks its text up in the catalog.
    else if (type === 'TypeCast') fixed = !(lastName((fields['typeName'] as Fields | undefined)?.['names']) ?? '').startsWith('reg');
    else if (type === 'ColumnRef') fixed = known({ ColumnRef: fields });
    else if (type !== undefined && !FIXED_NODES.has(type)) fixed = false;
    return fixed && type !== 'ColumnRef' ? undefined : 'skip';
  });
  return fixed;
}

/** Whether a value is the same on every row of any data: a predicate that folds to one truth value, or a function of no column. */
export function isFixedValue(node: unknown): boolean {
  const truth = truthOf(node);
  if (truth === T || truth === F || truth === N || isValueOfColumns(node, () => false)) return true;
  const { type, fields } = nodeOf(node);
  // A built-in aggregate whose FILTER no row meets aggregates nothing: `count(*) filter (where x < 0 and x > 0)` is 0.
  if (type === 'FuncCall' && fields['over'] === undefined && fields['agg_filter'] !== undefined && isCatalogCall(fields)
    && isBuiltinAggregate(lastName(fields['funcname']) ?? '') && !(truthOf(fields['agg_filter']) & T)) return true;
  // COALESCE stops at its first argument that cannot be NULL: `coalesce(1, amount)` is 1.
  if (type !== 'CoalesceExpr') return false;
  for (const arg of list(fields['args'])) {
    if (!isFixedValue(arg)) return false;
    if (nullness(arg) === 'not null') return true;
  }
  return false;
}


/** Nodes of a value that depend only on what they hold (literals, operators, casts, CASE …). */
const FIXED_NODES = new Set(['A_Const', 'TypeCast', 'TypeName', 'String', 'Integer', 'Float', 'Boolean', 'List', 'A_Expr', 'BoolExpr', 'NullTest', 'BooleanTest', 'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'A_ArrayExpr', 'RowExpr', 'CollateClause']);

/** A parsed condition as the judgement is to read it (facts the server gave spliced in: plan-facts.ts). */
export type Adjust = (node: unknown) => unknown;
const asParsed: Adjust = (node) => node;

/** The truth values the predicate `text` may take on any row of any data (all three when it does not parse). */
export function expressionTruth(text: string, adjust = asParsed): Truth {
  const node = parseExpression(text);
  return node === undefined ? ANY : truthOf(adjust(node));
}

/**
 * The truth values an AND of the conditions `texts` may take (a condition that does not parse is left
 * out: an AND of fewer conditions is true on at least the same rows, so nothing is concluded from it).
 */
export function conjunctionTruth(texts: readonly string[], adjust = asParsed): Truth {
  const nodes = texts.map(parseExpression).filter((node) => node !== undefined).map(adjust);
  if (nodes.length === 0) return ANY;
  return truthOf(nodes.length === 1 ? nodes[0] : { BoolExpr: { boolop: 'AND_EXPR', args: nodes } });
}

/** Whether the expression `text` has one value on every row of any data (false when it does not parse). */
export function expressionIsFixed(text: string): boolean {
  const node = parseExpression(text);
  return node !== undefined && isFixedValue(node);
}

/** What a whole query answers whatever the data: how many rows, and whether its first column is fixed. */
export interface QueryAnswer { rows: RowBounds; firstColumnFixed: boolean }

/** The fixed parts of one SELECT's answer, or undefined when `query` is not one SELECT. */
export function queryAnswerOf(query: string): QueryAnswer | undefined {
  const parsed = parseSql(query);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  const { type, fields } = nodeOf(statements[0]?.stmt);
  if (statements.length !== 1 || type !== 'SelectStmt') return undefined;
  let first: Fields | undefined = fields;
  while (first && first['op'] !== undefined && first['op'] !== 'SETOP_NONE') first = nodeOf(first['larg']).fields;
  const value = nodeOf(list(first?.['targetList'])[0]).fields['val'];
  // A set operation's first column is fixed only as far as every branch's is: judged on one branch, not claimed.
  const single = fields['op'] === undefined || fields['op'] === 'SETOP_NONE';
  const rows = rowBoundsOf(fields);
  return { rows, firstColumnFixed: single && value !== undefined && (isFixedValue(value) || aggregatesOverNoRow(fields, rows, value)) };
}

/**
 * Whether the one row of an aggregate query is computed over no row on any data (its FROM and
 * WHERE keep none: `select count(*) from (select 1 from t limit 0) s`), and its first column from
 * those aggregates and constants alone (no sub-select, no function that could read a table).
 */
function aggregatesOverNoRow(select: Fields, rows: RowBounds, value: unknown): boolean {
  if (rows.min !== 1 || rows.max !== 1 || list(select['groupClause']).length > 0 || select['fromClause'] === undefined) return false;
  const input = rowBoundsOf({ fromClause: select['fromClause'], whereClause: select['whereClause'], withClause: select['withClause'], targetList: [] });
  if (input.max !== 0) return false;
  let alone = true;
  walkSqlTree(value, ({ type, fields }) => {
    if (type === 'SubLink' || (type === 'FuncCall' && !isCatalogCall(fields))) alone = false;
    return alone ? undefined : 'skip';
  });
  return alone;
}
