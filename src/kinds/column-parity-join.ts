/**
 * The join form of column_parity: two tables of one source FULL OUTER JOINed on the key. Keys are
 * matched by their exact text (byte for byte, whatever their collation), so 'a' and 'A' are two
 * keys even under a case-insensitive collation — except a real (or a domain over one) keyed against
 * a double, which is matched as the double it converts to, as values are compared (exact-compare.ts):
 * real 0.1 (0.100000001490116…) prints `0.1` as double 0.1 does, and by text the two were one key.
 * Containers whose texts agree over other keys (a real[] against a double[], composites with fields
 * swapped) are refused before a pass as compared values are (column-parity.ts). A key must be unique and non-NULL on each side — a
 * repeated key would pair every copy with every other, a NULL one can never be matched — so both
 * are refused as "could not verify" (`duplicate_key`, `null_key`), the way table_diff refuses them.
 */
import type { Normalizer } from '../compare/normalizers.js';
import { formatTableRef, type TableRef } from '../sql/identifiers.js';
import { columnSql, expressionSql, joinSql, predicateSql, sql, tableSql, type SQL } from '../sql/build.js';
import { Fault } from '../results/fault.js';
import { exactTextSql, narrowedRealSql, realAsDoubleSql, typeProbeSql } from './exact-compare.js';
import { keyAlias } from './samples.js';
import { comparedDistinctSql } from './compared-distinct.js';

/** One side of the join form as the check file gives it. */
export interface JoinSide { table: TableRef; expr: string; where?: string | undefined }
/** What the join-form plans need from the spec. */
export interface JoinSpec { key: readonly string[]; normalize: readonly Normalizer[]; sample: number; old: JoinSide; new: JoinSide }

/** How many duplicated keys a `duplicate_key` fault names per side. */
const DUPLICATES_SHOWN = 5;

const anyNullKeySql = (key: readonly string[]) => joinSql(key.map((k) => sql`${columnSql(k)} is null`), sql` or `);

/**
 * A key column's text on one side, as rows are matched by it: its exact text, or the exact text of
 * the double it converts to where it is a real and the other side's is a double (decided once per
 * statement from both sides' types, as exact-compare.ts decides how values compare).
 */
function keyTextSql(spec: JoinSpec, side: 'old' | 'new', column: string): SQL {
  const key = columnSql(column);
  const probes = { a: typeProbeSql(key, spec.old.table), b: typeProbeSql(key, spec.new.table) };
  const narrowed = sql.raw(side === 'old' ? '1' : '2');
  return sql`(case ${narrowedRealSql(probes)} when ${narrowed} then ${exactTextSql(sql`${realAsDoubleSql(key)}::text`)} else ${exactTextSql(key)} end)`;
}

function sideSql(spec: JoinSpec, side: 'old' | 'new'): SQL {
  const s = spec[side];
  const keys = spec.key.map((k, i) => sql`${keyTextSql(spec, side, k)} as ${sql.identifier(keyAlias(i))}`);
  return sql`select ${joinSql(keys)}, ${expressionSql(s.expr)} as v, ${anyNullKeySql(spec.key)} as null_key, true as present
    from ${tableSql(s.table)} where ${predicateSql(s.where)}`;
}

function joinedSql(spec: JoinSpec): SQL {
  const on = joinSql(spec.key.map((_, i) => sql`o.${sql.identifier(keyAlias(i))} = n.${sql.identifier(keyAlias(i))}`), sql` and `);
  return sql`(${sideSql(spec, 'old')}) o full outer join (${sideSql(spec, 'new')}) n on ${on}`;
}

/** `o.v` and `n.v` differ, normalised, under the exact rule (types probed from each side's table). */
function distinctSql(spec: JoinSpec): SQL {
  return comparedDistinctSql(spec.normalize, [sql`o.v`, sql`n.v`], [spec.old.table, spec.new.table], [expressionSql(spec.old.expr), expressionSql(spec.new.expr)]);
}

/** One statement: rows per side, NULL-key rows per side, matched mismatches and keys missing on each side. */
export function planJoinCounts(spec: JoinSpec): SQL {
  return sql`select count(*) as rows, count(o.present) as old_rows, count(n.present) as new_rows,
      count(*) filter (where o.null_key) as null_key_rows_old,
      count(*) filter (where n.null_key) as null_key_rows_new,
      count(*) filter (where o.present is null) as missing_in_old,
      count(*) filter (where n.present is null) as missing_in_new,
      count(*) filter (where o.present and n.present and ${distinctSql(spec)}) as mismatches
    from ${joinedSql(spec)}`;
}

/** Keys (exact texts) that occur more than once on one side, at most a few, with their counts. */
export function planDuplicateKeys(spec: JoinSpec, side: 'old' | 'new'): SQL {
  const s = spec[side];
  const keys = spec.key.map((k) => exactTextSql(columnSql(k)));
  return sql`select ${joinSql(keys.map((k, i) => sql`${k} as ${sql.identifier(keyAlias(i))}`))}, count(*) as copies
    from ${tableSql(s.table)} where ${predicateSql(s.where)} and not (${anyNullKeySql(spec.key)})
    group by ${joinSql(keys)} having count(*) > 1 limit ${DUPLICATES_SHOWN}`;
}

/** The `duplicate_key` fault for the repeated keys found on each side, or undefined when there are none. */
export function duplicateKeyFault(spec: JoinSpec, found: Record<'old' | 'new', Record<string, unknown>[]>): Fault | undefined {
  const parts: string[] = [];
  for (const side of ['old', 'new'] as const) {
    if (found[side].length === 0) continue;
    const keys = found[side].map((row) => `(${spec.key.map((_, i) => String(row[keyAlias(i)])).join(', ')}) ×${row.copies}`);
    const more = found[side].length === DUPLICATES_SHOWN ? ', …' : '';
    parts.push(`in the ${side} table ${formatTableRef(spec[side].table)}: ${keys.join(', ')}${more}`);
  }
  if (parts.length === 0) return undefined;
  return new Fault({
    code: 'duplicate_key',
    message: `key (${spec.key.join(', ')}) is not unique ${parts.join('; ')}; the join form pairs rows by key, so each key must appear once on each side`,
  });
}

/** Offending keys with both raw values and a category, at most `sample` of them. */
export function planJoinSamples(spec: JoinSpec): SQL {
  const keys = spec.key.map((_, i) => {
    const alias = sql.identifier(keyAlias(i));
    return sql`coalesce(o.${alias}, n.${alias}) as ${alias}`;
  });
  return sql`select ${joinSql(keys)}, (o.v)::text as old_value, (n.v)::text as new_value,
      case when o.present is null then 'missing_in_old' when n.present is null then 'missing_in_new' else 'mismatch' end as category
    from ${joinedSql(spec)}
    where o.present is null or n.present is null or ${distinctSql(spec)}
    limit ${spec.sample}`;
}
