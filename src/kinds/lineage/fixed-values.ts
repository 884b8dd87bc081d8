/**
 * A compared value must be a real function of the columns it reads. Lineage (value-lineage.ts)
 * lets column_parity `old: "case when name > 'm' then 'x' else 'x' end"` against the same over
 * `name_v2` run — the two read disjoint columns — and it passes whatever the columns hold; so does
 * `left(name, 0) || 'x'` against a `name_v2` that happens to hold 'x' everywhere. Each side's value
 * is evaluated on the server (value-probe.ts) over varied non-NULL inputs: a side with fewer than
 * two distinct non-NULL results is fixed (a value telling only nullness counts), and a pass never
 * stands on it.
 *
 * Where the inputs come from decides whether an ordinary value is refused: `lower(email)` over a
 * table whose rows all hold one address, or over one row, must still compare. So each input column
 * is fed from a pool: its values in the relation's first rows (a LIMIT, never a whole-table scan),
 * the other side's columns of its type, and literals of its type (or an enum's labels). First the
 * value is evaluated over real rows; only while it has shown fewer than two results is each input
 * varied over its pool in turn, the others held. A pool that errors for the value (a literal its
 * cast rejects) is retried branch by branch.
 *
 * A bare column is never probed (it is the data); a stored generated column is probed through its
 * generation expression. A value the plan computes with a sub-plan is evaluated as the operator
 * wrote it over the side's table (an ordinary or partitioned table only): pool rows stand in for
 * the table under its name, while a sub-select reads what it reads.
 */
import { readsOfText, type PlanLineage } from './column-lineage.js';
import { planRowsProbe, planVariedProbe, poolSql, probeInputs, scopedSql, type ProbeRelation } from './value-probe.js';
import { joinSql, regclassText, sql, type SQL } from '../../sql/build.js';
import { parseExpression } from '../../sql/parser.js';
import { untag } from '../../sql/tree-walk.js';
import type { TableRef } from '../../sql/identifiers.js';
import { faultInClasses, type FaultInfo } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';

/** One side's compared value as the check reads it and as its plan computes it. */
export interface ProbedValue {
  readonly side: 'old' | 'new';
  readonly source: string;
  readonly table: TableRef;
  /** The operator's expression, over `table`. */
  readonly expression: string;
  /** The side's filter over `table`: a value fixed over the rows it keeps compares nothing either. */
  readonly where?: string | undefined;
  readonly lineage: PlanLineage;
  /** The value's position among the plan's outputs. */
  readonly output: number;
}

/** What the probe showed of one value. */
export type ValueStanding = 'varies' | 'fixed' | 'unshown' | 'unevaluable';

/** A table column as the catalog gives it: its type, that type's base (through a domain) and category, and a generation expression. */
interface CatalogColumn { type: string; base: string; category: string; generated: string | undefined }
interface RelationShape { kind: string; columns: Map<string, CatalogColumn> }

/** Rows whose values feed an input's pool, per relation read. */
const POOL_ROWS = 40;

/** Literals of common built-in types (by base type oid, else by type category), fed to a column beside its own values. */
const TEXTS = ['0', '1', 'a', 'B', 'ab c', ' '];
const LITERALS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  16: ['true', 'false'],
  17: ['\\x00', '\\x01ff'],
  114: ['{}', '{"a": 1}', '[1, 2]', '0', '"s"'],
  3802: ['{}', '{"a": 1}', '[1, 2]', '0', '"s"'],
  1082: ['2000-01-01', '2024-02-29', '1999-12-31'],
  1083: ['00:00:00', '13:45:01', '23:59:59'],
  1266: ['00:00:00+00', '13:45:01+02', '23:59:59-05'],
  1114: ['2000-01-01 00:00:00', '2024-02-29 13:45:01', '1999-12-31 23:59:59'],
  1184: ['2000-01-01 00:00:00+00', '2024-02-29 13:45:01+02', '1999-12-31 23:59:59-05'],
  1186: ['0', '1 day', '2 hours'],
  2950: ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  869: ['10.0.0.1', '192.168.0.0/16'],
  650: ['10.0.0.1', '192.168.0.0/16'],
};
const LITERALS_BY_CATEGORY: Readonly<Record<string, readonly string[]>> = {
  S: TEXTS,
  N: ['0', '1', '2', '7', '-3'],
  B: ['true', 'false'],
};

