/** null_check: backfilled columns are filled in every row that should have them. */
import { z } from 'zod';
import { addConstantScopeIssues } from '../checkfile/constant-scope.js';
import { baseCheckShape, columnNameSchema, expressionSchema, keyColumnsSchema, minRowsSchema, ratioSchema, sourceNameSchema, tableRefSchema } from '../checkfile/common.js';
import { formatTableRef } from '../sql/identifiers.js';
import { columnSql, joinSql, predicateSql, regclassText, sql, tableSql, type SQL } from '../sql/build.js';
import { columnsWhoseNullsMayBeExcluded } from '../sql/null-scope.js';
import { arrayLiteralText } from '../sql/array-literal.js';
import { formatCount } from './format.js';
import { primaryKeyOf } from '../introspect/primary-key.js';
import { keyAlias, sampleFromRow } from './samples.js';
import { defineKind, requireCount, scanFactsOf, type CountScan } from './types.js';
import { stopAfterProblem, stopAfterSchema, stopRuleFor } from './stop-after.js';
import type { Outcome, Sample } from '../results/outcome.js';
import { faultOutcome, scopeTooSmall, thresholdCoversScope } from '../results/fault.js';
import { addRowLocalIssues, incrementalSchema, incrementalThresholdProblem } from '../checkfile/incremental.js';
import { planScope, scopeDependenceFault } from './lineage/scope-lineage.js';
import { countedColumnsFault } from './lineage/null-probe.js';

export const nullCheckSchema = z
  .strictObject({
    ...baseCheckShape,
    kind: z.literal('null_check'),
    source: sourceNameSchema,
    table: tableRefSchema,
    columns: z.array(columnNameSchema).min(1).max(64),
    where: expressionSchema.optional(),
    /** Columns identifying a row in samples; defaults to the table's primary key. */
    key: keyColumnsSchema.optional(),
    max_nulls: z.number().int().min(0).optional(),
    max_null_ratio: ratioSchema.optional(),
    sample: z.number().int().min(0).max(1000).default(10),
    /** Rows in scope needed before "no NULLs" means anything (a typo in `where` matches nothing). */
    min_rows: minRowsSchema,
    /** Chunked scans end once this many rows hold NULLs; default: over max_nulls with a full sample. */
    stop_after: stopAfterSchema,
    /** Re-read only rows changed since the last pass (see docs/checks.md, "Incremental verification"). */
    incremental: incrementalSchema.optional(),
  })
  .refine((s) => !(s.max_nulls !== undefined && s.max_null_ratio !== undefined), {
    message: 'set max_nulls or max_null_ratio, not both',
    path: ['max_null_ratio'],
  })
  .superRefine((s, ctx) => {
    addConstantScopeIssues(ctx, s.min_rows, [[['where'], s.where]]);
    const stop = stopAfterProblem(thresholdsOf(s), 'max_nulls', 'max_null_ratio');
    if (stop) ctx.addIssue({ code: 'custom', path: ['stop_after'], message: stop });
    const incremental = s.incremental && incrementalThresholdProblem({ max: s.max_nulls, ratio: s.max_null_ratio }, 'max_nulls', 'max_null_ratio');
    if (incremental) ctx.addIssue({ code: 'custom', path: ['incremental'], message: incremental });
    // A scope that depends on a listed column may leave that column's NULLs out: they would never be counted.
    const excluded = s.where === undefined ? [] : columnsWhoseNullsMayBeExcluded(s.where, s.columns, s.table.name);
    for (const column of excluded) {
      ctx.addIssue({ code: 'custom', path: ['where'], message: `depends on "${column}", so rows where it is NULL may be out of scope and never counted; filter on other columns (e.g. the old one the backfill reads), write that condition as "${column} is null or (…)", or remove "${column}" from columns` });
    }
    if (s.incremental) addRowLocalIssues(ctx, { where: s.where });
  });
export type NullCheckSpec = z.output<typeof nullCheckSchema>;

function thresholdsOf(spec: { stop_after?: number | false | undefined; max_nulls?: number | undefined; max_null_ratio?: number | undefined; sample: number }) {
  return { stop_after: spec.stop_after, max: spec.max_nulls, ratio: spec.max_null_ratio, sample: spec.sample };
}

function anyNullSql(spec: NullCheckSpec): SQL {
  return sql`(${joinSql(spec.columns.map((c) => sql`${columnSql(c)} is null`), sql` or `)})`;
}

/** One scan: rows in scope, rows with any listed column NULL, and NULLs per column. */
export function planNullCheck(spec: NullCheckSpec): CountScan {
  const scope = predicateSql(spec.where);
  const counts: CountScan['counts'] = {
    rows: spec.where === undefined ? true : scope,
    rows_with_nulls: sql`${scope} and ${anyNullSql(spec)}`,
  };
  spec.columns.forEach((column, i) => {
    counts[`nulls_${i}`] = sql`${scope} and ${columnSql(column)} is null`;
  });
  return { source: spec.source, table: spec.table, counts, stopWhen: stopRuleFor('rows_with_nulls', thresholdsOf(spec)) };
}

