/** The verdict of a table diff from its tally (pure): differences against max_differences, and the scope refusals. */
import type { RowHashMode } from './row-hash.js';
import { keyId } from '../../compare/key-literal.js';
import type { JsonValue, Outcome, Sample, SampleCategory } from '../../results/outcome.js';
import { faultOutcome, scopeTooSmall, thresholdCoversScope } from '../../results/fault.js';
import { formatTableRef } from '../../sql/identifiers.js';
import type { TableDiffSpec } from './spec.js';

/** Everything a table diff found. Key lists hold at most `sample` keys; counts are exact. */
export interface DiffTally {
  oldRows: number;
  newRows: number;
  missingInNew: number;
  missingInOld: number;
  changed: number;
  /** Changed rows per compared column (index into the column list). */
  changedByColumn: number[];
  /** Changed rows whose row hash differs but no single value hash does (a 32-bit collision). */
  changedUnattributed: number;
  keys: { missingInNew: string[][]; missingInOld: string[][]; changed: { parts: string[]; columns: number[] }[] };
  /** Full rows (canonical text per column) fetched for the sampled keys, by keyId. */
  rows: { old: Map<string, Record<string, string | null>>; new: Map<string, Record<string, string | null>> };
  rowsTransferred: number;
  passes: number;
  bucketBits: number;
  /** The row-hash mode this run used (fast unless the probe disagreed or the spec asked for sha256). */
  rowHash?: RowHashMode;
}

export interface DiffVerdictSpec { key: readonly string[]; max_differences: number; sample: number }

/** The keys to sample, round-robin over the three categories so each is represented. */
export function sampleKeysOf(tally: DiffTally, limit: number): { category: SampleCategory; parts: string[]; columns?: number[] }[] {
  const queues: { category: SampleCategory; items: { parts: string[]; columns?: number[] }[] }[] = [
    { category: 'mismatch', items: tally.keys.changed },
    { category: 'missing_in_new', items: tally.keys.missingInNew.map((parts) => ({ parts })) },
    { category: 'missing_in_old', items: tally.keys.missingInOld.map((parts) => ({ parts })) },
  ];
  const out: { category: SampleCategory; parts: string[]; columns?: number[] }[] = [];
  for (let i = 0; out.length < limit; i++) {
    const round = queues.filter((q) => i < q.items.length);
    if (round.length === 0) break;
    for (const q of round) if (out.length < limit) out.push({ category: q.category, ...q.items[i]! });
  }
  return out;
}

/** Judges the tally and builds samples with both rows side by side. */
export function evaluateTableDiff(spec: DiffVerdictSpec, columns: readonly string[], tally: DiffTally, describe: string): Outcome {
  const differences = tally.missingInNew + tally.missingInOld + tally.changed;
  // Every row wrong can be every kept key's row changed (counted once) and the larger side's surplus missing.
  const covering = thresholdCoversScope(spec.max_differences, Math.max(tally.oldRows, tally.newRows), 'max_differences');
  if (covering) return faultOutcome(covering, { old_rows: tally.oldRows, new_rows: tally.newRows, rows_scanned: tally.oldRows + tally.newRows, mismatches: differences });
  const pass = differences <= spec.max_differences;
  const byColumn: Record<string, number> = {};
  columns.forEach((name, i) => { if ((tally.changedByColumn[i] ?? 0) > 0) byColumn[name] = tally.changedByColumn[i]!; });
  if (tally.changedUnattributed > 0) byColumn['(unattributed)'] = tally.changedUnattributed;
  const compared = Math.max(tally.oldRows, tally.newRows);
  const samples = sampleKeysOf(tally, spec.sample).map(({ category, parts, columns: changedColumns }): Sample => {
    const id = keyId(parts);
    const sample: Sample = {
      category,
      key: Object.fromEntries(spec.key.map((column, i) => [column, parts[i] ?? null])),
      old: (tally.rows.old.get(id) ?? null) as JsonValue,
      new: (tally.rows.new.get(id) ?? null) as JsonValue,
    };
    if (changedColumns) sample.detail = { columns: changedColumns.map((i) => columns[i] ?? `#${i}`) };
    return sample;
  });
  const changedText = Object.entries(byColumn).map(([c, n]) => `${c} ${n}`).join(', ');
  return {
    status: pass ? 'pass' : 'fail',
    summary: `${describe}: ${differences} differing rows (${tally.missingInNew} missing in new, ${tally.missingInOld} missing in old, ${tally.changed} changed${changedText ? `: ${changedText}` : ''}) of ${tally.oldRows} old / ${tally.newRows} new rows; allowed ${spec.max_differences}`,
    observations: {
      old_rows: tally.oldRows,
      new_rows: tally.newRows,
      rows_scanned: tally.oldRows + tally.newRows,
      mismatches: differences,
      mismatch_ratio: compared === 0 ? 0 : differences / compared,
      missing_in_new: tally.missingInNew,
      missing_in_old: tally.missingInOld,
      changed: tally.changed,
      changed_by_column: byColumn,
      rows_transferred: tally.rowsTransferred,
      passes: tally.passes,
      bucket_bits: tally.bucketBits,
      // The row hashes were keyed with this run's secret salt (its value is never reported here).
      row_hash_salted: true,
      ...(tally.rowHash ? { row_hash: tally.rowHash } : {}),
    },
    samples,
  };
}

/**
 * The verdict on the scope itself (pure): rows that cannot be matched by key, or a side with fewer
 * than `min_rows` rows, end the check as "could not verify" — never a pass. Row counts not known
 * yet (a segmented diff counts NULL keys before any row) are left out.
 */
export function refuseScope(spec: TableDiffSpec, tally: { oldRows?: number | undefined; newRows?: number | undefined; rowHash?: RowHashMode | undefined }, nullKeyRows: Record<'old' | 'new', number>): Outcome | undefined {
  const rows = { old: tally.oldRows, new: tally.newRows };
  const observations = {
    ...(rows.old !== undefined ? { old_rows: rows.old } : {}), ...(rows.new !== undefined ? { new_rows: rows.new } : {}),
    null_key_rows_old: nullKeyRows.old, null_key_rows_new: nullKeyRows.new, row_hash_salted: true,
    ...(tally.rowHash ? { row_hash: tally.rowHash } : {}),
  };
  const sideName = (s: 'old' | 'new') => `${spec[s].source}:${formatTableRef(spec[s].table)}`;
  if (nullKeyRows.old + nullKeyRows.new > 0) {
    const where = spec.key.map((k) => `${k} is not null`).join(' and ');
    return faultOutcome({
      code: 'null_key',
      message: `${nullKeyRows.old} rows of ${sideName('old')} and ${nullKeyRows.new} rows of ${sideName('new')} have a NULL in key column(s) ${spec.key.join(', ')}; `
        + `table_diff matches rows by key, so it cannot compare them — if they are out of scope, say so with where: "${where}" on both sides`,
    }, observations);
  }
  for (const side of ['old', 'new'] as const) {
    const count = rows[side];
    if (count === undefined) continue;
    const fault = scopeTooSmall(count, spec.min_rows, `rows in ${sideName(side)}${spec[side].where ? ` where ${spec[side].where}` : ''}`);
    if (fault) return faultOutcome(fault, observations);
  }
  return undefined;
}
