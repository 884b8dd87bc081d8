/**
 * A value computed from the aggregates of one row (`count(*) * 0`, `least(count(*), 0)`,
 * `coalesce(max(x), 0) * 0`, `sign(count(*)) >= 0`), or a HAVING over them, may be fixed by the
 * arithmetic around the aggregates whatever they count. The server evaluates the expression with
 * each aggregate replaced by varied inputs of its type (the aggregates' results as inputs): a value
 * that takes one value on all of them, or a HAVING true on none, is fixed. The inputs respect what
 * an aggregate can be — a count is a bigint from 0 and never NULL, `count(distinct 1)` is 0 or 1, an
 * aggregate of constants is computed over 0 to 100 rows, and one whose FILTER the WHERE
 * contradicts counts none — and include the constants the expression compares with (and
 * their neighbours), so `count(*) = 5` varies. Pure once the parser is loaded; builds SQL text.
 */
import { parseSql, scanSql, indexOfByte } from './parser.js';
import { lastName, list, nodeOf, numberOf } from './normal-form.js';
import { truthOf, T } from './fixed-answers.js';
import { isBuiltinAggregate } from './builtin-row-functions.js';
import { shapeKey, spanOf } from './plan-text.js';
import { replaceSpans, type Span } from './query-as-run.js';
import { walkSqlTree } from './tree-walk.js';

type Fields = Record<string, unknown>;
const AGGREGATE_SYNTAX = ['agg_star', 'agg_distinct', 'agg_order', 'agg_filter', 'agg_within_group'];
/** The most aggregates one expression is probed over, and the most combinations of inputs. */
const MAX_AGGREGATES = 3;
const MAX_COMBINATIONS = 4000;
const BIGINT_MAX = 9223372036854775807n;

/** One aggregate of the probed expression and how its inputs are made. */
interface Aggregate { span: Span; kind: 'count' | 'count01' | 'zero' | 'constant' | 'typed' }

/** What is probed: the expression, its aggregates, and the statement asking their types. */
export interface AggregateProbe {
  readonly judged: 'value' | 'having';
  readonly aggregates: readonly Aggregate[];
  /** The expression with aggregate i read as `p{i}.a{i}`. */
  readonly expression: string;
  /** One row: `t{i}` each aggregate's type name and `c{i}` its category (no table row is read: the query runs under LIMIT 0). */
  readonly typesSql: string;
  readonly numbers: readonly number[];
  readonly texts: readonly string[];
}

const isAggregateCall = (fields: Fields) => {
  const names = list(fields['funcname']).map((n) => nodeOf(n).fields['sval']);
  const catalog = names.length === 1 || names[0] === 'pg_catalog';
  return fields['over'] === undefined && (AGGREGATE_SYNTAX.some((k) => fields[k] !== undefined && fields[k] !== false) || (catalog && isBuiltinAggregate(lastName(fields['funcname']) ?? '')));
};

/** Whether a node reads a column or a sub-select (an aggregate over it depends on rows' values). */
function readsValues(node: unknown): boolean {
  let reads = false;
  walkSqlTree(node, ({ type }) => { if (type === 'ColumnRef' || type === 'SubLink' || type === 'ParamRef') reads = true; });
  return reads;
}

/**
 * The probe of a plain aggregate query's first value (`judged: 'value'`) or of its HAVING
 * (`'having'`), or undefined when the query is not one SELECT without GROUP BY, or the expression
 * holds no aggregate, or more than the probe takes.
 */