/** Judges the counts against max_nulls (default 0) or max_null_ratio; too few rows in scope is a fault. */
export function evaluateNullCheck(spec: NullCheckSpec, counts: Record<string, number>): Outcome {
  const rows = requireCount(counts, 'rows');
  const withNulls = requireCount(counts, 'rows_with_nulls');
  const scope = `rows in scope of ${formatTableRef(spec.table)}${spec.where === undefined ? '' : ` where ${spec.where}`}`;
  const tooSmall = scopeTooSmall(rows, spec.min_rows, scope);
  if (tooSmall) return faultOutcome(tooSmall, { rows, rows_with_nulls: withNulls });
  const covering = thresholdCoversScope(spec.max_nulls, rows, `max_nulls over the ${scope}`);
  if (covering) return faultOutcome(covering, { rows, rows_with_nulls: withNulls, rows_scanned: rows });
  const ratio = rows === 0 ? 0 : withNulls / rows;
  const perColumn = Object.fromEntries(spec.columns.map((c, i) => [c, requireCount(counts, `nulls_${i}`)]));
  const pass = spec.max_null_ratio !== undefined ? ratio <= spec.max_null_ratio : withNulls <= (spec.max_nulls ?? 0);
  const limit = spec.max_null_ratio !== undefined ? `ratio ${spec.max_null_ratio}` : `${spec.max_nulls ?? 0} rows`;
  const offenders = Object.entries(perColumn).filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`).join(', ');
  return {
    status: pass ? 'pass' : 'fail',
    summary: withNulls === 0
      ? `all ${formatCount(rows)} rows in scope of ${formatTableRef(spec.table)} have ${spec.columns.join(', ')} filled`
      : `${formatCount(withNulls)} of ${formatCount(rows)} rows in scope of ${formatTableRef(spec.table)} have NULLs (${offenders}); allowed: ${limit}`,
    observations: { rows, rows_with_nulls: withNulls, nulls_by_column: perColumn, rows_scanned: rows, mismatches: withNulls, mismatch_ratio: ratio },
    samples: [],
  };
}

/**
 * Listed columns that share the table's name and are no column of it (pure SQL; reads the
 * catalog). To Postgres such a bare name is the whole row, which IS NULL only when every column
 * is, so counting it would check nothing.
 */
export function planWholeRowNames(spec: NullCheckSpec): SQL {
  return sql`select n.name from unnest(${arrayLiteralText(spec.columns.filter((c) => c === spec.table.name))}::text[]) as n(name)
    where not exists (select from pg_attribute a
      where a.attrelid = to_regclass(${regclassText(spec.table)}) and a.attname = n.name and a.attnum > 0 and not a.attisdropped)`;
}

/** Keys and values of rows with NULLs, for the person fixing the backfill. */
export function planNullSamples(spec: NullCheckSpec, keyColumns: readonly string[], within: SQL = sql`true`): SQL {
  const keys = keyColumns.map((k, i) => sql`(${columnSql(k)})::text as ${sql.identifier(keyAlias(i))}`);
  const values = spec.columns.map((c, i) => sql`(${columnSql(c)})::text as ${sql.identifier(`c_${i}`)}`);
  return sql`select ${joinSql([...keys, ...values])} from ${tableSql(spec.table)}
    where ${predicateSql(spec.where)} and ${anyNullSql(spec)} and ${within} limit ${spec.sample}`;
}

export const nullCheck = defineKind({
  kind: 'null_check',
  description: 'listed columns are not NULL in rows in scope (backfill completeness)',
  schema: nullCheckSchema,
  sourcesOf: (spec) => [spec.source],
  recheck: 'sampled_keys',
  scopeIsCompared: true,
  // A pass is judged by the plan of its scope, read after the scan (lineage/scope-lineage.ts).
  definitionsJudged: (spec) => [{ source: spec.source, table: spec.table }],
  incremental: (spec) => spec.incremental && { settings: spec.incremental, source: spec.source, table: spec.table, changedRows: { ...spec, min_rows: 0 }, scope: { where: spec.where, minRows: spec.min_rows } },
  countScans: (spec) => [planNullCheck(spec)],
  async execute(spec, ctx, [counts = {}]) {
    // Only a name equal to the table's can mean the whole row; the catalog is asked only then.
    if (spec.columns.includes(spec.table.name)) {
      const [row] = await ctx.query<{ name: string }>(spec.source, planWholeRowNames(spec));
      if (row) {
        return faultOutcome({
          code: 'missing_column',
          message: `column "${row.name}" does not exist in ${formatTableRef(spec.table)}; the bare name "${row.name}" would be the whole row, which is NULL only when every column is`,
        });
      }
    }
    const outcome = evaluateNullCheck(spec, counts);
    // A pass only: a scope that reads a counted column under another name (a view's, a generated
    // column's input, a partial index's predicate) may have left its NULLs out (lineage/scope-lineage.ts).
    if (outcome.status === 'pass') {
      const scope = { source: spec.source, table: spec.table, where: spec.where, values: spec.columns.map((c) => columnSql(c)), nullsOnly: true };
      // A counted column that is never NULL, or rows no table holds, pass whatever the data (lineage/null-probe.ts).
      const explained = await planScope(ctx, scope);
      const fault = (await scopeDependenceFault(ctx, scope, 'counted', spec.columns, explained)) ?? (await countedColumnsFault(ctx, spec, explained));
      if (fault) return faultOutcome(fault, outcome.observations);
    }
    if (outcome.status === 'fail' && spec.sample > 0) {
      const keyColumns = spec.key ?? (await primaryKeyOf(ctx, spec.source, spec.table));
      const rows = await ctx.query(spec.source, planNullSamples(spec, keyColumns, scanFactsOf(counts).within));
      outcome.samples = rows.map((row): Sample =>
        sampleFromRow(row, keyColumns, 'null', {
          detail: { null_columns: spec.columns.filter((_, i) => row[`c_${i}`] === null) },
        }),
      );
    }
    return outcome;
  },
});
