/**
 * sql_assert's data witness, asked after a pass: the same query run over generated contents of the
 * tables it reads (sql/data-witness.ts), views opened to the tables beneath. A pass stands only when
 * some contents make the answer differ from the expectation; a query whose answer no contents change
 * (`limit (select count(*) * 0 from t)`, `row_number() over () < 1`, `x > 'NaN'`) passed for nothing.
 * Every reference to one table reads the same rows in a round, so a relation held against itself
 * (`not exists (select … from t u where u.id = o.id)`) is never witnessed by two row sets.
 * Reads the catalog and three rows of each table; runs each round on generated rows only.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import { columnExpression } from '../sql/shape.js';
import { arrayLiteralText } from '../sql/array-literal.js';
import { capturedByWith, relationsOf, replaceSpans, viewAsSubselect } from '../sql/query-as-run.js';
import { candidateValues, fullSamplesOf, MAX_TABLE_ROWS, mayBeNull, queryReadsOf, roundRows, roundsFor, rowCountsOf, tableRowsFrom, tableRowsSql, type Pool, type QueryReads, type TableRows, type WitnessColumn } from '../sql/data-witness.js';
import { parseQualifiedName } from '../sql/identifiers.js';
import { nullTestedByTable, nullTestedColumnsOf } from '../sql/null-tested-columns.js';
import { catalogRowsSql, ownerColumnOf, userObjectPool, type CatalogStandIn } from '../sql/catalog-rows.js';
import { FIRST_USER_OID, INSTALLED_MEMBERS, USER_OID, isInstalledMember, isTypeCompanion } from '../sources/installed-code.js';
import { Fault, faultInClasses } from '../results/fault.js';
import type { Outcome } from '../results/outcome.js';
import type { ExecutionContext } from './types.js';

/** How many levels of views inside views are opened; past it the witness is not built. */
const MAX_VIEW_DEPTH = 8;

type Ctx = Pick<ExecutionContext, 'query'>;

/** What the witness concluded: a round whose answer differs, or why the pass stands for nothing. */
export type WitnessResult =
  | { witnessed: true; round: number; rounds: number }
  | { witnessed: false; message: string; rounds: number };

/** Runs the query (as rewritten) and says whether its answer differs from the expectation. */
export type Differs = (query: string) => Promise<boolean>;

type ColumnRow = { oid: string; name: string; type: string; category: string; not_null: boolean; generated: string | null; labels: string[] | string };

type Relation = { i: number; oid: string | null; relkind: string | null; relname: string | null; nspname: string | null; definition: string | null; typed: boolean | null };

/**
 * Each name as the query reads it: a qualified name by the catalog (no privilege on its schema is
 * needed, so a view the role may read opens to tables it may not), an unqualified one by to_regclass
 * on the query's own search_path.
 */
function relationsSql(names: readonly { schema: string; name: string }[]) {
  return sql`select n.i::pg_catalog.int4 as i, c.oid::pg_catalog.text as oid, c.relkind::pg_catalog.text as relkind, c.relname::pg_catalog.text as relname,
      ns.nspname::pg_catalog.text as nspname, pg_catalog.has_schema_privilege(ns.oid, 'USAGE') as typed,
      case when c.relkind operator(pg_catalog.=) any ('{v,m}'::"char"[]) then pg_catalog.pg_get_viewdef(c.oid) end as definition
    from rows from (pg_catalog.unnest(${arrayLiteralText(names.map((n) => n.schema))}::pg_catalog.text[]), pg_catalog.unnest(${arrayLiteralText(names.map((n) => n.name))}::pg_catalog.text[])) with ordinality as n(schema, name, i)
    left join pg_catalog.pg_class c on c.oid operator(pg_catalog.=) (case when n.schema operator(pg_catalog.=) '' then pg_catalog.to_regclass(pg_catalog.quote_ident(n.name))
      else (select r.oid from pg_catalog.pg_class r join pg_catalog.pg_namespace s on s.oid operator(pg_catalog.=) r.relnamespace
        where s.nspname operator(pg_catalog.=) n.schema and r.relname operator(pg_catalog.=) n.name) end)
    left join pg_catalog.pg_namespace ns on ns.oid operator(pg_catalog.=) c.relnamespace`;
}

