/**
 * The statements that ask the server what plan-facts.ts needs. None reads a table row: an
 * expression is typed inside a sub-select of no rows over a NULL row of each relation's row type
 * (`pg_typeof((select lower(t.s) from (select (null::s.t).*) t limit 0))`), so it is never
 * evaluated and a role that may read the table only through a view can still be asked; constants
 * are cast and compared; the rest is the catalog. Subjects and constants are the plan's own text
 * (plan-text.ts checks each reads back as exactly the node asked about, a function of columns
 * alone or a literal cast to a type); other values are bound, names quoted.
 */
import { arrayLiteralText } from './array-literal.js';
import { joinSql, sql, type SQL } from './build.js';
import type { Constant, PlanQuestions, Subject, SubjectClass } from './plan-facts.js';

/** What the server said of one subject's or constant's type (a constant array's: of its elements). */
export interface TypeFact {
  typname: string;
  typtype: string;
  collatable: boolean;
  scalar: boolean;
  collation?: Collation;
}
/** A collation by schema and name. */
export interface Collation { nspname: string; collname: string; deterministic: boolean }
/** A btree family's `<` between two of a class's constant types. */
export interface LessThan { family: string; l: string; r: string; nspname: string; oprname: string }

const texts = (values: readonly string[]) => sql`pg_catalog.unnest(${arrayLiteralText(values)}::text[])`;
const eq = sql`operator(pg_catalog.=)`;

/** A subject over NULL rows of the relations it reads, in a sub-select of no rows: its type and collation, never its value. */
function noRowSql(questions: PlanQuestions, subject: Subject): SQL {
  const from = subject.aliases.map((alias) => {
    const relation = questions.relations.get(alias)!;
    return sql`(select (null::${sql.identifier(relation.schema)}.${sql.identifier(relation.name)}).* offset 0) as ${sql.identifier(alias)}`;
  });
  return sql`(select ${sql.raw(subject.text)} from ${joinSql(from)} limit 0)`;
}

/** A constant's value (an array's element, for its type). */
const constantSql = (constant: Constant): SQL => (constant.bound !== undefined ? sql`cast(${constant.bound} as text)` : sql`(${sql.raw(constant.text!)})`);

/**
 * The type of each subject and constant (`what` s or c, `i` its index): its name, kind, whether it
 * is collatable, whether IS NULL tests it as a whole (through domains, a base, enum, range or
 * multirange type), and the collation a subject compares under.
 */
export function typesSql(questions: PlanQuestions, subjects: readonly string[], constants: readonly string[]): SQL {
  const arms = [
    ...subjects.map((key, i) => {
      const value = noRowSql(questions, questions.subjects.get(key)!);
      // pg_collation_for refuses a type without collations: asked only of one with.
      const collatable = sql`(select t.typcollation from pg_catalog.pg_type t where t.oid ${eq} pg_catalog.pg_typeof(${value})::oid) <> 0`;
      return sql`select 's'::text, ${i}::int, pg_catalog.pg_typeof(${value})::oid, case when ${collatable} then pg_catalog.pg_collation_for(${value}) end`;
    }),
    ...constants.map((key, i) => {
      const constant = questions.constants.get(key)!;
      const value = constant.array ? sql`(${constantSql(constant)})[1]` : constantSql(constant);
      return sql`select 'c'::text, ${i}::int, pg_catalog.pg_typeof(${value})::oid, null::text`;
    }),
  ];
  return sql`with recursive asked(what, i, typ, coll) as (${joinSql(arms, sql` union all `)}),
    base(what, i, typ) as (
      select what, i, typ from asked
      union all
      select b.what, b.i, t.typbasetype from base b join pg_catalog.pg_type t on t.oid ${eq} b.typ where t.typtype ${eq} 'd')
    select a.what, a.i, a.typ::pg_catalog.regtype::text as typname, t.typtype::text as typtype, t.typcollation <> 0 as collatable,
      exists (select from base b join pg_catalog.pg_type bt on bt.oid ${eq} b.typ
        where b.what ${eq} a.what and b.i ${eq} a.i and bt.typtype ${eq} any ('{b,e,r,m}'::"char"[])) as scalar,
      cn.nspname::text as nspname, co.collname::text as collname, co.collisdeterministic as deterministic
    from asked a join pg_catalog.pg_type t on t.oid ${eq} a.typ
    left join pg_catalog.pg_collation co on co.oid ${eq} a.coll::pg_catalog.regcollation::oid
    left join pg_catalog.pg_namespace cn on cn.oid ${eq} co.collnamespace`;
}

export type TypeRow = { what: string; i: number | string; typname: string; typtype: string; collatable: boolean; scalar: boolean; nspname: string | null; collname: string | null; deterministic: boolean | null };