/**
 * Values made from a column's own values, by base type oid: a value reading part of its input
 * (`split_part(email, '@', 1)`, `doc->>'Email'`) varies over these where a literal of the type
 * would miss the part read (a key the literal lacks).
 */
const appendToText = (v: SQL) => [sql`${v} operator(pg_catalog.||) 'x'`, sql`'x' operator(pg_catalog.||) ${v}`];
const shiftNumber = (v: SQL) => [sql`${v} operator(pg_catalog.+) 1`, sql`operator(pg_catalog.-) ${v}`];
// Every string leaf of a document gets an 'x' (a key is followed by ':', a string leaf by ',', '}', ']' or the end), every number a digit.
const STRING_LEAF = String.raw`'"(\s*([,}\]]|$))'`;
const NUMBER_LEAF = String.raw`'([:,\[]\s*-?[0-9]+)'`;
const mutateDocument = (type: string) => (v: SQL) => [
  sql`pg_catalog.regexp_replace(pg_catalog.regexp_replace(${v}::pg_catalog.text, ${sql.raw(STRING_LEAF)}, ${sql.raw(String.raw`'x"\1'`)}, 'g'), ${sql.raw(NUMBER_LEAF)}, ${sql.raw(String.raw`'\11'`)}, 'g')::${sql.raw(type)}`,
];
const MUTATIONS: Readonly<Record<string, (v: SQL) => SQL[]>> = {
  25: appendToText, 1043: appendToText, 1042: appendToText,
  20: shiftNumber, 21: shiftNumber, 23: shiftNumber, 700: shiftNumber, 701: shiftNumber, 1700: shiftNumber,
  1082: (v) => [sql`${v} operator(pg_catalog.+) 1`],
  1114: (v) => [sql`${v} operator(pg_catalog.+) '1 day 1 second'::pg_catalog.interval`],
  1184: (v) => [sql`${v} operator(pg_catalog.+) '1 day 1 second'::pg_catalog.interval`],
  16: (v) => [sql`not ${v}`],
  3802: mutateDocument('pg_catalog.jsonb'),
  114: mutateDocument('pg_catalog.json'),
};

/**
 * A result as one value: jsonb text with its numbers read as numbers, so a numeric's scale (`0.0`
 * and `0` from `amount * 0`) tells no two values apart.
 */