function columnsSql(oids: readonly string[]) {
  return sql`select a.attrelid::pg_catalog.text as oid, a.attname::pg_catalog.text as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
      t.typcategory::pg_catalog.text as category, a.attnotnull as not_null,
      case when a.attgenerated operator(pg_catalog.=) 's' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as generated,
      array(select e.enumlabel::pg_catalog.text from pg_catalog.pg_enum e where e.enumtypid operator(pg_catalog.=) t.oid order by e.enumsortorder) as labels
    from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) a.atttypid
    left join pg_catalog.pg_attrdef d on d.adrelid operator(pg_catalog.=) a.attrelid and d.adnum operator(pg_catalog.=) a.attnum
    where a.attrelid operator(pg_catalog.=) any (${arrayLiteralText(oids)}::pg_catalog.oid[]) and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped
    order by a.attrelid, a.attnum`;
}

/** The column names of each plain unique index of these relations (a catalog's keys no generated row may share with a fixed row). */
function uniqueKeysSql(oids: readonly string[]) {
  return sql`select i.indrelid::pg_catalog.text as oid,
      array(select a.attname::pg_catalog.text from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k(attnum, n)
        join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) i.indrelid and a.attnum operator(pg_catalog.=) k.attnum order by k.n) as columns
    from pg_catalog.pg_index i
    where i.indrelid operator(pg_catalog.=) any (${arrayLiteralText(oids)}::pg_catalog.oid[]) and i.indisunique and i.indexprs is null and i.indpred is null`;
}

/** One pair of the relations (by oid) where the first inherits from the second, at any depth, or no row. */
function relatedByInheritanceSql(oids: readonly string[]) {
  return sql`with recursive up(child, ancestor) as (
      select i.inhrelid, i.inhparent from pg_catalog.pg_inherits i where i.inhrelid operator(pg_catalog.=) any (${arrayLiteralText(oids)}::pg_catalog.oid[])
      union
      select up.child, i.inhparent from up join pg_catalog.pg_inherits i on i.inhrelid operator(pg_catalog.=) up.ancestor)
    select up.child::pg_catalog.regclass::pg_catalog.text as child, up.ancestor::pg_catalog.regclass::pg_catalog.text as ancestor
    from up where up.ancestor operator(pg_catalog.=) any (${arrayLiteralText(oids)}::pg_catalog.oid[]) limit 1`;
}

/**
 * Whether any function or operator of these names is a user's: not the server's own (oid ≥ 16384),
 * nor an extension's member a superuser owns, nor a type's companion (sources/installed-code.ts,
 * the one definition every guard trusts). A user's may read tables the witness does not replace.
 * By name, not by the overload the query resolves: a user's function of a name refuses its every call.
 */
function userCodeSql(functions: readonly string[], operators: readonly string[]) {
  return sql.raw(`with ${INSTALLED_MEMBERS}
    select exists (select from pg_catalog.pg_proc p where p.proname operator(pg_catalog.=) any (${literalOf(arrayLiteralText(functions))}::pg_catalog.name[])
        and p.oid operator(pg_catalog.>=) ${USER_OID} and not ${isInstalledMember('pg_proc', 'p.oid')} and not ${isTypeCompanion('p.oid')})
      or exists (select from pg_catalog.pg_operator o where o.oprname operator(pg_catalog.=) any (${literalOf(arrayLiteralText(operators))}::pg_catalog.name[])
        and o.oid operator(pg_catalog.>=) ${USER_OID} and not ${isInstalledMember('pg_operator', 'o.oid')}) as user_code`);
}

/** A string constant's SQL text. */
const literalOf = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Up to three rows of a table, each column as text: real values for the pools (a catalog's also its three newest, its user objects' if any). */
function samplesSql(nspname: string, relname: string, columns: readonly WitnessColumn[], newestBy?: string) {
  const select = `select ${columns.map((c, i) => `${columnExpression(c.name)}::pg_catalog.text as c${i}`).join(', ')} from ${regclassText({ schema: nspname, name: relname })}`;
  return sql.raw(newestBy === undefined ? `${select} limit 3` : `(${select} limit 3) union all (${select} order by ${columnExpression(newestBy)} desc limit 3)`);
}