/** typesSql's rows, by subject and constant key. */
export function readTypes(subjects: readonly string[], constants: readonly string[], rows: readonly TypeRow[]): Map<string, TypeFact> {
  const out = new Map<string, TypeFact>();
  for (const row of rows) {
    const key = (row.what === 's' ? subjects : constants)[Number(row.i)];
    if (key === undefined) continue;
    const collation = row.nspname !== null && row.collname !== null ? { nspname: row.nspname, collname: row.collname, deterministic: row.deterministic === true } : undefined;
    out.set(`${row.what}\u0000${key}`, { typname: row.typname, typtype: row.typtype, collatable: row.collatable, scalar: row.scalar, ...(collation ? { collation } : {}) });
  }
  return out;
}

/** A subject's or constant's type fact, by key. */
export const typeOf = (types: ReadonlyMap<string, TypeFact>, what: 's' | 'c', key: string) => types.get(`${what}\u0000${key}`);

const STRATEGIES: Readonly<Record<string, number>> = { '<': 1, '<=': 2, '=': 3, '>=': 4, '>': 5, '<>': 3 };

/**
 * For a class's comparisons (`j` its index), each btree family whose member the plan's operator is
 * at the strategy its name says (`<>`: whose negator is the family's `=`), as the plan's text names
 * it for those types (an enum's: pg_catalog's for any enum); and each such family's `<` between
 * every two types of the class's constants.
 */
export function operatorsSql(questions: PlanQuestions, klass: SubjectClass, types: ReadonlyMap<string, TypeFact>): SQL | undefined {
  const rows: { j: number; sig: string; fallback: string; strategy: number; negated: boolean }[] = [];
  for (const j of klass.comparisons) {
    const c = questions.comparisons[j]!;
    const [l, r] = [typeOf(types, c.leftIsSubject ? 's' : 'c', c.left), typeOf(types, c.rightIsSubject ? 's' : 'c', c.right)];
    const op = c.op.at(-1)!;
    if (!l || !r) return undefined;
    const inCatalog = c.op.length === 1 || c.op[0] === 'pg_catalog';
    const fallback = l.typtype === 'e' && l.typname === r.typname && inCatalog ? `pg_catalog.${op}(anyenum,anyenum)` : '';
    rows.push({ j, sig: `${c.op.join('.')}(${l.typname},${r.typname})`, fallback, strategy: STRATEGIES[op]!, negated: op === '<>' });
  }
  const constantTypes = klass.constants.map((key) => typeOf(types, 'c', key)?.typname);
  if (rows.length === 0 || constantTypes.some((name) => name === undefined)) return undefined;
  // Only a default btree family is read: a pattern family's `=` is the collation's, its order the bytes'.
  const btree = sql`(select m.oid from pg_catalog.pg_am m where m.amname ${eq} 'btree')`;
  const anyenum = sql`'pg_catalog.anyenum'::pg_catalog.regtype::oid`;
  return sql`with w(j, sig, fallback, strategy, negated) as (
      select * from rows from (${texts(rows.map((row) => String(row.j)))}, ${texts(rows.map((row) => row.sig))}, ${texts(rows.map((row) => row.fallback))},
        ${texts(rows.map((row) => String(row.strategy)))}, ${texts(rows.map((row) => String(row.negated)))})),
    ops as (
      select distinct w.j::int as j, a.amopfamily as family from w
      join pg_catalog.pg_opclass oc on oc.opcmethod ${eq} ${btree} and oc.opcdefault
      join pg_catalog.pg_operator o on o.oid ${eq} coalesce(pg_catalog.to_regoperator(w.sig), pg_catalog.to_regoperator(nullif(w.fallback, '')))::oid
      join pg_catalog.pg_amop a on a.amopopr ${eq} (case when w.negated::bool then o.oprnegate else o.oid end)
        and a.amopmethod ${eq} ${btree} and a.amopstrategy ${eq} w.strategy::int2
      where oc.opcfamily ${eq} a.amopfamily),
    types(name) as (select distinct ${texts(constantTypes as string[])}),
    lts as (
      select f.family, l.name as l, r.name as r, n.nspname::text as nspname, o.oprname::text as oprname
      from (select distinct family from ops) f cross join types l cross join types r
      join pg_catalog.pg_type lt on lt.oid ${eq} l.name::pg_catalog.regtype::oid
      join pg_catalog.pg_type rt on rt.oid ${eq} r.name::pg_catalog.regtype::oid
      join pg_catalog.pg_amop a on a.amopfamily ${eq} f.family and a.amopmethod ${eq} ${btree} and a.amopstrategy ${eq} 1
        and a.amoplefttype ${eq} (case when lt.typtype ${eq} 'e' then ${anyenum} else lt.oid end)
        and a.amoprighttype ${eq} (case when rt.typtype ${eq} 'e' then ${anyenum} else rt.oid end)
      join pg_catalog.pg_operator o on o.oid ${eq} a.amopopr
      join pg_catalog.pg_namespace n on n.oid ${eq} o.oprnamespace
      where lt.typtype <> 'e' or lt.oid ${eq} rt.oid)
    select 'op' as kind, j, family::int8::text as family, null::text as l, null::text as r, null::text as nspname, null::text as oprname from ops
    union all
    select 'lt', null, family::int8::text, l, r, nspname, oprname from lts`;
}

