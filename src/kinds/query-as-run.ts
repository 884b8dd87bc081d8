/**
 * sql_assert's query as the server runs it, for the fixed-answer judgement (sql/query-as-run.ts):
 * the views it reads replaced by their definitions (as the server sees them now, a few levels deep)
 * and each LIMIT or OFFSET of constants by the number the server computes for it. Reads only the
 * catalog and evaluates constant expressions; no table row is read.
 */
import { joinSql, sql } from '../sql/build.js';
import { capturedByWith, limitExpressionsOf, relationsOf, replaceSpans, viewAsSubselect } from '../sql/query-as-run.js';
import { faultInClasses } from '../results/fault.js';
import type { ExecutionContext } from './types.js';

/** How many levels of views inside views are opened. */
const MAX_VIEW_DEPTH = 4;

type Query = Pick<ExecutionContext, 'query'>['query'];

/** Each name that resolves to a view (`to_regclass`, as the query's own search_path reads it), with its definition. */
function viewsSql(names: readonly string[]) {
  return sql`select n.i::pg_catalog.int4 as i, c.relname::pg_catalog.text as relname, pg_catalog.pg_get_viewdef(c.oid) as definition
    from pg_catalog.unnest(${`{${names.map((name) => `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`}::pg_catalog.text[]) with ordinality as n(name, i)
    join pg_catalog.pg_class c on c.oid operator(pg_catalog.=) pg_catalog.to_regclass(n.name)
    where c.relkind operator(pg_catalog.=) 'v'`;
}

/** A statement of one row: each expression's value as LIMIT reads it (a bigint), as text. */
function limitsSql(texts: readonly string[]) {
  return sql`select ${joinSql(texts.map((text, i) => sql`(${sql.raw(text)})::pg_catalog.int8::pg_catalog.text as ${sql.raw(`v${i}`)}`))}`;
}

/** SQLSTATE classes of a statement the server refuses on what it computes (syntax and types, data, unsupported). */
const REFUSED = new Set(['42', '22', '0A']);

/** A statement the server refuses on what it computes (a cast, a type): the text is left as written. */
async function asked<Row extends Record<string, unknown>>(query: Query, source: string, statement: ReturnType<typeof sql>): Promise<Row[] | undefined> {
  try {
    return await query<Row>(source, statement);
  } catch (error) {
    if (faultInClasses(error, REFUSED)) return undefined;
    throw error;
  }
}

/** The query with its views opened and its constant LIMITs computed (the text as written where nothing applies). */
export async function queryAsRun(query: string, source: string, ctx: Pick<ExecutionContext, 'query'>): Promise<string> {
  let text = query;
  for (let depth = 0; depth < MAX_VIEW_DEPTH; depth++) {
    const relations = relationsOf(text);
    if (relations.length === 0) break;
    const views = await asked<{ i: number; relname: string; definition: string | null }>(ctx.query, source, viewsSql(relations.map((r) => r.name)));
    const spans = (views ?? []).flatMap((view) => {
      const relation = relations[Number(view.i) - 1];
      // A view read where a WITH query takes a name its definition reads stays as written.
      return relation && view.definition && !capturedByWith(relation, view.definition) ? [viewAsSubselect(relation, view.definition, view.relname)] : [];
    });
    if (spans.length === 0) break;
    text = replaceSpans(text, spans);
  }
  const limits = limitExpressionsOf(text);
  if (limits.length === 0) return text;
  const [values] = (await asked<Record<string, string | null>>(ctx.query, source, limitsSql(limits.map((limit) => limit.text)))) ?? [];
  if (!values) return text;
  return replaceSpans(text, limits.map((limit, i) => ({ ...limit, text: ` ${values[`v${i}`] ?? 'null'} ` })));
}