/** Each candidate as the type's input reads it back, in one statement (it fails if any one does not). */
function validSql(type: string, values: readonly string[]) {
  return sql`select (v::${sql.raw(type)})::pg_catalog.text as v from pg_catalog.unnest(${arrayLiteralText(values)}::pg_catalog.text[]) with ordinality as u(v, i) order by i`;
}

/** Evaluation errors of a statement (data, constraints): the round, or the value, concludes nothing. */
const EVALUATION = new Set(['22', '23']);
/**
 * Classes of a failure to read a value in (the statement reads no table): any but the session's own
 * (connection, cancel or timeout, resources, system, transaction state), which propagate. A type's
 * input function may raise any class (hstore's is XX000); the value is left out of the pool.
 */
const SESSION_CLASSES = new Set(['08', '25', '40', '53', '57', '58']);
const invalidInput = (error: unknown): boolean => error instanceof Fault && error.fault.sqlstate !== undefined && !SESSION_CLASSES.has(error.fault.sqlstate.slice(0, 2));
/** The rewritten text refused as a statement (names, syntax, unsupported): the witness could not be built. */
const UNBUILT = new Set(['42', '0A']);

async function rowsOr<Row extends Record<string, unknown>>(ctx: Ctx, source: string, statement: SQL, refused: ReadonlySet<string> | ((error: unknown) => boolean)): Promise<Row[] | undefined> {
  try {
    return await ctx.query<Row>(source, statement);
  } catch (error) {
    if (typeof refused === 'function' ? refused(error) : faultInClasses(error, refused)) return undefined;
    throw error;
  }
}

const unbuilt = (why: string): WitnessResult => ({ witnessed: false, rounds: 0, message: `no data witness could be built for the query (${why}), so a pass cannot be shown to depend on the data; assert with built-ins over the tables' columns` });

/** The query's views opened (their definitions, a few levels deep) and the tables it then reads, by where each is named. */
async function openViews(query: string, source: string, ctx: Ctx): Promise<{ text: string; tables: { relation: ReturnType<typeof relationsOf>[number]; row: Relation }[] } | string> {
  let text = query;
  for (let depth = 0; ; depth++) {
    const samples = fullSamplesOf(text);
    if (samples.partial) return 'it reads a TABLESAMPLE that keeps only some rows, which rows depending on where they are stored';
    text = replaceSpans(text, samples.spans);
    const relations = relationsOf(text);
    if (relations.length === 0) return { text, tables: [] };
    const names = relations.map((r) => parseQualifiedName(r.name));
    const unread = names.findIndex((n) => 'error' in n);
    if (unread >= 0) return `the name ${relations[unread]!.name} could not be read`;
    const parts = names.map((n) => ('parts' in n ? n.parts.slice(-2) : []));
    const rows = await rowsOr<Relation>(ctx, source, relationsSql(parts.map((p) => (p.length === 2 ? { schema: p[0]!, name: p[1]! } : { schema: '', name: p[0] ?? '' }))), UNBUILT);
    if (!rows) return 'a relation it names could not be resolved';
    const resolved = relations.map((relation, i) => ({ relation, row: rows.find((r) => Number(r.i) === i + 1) }));
    const missing = resolved.find(({ row }) => !row?.oid);
    if (missing) return `${missing.relation.name} does not resolve to a relation`;
    const views = resolved.filter(({ row }) => row!.definition !== null);
    if (views.length === 0) return { text, tables: resolved.map(({ relation, row }) => ({ relation, row: row! })) };
    if (depth >= MAX_VIEW_DEPTH) return `views nest more than ${MAX_VIEW_DEPTH} deep`;
    const captured = views.find(({ relation, row }) => capturedByWith(relation, row!.definition!));
    if (captured) return `the view ${captured.relation.name} is read where a WITH query is named like a relation its definition reads`;
    text = replaceSpans(text, views.map(({ relation, row }) => viewAsSubselect(relation, row!.definition!, row!.relname!)));
  }
}

