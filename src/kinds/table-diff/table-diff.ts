/**
 * table_diff: the same table in two databases (or two tables), every row, without downloading
 * either. Each side computes per-bucket row counts and sums of row hashes in one GROUP BY pass,
 * both sides at once; only dirty buckets are split further (filtered passes at finer buckets)
 * and finally drilled into as (key, row hash, value hashes); only sampled keys are fetched in
 * full. Serialisation and hashing: src/compare/row-hash.ts. Works across servers and engines.
 * Memory stays bounded: every pass is read as a stream into flat columns (fingerprints.ts) or a
 * compact per-chunk store (leaf-diff.ts); no pass's rows are held as objects.
 *
 * Limits, stated in the docs: the key must be unique on each side (else `error: duplicate_key`);
 * rows with a NULL key column are outside the comparison; numerics compare by value only at the
 * top level (inside arrays or JSON, 1.50 and 1.5 differ); a difference hides only if a bucket's
 * count and 60-bit hash sum both collide (~2^-60).
 */
import { z } from 'zod';
import { dirtyBuckets, initialBucketBits, leafChunks, nextDrillStep } from './buckets.js';
import { Fingerprints, type BucketSpace } from './fingerprints.js';
import { diffLeaves, LeafRows } from './leaf-diff.js';
import { keyId } from '../../compare/key-literal.js';
import { normalizeSql, normalizerSchema } from '../../compare/normalizers.js';
import { INTEGER_TYPES } from '../../introspect/primary-key.js';
import { baseCheckShape, expressionSchema, keyColumnsSchema, sourceNameSchema, tableRefSchema } from '../../checkfile/common.js';
import { formatTableRef, parseColumnName } from '../../sql/identifiers.js';
import { columnSql, expressionSql, type SQL } from '../../sql/build.js';
import { readEstimate } from '../../introspect/row-estimate.js';
import {
  planBucketKeys, planFingerprint, planLeafRows, planRowsByKey, planSideTypes, planTableColumns, type DiffSide, type HashScheme, type SideTypes,
} from './plan.js';
import { evaluateTableDiff, sampleKeysOf, type DiffTally } from './verdict.js';
import { defineKind, type ExecutionContext } from '../types.js';
import type { Outcome } from '../../results/outcome.js';

const sideSchema = z.strictObject({ source: sourceNameSchema, table: tableRefSchema, where: expressionSchema.optional() });

/** The table_diff check as written in a check file. */
export const tableDiffSchema = z
  .strictObject({
    ...baseCheckShape,
    kind: z.literal('table_diff'),
    key: keyColumnsSchema,
    old: sideSchema,
    new: sideSchema,
    /** old column name → new expression; left out: every non-key column of old, by name on both sides. */
    columns: z.record(z.string(), expressionSchema).optional(),
    normalize: z.record(z.string(), z.array(normalizerSchema).max(16)).default({}),
    max_differences: z.number().int().min(0).default(0),
    sample: z.number().int().min(0).max(1000).default(20),
  })
  .superRefine((spec, ctx) => {
    for (const name of Object.keys(spec.columns ?? {})) {
      const parsed = parseColumnName(name);
      if (typeof parsed !== 'string') ctx.addIssue({ code: 'custom', path: ['columns', name], message: `column name "${name}" ${parsed.error}` });
      else if (spec.key.includes(parsed)) ctx.addIssue({ code: 'custom', path: ['columns', name], message: `"${name}" is a key column; keys are always compared` });
    }
    if (spec.columns && Object.keys(spec.columns).length === 0) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'list at least one column, or leave columns out to compare all of them' });
    for (const name of Object.keys(spec.normalize)) {
      if (spec.columns && !Object.keys(spec.columns).includes(name)) ctx.addIssue({ code: 'custom', path: ['normalize', name], message: `"${name}" is not one of the compared columns: ${Object.keys(spec.columns).join(', ')}` });
    }
  });
export type TableDiffSpec = z.output<typeof tableDiffSchema>;

// The statements this kind runs, for benchmarks that time the same SQL through psql.
export { planBucketKeys, planFingerprint, planLeafRows, planRowsByKey, planSideTypes, planTableColumns } from './plan.js';

/** Tuning knobs (tests force small buckets to exercise refinement). */
export interface DiffOptions { initialBits?: number; leafChunkRows?: number }

/** One compared column: its label (the old column name) and the value expression on each side. */
export interface ComparedColumn { name: string; old: SQL; new: SQL }

