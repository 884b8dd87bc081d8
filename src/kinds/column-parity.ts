/**
 * column_parity: the old representation and the new one agree row by row.
 * Same-table form compares two expressions over one table (fusable count scan); the join form
 * FULL OUTER JOINs two tables on the key and also reports keys missing on either side.
 * NULL semantics are explicit: values are compared with IS DISTINCT FROM.
 */
import { z } from 'zod';
import { normalizeSql, normalizerSchema } from '../compare/normalizers.js';
import {
  baseCheckShape, expressionSchema, keyColumnsSchema, sourceNameSchema, tableRefSchema,
} from '../checkfile/common.js';
import { formatTableRef, type TableRef } from '../sql/identifiers.js';
import { columnSql, expressionSql, joinSql, predicateSql, sql, tableSql, type SQL } from '../sql/build.js';
import { formatCount } from './format.js';
import { keyAlias, sampleFromRow } from './samples.js';
import { defineKind, requireCount, type CountResult, type ExecutionContext } from './types.js';
import type { Outcome, SampleCategory } from '../results/outcome.js';

const joinSideSchema = z.strictObject({
  table: tableRefSchema,
  expr: expressionSchema,
  where: expressionSchema.optional(),
});

export const columnParitySchema = z
  .strictObject({
    ...baseCheckShape,
    kind: z.literal('column_parity'),
    source: sourceNameSchema,
    /** Same-table form: the table both expressions read. Omit for the join form. */
    table: tableRefSchema.optional(),
    key: keyColumnsSchema,
    old: z.union([expressionSchema, joinSideSchema]),
    new: z.union([expressionSchema, joinSideSchema]),
    where: expressionSchema.optional(),
    normalize: z.array(normalizerSchema).max(16).default([]),
    max_mismatches: z.number().int().min(0).optional(),
    max_mismatch_ratio: z.number().min(0).max(1).optional(),
    sample: z.number().int().min(0).max(1000).default(20),
  })
  .superRefine((spec, ctx) => {
    const joinForm = typeof spec.old !== 'string' || typeof spec.new !== 'string';
    if (joinForm && (typeof spec.old === 'string' || typeof spec.new === 'string')) {
      ctx.addIssue({ code: 'custom', path: ['new'], message: 'old and new must both be expressions (same-table form) or both { table, expr } (join form)' });
    }
    if (!joinForm && spec.table === undefined) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'the same-table form needs table:' });
    }
    if (joinForm && spec.table !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'the join form names its tables in old.table and new.table; remove the top-level table:' });
    }
    if (joinForm && spec.where !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['where'], message: 'the join form filters each side with old.where / new.where' });
    }
    if (spec.max_mismatches !== undefined && spec.max_mismatch_ratio !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['max_mismatch_ratio'], message: 'set max_mismatches or max_mismatch_ratio, not both' });
    }
  });
export type ColumnParitySpec = z.output<typeof columnParitySchema>;
type JoinSide = z.output<typeof joinSideSchema>;

interface SameTableForm { form: 'same_table'; table: TableRef; old: string; new: string; where?: string | undefined }
interface JoinForm { form: 'join'; old: JoinSide; new: JoinSide }

/** Narrows the spec to one of its two forms (the schema guarantees exactly one applies). */
export function formOf(spec: ColumnParitySpec): SameTableForm | JoinForm {
  if (typeof spec.old === 'string' && typeof spec.new === 'string') {
    return { form: 'same_table', table: spec.table!, old: spec.old, new: spec.new, where: spec.where };
  }
  return { form: 'join', old: spec.old as JoinSide, new: spec.new as JoinSide };
}

function distinctSql(spec: ColumnParitySpec, oldValue: SQL, newValue: SQL): SQL {
  return sql`${normalizeSql(oldValue, spec.normalize)} is distinct from ${normalizeSql(newValue, spec.normalize)}`;
}

/** Same-table form as a count scan: rows in scope and rows whose values differ. */
export function planSameTableCounts(spec: ColumnParitySpec, form: SameTableForm) {
  const scope = predicateSql(form.where);
  return {
    source: spec.source,
    table: form.table,
    counts: {
      rows: form.where === undefined ? (true as const) : scope,
      mismatches: sql`${scope} and ${distinctSql(spec, expressionSql(form.old), expressionSql(form.new))}`,
    },
  };
}

function joinedSql(spec: ColumnParitySpec, form: JoinForm): SQL {
  const side = (s: JoinSide) =>
    sql`select ${joinSql(spec.key.map((k, i) => sql`${columnSql(k)} as ${sql.identifier(keyAlias(i))}`))}, ${expressionSql(s.expr)} as v, true as present
        from ${tableSql(s.table)} where ${predicateSql(s.where)}`;
  const on = joinSql(spec.key.map((_, i) => sql`o.${sql.identifier(keyAlias(i))} = n.${sql.identifier(keyAlias(i))}`), sql` and `);
  return sql`(${side(form.old)}) o full outer join (${side(form.new)}) n on ${on}`;
}