/** Each column's pool of valid values: candidates checked by the server in one statement per type, one at a time where that fails. */
async function poolsOf(columns: readonly WitnessColumn[], samples: readonly string[][], reads: QueryReads, nullTested: ReadonlySet<string>, source: string, ctx: Ctx): Promise<Pool[]> {
  const candidates = columns.map((column, i) => candidateValues(column, samples[i] ?? [], reads.constants));
  const byType = new Map<string, Set<string>>();
  columns.forEach((column, i) => {
    const set = byType.get(column.type) ?? new Set<string>();
    for (const value of candidates[i]!) set.add(value);
    byType.set(column.type, set);
  });
  const valid = new Map<string, Map<string, string>>();
  for (const [type, set] of byType) {
    const values = [...set];
    const checked = new Map<string, string>();
    const all = values.length === 0 ? [] : await rowsOr<{ v: string }>(ctx, source, validSql(type, values), invalidInput);
    if (all) all.forEach((row, i) => checked.set(values[i]!, row.v));
    else {
      for (const value of values) {
        const [row] = (await rowsOr<{ v: string }>(ctx, source, validSql(type, [value]), invalidInput)) ?? [];
        if (row) checked.set(value, row.v);
      }
    }
    valid.set(type, checked);
  }
  return columns.map((column, i) => {
    const checked = valid.get(column.type)!;
    const values = [...new Set(candidates[i]!.flatMap((value) => (checked.has(value) ? [checked.get(value)!] : [])))];
    return { values, nullable: mayBeNull(column, nullTested) };
  });
}

/** The server refused the rewritten query (names, syntax): no witness can be built from it. */
class WitnessUnbuilt extends Error {}

/**
 * A round's contents one row at a time: the j-th of each table's rows (a table with fewer rows
 * gives its last; an empty one stays empty; repeats are kept, so counts the query names still hold).
 */
function rowsOneAtATime(generated: readonly TableRows[]): TableRows[][] {
  const most = Math.max(0, ...generated.map((t) => t.rows.length));
  if (most <= 1) return [];
  return Array.from({ length: most }, (_, j) => generated.map((t) => (t.rows.length === 0 ? t : { rows: [t.rows[Math.min(j, t.rows.length - 1)]!], repeat: t.repeat })));
}

/**
 * Whether some generated contents of the tables `query` reads make `differs` true. `atLeast`: how
 * many rows a table needs for the answer to go past the expectation (max_rows + 1), else 0.
 */
