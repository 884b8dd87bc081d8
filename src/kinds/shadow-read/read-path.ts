/**
 * The two "read paths" of a shadow read — an operator-written SQL query over `$keys`, or an HTTP
 * endpoint per key — behind one function: read these keys, get one ReadResult per key.
 *
 * SQL path: `$keys` (single key) or `$keys.<column>` (any key column) in the query become ONE
 * bound parameter each: an untyped array literal the server types from context, so
 * `where id = any($keys)` is an index lookup for any key type. Where the context gives no type
 * (`unnest($keys)`, function arguments), the query casts it: `unnest($keys::bigint[])`. The query is wrapped so each row
 * comes back as its key text plus `to_json(row)` text; rows are matched to keys by that text, not
 * by driver-specific value types, and kept as text (JsonTextRow), parsed with exact numbers only
 * where the text comparison needs it.
 */
import { keyArrayLiteral, keyId } from '../../compare/key-literal.js';
import { JsonTextRow, type ReadResult } from './records.js';
import { columnSql, joinSql, sql, type SQL } from '../../sql/build.js';
import { prepareHttpPath, readHttpBatch, type HttpPath, type HttpPort } from './http-read.js';
import type { Env } from './http-headers.js';
import { firstDuplicateMember } from './json-duplicates.js';
import { keyLocations } from './record-key.js';
import { Fault } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';

export interface SqlPath { source: string; query: string }
export type ReadPath = SqlPath | HttpPath;

/** A query split around its key placeholders: text, then the key column index bound there. */
export type QueryTemplate = (string | { keyIndex: number })[];

const IDENT_CHAR = /[A-Za-z0-9_]/;

/**
 * Finds `$keys` / `$keys.<column>` outside string literals, quoted identifiers and dollar quotes.
 * Returns the template or a problem (positional `$1` parameters, unknown columns, no placeholder).
 */
export function parseQueryTemplate(query: string, keyColumns: readonly string[]): QueryTemplate | { error: string } {
  const out: QueryTemplate = [];
  let text = '';
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= query.length) return { error: 'has an unterminated quote' };
        if (query[j] === c) { if (query[j + 1] === c) { j += 2; continue; } break; }
        j += query[j] === '\\' && c === "'" && /[eE]$/.test(query.slice(0, i)) ? 2 : 1;
      }
      text += query.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(query.slice(i));
      if (tag && !IDENT_CHAR.test(query[i - 1] ?? '')) {
        const end = query.indexOf(tag[0], i + tag[0].length);
        if (end === -1) return { error: 'has an unterminated dollar-quoted string' };
        text += query.slice(i, end + tag[0].length);
        i = end + tag[0].length;
        continue;
      }
      const placeholder = /^\$keys(?:\.([A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+"))?(?![A-Za-z0-9_])/.exec(query.slice(i));
      if (placeholder) {
        const column = placeholder[1] === undefined ? undefined
          : placeholder[1].startsWith('"') ? placeholder[1].slice(1, -1).replaceAll('""', '"') : placeholder[1].toLowerCase();
        if (column === undefined && keyColumns.length !== 1) {
          return { error: `uses $keys, but the key has ${keyColumns.length} columns; use $keys.<column> for each (${keyColumns.join(', ')})` };
        }
        const keyIndex = column === undefined ? 0 : keyColumns.indexOf(column);
        if (keyIndex === -1) return { error: `uses $keys.${column}, but ${column} is not a key column; key columns: ${keyColumns.join(', ')}` };
        out.push(text, { keyIndex });
        text = '';
        i += placeholder[0].length;
        continue;
      }
      if (/^\$\d/.test(query.slice(i))) return { error: 'uses a positional parameter ($1, …); refer to the sampled keys as $keys' };
    }
    text += c;
    i++;
  }
  out.push(text);
  if (!out.some((part) => typeof part !== 'string')) return { error: 'must select the sampled keys with $keys, e.g. "… where id = any($keys)"' };
  return out;
}

/** The operator's query with each `$keys` placeholder bound to these keys' array. */
function boundQuery(path: SqlPath, keyColumns: readonly string[], keys: readonly string[][]): SQL {
  const template = parseQueryTemplate(path.query, keyColumns);
  if ('error' in template) throw new Error(`query ${template.error}`);
  const bound = keyColumns.map((_, index) => keyArrayLiteral(keys.map((parts) => parts[index]!)));
  return sql.join(template.map((part) => (typeof part === 'string' ? sql.raw(part) : bound[part.keyIndex]!)), sql``);
}

