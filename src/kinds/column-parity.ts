/**
 * column_parity: the old representation and the new one agree row by row.
 * Same-table form compares two expressions over one table (fusable count scan); the join form
 * (column-parity-join.ts) FULL OUTER JOINs two tables on the key and also reports keys missing on
 * either side. Values are compared exactly (exact-compare.ts): NULL equals NULL, and no collation
 * or lax type makes two different values equal. A scope under `min_rows` is "could not verify".
 */
import { z } from 'zod';
import { addConstantScopeIssues } from '../checkfile/constant-scope.js';
import { addComparedScopeIssues } from '../checkfile/compared-scope.js';
import { normalizerSchema } from '../compare/normalizers.js';
import {
  baseCheckShape, expressionSchema, keyColumnsSchema, minRowsSchema, ratioSchema, sourceNameSchema, tableRefSchema,
} from '../checkfile/common.js';
import { formatTableRef, type TableRef } from '../sql/identifiers.js';
import { columnSql, expressionSql, joinSql, predicateSql, sql, tableSql, type SQL } from '../sql/build.js';
import { filterShape, valueShape, type ColumnRenaming } from '../sql/shape.js';
import { expressionReadsNoData } from '../sql/data-free.js';
import { expressionIsFixed } from '../sql/fixed-answers.js';
import { faultOutcome, scopeTooSmall, thresholdCoversScope, type FaultInfo } from '../results/fault.js';
import { typeProbeSql } from './exact-compare.js';
import { comparedDistinctSql } from './compared-distinct.js';
import { containerNormalizerFault, foldsText, planContainerTypes } from './container-normalizers.js';
import { floatLeavesFrom, floatWidthsDiffer, readTypeTrees } from './float-leaves.js';
import { opaqueTextFault, opaqueTextLeavesFrom } from './opaque-texts.js';
import { compositeFieldsDiffer, compositeFieldsFault, compositeFieldsFrom } from './composite-fields.js';
import { duplicateKeyFault, planDuplicateKeys, planJoinCounts, planJoinSamples, type JoinSide } from './column-parity-join.js';
import { formatCount } from './format.js';
import { keyAlias, sampleFromRow } from './samples.js';
import { defineKind, requireCount, scanFactsOf, type ExecutionContext, type SideRead, type SideRenaming } from './types.js';
import { stopAfterProblem, stopAfterSchema, stopRuleFor } from './stop-after.js';
import type { Outcome, SampleCategory } from '../results/outcome.js';
import { addRowLocalIssues, incrementalSchema, incrementalThresholdProblem } from '../checkfile/incremental.js';
import { readValuePlans, sidesNamed, valuePairFault, type ValueSide } from './lineage/value-lineage.js';
import { fixedValueFault, readValueStandings, type ProbedValue } from './lineage/fixed-values.js';
import { scopeDependenceFault } from './lineage/scope-lineage.js';

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
    max_mismatch_ratio: ratioSchema.optional(),
    /** Fewest rows in scope (each side, in the join form); fewer is "could not verify", never a vacuous pass. */
    min_rows: minRowsSchema,
    sample: z.number().int().min(0).max(1000).default(20),
    /** Chunked scans (same-table form) end once this many rows mismatch; default: over max_mismatches with a full sample. */
    stop_after: stopAfterSchema,
    /** Same-table form: re-read only rows changed since the last pass (see docs/checks.md, "Incremental verification"). */
    incremental: incrementalSchema.optional(),
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
    const stop = stopAfterProblem(thresholdsOf(spec), 'max_mismatches', 'max_mismatch_ratio');
    if (stop) ctx.addIssue({ code: 'custom', path: ['stop_after'], message: stop });
    if (spec.incremental && joinForm) {
      ctx.addIssue({ code: 'custom', path: ['incremental'], message: 'incremental needs the same-table form: a change to one table of a join does not touch the other table\'s column' });
    }
    const incremental = spec.incremental && incrementalThresholdProblem({ max: spec.max_mismatches, ratio: spec.max_mismatch_ratio }, 'max_mismatches', 'max_mismatch_ratio');
    if (incremental) ctx.addIssue({ code: 'custom', path: ['incremental'], message: incremental });
    addConstantScopeIssues(ctx, spec.min_rows, joinForm
      ? [[['old', 'where'], typeof spec.old === 'string' ? undefined : spec.old.where], [['new', 'where'], typeof spec.new === 'string' ? undefined : spec.new.where]]
      : [[['where'], spec.where]]);
    const values = [spec.old, spec.new].map((side) => (typeof side === 'string' ? side : side.expr));
    // `amount > 0 or true` names a column but has one value on every row, like a constant.
    if (values.every((value) => expressionReadsNoData(value) || expressionIsFixed(value))) {
      ctx.addIssue({ code: 'custom', path: joinForm ? ['new', 'expr'] : ['new'], message: 'old and new each names no column of the row (a constant, the clock or the catalog) or has one value whatever the row holds: every row compares the same two values, so the check can never fail for anything in the data; compare a column on at least one side' });
    }
    if (!joinForm) addComparedScopeIssues(ctx, { old: spec.old as string, new: spec.new as string, where: spec.where });
    if (spec.incremental && !joinForm) addRowLocalIssues(ctx, { old: spec.old as string, new: spec.new as string, where: spec.where });
  });
