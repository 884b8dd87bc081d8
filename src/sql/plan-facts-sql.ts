/**
 * The statements that ask the server what plan-facts.ts needs, and the reading of their rows.
 * Each reads the catalog or constants only (no table row): which null-tested columns have a type
 * whose IS NULL tests the value as a whole, and the rank of each constant among those of its type,
 * ordered by the server (under the collation of the columns they are compared with: a constant
 * beside a column in COALESCE takes the column's collation, a non-default one beating the
 * default). Values are bound; names are quoted.
 */
import { arrayLiteralText } from '../compare/key-literal.js';
import { joinSql, sql, tableSql, type SQL } from './build.js';
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

/**
 * The null-tested columns (by their index) whose type, through any domains, is a base, enum, range
 * or multirange type: not a composite, whose IS NULL asks about each field.
 */
export function scalarColumnsSql(questions: PlanQuestions): SQL | undefined {
  const wanted = questions.nullTested.flatMap((column, i) => {
    const relation = questions.relations.get(parts(column)[0]);
    return relation ? [{ i, schema: relation.schema, name: relation.name, column: parts(column)[1] }] : [];
  });
  if (wanted.length === 0) return undefined;
  return sql`with recursive wanted as (
      select * from rows from (pg_catalog.unnest(${arrayLiteralText(wanted.map((w) => String(w.i)))}::int[]), pg_catalog.unnest(${arrayLiteralText(wanted.map((w) => w.schema))}::text[]),
        pg_catalog.unnest(${arrayLiteralText(wanted.map((w) => w.name))}::text[]), pg_catalog.unnest(${arrayLiteralText(wanted.map((w) => w.column))}::text[])) as w(i, nsp, rel, att)),
    base(i, typ) as (
      select w.i, a.atttypid from wanted w
        join pg_catalog.pg_namespace n on n.nspname = w.nsp
        join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = w.rel
        join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attname = w.att and a.attnum > 0 and not a.attisdropped
      union all
      select b.i, t.typbasetype from base b join pg_catalog.pg_type t on t.oid = b.typ where t.typtype = 'd')
    select b.i from base b join pg_catalog.pg_type t on t.oid = b.typ where t.typtype in ('b', 'e', 'r', 'm')`;
}

/**
 * Each item's values of one domain ranked by the server (`k` the item, `n` the element of an
 * array), with whether a value is NULL and the collation of every column the domain's constants
 * meet (a collatable type only; they must agree for the ranks to hold for each).
 */
export function rankSql(questions: PlanQuestions, domain: RankDomain): SQL {
  const type = sql.raw(SQL_TYPES[domain.type]!);
  const source = domain.columns[0]!;
  const value = (constant: SQL) => (domain.collatable ? sql`coalesce(${constant}, ${columnSql(source)})` : constant);
  const arms = domain.items.map((item, k) => (item.array
    ? sql`select ${k}::int, u.n::int, ${value(sql`u.e`)} from pg_catalog.unnest(cast(${item.text} as ${type}[])) with ordinality as u(e, n)`
    : sql`select ${k}::int, 1::int, ${value(sql`cast(${item.text} as ${type})`)}`));
  const aliases = domain.collatable ? [...new Set(domain.columns.map((column) => parts(column)[0]))] : [];
  const joins = aliases.map((alias) => {
    const relation = questions.relations.get(alias)!;
    return sql` left join ${tableSql({ schema: relation.schema, name: relation.name })} as ${sql.identifier(alias)} on false`;
  });
  const collations = domain.collatable ? sql`array[${joinSql(domain.columns.map((column) => sql`pg_catalog.pg_collation_for(${columnSql(column)})`))}]::text[]` : sql`null::text[]`;
  return sql`select v.k, v.n, v.x is null as missing, dense_rank() over (order by v.x) as r, ${collations} as collations
    from (select) as parity_probe${joinSql(joins, sql``)} cross join lateral (${joinSql(arms, sql` union all `)}) as v(k, n, x)`;
}

interface RankRow { k: number | string; n: number | string; missing: boolean; r: number | string; collations: string[] | null }

/** The facts out of the answers: the scalar columns' indices and each domain's ranked rows. */
export function readPlanFacts(questions: PlanQuestions, scalarRows: readonly { i: number | string }[], rankRows: readonly (readonly RankRow[])[]): PlanFacts {
  const scalarColumns = new Set(scalarRows.map(({ i }) => questions.nullTested[Number(i)]).filter((column) => column !== undefined));
  const rankedColumns = new Map<ColumnKey, string>();
  const ranks = new Map<string, number[]>();
  questions.domains.forEach((domain, d) => {
    const rows = rankRows[d] ?? [];
    const collations = rows[0]?.collations;
    // Columns under different collations order the same texts differently: no rank holds for all.
    if (domain.collatable && (!collations || collations.some((name) => name === null || name !== collations[0]))) return;
    for (const column of domain.columns) rankedColumns.set(column, domain.type);
    domain.items.forEach((item, k) => {
      const mine = rows.filter((row) => Number(row.k) === k).sort((a, b) => Number(a.n) - Number(b.n));
      if (mine.length > 0 && !mine.some((row) => row.missing)) ranks.set(rankKey(domain.type, item), mine.map((row) => Number(row.r)));
    });
  });
  return { scalarColumns, rankedColumns, ranks };
}