/**
 * Columns of a path's rows as the check judged them before the first batch (float-widths.ts):
 * every column the query returns, by position, with the type it had then (`type`, its pg_typeof
 * oid) and the type to cast it to, or none to keep it as it is.
 */
export interface Widening { columns: readonly { name: string; type?: string | undefined; cast?: 'float8' | 'float8[]' | undefined }[] }

/** Marks the error a batch raises when a column's type is no longer the one judged (parsed back by typesChangedIn). */
const TYPES_CHANGED_MARKER = 'parity: column types changed: ';

/**
 * The query's rows with some columns cast, every column kept in its place and under its name:
 * the columns are reached by position (`q(c0, c1, …)`), so names that repeat or need quoting
 * reach the JSON as they would have. Where the judged types are known, every row proves its
 * columns still have them (an ALTER … TYPE between batches would compare under stale casts):
 * otherwise the statement raises, naming the types it found. The message is built from the row,
 * never from constants alone, so the planner cannot raise it while folding.
 */
function widenedSql(inner: SQL, widening: Widening): SQL {
  const alias = (i: number) => sql.identifier(`__parity_c_${i}`);
  const columns = widening.columns.map((column, i) => (column.cast === undefined
    ? sql`q.${alias(i)} as ${sql.identifier(column.name)}`
    : sql`(q.${alias(i)})::${sql.raw(column.cast === 'float8' ? 'pg_catalog.float8' : 'pg_catalog.float8[]')} as ${sql.identifier(column.name)}`));
  const typed = widening.columns.flatMap((column, i) => (column.type === undefined ? [] : [{ i, type: column.type }]));
  const guard = typed.length === 0 ? sql`` : sql`\nwhere case when ${sql.join(typed.map(({ i, type }) => sql`pg_catalog.pg_typeof(q.${alias(i)})::pg_catalog.oid operator(pg_catalog.=) ${sql.raw(String(Number(type)))}::pg_catalog.oid`), sql` and `)}
  then true else pg_catalog.int4in(pg_catalog.textout(pg_catalog.textcat(${sql.raw(`'${TYPES_CHANGED_MARKER}'`)}, pg_catalog.concat_ws(', ', ${sql.join(typed.map(({ i }) => sql`pg_catalog.pg_typeof(q.${alias(i)})::pg_catalog.text`), sql`, `)})))) operator(pg_catalog.=) 0 end`;
  return sql`select ${joinSql(columns)} from (\n${inner}\n) as q(${joinSql(widening.columns.map((_, i) => sql`${alias(i)}`))})${guard}`;
}

