/**
 * The statements that ask the server what plan-facts.ts needs, and the reading of their rows.
 * Each reads the catalog or constants only (no table row): which null-tested columns have a type
 * whose IS NULL tests the value as a whole, and the rank of each constant among those of its type,
 * ordered by the server (for a collatable type under the collation, read from the catalog, of the
 * columns they are compared with; the table itself is not read, so a role that may read it only
 * through a view can still be asked). Values are bound; names are quoted.
 */
import { arrayLiteralText } from './array-literal.js';
import { joinSql, sql, type SQL } from './build.js';
import { rankKey, type ColumnKey, type PlanFacts, type PlanQuestions, type RankDomain } from './plan-facts.js';

const SQL_TYPES: Readonly<Record<string, string>> = {
  date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz', time: 'time', interval: 'interval', uuid: 'uuid',
  text: 'text', varchar: 'varchar', bpchar: 'bpchar',
};

const parts = (column: ColumnKey) => column.split('\u0000') as [string, string, string?];
/** A column (`"t"."x"`), or its cast (`cast("t"."v" as text)`) when it was compared through one. */
const columnSql = (column: ColumnKey) => {
  const [alias, name, cast] = parts(column);
  const plain = sql`${sql.identifier(alias)}.${sql.identifier(name)}`;
  return cast === undefined ? plain : sql`cast(${plain} as ${sql.raw(SQL_TYPES[cast]!)})`;
};

/** The catalog rows of `columns` of scanned relations, as `w.i` (the column's index) and `a` (its pg_attribute row). */
function attributesSql(questions: PlanQuestions, columns: readonly ColumnKey[]): SQL | undefined {
  const wanted = columns.flatMap((column, i) => {
    const relation = questions.relations.get(parts(column)[0]);
    return relation ? [{ i, schema: relation.schema, name: relation.name, column: parts(column)[1] }] : [];
  });
  if (wanted.length === 0) return undefined;
  const texts = (values: string[]) => sql`pg_catalog.unnest(${arrayLiteralText(values)}::text[])`;
  return sql`rows from (${texts(wanted.map((w) => String(w.i)))}, ${texts(wanted.map((w) => w.schema))}, ${texts(wanted.map((w) => w.name))}, ${texts(wanted.map((w) => w.column))}) as w(i, nsp, rel, att)
    join pg_catalog.pg_namespace n on n.nspname = w.nsp
    join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = w.rel
    join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attname = w.att and a.attnum > 0 and not a.attisdropped`;
}

/**
 * The null-tested columns (by their index) whose type, through any domains, is a base, enum, range
 * or multirange type: not a composite, whose IS NULL asks about each field.
 */
export function scalarColumnsSql(questions: PlanQuestions): SQL | undefined {
  const attributes = attributesSql(questions, questions.nullTested);
  if (!attributes) return undefined;
  return sql`with recursive base(i, typ) as (
      select w.i::int, a.atttypid from ${attributes}
      union all
      select b.i, t.typbasetype from base b join pg_catalog.pg_type t on t.oid = b.typ where t.typtype = 'd')
    select b.i from base b join pg_catalog.pg_type t on t.oid = b.typ where t.typtype in ('b', 'e', 'r', 'm')`;
}

/** The columns whose collation ranks a collatable domain's constants: every column of every such domain. */
export const collatedColumns = (questions: PlanQuestions): ColumnKey[] => [...new Set(questions.domains.filter((d) => d.collatable).flatMap((d) => d.columns))];

/**
 * The collation each of `collatedColumns` compares under (by index), read from the catalog, not
 * the table: the column's own, or the default for a column cast to text from a type without one.
 */
export function collationsSql(questions: PlanQuestions): SQL | undefined {
  const attributes = attributesSql(questions, collatedColumns(questions));
  if (!attributes) return undefined;
  return sql`select w.i::int as i, cn.nspname, co.collname from ${attributes}
    join pg_catalog.pg_collation co on co.oid = coalesce(nullif(a.attcollation, 0), 100)
    join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace`;
}

/** A collation by schema and name. */
export type Collation = { nspname: string; collname: string };

/** The one collation the domain's columns share, out of collationsSql's rows (undefined: none, or they differ). */
export function domainCollation(questions: PlanQuestions, domain: RankDomain, rows: readonly (Collation & { i: number | string })[]): Collation | undefined {
  const all = collatedColumns(questions);
  const mine = domain.columns.map((column) => rows.find((row) => all[Number(row.i)] === column));
  const first = mine[0];
  return first && mine.every((row) => row?.nspname === first.nspname && row.collname === first.collname) ? first : undefined;
}

/**
 * Each item's values of one domain ranked by the server (`k` the item, `n` the element of an
 * array), with whether a value is NULL; a collatable type ordered under `collation`. Constants only.
 */
export function rankSql(domain: RankDomain, collation?: Collation): SQL {
  const type = sql.raw(SQL_TYPES[domain.type]!);
  const arms = domain.items.map((item, k) => (item.array
    ? sql`select ${k}::int, u.n::int, u.e from pg_catalog.unnest(cast(${item.text} as ${type}[])) with ordinality as u(e, n)`
    : sql`select ${k}::int, 1::int, cast(${item.text} as ${type})`));
  const order = collation ? sql`v.x collate ${sql.identifier(collation.nspname)}.${sql.identifier(collation.collname)}` : sql`v.x`;
  return sql`select v.k, v.n, v.x is null as missing, dense_rank() over (order by ${order}) as r
    from (${joinSql(arms, sql` union all `)}) as v(k, n, x)`;
}

interface RankRow { k: number | string; n: number | string; missing: boolean; r: number | string }

/** The facts out of the answers: the scalar columns' indices and each domain's ranked rows (undefined: not ranked). */
export function readPlanFacts(questions: PlanQuestions, scalarRows: readonly { i: number | string }[], rankRows: readonly (readonly RankRow[] | undefined)[]): PlanFacts {
  const scalarColumns = new Set(scalarRows.map(({ i }) => questions.nullTested[Number(i)]).filter((column) => column !== undefined));
  const rankedColumns = new Map<ColumnKey, string>();
  const ranks = new Map<string, number[]>();
  questions.domains.forEach((domain, d) => {
    const rows = rankRows[d];
    if (!rows) return;
    for (const column of domain.columns) rankedColumns.set(column, domain.type);
    domain.items.forEach((item, k) => {
      const mine = rows.filter((row) => Number(row.k) === k).sort((a, b) => Number(a.n) - Number(b.n));
      if (mine.length > 0 && !mine.some((row) => row.missing)) ranks.set(rankKey(domain.type, item), mine.map((row) => Number(row.r)));
    });
  });
  return { scalarColumns, rankedColumns, ranks };
}
