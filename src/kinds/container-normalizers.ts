/**
 * A text normaliser (trim, collapse_whitespace, lower, upper) edits a value's whole text. Over the
 * text of a container — json(b), an array, a composite or anonymous record, a range, xml, an
 * extension type such as hstore — that folds member names and structure along with the values:
 * under `lower`, `{"Email": "a"}` and `{"email": "a"}` were one text, and column_parity passed.
 * SQL cannot fold only the strings inside a container (shadow_read can, in JS: values.ts
 * containerText), so column_parity and table_diff refuse such a value as "could not verify"
 * (`normalizer_on_container`) and ask for the leaves to be normalised in the expression.
 */
import { isTextEditingNormalizer, type Normalizer } from '../compare/normalizers.js';
import type { FaultInfo } from '../results/fault.js';
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { baseTypeSql } from './exact-compare.js';

/** Whether a chain of normalisers edits text as text anywhere (then a container is refused). */
export function foldsText(normalizers: readonly Normalizer[]): boolean {
  return normalizers.some(isTextEditingNormalizer);
}

/**
 * The name of a regtype when its text is a container's (through domains), else NULL. Containers:
 * composites, ranges, multiranges, arrays, anonymous records; json, jsonb, jsonpath and xml; and
 * any user-defined-category type from outside pg_catalog (hstore, ltree, …), whose text grammar
 * parity cannot know. Text-like types (text, varchar, citext, enums, uuid, …) are not containers.
 * Catalog operators are named, so no look-alike on the search path answers.
 */
function containerTypeSql(type: SQL): SQL {
  const is = sql.raw('operator(pg_catalog.=)');
  return sql`(select t.oid::pg_catalog.regtype::pg_catalog.text from pg_catalog.pg_type t
    where t.oid ${is} ${baseTypeSql(type)}::pg_catalog.oid
      and (t.typtype operator(pg_catalog.=) any ('{c,r,m}'::pg_catalog."char"[]) or t.typcategory ${is} 'A'
        or t.oid operator(pg_catalog.=) any ('{record,json,jsonb,jsonpath,xml}'::pg_catalog.regtype[]::pg_catalog.oid[])
        or (t.typcategory ${is} 'U' and t.typnamespace operator(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace::pg_catalog.oid)))`;
}

/**
 * For each raw value expression over `table`: `c_<i>`, the container type it has or NULL, and
 * `t_<i>`, its type's oid (for float-leaves.ts). Reads no row.
 */
export function planContainerTypes(table: TableRef, values: readonly SQL[]): SQL {
  const probe = (e: SQL) => sql`pg_catalog.pg_typeof((select ${e} from ${tableSql(table)} limit 0))`;
  return sql`select ${joinSql(values.flatMap((e, i) => [
    sql`${containerTypeSql(probe(e))} as ${sql.identifier(`c_${i}`)}`,
    sql`${probe(e)}::pg_catalog.oid::pg_catalog.text as ${sql.identifier(`t_${i}`)}`,
  ]))}`;
}

/** One compared value a text normaliser would fold as a container. */
export interface FoldedContainer { value: string; side: 'old' | 'new'; type: string }

/** The `normalizer_on_container` fault for the values found, or undefined when there are none. */
export function containerNormalizerFault(found: readonly FoldedContainer[]): FaultInfo | undefined {
  if (found.length === 0) return undefined;
  const named = found.map((f) => `${f.value} (${f.side}: ${f.type})`).join(', ');
  return {
    code: 'normalizer_on_container',
    message: `${named}: trim, collapse_whitespace, lower and upper edit a value's whole text, and a container's text holds member names and structure too ({"Email": 1} would equal {"email": 1}) — normalise the values inside it in the expression (lower(doc->>'email')), or compare it without them`,
  };
}
