/**
 * What a plan reads that only the catalog says. A stored generated column is computed from other
 * columns of its row when it is written: an old `full_name generated always as (first_name || ' '
 * || last_name)` compared with `first_name || ' ' || last_name` compared a value with itself while
 * the plan showed two different columns. An index scan hands rows over in its index's order, and
 * the plan prints no sort key for it: `distinct on (id) … order by id, b` over an index on (id, b)
 * chose each key's row by b unseen. Both are read from the server once per relation (or index)
 * and added to the lineage: a generated column reads its inputs as well, an index scan's key
 * columns are a condition of its scan. Undefined where the catalog's text cannot be read: told.
 */
import { readsOfText, type ColumnRead, type PlanLineage } from './column-lineage.js';
import { joinSql, sql } from '../../sql/build.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import type { ExecutionContext } from '../types.js';

/** The catalog's word on one plan: per alias, its generated columns' inputs and its index's key columns (undefined where unreadable). */
export interface CatalogReads {
  generated: Map<string, Map<string, string[] | undefined>>;
  indexColumns: Map<string, string[] | undefined>;
}

/** The unqualified columns an expression the catalog printed reads (a relation's own columns), or undefined. */
function columnsOfCatalogText(text: string): string[] | undefined {
  const reads = readsOfText(text, false);
  if (reads === undefined || reads.subplans.length > 0 || reads.params.length > 0) return undefined;
  return reads.columns.map((column) => column.column);
}

/** Reads with each stored generated column's inputs added (pure); undefined where an input cannot be read. */
export function widenGenerated(reads: ColumnRead[] | undefined, generated: CatalogReads['generated']): ColumnRead[] | undefined {
  if (reads === undefined) return undefined;
  const out = [...reads];
  for (const read of reads) {
    const columns = generated.get(read.alias);
    if (!columns?.has(read.column)) continue;
    const inputs = columns.get(read.column);
    if (inputs === undefined) return undefined;
    out.push(...inputs.map((column) => ({ alias: read.alias, column })));
  }
  return out;
}

/** The lineage with generated columns widened to their inputs and each index scan's key columns added as a condition (pure). */
export function withCatalogReads(lineage: PlanLineage, catalog: CatalogReads): PlanLineage {
  const widen = (reads: ColumnRead[] | undefined) => widenGenerated(reads, catalog.generated);
  const ordered = lineage.indexScans.map((scan) => {
    const columns = catalog.indexColumns.get(scan.alias);
    return columns === undefined ? undefined : columns.map((column) => ({ alias: scan.alias, column }));
  });
  return { ...lineage, outputs: lineage.outputs.map(widen), conditions: [...lineage.conditions, ...ordered].map(widen) };
}

/** Reads the generated columns of every relation the plan scans and the key columns of every index it scans. */
export async function readCatalogReads(ctx: ExecutionContext, source: string, lineage: PlanLineage, regclass: (relation: { schema: string; name: string }) => string): Promise<CatalogReads> {
  const generated = new Map<string, Map<string, string[] | undefined>>();
  const texts = [...new Set([...lineage.relations.values()].map(regclass))];
  // One statement for every relation of the plan (a partitioned table's plan scans each partition).
  const rows = texts.length === 0 ? [] : await ctx.query<{ relation: string; name: string; expr: string | null }>(source, sql`select r.relation, a.attname::pg_catalog.text as name, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as expr
    from pg_catalog.unnest(${arrayLiteralText(texts)}::pg_catalog.text[]) as r(relation)
    join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) pg_catalog.to_regclass(r.relation)
    join pg_catalog.pg_attrdef d on d.adrelid operator(pg_catalog.=) a.attrelid and d.adnum operator(pg_catalog.=) a.attnum
    where a.attgenerated operator(pg_catalog.<>) ''`);
  const byText = new Map(texts.map((text) => [text, new Map<string, string[] | undefined>()]));
  for (const row of rows) byText.get(row.relation)?.set(row.name, row.expr === null ? undefined : columnsOfCatalogText(row.expr));
  for (const [alias, relation] of lineage.relations) generated.set(alias, byText.get(regclass(relation))!);
  const indexColumns = new Map<string, string[] | undefined>();
  for (const scan of lineage.indexScans) {
    const text = regclass({ schema: scan.schema, name: scan.index });
    const rows = await ctx.query<{ key: string | null }>(source, sql`select pg_catalog.pg_get_indexdef(i.indexrelid, k, true) as key
      from pg_catalog.pg_index i cross join pg_catalog.generate_series(1, i.indnkeyatts::pg_catalog.int4) as k
      where i.indexrelid operator(pg_catalog.=) pg_catalog.to_regclass(${text}::pg_catalog.text)`);
    const columns = rows.map((row) => (row.key === null ? undefined : columnsOfCatalogText(row.key)));
    indexColumns.set(scan.alias, rows.length === 0 || columns.some((c) => c === undefined) ? undefined : columns.flat() as string[]);
  }
  return { generated, indexColumns };
}

/**
 * Each relation a plan names (by its regclass text) with its oid and kind as the names resolve now,
 * in one statement; a name that reaches no relation is left out.
 */
export async function readRelationOids(ctx: ExecutionContext, source: string, texts: readonly string[]): Promise<Map<string, { oid: string; kind: string }>> {
  const found = new Map<string, { oid: string; kind: string }>();
  if (texts.length === 0) return found;
  const rows = texts.map((text) => sql`select ${text}::pg_catalog.text as relation, c.oid::pg_catalog.text as oid, c.relkind::pg_catalog.text as kind
    from (select pg_catalog.to_regclass(${text}::pg_catalog.text) as r) named left join pg_catalog.pg_class c on c.oid operator(pg_catalog.=) named.r`);
  for (const row of await ctx.query(source, joinSql(rows, sql` union all `))) {
    if (typeof row.oid === 'string') found.set(String(row.relation), { oid: row.oid, kind: String(row.kind) });
  }
  return found;
}

/**
 * The predicate of each index (by its regclass text) in one statement: its text, or null for an
 * index that is not partial; an index whose name reaches none is left out (cannot be told). A scan
 * of a partial index reads only rows the predicate holds for, and the plan drops the query's
 * conditions the predicate implies: the predicate is the scan's filter.
 */
export async function readIndexPredicates(ctx: ExecutionContext, source: string, texts: readonly string[]): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>();
  if (texts.length === 0) return found;
  const rows = texts.map((text) => sql`select ${text}::pg_catalog.text as index, i.indexrelid is not null as known, pg_catalog.pg_get_expr(i.indpred, i.indrelid) as predicate
    from (select pg_catalog.to_regclass(${text}::pg_catalog.text) as r) named left join pg_catalog.pg_index i on i.indexrelid operator(pg_catalog.=) named.r`);
  for (const row of await ctx.query(source, joinSql(rows, sql` union all `))) {
    if (row.known === true) found.set(String(row.index), typeof row.predicate === 'string' ? row.predicate : null);
  }
  return found;
}
