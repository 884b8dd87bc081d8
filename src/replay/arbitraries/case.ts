/**
 * One replay case as plain data: the messy rows the old schema starts with, the batch size, the
 * application's writes interleaved with the backfill (before the read switch) and after it, where
 * the backfill is killed, and where a mutation strikes. Printed as-is when a property fails.
 */
import fc from 'fast-check';
import type { AppWriteSpec, ScenarioSpec, TableSpec } from '../scenario/schema.js';
import { columnArbitrary, type ColumnSpec } from './columns.js';

/** A generated value: text as bound, or NULL. */
export type Value = string | null;
/** A generated row: column → value (keys are left to the database). */
export type GeneratedRow = Record<string, Value>;

/** One application statement: which op, which existing row (index into current keys), which values. */
export interface AppWrite {
  /** Backfill attempt this write runs before (before-switch writes only); past the end = after the backfill. */
  at: number;
  op: number;
  key: number;
  /** Generated value per non-key parameter (`table.column`). */
  values: Record<string, Value>;
}

/** One generated case, printed as-is when a property fails. */
export interface ReplayCase {
  batchSize: number;
  rows: Record<string, GeneratedRow[]>;
  writes: AppWrite[];
  afterSwitch: AppWrite[];
  /** Backfill attempt whose transaction is killed before COMMIT, then the job restarts; null = no kill. */
  kill: number | null;
  /** Which of the scenario's mutations, at which step, against which candidate row. */
  mutation: { choice: number; at: number; victim: number };
}

const MAX_WRITES_BEFORE_SWITCH = 5;
const MAX_WRITES_AFTER_SWITCH = 3;
const MAX_ATTEMPT = 6;
const MAX_KILL_ATTEMPT = 4;

/** A row of `table`: every generated column, with timestamps following the row's own zone. */
export function rowArbitrary(table: TableSpec): fc.Arbitrary<GeneratedRow> {
  const columns = Object.entries(table.columns);
  const zoned = columns.filter((entry): entry is [string, Extract<ColumnSpec, { type: 'local_timestamp' }>] =>
    entry[1].type === 'local_timestamp' && entry[1].zone_column !== undefined);
  const zoneColumns = new Set(zoned.map(([, spec]) => spec.zone_column!));
  const independent = Object.fromEntries(columns.filter(([name]) => !zoneColumns.has(name) && !zoned.some(([z]) => z === name))
    .map(([name, spec]) => [name, columnArbitrary(spec)]));
  if (zoned.length === 0) return fc.record(independent);
  const zoneRecord = fc.record(Object.fromEntries([...zoneColumns].map((name) => [name, columnArbitrary(table.columns[name]!)])));
  return zoneRecord.chain((zones) =>
    fc.record({
      ...independent,
      ...Object.fromEntries(zoned.map(([name, spec]) => [name, columnArbitrary(spec, zones[spec.zone_column!])])),
    }).map((row) => ({ ...zones, ...row })),
  );
}

/** Generated values for a write's non-key parameters. */
function writeValues(spec: ScenarioSpec, write: AppWriteSpec): fc.Arbitrary<Record<string, Value>> {
  const generated = write.params.filter((ref) => {
    const [table, column] = ref.split('.') as [string, string];
    return !spec.tables[table]!.key.includes(column);
  });
  return fc.record(Object.fromEntries(generated.map((ref) => {
    const [table, column] = ref.split('.') as [string, string];
    return [ref, columnArbitrary(spec.tables[table]!.columns[column]!)];
  })));
}

function writesArbitrary(spec: ScenarioSpec, ops: readonly AppWriteSpec[], max: number, positioned: boolean): fc.Arbitrary<AppWrite[]> {
  if (ops.length === 0) return fc.constant([]);
  const write = fc.oneof(...ops.map((op, i) => fc.record({
    at: positioned ? fc.nat({ max: MAX_ATTEMPT }) : fc.constant(0),
    op: fc.constant(i),
    key: fc.nat({ max: 999 }),
    values: writeValues(spec, op),
  })));
  return fc.array(write, { maxLength: max, size: 'max' });
}

/** Every case replay can generate for a scenario. */
export function caseArbitrary(spec: ScenarioSpec): fc.Arbitrary<ReplayCase> {
  const rows = fc.record(Object.fromEntries(Object.entries(spec.tables).map(([name, table]) =>
    [name, fc.array(rowArbitrary(table), { minLength: table.rows.min, maxLength: table.rows.max, size: 'max' })])));
  const sizes = spec.steps.backfill.batch_size;
  return fc.record({
    // Uniform, not biased towards 1: boundaries appear at every size, and tiny batches are slow.
    batchSize: fc.noBias(fc.integer({ min: sizes.min, max: Math.max(sizes.min, sizes.max) })),
    rows,
    writes: writesArbitrary(spec, spec.app.before_switch, MAX_WRITES_BEFORE_SWITCH, true),
    afterSwitch: writesArbitrary(spec, spec.app.after_switch, MAX_WRITES_AFTER_SWITCH, false),
    kill: fc.option(fc.nat({ max: MAX_KILL_ATTEMPT }), { freq: 2 }),
    mutation: fc.record({ choice: fc.nat({ max: 99 }), at: fc.nat({ max: 99 }), victim: fc.nat({ max: 999 }) }),
  });
}

/** The case without its mutation choice: what the correct run depends on (a cache key). */
export function correctRunKey(c: ReplayCase): string {
  return JSON.stringify({ ...c, mutation: null });
}