function oneValue(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * SQLSTATE classes an expression raises while computing over the inputs it was handed: cardinality
 * (21), data exceptions (22: casts, overflow, division by zero), integrity of a domain (23),
 * routine and external-routine exceptions (2F, 38, 39), typing of the probe's own SQL (42), program
 * limits (54: a string too long) and PL/pgSQL RAISE (P0). Everything else — cancels and timeouts
 * (57), locks (55), resources (53), rollbacks (40), connection loss (08, or no SQLSTATE) — is
 * the read failing, not the value.
 */
const EVALUATION_CLASSES = new Set(['21', '22', '23', '2F', '38', '39', '42', '54', 'P0']);

/** Whether an error is the expression failing over the inputs it was handed (not the read failing). */
export function isEvaluationError(error: unknown): boolean {
  return faultInClasses(error, EVALUATION_CLASSES);
}

/** Our own literal, quoted (never operator text). */
const literal = (text: string) => sql.raw(`'${text.replaceAll("'", "''")}'`);

/** The column a value is when it is one (`u.name`, `name`), or one under casts (`(name)::text`); undefined otherwise. */
function bareColumn(text: string): { cast: boolean } | undefined {
  let node = untag((parseExpression(text) ?? {}) as Record<string, unknown>);
  let cast = false;
  while (node.type === 'TypeCast') {
    cast = true;
    node = untag((node.fields['arg'] ?? {}) as Record<string, unknown>);
  }
  return node.type === 'ColumnRef' ? { cast } : undefined;
}

/** One statement: every column of each relation with its type and generation expression, and the relation's kind. */
function catalogSql(texts: readonly string[]): SQL {
  return joinSql(texts.map((text) => sql`select ${text}::pg_catalog.text as relation, c.relkind::pg_catalog.text as kind, a.attname::pg_catalog.text as name,
      a.atttypid::pg_catalog.text as type, t.typcategory::pg_catalog.text as category,
      (case when t.typbasetype operator(pg_catalog.=) 0 then t.oid else t.typbasetype end)::pg_catalog.text as base,
      case when a.attgenerated operator(pg_catalog.<>) '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as generated
    from pg_catalog.pg_class c
      join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) c.oid and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped
      join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) a.atttypid
      left join pg_catalog.pg_attrdef d on d.adrelid operator(pg_catalog.=) a.attrelid and d.adnum operator(pg_catalog.=) a.attnum
    where c.oid operator(pg_catalog.=) pg_catalog.to_regclass(${text}::pg_catalog.text)`), sql` union all `);
}

async function readShapes(ctx: ExecutionContext, source: string, relations: readonly TableRef[]): Promise<Map<string, RelationShape>> {
  const texts = [...new Set(relations.map((relation) => regclassText(relation)))];
  const shapes = new Map<string, RelationShape>();
  if (texts.length === 0) return shapes;
  for (const row of await ctx.query(source, catalogSql(texts))) {
    const text = String(row.relation);
    const shape = shapes.get(text) ?? { kind: String(row.kind), columns: new Map() };
    shape.columns.set(String(row.name), { type: String(row.type), base: String(row.base), category: String(row.category), generated: typeof row.generated === 'string' ? row.generated : undefined });
    shapes.set(text, shape);
  }
  return shapes;
}

/** The probe's relations for the columns read per alias: a generated column fed through its inputs; undefined when a column is not the relation's own. */
function probeRelations(byAlias: ReadonlyMap<string, ReadonlySet<string>>, relationOf: (alias: string) => TableRef | undefined, shapes: ReadonlyMap<string, RelationShape>): ProbeRelation[] | undefined {
  const out: ProbeRelation[] = [];
  for (const [alias, columns] of byAlias) {
    const relation = relationOf(alias);
    const shape = relation && shapes.get(regclassText(relation));
    if (relation === undefined || shape === undefined) return undefined;
    const inputs = new Set<string>();
    const generated: { column: string; expression: string }[] = [];
    for (const name of columns) {
      const column = shape.columns.get(name);
      if (column === undefined) return undefined;
      if (column.generated === undefined) { inputs.add(name); continue; }
      const reads = readsOfText(column.generated, false);
      if (reads === undefined) return undefined;
      for (const read of reads.columns) inputs.add(read.column);
      generated.push({ column: name, expression: column.generated });
    }
    if ([...inputs].some((name) => shape.columns.get(name)?.generated !== undefined)) return undefined;
    out.push({ alias, relation, inputs: [...inputs], generated });
  }
  return out;
}

/** Whether the plan computes the value as a plain column read as itself (lineage widens a generated column to its inputs): the data, never probed. */
function isBare(value: ProbedValue): boolean {
  const text = value.lineage.texts[value.output];
  const bare = text === undefined ? undefined : bareColumn(text);
  return bare !== undefined && !bare.cast && value.lineage.outputs[value.output]?.length === 1;
}

/** What to evaluate for one value that is not bare: a text over relations; undefined when it cannot be evaluated. */
function probePlan(value: ProbedValue, shapes: ReadonlyMap<string, RelationShape>): { text: string; relations: ProbeRelation[]; cast: boolean } | undefined {
  const text = value.lineage.texts[value.output];
  const bare = text === undefined ? undefined : bareColumn(text);
  // The plan's text over stand-ins for the relations it reads (views inlined), where no filter
  // keeps some rows only: over every row a value may vary that is fixed over the rows compared.
  const byAlias = value.where === undefined ? probeInputs(text, value.lineage.relations) : undefined;
  const planned = byAlias && probeRelations(byAlias, (alias) => value.lineage.relations.get(alias), shapes);
  if (text !== undefined && planned !== undefined) return { text, relations: planned, cast: bare?.cast === true };
  // A sub-plan, or a filter: the operator's expression (and filter) over stand-ins for the side's table.
  const shape = shapes.get(regclassText(value.table));
  const reads = [value.expression, value.where].map((part) => (part === undefined ? { columns: [], params: [] } : readsOfText(part, false)));
  if (shape === undefined || !['r', 'p'].includes(shape.kind) || reads.some((r) => r === undefined || r.params.length > 0)) return undefined;
  const alias = value.table.name;
  const ownOf = (parts: typeof reads) => new Set(parts.flatMap((r) => r!.columns).filter((read) => (read.alias === undefined || read.alias === alias) && shape.columns.has(read.column)).map((read) => read.column));
  const substituted = probeRelations(new Map([[alias, ownOf(reads)]]), () => value.table, shapes);
  // What the value itself reads is fed and varied; what only the filter reads is held as a row in scope holds it.
  const valueInputs = new Set(probeRelations(new Map([[alias, ownOf(reads.slice(0, 1))]]), () => value.table, shapes)?.flatMap((relation) => relation.inputs));
  return substituted && {
    text: value.expression,
    relations: substituted.map((relation) => ({ ...relation, scope: value.where, scopeOnly: new Set(relation.inputs.filter((name) => !valueInputs.has(name))) })),
    cast: bare?.cast === true,
  };
}

/** A column whose values may feed another side's input of the same type. */
interface PoolSource { relation: TableRef; column: string; type: string }

/** Evaluates one value over real rows, then each input varied over its pool; what it showed. */
async function probeValue(ctx: ExecutionContext, value: ProbedValue, shapes: ReadonlyMap<string, RelationShape>, others: readonly PoolSource[]): Promise<ValueStanding> {
  if (isBare(value)) return 'varies';
  const plan = probePlan(value, shapes);
  if (plan === undefined) return 'unevaluable';
  const results = new Set<string>();
  let ran = false;
  const run = async (statement: SQL | undefined): Promise<Record<string, unknown>[] | undefined> => {
    if (statement === undefined) return undefined;
    try {
      const rows = await ctx.query(value.source, statement);
      ran = true;
      for (const row of rows) if (typeof row.r === 'string') results.add(oneValue(row.r));
      return rows;
    } catch (error) {
      // A value that errors on these inputs (a cast a literal fails) shows nothing by them; a fault
      // of the read itself (a timeout, a lost connection) is "could not verify", never a verdict
      // on the value.
      if (!isEvaluationError(error)) throw error;
      return undefined;
    }
  };
  await run(planRowsProbe(plan.text, plan.relations));
  const columnOf = (alias: string, name: string) => {
    const relation = plan.relations.find((r) => r.alias === alias)!;
    return { relation: relation.relation, scope: relation.scope, column: shapes.get(regclassText(relation.relation))!.columns.get(name)! };
  };
  const own = (relation: TableRef, name: string, limit = POOL_ROWS, scope?: string) => sql`select f.${sql.identifier(name)} as v from (select ${sql.identifier(name)} from ${scopedSql(relation, scope)} limit ${sql.raw(String(limit))}) as f`;
  // A pool's branches: the column's own first rows' values first (they type the rest), then the
  // other side's columns of its type, an enum's labels, literals of its type.
  const branchesOf = (alias: string, name: string): { own: SQL; more: SQL[]; literals: SQL[] } => {
    const { relation, scope, column } = columnOf(alias, name);
    const elsewhere = others.filter((o) => o.type === column.type && !(regclassText(o.relation) === regclassText(relation) && o.column === name));
    const labels = column.category === 'E'
      ? [sql`select pg_catalog.unnest(pg_catalog.enum_range(e.v)) from (select f.v from (${own(relation, name, POOL_ROWS, scope)}) as f where f.v is not null limit 1) as e`] : [];
    const literals = (LITERALS_BY_TYPE[column.base] ?? LITERALS_BY_CATEGORY[column.category] ?? []).map((text) => sql`select ${literal(text)}`);
    const mutated = (MUTATIONS[column.base]?.(sql`m.v`) ?? []).map((made) => sql`select ${made} from (${own(relation, name, POOL_ROWS, scope)}) as m where m.v is not null`);
    return { own: own(relation, name, POOL_ROWS, scope), more: [...mutated, ...elsewhere.map((o) => own(o.relation, o.column)), ...labels], literals };
  };
  // Another input is held at its pool's first value: its own first non-NULL value, else its type's
  // first literal; one only the filter reads, at a row in scope's value (NULL included).
  const heldPool = (alias: string, name: string) => {
    const { relation, scope } = columnOf(alias, name);
    if (plan.relations.find((r) => r.alias === alias)?.scopeOnly?.has(name)) return own(relation, name, 1, scope);
    const { own: first, literals } = branchesOf(alias, name);
    return poolSql([first, ...literals.slice(0, 1)]);
  };
  const inputs = plan.relations.flatMap((relation) => relation.inputs.filter((name) => !relation.scopeOnly?.has(name)).map((name) => ({ alias: relation.alias, column: name })));
  const seen = new Map<string, Set<string>>();
  for (const input of inputs) {
    if (results.size >= 2) break;
    const values = new Set<string>();
    seen.set(`${input.alias}.${input.column}`, values);
    const parts = branchesOf(input.alias, input.column);
    const branches = [parts.own, ...parts.more, ...parts.literals];
    const { relation } = columnOf(input.alias, input.column);
    const attempt = (pool: SQL) => run(planVariedProbe(plan.text, plan.relations, input, (alias, name) => (alias === input.alias && name === input.column ? pool : heldPool(alias, name))));
    let rows = await attempt(poolSql(branches));
    // One branch at a time, each typed by an empty read of the column itself.
    for (let i = 0; rows === undefined && i < branches.length; i++) {
      const more = await attempt(poolSql(i === 0 ? [branches[0]!] : [own(relation, input.column, 0), branches[i]!]));
      for (const row of more ?? []) if (typeof row.i === 'string') values.add(row.i);
      if (results.size >= 2) break;
    }
    for (const row of rows ?? []) if (typeof row.i === 'string') values.add(row.i);
  }
  if (results.size >= 2) return 'varies';
  // A column under casts is the data unless shown fixed: only a value proven fixed refuses it.
  const shown = [...seen.values()].every((values) => values.size >= 2) && seen.size === inputs.length;
  if (ran && shown) return 'fixed';
  if (plan.cast) return 'varies';
  return ran ? 'unshown' : 'unevaluable';
}

/** The columns each value reads, as pool sources for the other side's inputs of the same type. */
function sourcesOf(value: ProbedValue, shapes: ReadonlyMap<string, RelationShape>): PoolSource[] {
  return (value.lineage.outputs[value.output] ?? []).flatMap((read) => {
    const relation = value.lineage.relations.get(read.alias);
    const column = relation && shapes.get(regclassText(relation))?.columns.get(read.column);
    return relation && column && column.generated === undefined ? [{ relation, column: read.column, type: column.type }] : [];
  });
}

/**
 * Probes each value (the sides of one compared pair, one source each): what each showed, in order.
 * Run only once a check would pass.
 */
export async function readValueStandings(ctx: ExecutionContext, values: readonly ProbedValue[]): Promise<ValueStanding[]> {
  if (values.every(isBare)) return values.map(() => 'varies');
  const shapes = new Map<string, Map<string, RelationShape>>();
  for (const source of new Set(values.map((value) => value.source))) {
    const relations = values.filter((value) => value.source === source).flatMap((value) => [value.table, ...value.lineage.relations.values()]);
    shapes.set(source, await readShapes(ctx, source, relations));
  }
  return Promise.all(values.map((value, i) => {
    const others = values.flatMap((other, j) => (j !== i && other.source === value.source ? sourcesOf(other, shapes.get(other.source)!) : []));
    return probeValue(ctx, value, shapes.get(value.source)!, others);
  }));
}

/** The fault for the first value that is not shown to vary, or undefined (pure). `where`: how the check names its sides. */
export function fixedValueFault(values: readonly ProbedValue[], standings: readonly ValueStanding[], where: string): FaultInfo | undefined {
  const at = standings.findIndex((standing) => standing !== 'varies');
  if (at < 0) return undefined;
  const value = values[at]!;
  const named = `the ${value.side} value (${value.expression}) of ${where}`;
  const remedy = 'compare values computed from the columns themselves, or state the invariant with sql_assert';
  if (standings[at] === 'fixed') {
    return { code: 'fixed_value', message: `${named} takes one value whatever the columns it reads hold (over varied non-NULL values of each, it took fewer than two non-NULL values — a value telling only whether its inputs are NULL counts as one): every row compares that one value, so the check passes wherever the other side holds it, whatever the migration did; ${remedy}` };
  }
  if (standings[at] === 'unshown') {
    return { code: 'fixed_value', message: `${named} took fewer than two non-NULL values over the rows probed, and a column it reads held one value there with no other value of its type to feed it: it could not be shown to depend on its columns, and a value fixed whatever they hold would pass whatever the migration did; ${remedy}` };
  }
  return { code: 'fixed_value', message: `${named} could not be evaluated apart from its query (a sub-select through a view, a column that is not the relation's own, or an error on every input tried): it could not be shown to depend on its columns, and a value fixed whatever they hold would pass whatever the migration did; ${remedy}` };
}
