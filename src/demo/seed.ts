/**
 * Seeding and repairing the demo database through any SQL executor (embedded PGlite for the demo,
 * postgres.js in tests), so the same statements are proven on both engines.
 */
import { DATASET_VERSION, DEMO_ROWS, backfillUsersSql, createTablesSql, fillLegacySql } from './dataset.js';
import { injectDefectsSql, repairDefectsSql } from './defects.js';
import { plantHiddenReadersSql, removeHiddenReadersSql } from './hidden-readers.js';

/**
 * Runs one or more statements as one simple-protocol query, with full privileges, and returns the
 * rows of the last one. Postgres runs such a query as a single implicit transaction, so a seed or
 * repair is all or nothing without BEGIN/COMMIT (which pooled drivers such as postgres.js refuse).
 */
export type SqlExecutor = (sql: string) => Promise<Record<string, unknown>[]>;

export interface DemoState {
  /** Dataset version of the seeded data; undefined when the database was never seeded. */
  version?: number | undefined;
  rows?: number | undefined;
  seededAt?: Date | undefined;
  repairedAt?: Date | undefined;
}

export interface SeedOutcome {
  /** False when an up-to-date seed was already there and left alone. */
  seeded: boolean;
  durationMs: number;
  state: DemoState;
}

/** Reads the seed marker (an empty state when the demo was never seeded). */
export async function readDemoState(exec: SqlExecutor): Promise<DemoState> {
  const [present] = await exec(`select to_regclass('public.parity_demo_seed') is not null as present`);
  if (!present?.present) return {};
  const [row] = await exec('select version, rows, seeded_at, repaired_at from public.parity_demo_seed limit 1');
  if (!row) return {};
  const date = (v: unknown) => (v === null || v === undefined ? undefined : new Date(v as string | Date));
  return { version: Number(row.version), rows: Number(row.rows), seededAt: date(row.seeded_at), repairedAt: date(row.repaired_at) };
}

/** The full seed as one query (one transaction): tables, messy names, backfill, defects, hidden readers, marker. */
export function seedSql(): string {
  return [
    // The readers depend on the tables, so they go first, or dropping the tables would fail.
    `${removeHiddenReadersSql()}`,
    `${createTablesSql()};`,
    `${fillLegacySql()};`,
    `${backfillUsersSql()};`,
    `${injectDefectsSql()};`,
    `${plantHiddenReadersSql()}`,
    `insert into public.parity_demo_seed (version, rows) values (${DATASET_VERSION}, ${DEMO_ROWS});`,
    // Fresh statistics so the demo's first checks get sensible plans.
    'analyze public.users_legacy;',
    'analyze public.users;',
  ].join('\n');
}

/**
 * Seeds the demo unless an up-to-date seed is already present (idempotent); `reset` reseeds anyway,
 * bringing the defects back.
 */
export async function seedDemo(exec: SqlExecutor, options: { reset?: boolean } = {}): Promise<SeedOutcome> {
  const started = performance.now();
  const before = await readDemoState(exec);
  if (!options.reset && before.version === DATASET_VERSION) {
    return { seeded: false, durationMs: Math.round(performance.now() - started), state: before };
  }
  await exec(seedSql());
  return { seeded: true, durationMs: Math.round(performance.now() - started), state: await readDemoState(exec) };
}

/** Repairs exactly the documented defects, removes the hidden readers, and records when; throws if the demo was never seeded. */
export async function repairDemo(exec: SqlExecutor): Promise<DemoState> {
  const state = await readDemoState(exec);
  if (state.version === undefined) throw new Error('the demo database is not seeded yet; run "parity demo" first');
  await exec([`${repairDefectsSql()};`, removeHiddenReadersSql(), 'update public.parity_demo_seed set repaired_at = now();'].join('\n'));
  return readDemoState(exec);
}