export type ColumnParitySpec = z.output<typeof columnParitySchema>;

function thresholdsOf(spec: Pick<ColumnParitySpec, 'stop_after' | 'max_mismatches' | 'max_mismatch_ratio' | 'sample'>) {
  return { stop_after: spec.stop_after, max: spec.max_mismatches, ratio: spec.max_mismatch_ratio, sample: spec.sample };
}

interface SameTableForm { form: 'same_table'; table: TableRef; old: string; new: string; where?: string | undefined }
interface JoinForm { form: 'join'; old: JoinSide; new: JoinSide }

/** Narrows the spec to one of its two forms (the schema guarantees exactly one applies). */
export function formOf(spec: ColumnParitySpec): SameTableForm | JoinForm {
  if (typeof spec.old === 'string' && typeof spec.new === 'string') {
    return { form: 'same_table', table: spec.table!, old: spec.old, new: spec.new, where: spec.where };
  }
  return { form: 'join', old: spec.old as JoinSide, new: spec.new as JoinSide };
}

/**
 * What each side reads: a table, a filter and a value expression, by shape (normalisers apply to
 * both alike), and in the join form the key columns rows are matched on (the same names on both
 * sides, but a renaming view may give them other columns).
 */
function sidesOf(spec: ColumnParitySpec, renaming: SideRenaming = {}): { old: SideRead; new: SideRead } {
  // Values are compared by text across types, so a value and its own text are one value (valueShape).
  const shape = (expression: string, rename: ColumnRenaming | undefined) => valueShape(expression, rename);
  const form = formOf(spec);
  if (form.form === 'same_table') {
    const side = (value: string, rename: ColumnRenaming | undefined): SideRead => ({ source: spec.source, table: form.table, reads: { where: filterShape(form.where, rename), value: shape(value, rename) } });
    return { old: side(form.old, renaming.old), new: side(form.new, renaming.new) };
  }
  const side = (s: JoinSide, rename: ColumnRenaming | undefined): SideRead => ({
    source: spec.source, table: s.table,
    reads: { keys: spec.key.map((k) => rename?.column(k) ?? k), where: filterShape(s.where, rename), value: shape(s.expr, rename) },
  });
  return { old: side(form.old, renaming.old), new: side(form.new, renaming.new) };
}

/** The two normalised expressions differ, exactly (types probed from the table once per statement). */
function distinctSql(spec: ColumnParitySpec, form: SameTableForm): SQL {
  return comparedDistinctSql(spec.normalize, [expressionSql(form.old), expressionSql(form.new)], [form.table, form.table]);
}

/** Same-table form as a count scan: rows in scope and rows whose values differ (a chunked scan may stop once they prove failure). */
export function planSameTableCounts(spec: ColumnParitySpec, form: SameTableForm) {
  const scope = predicateSql(form.where);
  return {
    source: spec.source,
    table: form.table,
    counts: {
      rows: form.where === undefined ? (true as const) : scope,
      mismatches: sql`${scope} and ${distinctSql(spec, form)}`,
    },
    stopWhen: stopRuleFor('mismatches', thresholdsOf(spec)),
  };
}