export type OperatorRow = { kind: string; j: number | string | null; family: string; l: string | null; r: string | null; nspname: string | null; oprname: string | null };

/** The one btree family every comparison of the class is a member of, with its `<` between each two constant types; undefined if none. */
export function readFamily(klass: SubjectClass, constantTypes: readonly string[], rows: readonly OperatorRow[]): LessThan[] | undefined {
  const families = klass.comparisons.map((j) => new Set(rows.filter((row) => row.kind === 'op' && Number(row.j) === j).map((row) => row.family)));
  const common = [...(families[0] ?? [])].filter((family) => families.every((set) => set.has(family)));
  for (const family of common) {
    const lts = rows.filter((row) => row.kind === 'lt' && row.family === family) as LessThan[];
    const complete = constantTypes.every((l) => constantTypes.every((r) => lts.some((lt) => lt.l === l && lt.r === r && /^[+\-*/<>=~!@#%^&|`?]+$/.test(lt.oprname))));
    if (complete) return lts;
  }
  return undefined;
}

/** The values of each of a class's constants, as CTEs `v0(n, x)`, `v1(n, x)` … (an array's elements numbered). */
function valuesSql(questions: PlanQuestions, klass: SubjectClass): SQL {
  return joinSql(klass.constants.map((key, k) => {
    const constant = questions.constants.get(key)!;
    const body = constant.array
      ? sql`select u.n, u.e from pg_catalog.unnest(${constantSql(constant)}) with ordinality as u(e, n)`
      : sql`select 1::int8, ${constantSql(constant)}`;
    return sql`${sql.identifier(`v${k}`)}(n, x) as (${body})`;
  }));
}

const collated = (value: SQL, collation: Collation | undefined) => (collation ? sql`(${value} collate ${sql.identifier(collation.nspname)}.${sql.identifier(collation.collname)})` : value);

/**
 * Each value of a class's constants (`k` the constant, `n` the element) ranked by the family's `<`
 * (under `collation`): 1 + how many values are below it, so equal values share a rank and a lower
 * value has a lower one — the family's operators are one consistent order across its types.
 */
export function rankSql(questions: PlanQuestions, klass: SubjectClass, constantTypes: readonly string[], lts: readonly LessThan[], collation: Collation | undefined): SQL {
  const arms = klass.constants.map((_, k) => {
    const below = klass.constants.map((__, o) => {
      const lt = lts.find((row) => row.l === constantTypes[o] && row.r === constantTypes[k])!;
      return sql`(select pg_catalog.count(*) from ${sql.identifier(`v${o}`)} o where o.x operator(${sql.identifier(lt.nspname)}.${sql.raw(lt.oprname)}) ${collated(sql`v.x`, collation)})`;
    });
    return sql`select ${k}::int as k, v.n, v.x is null as missing, 1 + ${joinSql(below, sql` + `)} as r from ${sql.identifier(`v${k}`)} v`;
  });
  return sql`with ${valuesSql(questions, klass)} ${joinSql(arms, sql` union all `)}`;
}

/** One value's rank. */
export type RankRow = { k: number | string; n: number | string; missing: boolean; r: number | string };

/** A class's values ranked: each constant's ranks by element (undefined for a constant with a NULL or no element). */
export function readRanks(klass: SubjectClass, rows: readonly RankRow[]): (number[] | undefined)[] {
  return klass.constants.map((_, k) => {
    const mine = rows.filter((row) => Number(row.k) === k).sort((a, b) => Number(a.n) - Number(b.n));
    return mine.length === 0 || mine.some((row) => row.missing) ? undefined : mine.map((row) => Number(row.r));
  });
}

/**
 * For each pattern test of a class of text (`p` its index), its answer on each value of the class's
 * constants, under the class's collation, and whether the plan's operator is pg_catalog's.
 */
export function patternsSql(questions: PlanQuestions, klass: SubjectClass, collation: Collation): SQL {
  const values = joinSql(klass.constants.map((_, k) => sql`select ${k}::int, n, x from ${sql.identifier(`v${k}`)}`), sql` union all `);
  const arms = klass.patterns.map((p) => {
    const test = questions.patterns[p]!;
    const pattern = questions.constants.get(test.pattern)!;
    const builtin = sql`pg_catalog.to_regoperator(${`${test.op}(text,text)`}) ${eq} pg_catalog.to_regoperator(${`pg_catalog.${test.op}(text,text)`})`;
    return sql`select ${p}::int as p, v.k, v.n, v.x operator(pg_catalog.${sql.raw(test.op)}) ${collated(constantSql(pattern), collation)} as matched, ${builtin} as builtin
      from vals v where v.x is not null`;
  });
  return sql`with ${valuesSql(questions, klass)}, vals(k, n, x) as (${values}) ${joinSql(arms, sql` union all `)}`;
}
