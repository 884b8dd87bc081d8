/**
 * table_diff: the same table in two databases (or two tables), every row, without downloading
 * either. Each side computes per-bucket row counts and sums of row hashes in one GROUP BY pass,
 * both sides in one snapshot on one database (else at once, side-reads.ts); only dirty buckets are split further (filtered passes at finer buckets)
 * and finally drilled into as (key, row hash, value hashes); only sampled keys are fetched in
 * full. Serialisation and hashing: row-hash.ts. Works across servers and engines.
 * Memory stays bounded: every pass is read as a stream into flat columns (fingerprints.ts) or a
 * compact per-chunk store (leaf-diff.ts); no pass's rows are held as objects. A big table is
 * diffed in key-range segments instead, each a complete diff whose tally is recorded in the
 * state store so an interrupted run resumes after the last segment (segments.ts, segmented-diff.ts).
 *
 * Limits, stated in the docs: the key must be unique on each side (else `error: duplicate_key`);
 * a row with a NULL key column cannot be matched, so any such row is `error: null_key`; each side
 * must hold at least `min_rows` rows; numerics compare by value only at the top level (inside
 * arrays or JSON, 1.50 and 1.5 differ); a difference hides only if a bucket's count and keyed
 * hash sum both collide (≤ 2^-60 per differing bucket with sha256, whatever the data; ≤ 2^-62 with
 * the fast hash for data not crafted against it — row-hash.ts).
 */
import { BucketTotals, dirtyBuckets, initialBucketBits, leafChunks, nextDrillStep, unreproducedBucket } from './buckets.js';
import { Fingerprints, type BucketSpace } from './fingerprints.js';
import { diffLeaves, LeafRows } from './leaf-diff.js';
import { keyId } from '../../compare/key-literal.js';
import { newRowHashSalt, rowHashProbeSql, type RowHashMode } from './row-hash.js';
import { formatTableRef, parseColumnName } from '../../sql/identifiers.js';
import { columnExpression } from '../../sql/shape.js';
import { columnSql, predicateSql, type SQL } from '../../sql/build.js';
import { emptyScopesNeverFail, type Scope } from '../empty-scope.js';
import { readEstimate } from '../../introspect/row-estimate.js';
import { Fault, faultOutcome } from '../../results/fault.js';
import { containerNormalizerFault, planContainerTypes } from '../container-normalizers.js';
import { floatLeavesFrom, floatWidthsDiffer, readTypeTrees } from '../float-leaves.js';
import { compositeFieldsDiffer, compositeFieldsFault, compositeFieldsFrom } from '../composite-fields.js';
import { opaqueTextFault, opaqueTextLeavesFrom, type OpaqueText } from '../opaque-texts.js';
import { planBucketKeys, planLeafRows, planRowsByKey, planSideTypes, planTableColumns, planFingerprint, type SideTypes } from './plan.js';
import { planKeyCorrelation, segmentRowsFor } from './segments.js';
import { diffSegments, keyOrderDiffers, type Sides } from './segmented-diff.js';
import { openSideReads, type SideReads } from './side-reads.js';
import { comparedColumnsOf, diffSidesOf, diffSidesRead, hashSchemeOf, tableDiffSchema, withValueForms, withWidenedReals, type ComparedColumn, type TableDiffSpec } from './spec.js';
import { evaluateTableDiff, refuseScope, sampleKeysOf, type DiffTally } from './verdict.js';
import { defineKind, type ExecutionContext, type QueryOptions, type ScanFacts } from '../types.js';
import { stopRuleFor } from '../stop-after.js';
import { scanObservations, withScanFacts } from '../scan-facts.js';
import { readValuePlans, sidesNamed, valuePairsFault, type ValueSide } from '../lineage/value-lineage.js';
import { fixedValueFault, readValueStandings, type ProbedValue } from '../lineage/fixed-values.js';
import type { Outcome } from '../../results/outcome.js';

/** Tuning knobs (tests force small buckets to exercise refinement, or fix the salt to compare engines). */
export interface DiffOptions { initialBits?: number; leafChunkRows?: number; salt?: string; segmentRows?: number }