/** The types a batch found where they were not the ones judged, read from the error it raised (undefined for any other error). */
function typesChangedIn(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const at = message.indexOf(TYPES_CHANGED_MARKER);
  return at < 0 ? undefined : message.slice(at + TYPES_CHANGED_MARKER.length).replace(/"$/, '');
}

/**
 * The batched read for one SQL path: the operator's query over these keys, one row per key as
 * JSON; with a widening, the query's rows pass through it first.
 */
export function planShadowBatch(path: SqlPath, keyColumns: readonly string[], keys: readonly string[][], widening?: Widening): SQL {
  const bound = boundQuery(path, keyColumns, keys);
  const inner = widening === undefined ? bound : widenedSql(bound, widening);
  const keyText = keyColumns.map((column, i) => sql`(q.${columnSql(column)})::text as ${sql.identifier(`__parity_k_${i}`)}`);
  return sql`select ${joinSql(keyText)}, to_json(q)::text as __parity_row from (\n${inner}\n) as q`;
}

/** The operator's query over these keys, as written (to explain its plan). */
export function planShadowQuery(path: SqlPath, keyColumns: readonly string[], keys: readonly string[][]): SQL {
  return boundQuery(path, keyColumns, keys);
}

/** The statement to describe for a SQL path's columns (ctx.describe): its rows as the batch reads them, none of them read. */
export function planShadowDescribe(path: SqlPath, keyColumns: readonly string[], keys: readonly string[][]): SQL {
  return sql`select * from (\n${boundQuery(path, keyColumns, keys)}\n) as q limit 0`;
}

/**
 * One row: the pg_typeof oid of each of the query's `count` columns (`t0`, `t1`, …), read from the
 * NULLs a left join to none of its rows gives (pg_typeof names a NULL's declared type). Domains
 * are kept (a description names a scalar domain by its base type), so a batch can compare them.
 */
export function planShadowTypes(path: SqlPath, keyColumns: readonly string[], keys: readonly string[][], count: number): SQL {
  const alias = (i: number) => sql.identifier(`__parity_c_${i}`);
  const columns = Array.from({ length: count }, (_, i) => sql`pg_catalog.pg_typeof(q.${alias(i)})::pg_catalog.oid::pg_catalog.text as ${sql.identifier(`t${i}`)}`);
  return sql`select ${joinSql(columns)} from (values (0)) as v(z) left join (select * from (\n${boundQuery(path, keyColumns, keys)}\n) as r limit 0) as q(${joinSql(Array.from({ length: count }, (_, i) => sql`${alias(i)}`))}) on true`;
}

/**
 * A row repeating a member name (`select a.*, b.*`, two columns named alike, or a `json` value
 * with a repeated key) is ambiguous, as in an HTTP body. Rows of one query share their top-level
 * names, so the first row settles those; later rows are scanned only when they can nest an object.
 */
function refuseDuplicateMembers(text: string, first: boolean): void {
  if (!first && text.indexOf('{', 1) === -1) return;
  const duplicate = firstDuplicateMember(text);
  if (duplicate === undefined) return;
  throw new Fault({ code: 'invalid_response', message: `the query returns rows that repeat the member ${duplicate}: ambiguous (give each column its own name; cast json to jsonb to keep the last value)` });
}

/** Groups wrapped rows by key: one row, several (a read-path defect), or none. */
export function readResultsOf(rows: readonly Record<string, unknown>[], keyColumns: readonly string[]): Map<string, ReadResult> {
  const out = new Map<string, ReadResult>();
  const keyFields = keyColumns.map((_, i) => `__parity_k_${i}`);
  const single = keyFields.length === 1 ? keyFields[0]! : undefined;
  let first = true;
  for (const row of rows) {
    refuseDuplicateMembers(String(row.__parity_row), first);
    first = false;
    // A row whose key is NULL answers no sampled key (sampled keys are never NULL); read as the
    // text "null" it would stand in for a sampled key that is that very word.
    if (keyFields.some((field) => row[field] === null || row[field] === undefined)) continue;
    const id = single !== undefined ? String(row[single]) : keyId(keyFields.map((field) => String(row[field])));
    const existing = out.get(id);
    if (existing) {
      out.set(id, { kind: 'duplicate', rows: existing.kind === 'duplicate' ? existing.rows + 1 : 2 });
      continue;
    }
    out.set(id, new JsonTextRow(String(row.__parity_row)));
  }
  return out;
}

/** What an HTTP read needs beyond the context: the port, the environment for headers, each sampled key's JSON form. */
export interface HttpReadDeps {
  http: HttpPort;
  env: Env;
  keyJson: (parts: readonly string[]) => readonly string[] | undefined;
}

/**
 * The key columns whose top-level member of the same name this path proves to be the requested
 * key: every one for SQL (rows are matched to keys by them), for HTTP those whose key_field is
 * that very member. Only a member both paths proved may be left out of the comparison.
 */
export function keyMembersProven(path: ReadPath, keyColumns: readonly string[]): string[] {
  if (!('http' in path)) return [...keyColumns];
  const locations = keyLocations(path.key_field, keyColumns);
  if ('error' in locations) return [];
  return keyColumns.filter((column, i) => locations[i]!.length === 1 && locations[i]![0] === column);
}

/** Reads the keys through one path; keys absent from the map were not found there. */
export async function readKeys(ctx: ExecutionContext, deps: HttpReadDeps, path: ReadPath, keyColumns: readonly string[], keys: readonly string[][], widening?: Widening): Promise<Map<string, ReadResult>> {
  if ('http' in path) return readHttpBatch(deps.http, prepareHttpPath(path, keyColumns, deps.env), keyColumns, keys, deps.keyJson, ctx.signal);
  try {
    return readResultsOf(await ctx.query(path.source, planShadowBatch(path, keyColumns, keys, widening)), keyColumns);
  } catch (error) {
    const found = typesChangedIn(error);
    if (found === undefined) throw error;
    const judged = widening?.columns.map((column) => column.name).join(', ') ?? '';
    throw new Fault({ code: 'types_changed', message: `the columns of the query on source "${path.source}" (${judged}) no longer have the types they had when the check began (now ${found}): rows compared under the casts chosen then could read a narrowed float as the double it was; run the check again once the schema is settled` }, { cause: error });
  }
}

/** Reads one key's result from a batch map (absent → missing). */
export function resultFor(results: ReadonlyMap<string, ReadResult>, parts: readonly string[]): ReadResult {
  return results.get(keyId(parts)) ?? { kind: 'missing' };
}