export function aggregateProbeOf(query: string, judged: 'value' | 'having'): AggregateProbe | undefined {
  const parsed = parseSql(query);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  const { type, fields: select } = nodeOf(statements[0]?.stmt);
  if (statements.length !== 1 || type !== 'SelectStmt' || (select['op'] !== undefined && select['op'] !== 'SETOP_NONE')) return undefined;
  if (list(select['groupClause']).length > 0 || select['fromClause'] === undefined) return undefined;
  const targets = list(select['targetList']).map((t) => nodeOf(t).fields['val']);
  const subject = judged === 'value' ? targets[0] : select['havingClause'];
  if (subject === undefined || targets.length === 0) return undefined;
  const subjectSpan = spanOf(query, subject);
  if (!subjectSpan) return undefined;
  // Each aggregate once (one written twice is one value), with every place it is written.
  const found = new Map<string, { node: Fields; span: Span; places: Span[] }>();
  let unreadable = false;
  walkSqlTree(subject, ({ type: t, fields }) => {
    if (t === 'SubLink' || t === 'WindowDef') return 'skip';
    if (t !== 'FuncCall' || !isAggregateCall(fields)) return undefined;
    const node = { FuncCall: fields };
    const key = shapeKey(node);
    const span = spanOf(query, node);
    if (!span) unreadable = true;
    else if (found.has(key)) found.get(key)!.places.push(span);
    else found.set(key, { node: fields, span, places: [span] });
    return 'skip';
  });
  if (unreadable || found.size === 0 || found.size > MAX_AGGREGATES) return undefined;
  const where = select['whereClause'];
  const aggregates = [...found.values()].map(({ node, span, places }): Aggregate & { places: Span[] } => ({ ...kindOf(node, span, where), places }));
  const shifted = (span: Span, text: string): Span => ({ start: span.start - subjectSpan.start, end: span.end - subjectSpan.start, text });
  const expression = replaceSpans(subjectSpan.text, aggregates.flatMap((a, i) => a.places.map((place) => shifted(place, `p${i}.a${i}`))));
  return shapeOf(query, select, targets, aggregates, expression, subject, judged);
}

/** How an aggregate's inputs are made. */
function kindOf(node: Fields, span: Span, where: unknown): Aggregate {
  {
    const filter = node['agg_filter'];
    const names = list(node['funcname']).map((n) => nodeOf(n).fields['sval']);
    const count = lastName(node['funcname']) === 'count' && (names.length === 1 || names[0] === 'pg_catalog');
    // A FILTER no row of the WHERE meets aggregates nothing.
    const contradicted = filter !== undefined && !(truthOf(where === undefined ? filter : { BoolExpr: { boolop: 'AND_EXPR', args: [where, filter] } }) & T);
    if (contradicted && count) return { span, kind: 'zero' };
    if (count) return { span, kind: node['agg_distinct'] === true && !readsValues(node['args']) ? 'count01' : 'count' };
    return { span, kind: readsValues(node) ? 'typed' : 'constant' };
  }
}

