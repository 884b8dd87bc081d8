/**
 * parity's own state, in the `parity` schema of the state database. Runs hold check results;
 * results hold samples. Scheduler claims, check leases and gate decisions make replicas safe
 * without any infrastructure beyond this database.
 */
import { sql } from 'drizzle-orm';
import type { FaultInfo, StatementRecord } from '../results/outcome.js';
import type { ServerIdentity } from '../results/server-identity.js';
import { boolean, index, integer, jsonb, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export type { StatementRecord };

export const parity = pgSchema('parity');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const runs = parity.table('runs', {
  id: text('id').primaryKey(),
  /** api | cli | schedule | gate | demo */
  trigger: text('trigger').notNull(),
  requestedBy: text('requested_by'),
  /** queued | running | finished | cancelled | aborted */
  status: text('status').notNull(),
  checkIds: jsonb('check_ids').$type<string[]>().notNull(),
  selector: jsonb('selector').$type<Record<string, unknown>>().notNull().default({}),
  summary: jsonb('summary').$type<{ pass: number; fail: number; error: number; total: number }>(),
  /** Replica that executes the run; with heartbeat_at it lets others detect a dead owner. */
  owner: text('owner'),
  heartbeatAt: ts('heartbeat_at'),
  cancelRequestedAt: ts('cancel_requested_at'),
  createdAt: ts('created_at').notNull().default(sql`now()`),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
}, (t) => [index('runs_created_at_idx').on(t.createdAt)]);

export const checkResults = parity.table('check_results', {
  id: text('id').primaryKey(),
  runId: text('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
  checkId: text('check_id').notNull(),
  kind: text('kind').notNull(),
  /** running | pass | fail | error */
  status: text('status').notNull(),
  definitionHash: text('definition_hash').notNull(),
  summary: text('summary'),
  observations: jsonb('observations').$type<Record<string, unknown>>().notNull().default({}),
  statements: jsonb('statements').$type<StatementRecord[]>().notNull().default([]),
  error: jsonb('error').$type<FaultInfo>(),
  /** Identity of each server the check read, by source name, for the audit trail (read by sources/identify-server.ts). */
  servers: jsonb('servers').$type<Record<string, ServerIdentity>>().notNull().default({}),
  /** Scheduled slot this result belongs to, when the scheduler ran it. */
  slot: ts('slot'),
  /** The state store's clock, like every result time: when the result row was written (before the lease wait). */
  startedAt: ts('started_at').notNull(),
  /** Store clock when the check began reading, after it got its lease; null until then (or never, for a fault). */
  readAt: ts('read_at'),
  /** Store clock when the outcome was written. */
  finishedAt: ts('finished_at'),
  durationMs: integer('duration_ms'),
}, (t) => [
  index('check_results_check_finished_idx').on(t.checkId, t.finishedAt),
  index('check_results_run_idx').on(t.runId),
  // Retention finds old results by when they finished, across checks.
  index('check_results_finished_idx').on(t.finishedAt),
]);

export const resultSamples = parity.table('result_samples', {
  resultId: text('result_id').notNull().references(() => checkResults.id, { onDelete: 'cascade' }),
  ordinal: integer('ordinal').notNull(),
  category: text('category').notNull(),
  key: jsonb('key').$type<Record<string, unknown>>().notNull(),
  old: jsonb('old'),
  new: jsonb('new'),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
}, (t) => [primaryKey({ columns: [t.resultId, t.ordinal] })]);

/** One row per (check, slot): the replica whose INSERT wins runs that slot, exactly once. */
export const scheduleClaims = parity.table('schedule_claims', {
  checkId: text('check_id').notNull(),
  slot: ts('slot').notNull(),
  claimedBy: text('claimed_by').notNull(),
  claimedAt: ts('claimed_at').notNull().default(sql`now()`),
  runId: text('run_id'),
  /** claimed | ran | skipped | aborted */
  outcome: text('outcome').notNull().default('claimed'),
}, (t) => [primaryKey({ columns: [t.checkId, t.slot] })]);

/**
 * Housekeeping passes (retention pruning) claimed like scheduler slots: the replica whose INSERT
 * wins a (task, slot) row does that pass; the row then records what it did.
 */
export const maintenanceClaims = parity.table('maintenance_claims', {
  task: text('task').notNull(),
  slot: ts('slot').notNull(),
  claimedBy: text('claimed_by').notNull(),
  claimedAt: ts('claimed_at').notNull().default(sql`now()`),
  finishedAt: ts('finished_at'),
  /** What the pass did (rows deleted per table), or the error that stopped it. */
  report: jsonb('report').$type<Record<string, unknown>>(),
}, (t) => [primaryKey({ columns: [t.task, t.slot] })]);

/**
 * Results of runs no server executed (`parity run` against a shared store, trigger "cli") that a
 * server replica has counted into its run, duration and rows-scanned metrics: the replica whose
 * INSERT wins counts the result, so dashboards show CLI runs once, like server runs.
 */
export const resultMetricImports = parity.table('result_metric_imports', {
  resultId: text('result_id').primaryKey().references(() => checkResults.id, { onDelete: 'cascade' }),
  importedBy: text('imported_by').notNull(),
  importedAt: ts('imported_at').notNull().default(sql`now()`),
});

/** At most one execution of a check at a time, across runs and replicas. */
export const checkLeases = parity.table('check_leases', {
  checkId: text('check_id').primaryKey(),
  runId: text('run_id').notNull(),
  holder: text('holder').notNull(),
  acquiredAt: ts('acquired_at').notNull().default(sql`now()`),
  expiresAt: ts('expires_at').notNull(),
});

export const gateDecisions = parity.table('gate_decisions', {
  id: text('id').primaryKey(),
  migrationId: text('migration_id').notNull(),
  phase: text('phase').notNull(),
  allowed: boolean('allowed').notNull(),
  requestedBy: text('requested_by'),
  reasons: jsonb('reasons').$type<string[]>().notNull(),
  checks: jsonb('checks').$type<Record<string, unknown>[]>().notNull(),
  /** The verdict's `evaluated_at` (the store's clock) when this answer was first given. */
  evaluatedAt: ts('evaluated_at').notNull(),
  /**
   * How many times this same answer, on the same evidence, was given to the same caller by one
   * replica: a poller asking 100×/s adds to this count instead of adding rows (flushed in batches).
   */
  repeatCount: integer('repeat_count').notNull().default(1),
  /** The last time the answer was given (equals evaluated_at until it is repeated). */
  lastSeenAt: ts('last_seen_at').notNull(),
}, (t) => [
  index('gate_decisions_migration_idx').on(t.migrationId, t.evaluatedAt),
  index('gate_decisions_last_seen_idx').on(t.lastSeenAt),
]);

/**
 * Counters a check read from a verified database (`unused`: pg_stat_statements calls, table write
 * counts), taken at the verified server's `now()`. A later run compares with one at least a window
 * old; `scope` ties a snapshot to what was counted, so a changed check never compares unlike sets.
 */
export const counterSnapshots = parity.table('counter_snapshots', {
  checkId: text('check_id').notNull(),
  scope: text('scope').notNull(),
  /** The verified server's now() when the counters were read: what the counters' own times are comparable with. */
  takenAt: ts('taken_at').notNull(),
  counters: jsonb('counters').notNull(),
  /**
   * The store's clock when the snapshot was written: a second, independent measure of the window,
   * so a verified server whose clock jumps forward cannot make an hour look like a day. Null on
   * snapshots written before this column existed (they never serve as a covering baseline).
   */
  recordedAt: ts('recorded_at'),
}, (t) => [primaryKey({ columns: [t.checkId, t.scope, t.takenAt] })]);

/**
 * Progress of a chunked scan (runner/chunked-scan.ts), recorded after every chunk in one statement:
 * the totals so far and the last key counted. A run that dies leaves its row behind and the next
 * run of the same scan resumes from it. `scan_key` names what is counted (source, table, count
 * predicates, and each check with its definition hash), so a changed definition never resumes;
 * `run_id` is the owner, and only the owner's writes land. Rows of finished scans are deleted; rows
 * older than a scan's resume_max_age are discarded when the scan runs again, and retention may
 * prune any row by `updated_at`.
 */
export const scanCheckpoints = parity.table('scan_checkpoints', {
  scanKey: text('scan_key').primaryKey(),
  checkIds: jsonb('check_ids').$type<string[]>().notNull(),
  runId: text('run_id').notNull(),
  keyColumns: jsonb('key_columns').$type<{ name: string; type: string }[]>(),
  /** Null until the first chunk is recorded. */
  lastKey: jsonb('last_key').$type<string[]>(),
  counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
  chunks: integer('chunks').notNull().default(0),
  chunkRows: integer('chunk_rows').notNull().default(0),
  /** What a kind's own resumable work keeps beyond counts (table_diff: sampled keys, row-hash mode); validated by that kind on resume. */
  state: jsonb('state').$type<unknown>(),
  /**
   * The worst replica lag each source was read under by every chunk in the counts, by source name
   * (results/replica-lag.ts); null where some chunk's lag is not known (or older code wrote the
   * row): such progress is never resumed.
   */
  readUnder: jsonb('read_under').$type<unknown>(),
  /** Store clock when the scan behind this progress began reading: the oldest evidence in its counts. */
  startedAt: ts('started_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
}, (t) => [index('scan_checkpoints_updated_at_idx').on(t.updatedAt)]);

/**
 * When each check definition (check id and definition hash) was first declared by any replica, by
 * the store's clock. ParityCheckNotVerified counts from it while a definition has no pass or fail:
 * kept here, not in a replica's memory, so a restart (a rolling deploy) never starts that clock
 * again. `seen_at` is moved forward at most daily while some replica still declares the definition;
 * retention drops rows nobody declared for longer than the results are kept.
 */
export const checkDeclarations = parity.table('check_declarations', {
  checkId: text('check_id').notNull(),
  definitionHash: text('definition_hash').notNull(),
  declaredAt: ts('declared_at').notNull(),
  seenAt: ts('seen_at').notNull(),
}, (t) => [primaryKey({ columns: [t.checkId, t.definitionHash] }), index('check_declarations_seen_at_idx').on(t.seenAt)]);