async function comparedColumns(spec: TableDiffSpec, ctx: ExecutionContext, reads: SideReads): Promise<ComparedColumn[]> {
  if (spec.columns) return comparedColumnsOf(spec);
  // The columns of the very table the diff reads (by its oid), not of whatever the name reaches now.
  const rows = await ctx.query<{ name: string }>(spec.old.source, planTableColumns(reads.tables[0]));
  return comparedColumnsOf(spec, rows.map((r) => r.name));
}

/** What readyNormalizedColumns reads of one raw value's type. */
interface NormalizedShape { container: unknown; floats: string | null; fields: string | null; opaque: string | null }

/** The values among one compared column's two sides whose types hold opaque leaves (opaque-texts.ts). */
function opaqueTextsOf(value: string, leaves: Record<'old' | 'new', string | null>): OpaqueText[] {
  return (['old', 'new'] as const).flatMap((side) => (leaves[side] === null ? [] : [{ value, side, leaves: leaves[side]! }]));
}

/**
 * The compared columns, ready for a normaliser's text: a scalar real against a double normalised
 * from the double it converts to (withWidenedReals); refused, a column whose raw values that text
 * would misread: a container under a text normaliser (`normalizer_on_container`: its member names
 * would be folded with its values), and containers holding a real on one side where the other holds a double
 * (`float_widths_differ`, as withValueForms refuses them unnormalised: both print 0.1), and object
 * identifiers or nested xml, whose text misprints them (opaque-texts.ts). The
 * normalised values are text, so their own types say nothing of either. No table row is read.
 */
async function readyNormalizedColumns(spec: TableDiffSpec, ctx: ExecutionContext, reads: SideReads, columns: readonly ComparedColumn[]): Promise<ComparedColumn[]> {
  const normalized = columns.filter((c) => c.raw !== undefined);
  if (normalized.length === 0) return [...columns];
  const [old, fresh] = await Promise.all((['old', 'new'] as const).map(async (side) => {
    const [row] = await reads.query(side, planContainerTypes(spec[side].table, normalized.map((c) => c.raw![side])));
    const roots = normalized.map((_, i) => String(row?.[`t_${i}`]));
    const trees = await readTypeTrees((statement) => ctx.query(spec[side].source, statement), roots);
    return roots.map((root, i) => ({ container: row?.[`c_${i}`], floats: floatLeavesFrom(root, trees), fields: compositeFieldsFrom(root, trees), opaque: opaqueTextLeavesFrom(root, trees) }));
  })) as [NormalizedShape[], NormalizedShape[]];
  // A normaliser reads the raw value's text: an object identifier or a nested xml misprints there as anywhere.
  const opaque = opaqueTextFault(normalized.flatMap((c, i) => opaqueTextsOf(`column ${c.name}`, { old: old[i]!.opaque, new: fresh[i]!.opaque })));
  if (opaque) throw new Fault(opaque);
  const found = normalized.flatMap((c, i) => (c.raw!.foldsText ? ([['old', old[i]!], ['new', fresh[i]!]] as const) : [])
    .flatMap(([side, t]) => (t.container === null || t.container === undefined ? [] : [{ value: `column ${c.name}`, side, type: String(t.container) }])));
  const fault = containerNormalizerFault(found);
  if (fault) throw new Fault(fault);
  const narrowed = normalized.findIndex((_, i) => floatWidthsDiffer(old[i]!.floats, fresh[i]!.floats));
  if (narrowed >= 0) {
    throw new Fault({
      code: 'float_widths_differ',
      message: `column ${normalized[narrowed]!.name} holds a real on one side where the other holds a double (old: ${old[narrowed]!.floats}; new: ${fresh[narrowed]!.floats}); both print 0.1 alike though they are different numbers, and its normalisers read that text — compare its fields as columns, or cast them to double precision in the check`,
    });
  }
  const reordered = normalized.findIndex((_, i) => compositeFieldsDiffer(old[i]!.fields, fresh[i]!.fields));
  if (reordered >= 0) throw new Fault(compositeFieldsFault(`column ${normalized[reordered]!.name}`, old[reordered]!.fields, fresh[reordered]!.fields));
  // Scalars have an exact form: the real normalised as the double it converts to.
  return columns.map((c) => {
    const i = normalized.indexOf(c);
    return i < 0 ? c : withWidenedReals(c, { old: old[i]!.floats, new: fresh[i]!.floats });
  });
}