export async function witnessData(query: string, source: string, ctx: Ctx, differs: Differs, atLeast = 0): Promise<WitnessResult> {
  const opened = await openViews(query, source, ctx);
  if (typeof opened === 'string') return unbuilt(opened);
  const reads = queryReadsOf(opened.text);
  if (!reads) return unbuilt('its text with views opened does not parse');
  if (reads.systemColumns.length > 0) return unbuilt(`it reads the system column ${reads.systemColumns[0]}, which says where a row is stored, not what it holds`);
  if (reads.functions.length + reads.operators.length > 0) {
    const [row] = await ctx.query<{ user_code: boolean }>(source, userCodeSql([...new Set(reads.functions)], [...new Set(reads.operators)]));
    if (row?.user_code) return unbuilt('it calls a function or operator that is not built in, which may read tables the witness does not replace');
  }
  // No table read: no contents change the answer (`select 1 from pg_sleep(1)`, `select now() > '2000-01-01'`).
  if (opened.tables.length === 0) return { witnessed: false, rounds: 0, message: 'the query reads no table (its views opened), so no contents of any table change its answer and the check passed for nothing in the data; assert on rows or values the data decides' };
  // The catalog is the schema the user's tables live in, not data beside them: generated catalog
  // rows would be worlds no server holds (`not exists (select from pg_class where relname =
  // 'orders')` while orders is read), so next to a user table the catalog is read as it is. A query
  // of the catalog alone asserts on its user objects' rows as its data: those are generated, the
  // rows the server fixes are kept (sql/catalog-rows.ts), and a catalog that cannot tell them apart is read as it is.
  const userTables = opened.tables.filter(({ row }) => Number(row.oid) >= FIRST_USER_OID);
  const catalogOnly = userTables.length === 0;
  let replaced = catalogOnly ? opened.tables : userTables;
  const byOid = new Map<string, Relation>();
  for (const { row } of replaced) byOid.set(row.oid!, row);
  // A table and its ancestor hold the same rows (an inheriting table's, a partition's): rows
  // generated for each apart would witness answers no server gives.
  const [related] = byOid.size < 2 ? [] : await ctx.query<{ child: string; ancestor: string }>(source, relatedByInheritanceSql([...byOid.keys()]));
  if (related) return unbuilt(`it reads ${related.child} and ${related.ancestor}, whose rows are ${related.ancestor}'s too (inheritance or partitioning), and generated rows would hold them apart`);
  const shadowed = [...byOid.values()].find((row) => reads.cteNames.has(row.relname!));
  if (shadowed) return unbuilt(`a WITH query is named ${shadowed.relname} like a table it reads`);
  // A table whose schema the role may not use (read through a view the owner granted) cannot be
  // named as a type: its rows stand in as a sub-select's anonymous records, which a query reading
  // the whole row as a value could tell apart from the table's (`pg_typeof(o)`), so none may.
  const untyped = replaced.filter(({ row }) => row.typed !== true).flatMap(({ relation, row }) => [relation.alias ?? row.relname!]);
  const wholeRow = untyped.find((name) => reads.wholeRows.has(name));
  if (wholeRow !== undefined) return unbuilt(`it reads the whole row of ${wholeRow}, a table in a schema the role may not use, whose row type generated rows cannot take`);
  if (atLeast > MAX_TABLE_ROWS) return unbuilt(`max_rows: ${atLeast - 1} is more rows than the witness generates`);
  const counts = rowCountsOf(reads.constants, atLeast);
  const columnRows = byOid.size === 0 ? [] : await ctx.query<ColumnRow>(source, columnsSql([...byOid.keys()]));
  const catalogs = catalogOnly ? await catalogStandIns(byOid, columnRows, source, ctx) : new Map<string, CatalogStandIn>();
  if (catalogOnly) {
    for (const oid of [...byOid.keys()]) if (!catalogs.has(oid)) byOid.delete(oid);
    replaced = replaced.filter(({ row }) => byOid.has(row.oid!));
    if (byOid.size === 0) return { witnessed: false, rounds: 0, message: 'the query reads only catalog rows the server itself fixes (its built-in objects), which no data changes, so the check passed for nothing in the data; assert on rows or values the data decides' };
  }
  const oids = [...byOid.keys()];
  // NOT NULL is lifted only for a column a NULL test is attributed to, by name resolution, in this very table.
  const columnsAt = new Map(replaced.map(({ relation, row }) => [relation.span.start, columnRows.filter((c) => c.oid === row.oid).map((c) => c.name)]));
  const testedAt = nullTestedByTable(nullTestedColumnsOf(opened.text) ?? [], (at) => columnsAt.get(at));
  const tables = await Promise.all(oids.map(async (oid) => {
    const row = byOid.get(oid)!;
    const nullTested = new Set(replaced.flatMap(({ relation, row: r }) => (r.oid === oid ? [...(testedAt.get(relation.span.start) ?? [])] : [])));
    const columns = columnsOf(columnRows, oid);
    const catalog = catalogs.get(oid);
    const sampled = columns.length === 0 ? [] : (await rowsOr<Record<string, string | null>>(ctx, source, samplesSql(row.nspname!, row.relname!, columns, catalog?.owner), new Set(['42', '22']))) ?? [];
    const samples = columns.map((_, i) => sampled.flatMap((s) => (s[`c${i}`] === null || s[`c${i}`] === undefined ? [] : [String(s[`c${i}`])])));
    const pools = await poolsOf(columns, samples, reads, nullTested, source, ctx);
    // A catalog's generated rows are user objects': their owner column a user's oid.
    return { oid, columns, pools: catalog ? pools.map((pool, i) => (columns[i]!.name === catalog.owner ? userObjectPool(pool, FIRST_USER_OID) : pool)) : pools };
  }));
  const textOf = (generated: readonly TableRows[]) => {
    const rowsOfOid = new Map(tables.map((t, i) => {
      const table = byOid.get(t.oid)!;
      const catalog = catalogs.get(t.oid);
      return [t.oid, table.typed === true
        ? tableRowsFrom(regclassText({ schema: table.nspname!, name: table.relname! }), t.columns, generated[i]!, catalog && ((rows) => catalogRowsSql(catalog, t.columns, rows)))
        : `(${tableRowsSql(t.columns, generated[i]!)})`];
    }));
    // Each reference keeps its alias; one without stands under the table's own name.
    return replaceSpans(opened.text, replaced.map(({ relation, row }) => ({
      ...relation.span, text: `${rowsOfOid.get(row.oid!)!} ${relation.alias === undefined ? `as ${columnExpression(row.relname!)}` : ''}`,
    })));
  };
  /** Whether these contents make the answer differ; undefined when evaluating them raised (they conclude nothing). */
  const tryContents = async (generated: readonly TableRows[]): Promise<boolean | undefined> => {
    try {
      return await differs(textOf(generated));
    } catch (error) {
      if (faultInClasses(error, EVALUATION)) return undefined;
      if (faultInClasses(error, UNBUILT) && error instanceof Fault) throw new WitnessUnbuilt(error.fault.message);
      throw error;
    }
  };
  let tried = 0;
  try {
    for (let round = 0; round < roundsFor(counts); round++) {
      const generated = roundRows(round, tables.map((t) => t.pools), counts);
      tried = round + 1;
      const answer = await tryContents(generated);
      if (answer === true) return { witnessed: true, round, rounds: tried };
      if (answer !== undefined) continue;
      // One row a query cannot evaluate (a time zone name made of a constant's neighbours, a
      // division by a generated zero) raises for the whole round and hid every other row: the
      // round's rows are tried again one at a time (row j of each table), each a table's contents too.
      for (const generatedRow of rowsOneAtATime(generated)) {
        if (await tryContents(generatedRow) === true) return { witnessed: true, round, rounds: tried };
      }
    }
  } catch (error) {
    if (error instanceof WitnessUnbuilt) return unbuilt(`the server refused the query over generated rows: ${error.message}`);
    throw error;
  }
  return {
    witnessed: false,
    rounds: tried,
    message: `no contents parity generated for the tables the query reads (${tried} rounds: empty tables, then rows of values sampled from them, the query's constants and their neighbours, and each type's extremes, some repeated to the counts the query names) made its answer differ from the expectation, so the check passed for nothing in the data; assert on rows or values the data decides`,
  };
}