/** The probe: the statement asking the aggregates' types, and the constants the expression holds. */
function shapeOf(query: string, select: Fields, targets: unknown[], aggregates: readonly Aggregate[], expression: string, subject: unknown, judged: 'value' | 'having'): AggregateProbe | undefined {
  // The select list (up to its FROM) replaced by the aggregates, the query run under LIMIT 0 for their types.
  const firstSpan = spanOf(query, targets[0]);
  const lastSpan = spanOf(query, targets.at(-1));
  if (!firstSpan || !lastSpan) return undefined;
  const from = scanSql(query).find((token) => indexOfByte(query, token.start) >= lastSpan.end && token.text.toLowerCase() === 'from');
  if (!from) return undefined;
  const listSpan: Span = { start: firstSpan.start, end: indexOfByte(query, from.start), text: `${aggregates.map((a, i) => `${a.span.text} as a${i}`).join(', ')} ` };
  const shape = replaceSpans(query, [listSpan]);
  const typesSql = `select ${aggregates.map((_, i) => `pg_catalog.pg_typeof(s.a${i})::pg_catalog.text as t${i}, (select y.typcategory::pg_catalog.text from pg_catalog.pg_type y where y.oid operator(pg_catalog.=) pg_catalog.pg_typeof(s.a${i})) as c${i}`).join(', ')}
    from (select) as one left join (select * from (${shape}) as q limit 0) as s on true`;
  const numbers: number[] = [];
  const texts: string[] = [];
  walkSqlTree(subject, ({ type: t, fields }) => {
    if (t !== 'A_Const') return undefined;
    const n = numberOf({ A_Const: fields });
    if (n !== undefined && Number.isFinite(n)) numbers.push(n);
    const s = (fields['sval'] as { sval?: string } | undefined)?.sval;
    if (typeof s === 'string') texts.push(s);
    return undefined;
  });
  return { judged, aggregates, expression, typesSql, numbers, texts };
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Integers a bigint count can be: a few, and each constant compared and its neighbours (none below 0 or above the bigint range). */
function countInputs(numbers: readonly number[]): string[] {
  const out = new Set<bigint>([0n, 1n, 2n, 3n, 7n, 100000n]);
  for (const n of numbers) {
    const base = BigInt(Math.floor(n));
    for (const k of [base - 1n, base, base + 1n, base + 2n]) if (k >= 0n && k <= BIGINT_MAX) out.add(k);
  }
  return [...out].map((k) => `${k}::pg_catalog.int8`);
}

/** How many rows an aggregate of constants is computed over: a few, and about each constant compared (`sum(1) > 1000`). */
function rowCounts(numbers: readonly number[]): number[] {
  const out = new Set([0, 1, 2, 3, 100]);
  for (const n of numbers) for (const k of [n - 1, n, n + 1].map(Math.floor)) if (k >= 0 && k <= 100_000) out.add(k);
  return [...out];
}

/** Inputs of a type's category (numbers, booleans, texts), NULL included; undefined for a category not probed. */
function typedInputs(type: string, category: string, probe: AggregateProbe): string[] | undefined {
  const cast = (text: string) => `${quote(text)}::${type}`;
  if (category === 'N') {
    // An integer type takes no fraction, a smallint nothing past its range (a cast that fails would make the probe conclude nothing).
    const integral = /^(smallint|integer|bigint)$/.test(type);
    const numbers = [0, 1, 2, -1, 7, 0.5, 30000, ...probe.numbers.flatMap((n) => [n - 1, n, n + 1, n + 0.5])]
      .filter((n) => !integral || Number.isInteger(n)).filter((n) => type !== 'smallint' || Math.abs(n) <= 32767)
      .filter((n) => type !== 'integer' || Math.abs(n) <= 2147483647).filter((n) => type !== 'bigint' || Math.abs(n) <= 9e18);
    return [...new Set(numbers.map(String))].map(cast).concat(`null::${type}`);
  }
  if (category === 'B') return ['true', 'false'].map(cast).concat(`null::${type}`);
  if (category === 'S') return [...new Set(['', 'a', 'b', 'z', '0', 'x'.repeat(40), 'y'.repeat(300), ...probe.texts])].map(cast).concat(`null::${type}`);
  return undefined;
}

/**
 * One row: `results`, how many distinct values the expression took over every combination of
 * inputs, and `ever_true`, whether it was ever true; undefined when an aggregate's type is one the
 * probe does not vary.
 */
export function probeSql(probe: AggregateProbe, types: readonly { type: string; category: string }[]): string | undefined {
  const inputs: string[][] = [];
  for (const [i, aggregate] of probe.aggregates.entries()) {
    const type = types[i]?.type;
    if (type === undefined) return undefined;
    const made = aggregate.kind === 'count' ? countInputs(probe.numbers)
      : aggregate.kind === 'count01' ? ['0::pg_catalog.int8', '1::pg_catalog.int8']
        : aggregate.kind === 'zero' ? ['0::pg_catalog.int8']
          : aggregate.kind === 'constant' ? rowCounts(probe.numbers).map((k) => `(select ${aggregate.span.text} from pg_catalog.generate_series(1, ${k}) as g)`)
            : typedInputs(type, types[i]!.category, probe);
    if (!made) return undefined;
    inputs.push(made);
  }
  if (inputs.reduce((product, list) => product * list.length, 1) > MAX_COMBINATIONS) return undefined;
  const from = inputs.map((list, i) => `(values ${list.map((value) => `(${value})`).join(', ')}) as p${i}(a${i})`).join(' cross join ');
  return `select (select pg_catalog.count(*) from (select distinct (${probe.expression}) from ${from}) as d)::pg_catalog.int4 as results,
    coalesce((select pg_catalog.bool_or(coalesce((${probe.expression})::pg_catalog.text operator(pg_catalog.=) 'true', false)) from ${from}), false) as ever_true`;
}