/**
 * "Could not verify" when a pass does not reproduce a dirty bucket of the pass before it on one
 * side (buckets.ts unreproducedBucket): the two statements read other rows or values, so what the
 * earlier pass saw differ cannot be drilled into — rows written between them, or a compared
 * expression or filter whose value depends on the rows a statement reads or when it runs.
 */
function refuseUnreproduced(side: 'old' | 'new', bucket: number | undefined, bits: number): void {
  if (bucket === undefined) return;
  throw new Fault({
    code: 'passes_disagree',
    message: `the ${side} side's rows in bucket ${bucket} (of ${2 ** bits}) did not add up to what the previous pass of this diff read there: rows changed between the diff's statements, or a compared expression or where depends on which rows a statement reads (a window function or aggregate) or on when it runs (now(), random()); diff data at rest, with expressions of the row alone`,
  });
}

/**
 * The fault for compared columns computed from a column in common on the same rows (a column mapped
 * to a function of itself, a fall-back on the old column, the matched key on both sides, a foreign
 * table that may read the other side back), or for a compared value fixed whatever its columns hold
 * (`columns: { name: "left(name_v2, 0) || 'x'" }` compares one value on every row, and passes
 * wherever the old column holds it): planned and probed over a few rows (lineage/fixed-values.ts),
 * only on a pass, nothing more asked when every value is a bare column.
 */
async function sharedColumnsFault(spec: TableDiffSpec, ctx: ExecutionContext, columns: readonly ComparedColumn[]) {
  const side = (s: 'old' | 'new'): ValueSide => ({ ...spec[s], keys: spec.key.map((k) => columnSql(k)), values: columns.map((c) => c.raw?.[s] ?? c[s]) });
  const sides = { old: side('old'), new: side('new') };
  const { findings, lineages } = await readValuePlans(ctx, sides, true);
  const shared = valuePairsFault(findings, columns.map((c) => c.name), sidesNamed(sides));
  if (shared) return shared;
  // The operator's text of each value: the old column by name, the new one as mapped (before normalisers, as planned).
  const expression = (column: ComparedColumn, s: 'old' | 'new') => {
    const mapped = s === 'new' ? spec.columns?.[column.name] : undefined;
    if (mapped !== undefined) return mapped;
    const name = spec.columns === undefined ? column.name : parseColumnName(column.name);
    return columnExpression(typeof name === 'string' ? name : column.name);
  };
  const values = columns.flatMap((column, i) => (['old', 'new'] as const).flatMap((s): ProbedValue[] => {
    const lineage = lineages[s];
    // Every plan was read, or its pairs were refused as untold above.
    return lineage === undefined ? [] : [{ side: s, source: spec[s].source, table: spec[s].table, expression: expression(column, s), where: spec[s].where, lineage, output: spec.key.length + i }];
  }));
  return fixedValueFault(values, await readValueStandings(ctx, values), sidesNamed(sides));
}