/** The compared columns (pure): `columns:` when given, else `names` (every non-key old column). */
export function comparedColumnsOf(spec: TableDiffSpec, names: readonly string[] = []): ComparedColumn[] {
  const normalize = (name: string, value: SQL) => normalizeSql(value, spec.normalize[name] ?? []);
  if (spec.columns) {
    return Object.entries(spec.columns).map(([label, expression]) => {
      const name = parseColumnName(label) as string;
      return { name: label, old: normalize(label, columnSql(name)), new: normalize(label, expressionSql(expression)) };
    });
  }
  return names.filter((n) => !spec.key.includes(n))
    .map((name) => ({ name, old: normalize(name, columnSql(name)), new: normalize(name, columnSql(name)) }));
}

/** Both sides of the diff as plans read them (pure). */
export function diffSidesOf(spec: TableDiffSpec, columns: readonly ComparedColumn[]): Record<'old' | 'new', DiffSide> {
  const keys = spec.key.map((k) => columnSql(k));
  return {
    old: { ...spec.old, keys, values: columns.map((c) => c.old) },
    new: { ...spec.new, keys, values: columns.map((c) => c.new) },
  };
}

/** The first fingerprint pass of both sides (pure), e.g. for a benchmark to time through psql. */
export function planFingerprintPass(spec: TableDiffSpec, types: Record<'old' | 'new', SideTypes>, bits: number, columnNames: readonly string[] = []): Record<'old' | 'new', SQL> {
  const sides = diffSidesOf(spec, comparedColumnsOf(spec, columnNames));
  const scheme = hashSchemeOf(types);
  return { old: planFingerprint(sides.old, types.old, scheme, bits), new: planFingerprint(sides.new, types.new, scheme, bits) };
}

/** Integer bucket hashing only when both sides key on one integer column (else md5 of the key text). */
export function hashSchemeOf(types: Record<'old' | 'new', SideTypes>): HashScheme {
  return { integerKey: types.old.keys.length === 1 && INTEGER_TYPES.has(types.old.keys[0]!) && INTEGER_TYPES.has(types.new.keys[0]!) };
}

async function comparedColumns(spec: TableDiffSpec, ctx: ExecutionContext): Promise<ComparedColumn[]> {
  if (spec.columns) return comparedColumnsOf(spec);
  const rows = await ctx.query<{ name: string }>(spec.old.source, planTableColumns(spec.old.table));
  return comparedColumnsOf(spec, rows.map((r) => r.name));
}