/** Same-table form: offending keys with both raw values, at most `sample` of them (within the rows a stopped scan read). */
export function planSamples(spec: ColumnParitySpec, form: SameTableForm, within: SQL = sql`true`): SQL {
  const keys = spec.key.map((k, i) => sql`(${columnSql(k)})::text as ${sql.identifier(keyAlias(i))}`);
  return sql`select ${joinSql(keys)}, (${expressionSql(form.old)})::text as old_value, (${expressionSql(form.new)})::text as new_value,
      'mismatch' as category
    from ${tableSql(form.table)}
    where ${predicateSql(form.where)} and ${distinctSql(spec, form)} and ${within}
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
  // Every row wrong, in the join form, can be every kept key's value changed and the larger side's
  // surplus missing: the larger side's rows, each counted once.
  const everyRowWrong = form.form === 'join' ? Math.max(requireCount(counts, 'old_rows'), requireCount(counts, 'new_rows')) : rows;
  const covering = thresholdCoversScope(spec.max_mismatches, everyRowWrong, 'max_mismatches');
  if (covering) return faultOutcome(covering, { rows, rows_scanned: rows, mismatches: differing });
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
      ...(form.form === 'join'
        ? { missing_in_old: missingInOld, missing_in_new: missingInNew, old_rows: requireCount(counts, 'old_rows'), new_rows: requireCount(counts, 'new_rows') }
        : {}),
      mismatch_ratio: ratio,
    },
    samples: [],
  };
}

/**
 * Refuses what cannot be verified (pure): rows with a NULL key or repeated keys in the join form,
 * and a scope under `min_rows` (each side, in the join form). Undefined when the counts may be judged.
 */
export function refuseScope(spec: ColumnParitySpec, counts: Record<string, number>, duplicates?: Record<'old' | 'new', Record<string, unknown>[]>): Outcome | undefined {
  const form = formOf(spec);
  if (form.form === 'same_table') {
    const rows = requireCount(counts, 'rows');
    const fault = scopeTooSmall(rows, spec.min_rows, `rows in ${formatTableRef(form.table)}${form.where ? ` where ${form.where}` : ''}`);
    return fault && faultOutcome(fault, { rows, rows_scanned: rows });
  }
  const sides = { old: form.old, new: form.new };
  const observations = {
    old_rows: requireCount(counts, 'old_rows'), new_rows: requireCount(counts, 'new_rows'),
    null_key_rows_old: requireCount(counts, 'null_key_rows_old'), null_key_rows_new: requireCount(counts, 'null_key_rows_new'),
  };
  if (observations.null_key_rows_old + observations.null_key_rows_new > 0) {
    const where = spec.key.map((k) => `${k} is not null`).join(' and ');
    return faultOutcome({
      code: 'null_key',
      message: `${observations.null_key_rows_old} rows of ${formatTableRef(form.old.table)} and ${observations.null_key_rows_new} rows of ${formatTableRef(form.new.table)} `
        + `have a NULL in key column(s) ${spec.key.join(', ')}; the join form cannot match them — if they are out of scope, say so with where: "${where}" on both sides`,
    }, observations);
  }
  const repeated = duplicates && duplicateKeyFault({ ...spec, ...sides }, duplicates);
  if (repeated) return faultOutcome(repeated.fault, observations);
  for (const side of ['old', 'new'] as const) {
    const s = sides[side];
    const fault = scopeTooSmall(observations[`${side}_rows`], spec.min_rows, `rows in ${side} ${formatTableRef(s.table)}${s.where ? ` where ${s.where}` : ''}`);
    if (fault) return faultOutcome(fault, observations);
  }
  return undefined;
}

/**
 * The two compared values' types before normalisation, for float-leaves.ts: a normaliser reads a
 * container's text, where a real prints as a double does, so it must not hide the float widths
 * (test/adversarial/normalizer-folds). Read once a check would pass, apart from the count scan,
 * which stays as cheap as it was. In the join form each key column's types too (`k_<i>_old`,
 * `k_<i>_new`): rows are matched by the keys' texts, so keys are compared values as well.
 */
function planComparedTypes(spec: ColumnParitySpec, form: SameTableForm | JoinForm): SQL {
  const probe = (value: SQL, table: TableRef) => sql`pg_typeof(${typeProbeSql(value, table)})::oid::text`;
  if (form.form === 'same_table') return sql`select ${probe(expressionSql(form.old), form.table)} as old, ${probe(expressionSql(form.new), form.table)} as new`;
  const keys = spec.key.flatMap((k, i) => [
    sql`${probe(columnSql(k), form.old.table)} as ${sql.identifier(`k_${i}_old`)}`, sql`${probe(columnSql(k), form.new.table)} as ${sql.identifier(`k_${i}_new`)}`,
  ]);
  return sql`select ${probe(expressionSql(form.old.expr), form.old.table)} as old, ${probe(expressionSql(form.new.expr), form.new.table)} as new, ${joinSql(keys)}`;
}

/**
 * The fault for one pair of types whose texts could agree over different values (pure), read from
 * their type trees: composites naming other fields, or floats of other widths in containers.
 * `what` names the pair for the message ("the compared value", "key column id").
 */
function textsAgreeFault(what: string, roots: readonly [string, string], trees: Parameters<typeof floatLeavesFrom>[1]): FaultInfo | undefined {
  const opaque = opaqueTextFault((['old', 'new'] as const).flatMap((side, i) => {
    const leaves = opaqueTextLeavesFrom(roots[i]!, trees);
    return leaves === null ? [] : [{ value: what, side, leaves }];
  }));
  if (opaque) return opaque;
  const [oldFields, newFields] = roots.map((root) => compositeFieldsFrom(root, trees)) as [string | null, string | null];
  if (compositeFieldsDiffer(oldFields, newFields)) return compositeFieldsFault(what, oldFields, newFields);
  const [old, fresh] = roots.map((root) => floatLeavesFrom(root, trees)) as [string | null, string | null];
  if (!floatWidthsDiffer(old, fresh)) return undefined;
  return {
    code: 'float_widths_differ',
    message: `${what} holds ${old ?? 'no float'} on the old side and ${fresh ?? 'no float'} on the new one: a real where the other holds a double (or an anonymous record, which may hold either) prints alike (0.1) though they are different numbers, and they were ${what.startsWith('key') ? 'matched' : 'compared'} by text — compare the fields as separate values, cast to double precision`,
  };
}

/**
 * "Could not verify" when the two values are containers whose texts agree over different values,
 * read from one walk of their type trees: a real against a double (a composite or range of reals
 * against one of doubles, an anonymous record against one that holds floats) prints alike (0.1);
 * composites whose fields are named or ordered differently (`(x, y)` against `(y, x)`) print by
 * position without names, so swapped fields agree (composite-fields.ts, as table_diff refuses them);
 * object identifiers and nested xml print alike over different values (opaque-texts.ts). In the join form each key column is judged alike, first: a key is matched by its text, so keys
 * that print alike over other values pair rows of other keys (a scalar real against a double is
 * matched as the double it converts to, column-parity-join.ts).
 */
async function refuseContainerTexts(spec: ColumnParitySpec, form: SameTableForm | JoinForm, ctx: ExecutionContext, observations: Outcome['observations']): Promise<Outcome | undefined> {
  const [row] = await ctx.query(spec.source, planComparedTypes(spec, form));
  const pairs: [string, [string, string]][] = form.form === 'same_table' ? [] : spec.key.map((k, i) => [`key column ${k}`, [String(row?.[`k_${i}_old`]), String(row?.[`k_${i}_new`])]]);
  pairs.push(['the compared value', [String(row?.old), String(row?.new)]]);
  const trees = await readTypeTrees((statement) => ctx.query(spec.source, statement), pairs.flatMap(([, roots]) => roots));
  for (const [what, roots] of pairs) {
    const fault = textsAgreeFault(what, roots, trees);
    if (fault) return faultOutcome(fault, observations);
  }
  return undefined;
}

/**
 * "Could not verify" when a text normaliser would edit a container's text (container-normalizers.ts):
 * its member names and structure would be folded with its values. Probes each raw expression's
 * type (no row is read), only when the chain has a text normaliser.
 */
async function refuseFoldedContainers(spec: ColumnParitySpec, form: SameTableForm | JoinForm, ctx: ExecutionContext, observations: Outcome['observations']): Promise<Outcome | undefined> {
  if (!foldsText(spec.normalize)) return undefined;
  const sides = form.form === 'same_table'
    ? [{ side: 'old' as const, table: form.table, expr: form.old }, { side: 'new' as const, table: form.table, expr: form.new }]
    : [{ side: 'old' as const, table: form.old.table, expr: form.old.expr }, { side: 'new' as const, table: form.new.table, expr: form.new.expr }];
  const rows = await Promise.all(sides.map((s) => ctx.query(spec.source, planContainerTypes(s.table, [expressionSql(s.expr)]))));
  const found = sides.flatMap((s, i) => {
    const type = rows[i]?.[0]?.c_0;
    return type === null || type === undefined ? [] : [{ value: s.expr, side: s.side, type: String(type) }];
  });
  const fault = containerNormalizerFault(found);
  return fault && faultOutcome(fault, observations);
}

/**
 * "Could not verify" when old and new are computed from a column in common on the same rows (or,
 * in the join form, both from the key): `coalesce(name, name)` against `name`, or a fall-back on
 * the old column, agrees whatever the migration did (lineage/value-lineage.ts). Asked of the plans.
 * Then either side's value fixed whatever the columns it reads hold (`x * 0`, `left(x, 0) || 'x'`
 * against a column holding 'x') compares nothing of the migration (lineage/fixed-values.ts).
 */
async function refuseSharedColumns(spec: ColumnParitySpec, form: SameTableForm | JoinForm, ctx: ExecutionContext, observations: Outcome['observations']): Promise<Outcome | undefined> {
  const side = (table: TableRef, expr: string, where: string | undefined, keyed: boolean): ValueSide => ({
    source: spec.source, table, where, keys: keyed ? spec.key.map((k) => columnSql(k)) : [], values: [expressionSql(expr)],
  });
  const sides = form.form === 'same_table'
    ? { old: side(form.table, form.old, form.where, false), new: side(form.table, form.new, form.where, false) }
    : { old: side(form.old.table, form.old.expr, form.old.where, true), new: side(form.new.table, form.new.expr, form.new.where, true) };
  const { findings: [finding], lineages } = await readValuePlans(ctx, sides, form.form === 'join');
  const fault = finding && valuePairFault(finding, sidesNamed(sides));
  if (fault) return faultOutcome(fault, observations);
  const expressions = form.form === 'same_table' ? { old: form.old, new: form.new } : { old: form.old.expr, new: form.new.expr };
  const values = (['old', 'new'] as const).flatMap((name): ProbedValue[] => {
    const lineage = lineages[name];
    // Both plans were read, or the pair was refused as untold above.
    return lineage === undefined ? [] : [{ side: name, source: spec.source, table: sides[name].table, expression: expressions[name], where: sides[name].where, lineage, output: sides[name].keys.length }];
  });
  const fixed = fixedValueFault(values, await readValueStandings(ctx, values), sidesNamed(sides));
  return fixed && faultOutcome(fixed, observations);
}

/**
 * The join form's scopes, each judged as a same-table scope is (lineage/scope-lineage.ts), against
 * both compared values: a key left out of one side is counted missing only while the other side
 * keeps it, and two filters on the values (`amount > 0` on old, `amount_cents > 0` on new; both
 * keeping the keys whose values agree) leave a wrong key out of both, neither compared nor missing.
 * So the check is refused when BOTH sides' scopes read a column either value is read from. One
 * side whose scope reads no compared value (a whole table, a filter on the key) compares every
 * key it holds: a key the other side's filter drops is then counted missing there, and a key
 * neither holds is one the unfiltered side says is out of the migration (an archive split by
 * `status` and `placed_at` against the archive table: scenario 06).
 */
async function joinScopeFault(source: string, form: JoinForm, ctx: ExecutionContext): Promise<FaultInfo | undefined> {
  const faults: (FaultInfo | undefined)[] = [];
  for (const [own, other] of [[form.old, form.new], [form.new, form.old]] as const) {
    faults.push(await scopeDependenceFault(ctx, {
      source, table: own.table, where: own.where, values: [expressionSql(own.expr)], nullsOnly: false,
      alsoChecked: { table: other.table, values: [expressionSql(other.expr)] },
    }, 'compared', [own.expr, other.expr]));
    if (faults[0] === undefined) return undefined;
  }
  return faults.every((fault) => fault !== undefined) ? faults[0] : undefined;
}

/**
 * The join form's counts and each side's repeated keys: three statements in one snapshot. Read
 * apart, a key copied into a side after its repeated keys were looked for and before the rows
 * were counted pairs its other side twice — unrefused, diluting the mismatch ratio.
 */
async function joinCounts(spec: ColumnParitySpec, form: JoinForm, ctx: ExecutionContext) {
  const join = { ...spec, old: form.old, new: form.new };
  const [old = [], neu = [], [row] = []] = await ctx.queryInOneSnapshot(spec.source, [planDuplicateKeys(join, 'old'), planDuplicateKeys(join, 'new'), planJoinCounts(join)]);
  if (!row) throw new Error('join count returned no row');
  return { counts: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])), duplicates: { old, new: neu } };
}

export const columnParity = defineKind({
  kind: 'column_parity',
  description: 'an old column (or expression) equals the new one, row by row, after normalisation',
  schema: columnParitySchema,
  sourcesOf: (spec) => [spec.source],
  sides: sidesOf,
  recheck: 'sampled_keys',
  scopeIsCompared: true,
  // A pass is judged by the plans of the compared values, read after the scan (refuseSharedColumns).
  definitionsJudged(spec) {
    const form = formOf(spec);
    return form.form === 'same_table' ? [{ source: spec.source, table: form.table }] : [form.old, form.new].map((side) => ({ source: spec.source, table: side.table }));
  },
  incremental(spec) {
    const form = formOf(spec);
    return spec.incremental && form.form === 'same_table' ? { settings: spec.incremental, source: spec.source, table: form.table, changedRows: { ...spec, min_rows: 0 }, scope: { where: form.where, minRows: spec.min_rows } } : undefined;
  },
  countScans(spec) {
    const form = formOf(spec);
    return form.form === 'same_table' ? [planSameTableCounts(spec, form)] : [];
  },
  async execute(spec, ctx, planned) {
    const form = formOf(spec);
    const { counts, duplicates } = form.form === 'same_table' ? { counts: planned[0] ?? {}, duplicates: undefined } : await joinCounts(spec, form, ctx);
    const refused = refuseScope(spec, counts, duplicates);
    if (refused) return refused;
    const outcome = evaluateColumnParity(spec, counts);
    // Whatever the counts say: the normalised values were not the values the user meant to compare.
    const refusedContainers = await refuseFoldedContainers(spec, form, ctx, outcome.observations);
    if (refusedContainers) return refusedContainers;
    // Only a pass needs it: a fail is never a wrong pass (between such types it may be a false one).
    // An empty scope compared no value: whether it may be empty is the engine's question
    // (runner/empty-scope.ts), and a plan that proves it empty shows no columns to judge.
    if (outcome.status === 'pass' && Number(outcome.observations.rows) > 0) {
      const refusedShared = await refuseSharedColumns(spec, form, ctx, outcome.observations);
      if (refusedShared) return refusedShared;
    }
    // A pass only: a same-table scope that reads the compared values' columns leaves out exactly
    // the rows that could differ (lineage/scope-lineage.ts).
    if (outcome.status === 'pass' && form.form === 'same_table') {
      const fault = await scopeDependenceFault(ctx, { source: spec.source, table: form.table, where: form.where, values: [expressionSql(form.old), expressionSql(form.new)], nullsOnly: false }, 'compared', [form.old, form.new]);
      if (fault) return faultOutcome(fault, outcome.observations);
    }
    if (outcome.status === 'pass' && form.form === 'join') {
      const fault = await joinScopeFault(spec.source, form, ctx);
      if (fault) return faultOutcome(fault, outcome.observations);
    }
    if (outcome.status === 'pass') {
      const refusedTexts = await refuseContainerTexts(spec, form, ctx, outcome.observations);
      if (refusedTexts) return refusedTexts;
    }
    if (outcome.status === 'fail' && spec.sample > 0) {
      // A scan that stopped early found its mismatches in the rows it read: the samples come from there.
      const within = scanFactsOf(planned[0]).within;
      const statement = form.form === 'same_table' ? planSamples(spec, form, within) : planJoinSamples({ ...spec, old: form.old, new: form.new });
      const rows = await ctx.query(spec.source, statement);
      outcome.samples = rows.map((row) =>
        sampleFromRow(row, spec.key, row.category as SampleCategory, { old: row.old_value, new: row.new_value }),
      );
    }
    return outcome;
  },
});