/** Runs the diff: fingerprints, refinement, leaf diff, samples — in one go, or segment by segment (segments.ts). */
export async function diffTables(spec: TableDiffSpec, ctx: ExecutionContext, options: DiffOptions = {}): Promise<Outcome> {
  // Which table each side's name reaches now: every statement below proves it read that one.
  const reads = await openSideReads(ctx, { old: spec.old, new: spec.new });
  const columns = await readyNormalizedColumns(spec, ctx, reads, await comparedColumns(spec, ctx, reads));
  const keys = spec.key.map((k) => columnSql(k));
  const untyped = diffSidesOf(spec, columns);
  const both = <T>(work: (side: 'old' | 'new') => Promise<T>) => Promise.all([work('old'), work('new')]);
  // The fast row hash only when both servers give the same keyed hash and encoding for a fixed text.
  const probeFastRowHash = async (salt: string): Promise<RowHashMode> => {
    const answers = await both(async (s) => {
      try {
        const row = (await ctx.query(untyped[s].source, rowHashProbeSql(salt)))[0];
        return row ? `${String(row.encoding)}:${String(row.probe)}` : undefined;
      } catch {
        return undefined; // e.g. a server without hashtextextended: fall back, never fail the check for it
      }
    });
    return answers[0] !== undefined && answers[0] === answers[1] ? 'fast' : 'sha256';
  };
  const typeRows = await both((s) => reads.query(s, planSideTypes(untyped[s])));
  // Where each compared type holds floats, from each side's own catalog (float-leaves.ts): reads of
  // pg_type by oid, not of the table, so no proof of which table they read.
  // The same tree gives the field names of the composites each type holds (composite-fields.ts).
  const shapeRows = await both(async (s) => {
    const roots = oidsOf(typeRows[s === 'old' ? 0 : 1]![0]?.type_oids);
    const trees = await readTypeTrees((statement) => ctx.query(untyped[s].source, statement), roots);
    return { floats: roots.map((root) => floatLeavesFrom(root, trees)), fields: roots.map((root) => compositeFieldsFrom(root, trees)), opaque: roots.map((root) => opaqueTextLeavesFrom(root, trees)) };
  });
  // Keys and values whose text cannot tell different values apart (opaque-texts.ts): "could not verify".
  const opaqueNames = [...spec.key.map((k) => `key ${k}`), ...columns.map((c) => `column ${c.name}`)];
  const opaque = opaqueTextFault(opaqueNames.flatMap((name, j) => opaqueTextsOf(name, { old: shapeRows[0]!.opaque[j] ?? null, new: shapeRows[1]!.opaque[j] ?? null })));
  if (opaque) throw new Fault(opaque);
  const types = Object.fromEntries((['old', 'new'] as const).map((s, i): [string, SideTypes] => {
    const row = typeRows[i]![0] ?? {};
    const { floats, fields } = shapeRows[i]!;
    return [s, {
      keys: keys.map((_, j) => String(row[`k_${j}`])),
      values: columns.map((_, j) => String(row[`v_${j}`])),
      floats: { keys: floats.slice(0, keys.length), values: floats.slice(keys.length) },
      fields: { keys: fields.slice(0, keys.length), values: fields.slice(keys.length) },
    }];
  })) as Record<'old' | 'new', SideTypes>;
  // How each column is written depends on both sides' types: by value only where column_parity compares by value.
  const sides = withValueForms(untyped, types, { keys: spec.key, values: columns.map((c) => c.name) });
  // A fresh salt per run, resumed or not: a segment's two sides are hashed alike, which is all a
  // fingerprint comparison needs, and the secret is never written to the state store.
  const salt = options.salt ?? newRowHashSalt();
  const scheme = hashSchemeOf(types, salt, spec.row_hash === 'fast' ? await probeFastRowHash(salt) : 'sha256');
  const estimates = typeRows.map((rows) => readEstimate(rows[0]?.estimate)).filter((e): e is number => e !== undefined);
  const largest = estimates.length > 0 ? Math.max(...estimates) : undefined;
  // Both sides' planner estimates make the total, so progress reports against it like a scan.
  const rowsEstimated = estimates.length === 2 ? estimates[0]! + estimates[1]! : undefined;
  // Automatic segments only for big tables stored in key order: ask the planner's statistics then.
  const correlation = options.segmentRows === undefined && spec.segment_rows === undefined && segmentRowsFor(undefined, largest, [1]) !== undefined
    ? await both(async (s) => {
      const value = (await ctx.query(sides[s].source, planKeyCorrelation(sides[s], spec.key[0]!)))[0]?.correlation;
      return value === null || value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
    })
    : undefined;
  let segmentRows = options.segmentRows ?? segmentRowsFor(spec.segment_rows, largest, correlation);
  // Segments need both sides to order keys alike; a whole-table pass does not (buckets hash key texts).
  const orderDiffers = segmentRows === undefined ? undefined : await keyOrderDiffers(spec, ctx, reads, sides, types);
  if (orderDiffers && (options.segmentRows ?? spec.segment_rows) !== undefined) throw new Fault({ code: 'key_order_differs', message: `${orderDiffers}; set segment_rows: 0 to diff the table in one pass` });
  if (orderDiffers) segmentRows = undefined;

  const tally: DiffTally = {
    oldRows: 0, newRows: 0, missingInNew: 0, missingInOld: 0, changed: 0, changedByColumn: columns.map(() => 0), changedUnattributed: 0,
    keys: { missingInNew: [], missingInOld: [], changed: [] }, rows: { old: new Map(), new: new Map() }, rowsTransferred: 0, passes: 0, bucketBits: 0,
    rowHash: scheme.rowHash,
  };
  const run = async (side: 'old' | 'new', statement: SQL) => {
    const rows = await reads.query(side, statement);
    tally.rowsTransferred += rows.length;
    return rows;
  };
  // Passes stream straight into compact structures; only the small sample statements return arrays.
  // A pass's two sides are compared with each other: one snapshot where one transaction reads both (side-reads.ts).
  const streamBoth = async (statements: Record<'old' | 'new', SQL>, onRow: Record<'old' | 'new', (row: Record<string, unknown>) => void>, options?: QueryOptions) => {
    const rows = await reads.both(statements, onRow, options);
    tally.rowsTransferred += rows[0] + rows[1];
  };
  // Rows whose key has a NULL column: a first pass counts them in its NULL bucket (segments: counted apart first).
  const nullKeyRows = { old: 0, new: 0 };
  const progress = () => ctx.progress({
    rowsScanned: tally.oldRows + tally.newRows + nullKeyRows.old + nullKeyRows.new,
    ...(rowsEstimated !== undefined ? { rowsEstimated: Math.max(rowsEstimated, tally.oldRows + tally.newRows) } : {}),
  });
  // stop_after: differences found so far only grow, so once they reach the rule the verdict is fail —
  // once both sides hold min_rows too (a segmented diff knows its row counts only at the end).
  const rule = stopRuleFor('differences', { stop_after: spec.stop_after, max: spec.max_differences, sample: spec.sample });
  const proven = () => rule !== undefined && tally.missingInNew + tally.missingInOld + tally.changed >= rule.atLeast
    && tally.oldRows >= spec.min_rows && tally.newRows >= spec.min_rows;
  const keep = <T>(list: T[], item: T) => { if (list.length < spec.sample) list.push(item); };
  // One store per side, emptied for each chunk and sized from the fingerprints: no garbage piles up between chunks.
  const leafStores = { old: new LeafRows(keys.length, columns.length), new: new LeafRows(keys.length, columns.length) };

  /**
   * One complete diff of `range` (the whole table or a segment) added into the tally: a first
   * pass at `bits`, refinements, leaf chunks, sample keys of one-sided buckets. True when it
   * stopped with dirty buckets left undrilled (its counts are then lower bounds).
   */
  const diffRange = async (range: Sides, initialBits: number, afterFirstPass: () => Outcome | undefined): Promise<boolean | Outcome> => {
    let bits = initialBits;
    const fingerprints = async (space: BucketSpace) => {
      tally.passes++;
      const prints = { old: new Fingerprints(space), new: new Fingerprints(space) };
      const into = (s: 'old' | 'new') => (row: Record<string, unknown>) => {
        if (row.b === null) nullKeyRows[s] += Number(row.n);
        else prints[s].addRow(row);
      };
      const plan = (s: 'old' | 'new') => planFingerprint(range[s], types[s], scheme, space.bits, space.within);
      await streamBoth({ old: plan('old'), new: plan('new') }, { old: into('old'), new: into('new') }, fingerprintReadOptions(prints.old.slots));
      return prints;
    };
    let prints: { old: Fingerprints; new: Fingerprints } = await fingerprints({ bits });
    tally.oldRows += prints.old.totalRows();
    tally.newRows += prints.new.totalRows();
    progress();
    const refused = afterFirstPass();
    if (refused) return refused;
    const oneSided: { bits: number; old: number[]; new: number[] }[] = [];
    let stopped = false;
    let dirty = dirtyBuckets(prints.old, prints.new);
    for (let refinements = 0; ; refinements++) {
      tally.missingInNew += dirty.rowsOnlyOld;
      tally.missingInOld += dirty.rowsOnlyNew;
      oneSided.push({ bits, old: dirty.onlyOld, new: dirty.onlyNew });
      if (proven()) {
        stopped = dirty.twoSided.length > 0;
        break;
      }
      const step = nextDrillStep(dirty, bits, refinements);
      if ('leaf' in step) break;
      const within = { bits, buckets: dirty.twoSided };
      bits = step.refineTo;
      const coarse = prints;
      prints = await fingerprints({ bits, within });
      for (const s of ['old', 'new'] as const) refuseUnreproduced(s, unreproducedBucket(coarse[s], prints[s]), within.bits);
      dirty = dirtyBuckets(prints.old, prints.new);
    }
    tally.bucketBits = Math.max(tally.bucketBits, bits);

    for (const chunk of stopped ? [] : leafChunks(dirty.twoSided, prints.old, prints.new, options.leafChunkRows ?? 200_000)) {
      if (proven()) {
        stopped = true;
        break;
      }
      tally.passes++;
      const leaves = { old: leafStores.old.clear(chunk.reduce((rows, bucket) => rows + prints.old.count(bucket), 0)), new: leafStores.new.clear(chunk.reduce((rows, bucket) => rows + prints.new.count(bucket), 0)) };
      const totals = { old: new BucketTotals(), new: new BucketTotals() };
      const into = (s: 'old' | 'new') => (row: Record<string, unknown>) => {
        totals[s].add(Number(row.b), String(row.rh));
        leaves[s].add({
          parts: keys.map((_, i) => String(row[`k_${i}`])),
          hash: String(row.rh),
          values: columns.map((_, i) => (row[`c_${i}`] === null ? null : Number(row[`c_${i}`]))),
        });
      };
      const plan = (s: 'old' | 'new') => planLeafRows(range[s], types[s], scheme, bits, chunk);
      await streamBoth({ old: plan('old'), new: plan('new') }, { old: into('old'), new: into('new') });
      // The drill-down must read the very rows its pass printed, or a difference could vanish between the two.
      for (const s of ['old', 'new'] as const) refuseUnreproduced(s, unreproducedBucket(prints[s], totals[s].prints(bits, chunk)), bits);
      const diff = diffLeaves(leaves.old, leaves.new);
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
    // Buckets present on one side only were counted without reading keys; read a few for samples.
    for (const group of spec.sample > 0 ? oneSided : []) {
      for (const [side, list] of [['old', tally.keys.missingInNew], ['new', tally.keys.missingInOld]] as const) {
        const wanted = spec.sample - list.length;
        if (wanted <= 0 || group[side].length === 0) continue;
        const rows = await run(side, planBucketKeys(range[side], types[side], scheme, group.bits, group[side], wanted));
        rows.forEach((row) => keep(list, keys.map((_, i) => String(row[`k_${i}`]))));
      }
    }
    return stopped;
  };

  let stopped: boolean;
  const facts: ScanFacts[] = [];
  if (segmentRows === undefined) {
    const result = await diffRange(sides, options.initialBits ?? initialBucketBits(largest), () => refuseScope(spec, tally, nullKeyRows));
    if (typeof result !== 'boolean') return result;
    stopped = result;
  } else {
    const result = await diffSegments({ spec, ctx, reads, sides, types, tally, columns, nullKeyRows, proven, progress }, segmentRows, (range) => diffRange(range, options.initialBits ?? initialBucketBits(segmentRows), () => undefined));
    if ('status' in result) return result;
    stopped = result.stopped;
    if (result.resumed) facts.push({ resumed: result.resumed });
    const refused = refuseScope(spec, tally, nullKeyRows);
    if (refused) return refused;
  }

  if (spec.sample > 0) {
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
  let outcome = evaluateTableDiff(spec, columns.map((c) => c.name), tally, describe);
  // Both sides empty under min_rows: 0: could any row ever have been in either scope?
  if (outcome.status === 'pass') {
    const scope = (side: 'old' | 'new', rows: number): Scope => ({ source: spec[side].source, table: spec[side].table, filter: spec[side].where === undefined ? undefined : predicateSql(spec[side].where), rows });
    const vacuous = await emptyScopesNeverFail([scope('old', tally.oldRows), scope('new', tally.newRows)], ctx);
    if (vacuous) outcome = faultOutcome(vacuous, outcome.observations);
  }
  // No compared column may be computed from the other side's on the same rows (lineage/value-lineage.ts).
  // Both scopes empty compared no value (emptyScopesNeverFail judged whether they may be).
  if (outcome.status === 'pass' && tally.oldRows + tally.newRows > 0) {
    const shared = await sharedColumnsFault(spec, ctx, columns);
    if (shared) outcome = faultOutcome(shared, outcome.observations);
  }
  // Dirty buckets (or segments) were left unread: the counts are lower bounds, which can only prove a failure.
  if (stopped) facts.push({ stoppedEarly: { chunks: tally.passes, unit: 'pass' as const } });
  if (facts.length === 0) return outcome;
  const judged = withScanFacts(outcome, facts);
  return { ...judged, observations: { ...judged.observations, ...scanObservations(facts) } };
}

/** The table_diff kind. */
/**
 * Hash-table room per bucket of a fingerprint pass: key, count, the 128-bit sum state and the hash
 * table's own overhead came to 234 bytes per bucket measured on Postgres 15 (2^18 buckets, 61 MB).
 */
const FINGERPRINT_BYTES_PER_BUCKET = 256;
const FINGERPRINT_WORK_MEM_KB = { min: 4 * 1024, max: 64 * 1024 };

/**
 * Per row a worker hands over, what the planner should charge a fingerprint pass: its rows are two
 * int8s, and each took a row text and a hash to make, which the planner prices as two cheap
 * operators; at the default 0.1 it never hashes in parallel workers.
 */
const FINGERPRINT_PARALLEL_TUPLE_COST = 0.001;

/**
 * How a fingerprint pass is read. work_mem: room for every bucket it can return, so its hash
 * aggregate stays in memory — 64 MB for the 2^18 buckets of a first pass, which under a 4 MB
 * work_mem spilled 60 MB to temp files in 21 batches (at least 4 MB, the server default, for
 * small passes). parallel_tuple_cost: low, so the rows are hashed in parallel workers (below the
 * `offset 0` fence; the leader aggregates) — 1.75× faster alone on two cores (the source's
 * scan.max_parallel_workers still caps the workers).
 */
export function fingerprintReadOptions(buckets: number): QueryOptions {
  const kb = Math.ceil((buckets * FINGERPRINT_BYTES_PER_BUCKET) / 1024);
  return {
    workMemKb: Math.min(FINGERPRINT_WORK_MEM_KB.max, Math.max(FINGERPRINT_WORK_MEM_KB.min, kb)),
    parallelTupleCost: FINGERPRINT_PARALLEL_TUPLE_COST,
  };
}

/** The oids of an `oid[]` read as text (`{23,700}`). */
function oidsOf(text: unknown): string[] {
  return typeof text === 'string' ? text.replace(/^\{|\}$/g, '').split(',').filter((oid) => /^\d+$/.test(oid)) : [];
}

export const tableDiff = defineKind({
  kind: 'table_diff',
  description: 'every row of a table matches its counterpart in another database or table, compared by hashed buckets without downloading either side',
  schema: tableDiffSchema,
  sourcesOf: (spec) => [...new Set([spec.old.source, spec.new.source])],
  sides: diffSidesRead,
  // A pass is judged by the plans of the compared values, read after the diff (sharedColumnsFault).
  definitionsJudged: (spec) => [spec.old, spec.new],
  execute: (spec, ctx) => diffTables(spec, ctx),
});