/** Runs the diff: fingerprints, refinement, leaf diff, samples. */
export async function diffTables(spec: TableDiffSpec, ctx: ExecutionContext, options: DiffOptions = {}): Promise<Outcome> {
  const columns = await comparedColumns(spec, ctx);
  const keys = spec.key.map((k) => columnSql(k));
  const sides = diffSidesOf(spec, columns);
  const both = <T>(work: (side: 'old' | 'new') => Promise<T>) => Promise.all([work('old'), work('new')]);
  const typeRows = await both((s) => ctx.query(sides[s].source, planSideTypes(sides[s])));
  const types = Object.fromEntries((['old', 'new'] as const).map((s, i): [string, SideTypes] => {
    const row = typeRows[i]![0] ?? {};
    return [s, { keys: keys.map((_, j) => String(row[`k_${j}`])), values: columns.map((_, j) => String(row[`v_${j}`])) }];
  })) as Record<'old' | 'new', SideTypes>;
  const scheme = hashSchemeOf(types);
  const estimates = typeRows.map((rows) => readEstimate(rows[0]?.estimate)).filter((e): e is number => e !== undefined);
  let bits = options.initialBits ?? initialBucketBits(estimates.length > 0 ? Math.max(...estimates) : undefined);

  const tally: DiffTally = {
    oldRows: 0, newRows: 0, missingInNew: 0, missingInOld: 0, changed: 0, changedByColumn: columns.map(() => 0), changedUnattributed: 0,
    keys: { missingInNew: [], missingInOld: [], changed: [] }, rows: { old: new Map(), new: new Map() }, rowsTransferred: 0, passes: 0, bucketBits: bits,
  };
  const run = async (side: 'old' | 'new', statement: SQL) => {
    const rows = await ctx.query(sides[side].source, statement);
    tally.rowsTransferred += rows.length;
    return rows;
  };
  // Passes stream straight into compact structures; only the small sample statements return arrays.
  const stream = async (side: 'old' | 'new', statement: SQL, onRow: (row: Record<string, unknown>) => void) => {
    const rows = await ctx.queryEach(sides[side].source, statement, onRow);
    tally.rowsTransferred += rows;
  };
  const fingerprints = async (space: BucketSpace) => {
    tally.passes++;
    const [o, n] = await both(async (s) => {
      const prints = new Fingerprints(space);
      await stream(s, planFingerprint(sides[s], types[s], scheme, space.bits, space.within), (row) => prints.addRow(row));
      return prints;
    });
    return { old: o, new: n };
  };

  let prints: { old: Fingerprints; new: Fingerprints } = await fingerprints({ bits });
  tally.oldRows = prints.old.totalRows();
  tally.newRows = prints.new.totalRows();
  ctx.progress({ rowsScanned: tally.oldRows + tally.newRows });
  const oneSided: { bits: number; old: number[]; new: number[] }[] = [];
  let dirty = dirtyBuckets(prints.old, prints.new);
  for (let refinements = 0; ; refinements++) {
    tally.missingInNew += dirty.rowsOnlyOld;
    tally.missingInOld += dirty.rowsOnlyNew;
    oneSided.push({ bits, old: dirty.onlyOld, new: dirty.onlyNew });
    const step = nextDrillStep(dirty, bits, refinements);
    if ('leaf' in step) break;
    const within = { bits, buckets: dirty.twoSided };
    bits = step.refineTo;
    prints = await fingerprints({ bits, within });
    dirty = dirtyBuckets(prints.old, prints.new);
  }
  tally.bucketBits = bits;

  const keep = <T>(list: T[], item: T) => { if (list.length < spec.sample) list.push(item); };
  // One store per side, emptied for each chunk and sized from the fingerprints: no garbage piles up between chunks.
  const leafStores = { old: new LeafRows(keys.length, columns.length), new: new LeafRows(keys.length, columns.length) };
  for (const chunk of leafChunks(dirty.twoSided, prints.old, prints.new, options.leafChunkRows ?? 200_000)) {
    tally.passes++;
    const [oldLeaves, newLeaves] = await both(async (s) => {
      const leaves = leafStores[s].clear(chunk.reduce((rows, bucket) => rows + prints[s].count(bucket), 0));
      await stream(s, planLeafRows(sides[s], types[s], scheme, bits, chunk), (row) => leaves.add({
        parts: keys.map((_, i) => String(row[`k_${i}`])),
        hash: String(row.rh),
        values: columns.map((_, i) => (row[`c_${i}`] === null ? null : Number(row[`c_${i}`]))),
      }));
      return leaves;
    });
    const diff = diffLeaves(oldLeaves, newLeaves);
    tally.missingInNew += diff.missingInNew.length;
    tally.missingInOld += diff.missingInOld.length;
    tally.changed += diff.changed.length;
    diff.missingInNew.forEach((parts) => keep(tally.keys.missingInNew, parts));
    diff.missingInOld.forEach((parts) => keep(tally.keys.missingInOld, parts));
    for (const change of diff.changed) {
      change.columns.forEach((i) => tally.changedByColumn[i]!++);
      if (change.columns.length === 0) tally.changedUnattributed++;
      keep(tally.keys.changed, change);
    }
  }

  if (spec.sample > 0) {
    // Buckets present on one side only were counted without reading keys; read a few for samples.
    for (const group of oneSided) {
      for (const [side, list] of [['old', tally.keys.missingInNew], ['new', tally.keys.missingInOld]] as const) {
        const wanted = spec.sample - list.length;
        if (wanted <= 0 || group[side].length === 0) continue;
        const rows = await run(side, planBucketKeys(sides[side], types[side], scheme, group.bits, group[side], wanted));
        rows.forEach((row) => keep(list, keys.map((_, i) => String(row[`k_${i}`]))));
      }
    }
    const sampled = sampleKeysOf(tally, spec.sample).map((s) => s.parts);
    if (sampled.length > 0) {
      await both(async (s) => {
        for (const row of await run(s, planRowsByKey(sides[s], types[s], sampled))) {
          const parts = keys.map((_, i) => String(row[`k_${i}`]));
          tally.rows[s].set(keyId(parts), Object.fromEntries(columns.map((c, i) => [c.name, row[`v_${i}`] as string | null])));
        }
      });
    }
  }
  const describe = `${spec.old.source}:${formatTableRef(spec.old.table)} ⟷ ${spec.new.source}:${formatTableRef(spec.new.table)}`;
  return evaluateTableDiff(spec, columns.map((c) => c.name), tally, describe);
}

/** The table_diff kind. */
export const tableDiff = defineKind({
  kind: 'table_diff',
  description: 'every row of a table matches its counterpart in another database or table, compared by hashed buckets without downloading either side',
  schema: tableDiffSchema,
  sourcesOf: (spec) => [...new Set([spec.old.source, spec.new.source])],
  execute: (spec, ctx) => diffTables(spec, ctx),
});