/** Join form as one statement: matched rows, mismatches and keys missing on each side. */
export function planJoinCounts(spec: ColumnParitySpec, form: JoinForm): SQL {
  return sql`select count(*) as rows,
      count(*) filter (where o.present is null) as missing_in_old,
      count(*) filter (where n.present is null) as missing_in_new,
      count(*) filter (where o.present and n.present and ${distinctSql(spec, sql`o.v`, sql`n.v`)}) as mismatches
    from ${joinedSql(spec, form)}`;
}

/** Offending keys with both raw values, at most `sample` of them. */
export function planSamples(spec: ColumnParitySpec): SQL {
  const form = formOf(spec);
  if (form.form === 'same_table') {
    const keys = spec.key.map((k, i) => sql`(${columnSql(k)})::text as ${sql.identifier(keyAlias(i))}`);
    return sql`select ${joinSql(keys)}, (${expressionSql(form.old)})::text as old_value, (${expressionSql(form.new)})::text as new_value,
        'mismatch' as category
      from ${tableSql(form.table)}
      where ${predicateSql(form.where)} and ${distinctSql(spec, expressionSql(form.old), expressionSql(form.new))}
      limit ${spec.sample}`;
  }
  const keys = spec.key.map((_, i) => {
    const alias = sql.identifier(keyAlias(i));
    return sql`(coalesce(o.${alias}, n.${alias}))::text as ${alias}`;
  });
  return sql`select ${joinSql(keys)}, (o.v)::text as old_value, (n.v)::text as new_value,
      case when o.present is null then 'missing_in_old' when n.present is null then 'missing_in_new' else 'mismatch' end as category
    from ${joinedSql(spec, form)}
    where o.present is null or n.present is null or ${distinctSql(spec, sql`o.v`, sql`n.v`)}
    limit ${spec.sample}`;
}

/** Judges counts (mismatches plus, in the join form, missing keys) against the threshold. */
export function evaluateColumnParity(spec: ColumnParitySpec, counts: Record<string, number>): Outcome {
  const rows = requireCount(counts, 'rows');
  const mismatches = requireCount(counts, 'mismatches');
  const form = formOf(spec);
  // Only the join form can miss keys; there a missing count is a fault, never a zero.
  const missingInOld = form.form === 'join' ? requireCount(counts, 'missing_in_old') : 0;
  const missingInNew = form.form === 'join' ? requireCount(counts, 'missing_in_new') : 0;
  const differing = mismatches + missingInOld + missingInNew;
  const ratio = rows === 0 ? 0 : differing / rows;
  const pass = spec.max_mismatch_ratio !== undefined ? ratio <= spec.max_mismatch_ratio : differing <= (spec.max_mismatches ?? 0);
  const where = form.form === 'same_table' ? formatTableRef(form.table) : `${formatTableRef(form.old.table)} ⟷ ${formatTableRef(form.new.table)}`;
  const parts = [`${formatCount(mismatches)} mismatching`];
  if (form.form === 'join') parts.push(`${formatCount(missingInNew)} missing in new`, `${formatCount(missingInOld)} missing in old`);
  return {
    status: pass ? 'pass' : 'fail',
    summary: `${where}: ${parts.join(', ')} of ${formatCount(rows)} rows compared`,
    observations: {
      rows,
      rows_scanned: rows,
      mismatches: differing,
      value_mismatches: mismatches,
      ...(form.form === 'join' ? { missing_in_old: missingInOld, missing_in_new: missingInNew } : {}),
      mismatch_ratio: ratio,
    },
    samples: [],
  };
}

/** The counts: the engine's answer to the planned scan (same table), or one join statement. */
async function countFor(spec: ColumnParitySpec, ctx: ExecutionContext, planned: readonly CountResult[]): Promise<Record<string, number>> {
  const form = formOf(spec);
  if (form.form === 'same_table') return planned[0] ?? {};
  const [row] = await ctx.query(spec.source, planJoinCounts(spec, form));
  if (!row) throw new Error('join count returned no row');
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

export const columnParity = defineKind({
  kind: 'column_parity',
  description: 'an old column (or expression) equals the new one, row by row, after normalisation',
  schema: columnParitySchema,
  sourcesOf: (spec) => [spec.source],
  countScans(spec) {
    const form = formOf(spec);
    return form.form === 'same_table' ? [planSameTableCounts(spec, form)] : [];
  },
  async execute(spec, ctx, counts) {
    const outcome = evaluateColumnParity(spec, await countFor(spec, ctx, counts));
    if (outcome.status === 'fail' && spec.sample > 0) {
      const rows = await ctx.query(spec.source, planSamples(spec));
      outcome.samples = rows.map((row) =>
        sampleFromRow(row, spec.key, row.category as SampleCategory, { old: row.old_value, new: row.new_value }),
      );
    }
    return outcome;
  },
});