/** A table's columns as the witness generates them. */
const columnsOf = (columnRows: readonly ColumnRow[], oid: string): WitnessColumn[] => columnRows.filter((c) => c.oid === oid)
  .map((c) => ({ name: c.name, type: c.type, category: c.category, notNull: c.not_null === true, labels: labelsOf(c.labels), ...(c.generated ? { generated: c.generated } : {}) }));

/** Each catalog (by oid) whose rows say whose object they are, with its unique keys; the rest are read as they are. */
async function catalogStandIns(byOid: ReadonlyMap<string, Relation>, columnRows: readonly ColumnRow[], source: string, ctx: Ctx): Promise<Map<string, CatalogStandIn>> {
  const out = new Map<string, CatalogStandIn>();
  const owners = [...byOid].flatMap(([oid, row]) => {
    const owner = row.nspname === 'pg_catalog' && row.typed === true ? ownerColumnOf(row.relname!, columnsOf(columnRows, oid)) : undefined;
    return owner === undefined ? [] : [[oid, owner] as const];
  });
  if (owners.length === 0) return out;
  const keys = await ctx.query<{ oid: string; columns: string[] | string }>(source, uniqueKeysSql(owners.map(([oid]) => oid)));
  for (const [oid, owner] of owners) {
    const row = byOid.get(oid)!;
    out.set(oid, { rowType: regclassText({ schema: row.nspname!, name: row.relname! }), owner, uniqueKeys: keys.filter((k) => k.oid === oid).map((k) => labelsOf(k.columns)), firstUserOid: FIRST_USER_OID });
  }
  return out;
}

/** pg_enum labels as the driver returns a text[] (an array, or its literal text). */
function labelsOf(labels: string[] | string): string[] {
  if (Array.isArray(labels)) return labels;
  const inner = labels.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((label) => label.replace(/^"|"$/g, '').replaceAll('\\"', '"').replaceAll('\\\\', '\\'));
}

/** The outcome for a pass no contents could change (sql_assert's refusal, with what was tried). */
export function witnessObservations(result: WitnessResult): Outcome['observations'] {
  return result.witnessed ? { witness_rounds: result.rounds, witnessed_in_round: result.round } : { witness_rounds: result.rounds };
}
