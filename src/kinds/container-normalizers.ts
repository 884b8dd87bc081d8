/**
 * A text normaliser (trim, collapse_whitespace, lower, upper) edits a value's whole text. Over the
 * text of a container — json(b), a composite or anonymous record, a range, xml, an extension type
 * such as hstore, an array of any of these — that folds member names and structure with the values:
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
 * Whether the pg_type row `t` is a container whose text a text normaliser must not edit: a
 * composite, range or multirange; an anonymous record; json, jsonb, jsonpath, xml; any
 * user-defined-category type from outside pg_catalog (hstore, ltree, …), whose text grammar parity
 * cannot know; and an array (through domains) of any of these or of an array. Text-like types
 * (text, varchar, citext, enums, uuid, …) are not containers.
 */
function holdsStructureSql(t: SQL, arrays: SQL): SQL {
  const is = sql.raw('operator(pg_catalog.=)');
  return sql`(${t}.typtype operator(pg_catalog.=) any ('{c,r,m}'::pg_catalog."char"[]) or ${arrays}
    or ${t}.oid operator(pg_catalog.=) any ('{record,json,jsonb,jsonpath,xml}'::pg_catalog.regtype[]::pg_catalog.oid[])
    or (${t}.typcategory ${is} 'U' and ${t}.typnamespace operator(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace::pg_catalog.oid))`;
}

/**
 * The name of a regtype when its text is a container's (through domains), else NULL
 * (holdsStructureSql). An array of other types is not one: array output quotes every element
 * holding a delimiter, brace, quote, backslash or space, or spelling NULL in any case, and escapes
 * quotes and backslashes, so its structure is written in characters no text normaliser edits, and
 * lower, upper and collapse_whitespace of its text are those of each element, with NULL and 'NULL'
 * still apart (`NULL` bare, `"NULL"` quoted); trim never reaches past its braces. Catalog
 * operators are named, so no look-alike on the search path answers.
 */
function containerTypeSql(type: SQL): SQL {
  const is = sql.raw('operator(pg_catalog.=)');
  // Aliases apart from baseTypeSql's own (t, d), which would shadow them.
  const element = sql`(select e.oid from pg_catalog.pg_type e where e.oid ${is} ${baseTypeSql(sql.raw('ct.typelem'))}::pg_catalog.oid
    and ${holdsStructureSql(sql.raw('e'), sql`e.typcategory ${is} 'A'`)})`;
  return sql`(select ct.oid::pg_catalog.regtype::pg_catalog.text from pg_catalog.pg_type ct
    where ct.oid ${is} ${baseTypeSql(type)}::pg_catalog.oid
      and ${holdsStructureSql(sql.raw('ct'), sql`(ct.typcategory ${is} 'A' and exists ${element})`)})`;
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
