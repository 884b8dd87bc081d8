/**
 * The contract every check kind implements. A kind is data (a zod schema with a `kind` literal)
 * plus pure planning/evaluation and one `execute` that drives I/O only through the context, so the
 * runner can time, cancel, fuse or chunk the database work without knowing which kind it runs.
 */
import type { z } from 'zod';
import type { SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import type { JsonValue, Outcome } from '../results/outcome.js';
import { Fault } from '../results/fault.js';
import type { IncrementalSpec } from '../checkfile/incremental.js';
import type { KeyColumn } from '../introspect/primary-key.js';
import type { ProvenRelation } from '../introspect/table-identity.js';
import type { ColumnRenaming } from '../sql/shape.js';
import type { DescribedColumn, StatementParser } from '../sources/types.js';
import type { LagRecord } from '../results/replica-lag.js';

/**
 * What incremental mode needs from a kind: the settings, the source and table whose column marks
 * changes, and the spec to judge changed rows with (min_rows belongs to the full pass: a quiet hour
 * changes no row, which is no reason to doubt the table).
 */
export interface IncrementalTarget<Spec = BaseCheckSpec> {
  settings: IncrementalSpec;
  source: string;
  table: TableRef;
  changedRows: Spec;
  /**
   * The whole scope an incremental pass stands for: `changedRows` lifts min_rows (a quiet hour
   * changes no row), so each pass also asks whether the scope still holds min_rows rows at all.
   */
  scope: { where?: string | undefined; minRows: number };
}

/**
 * "Count rows matching these predicates in this table." Every count is a `count(*) FILTER (WHERE …)`
 * over one table, which is what lets the engine fuse several checks into one scan or split one scan
 * into key-range chunks and add the chunks up.
 */
export interface CountScan {
  source: string;
  table: TableRef;
  /** Predicate per named count; `true` counts every row. */
  counts: Record<string, SQL | true>;
  /**
   * Rows outside this predicate are not read at all (a WHERE clause an index can serve): every
   * count, and the rows scanned, cover only rows inside. Such a scan is answered in one statement,
   * never chunked by key (it reads what the predicate selects, not the key space) nor fused.
   */
  where?: SQL | undefined;
  /**
   * The kind's promise that its verdict is `fail` once `count` reaches `atLeast`, whatever the rows
   * not yet counted hold (counts only grow chunk by chunk), so a chunked scan may stop there.
   */
  stopWhen?: StopRule | undefined;
}

/** "Stop once this count reaches this value": sound only where that count alone proves failure. */
export interface StopRule { count: string; atLeast: number }

/** How the engine answered a scan, beyond its numbers. */
export interface ScanFacts {
  /** The scan ended at its stop rule after this many chunks (table_diff: passes): the counts are lower bounds of the full counts. */
  stoppedEarly?: { chunks: number; unit?: 'chunk' | 'pass' };
  /**
   * The counts cover only rows satisfying this predicate over the scanned table (the key range a
   * stopped scan read, or the keys a recheck re-reads): samples must come from there too.
   */
  within?: SQL;
  /** The scan continued an interrupted run's checkpoint instead of starting from the first key (table_diff: counted in segments). */
  resumed?: {
    fromRun: string; chunks: number; rowsScanned: number; since: string; unit?: 'segment';
    /** The worst replica lag each source was read under by the runs that recorded the resumed progress. */
    readUnder: LagRecord;
  };
  /**
   * The worst replica lag each source was read under by every chunk these counts rest on, the
   * resumed ones included (read in each chunk's own transaction): the result records it.
   */
  readUnder?: LagRecord | undefined;
  /**
   * The counts add up chunks read in separate transactions: exact only if no primary key of the
   * table was updated while the scan ran (a row whose key moved across the read position is
   * counted never or twice). Nothing can see that happen, so the result states it.
   */
  keysAssumedStable?: boolean;
  /**
   * The relation the scan's name reached, read in the count's own transaction under a lock held
   * until it ended (a chunked scan: in its first transaction, every chunk checked to read the same).
   */
  relation?: ProvenRelation | undefined;
  /**
   * The one-value count asked beside the scan (ScanRequestContext.beside: an incremental pass's
   * scope floor), read in the scan's own statement, so of the same snapshot as its counts.
   */
  countedBeside?: number | undefined;
}

/** Where a count result keeps its ScanFacts (a symbol: never mistaken for a count name). */
export const SCAN_FACTS: unique symbol = Symbol('scan facts');

export type CountResult = Record<string, number> & { [SCAN_FACTS]?: ScanFacts };

/** The facts the engine attached to a count result (none for a plain single statement). */
export function scanFactsOf(counts: CountResult | undefined): ScanFacts {
  return counts?.[SCAN_FACTS] ?? {};
}

/** Counters a kind read from a verified database at one moment (the server's `now()`). */
export interface CounterSnapshot {
  /** The verified server's clock when the counters were read. */
  readonly at: Date;
  readonly counters: JsonValue;
}

/** A snapshot as the store kept it: with the store's own clock at the moment it was written. */
export interface StoredCounterSnapshot extends CounterSnapshot {
  /**
   * The store's clock when the snapshot was written; null for a snapshot written before stores
   * kept it. A window is covered only as far as both clocks agree it is (see kinds/unused).
   */
  readonly recordedAt: Date | null;
}

/**
 * The one thing a kind may write: snapshots of counters, kept in parity's STATE STORE (never in a
 * verified database) so a later run can compare "now" with "at least a window ago".
 */
export interface CounterSnapshotStore {
  /**
   * Stores a snapshot for (check, scope); drops ones older than the newest snapshot taken at or
   * before `keepSince`. Returns the store's clock at the write (the stored one's, when a snapshot
   * with the same `at` was already there).
   */
  recordCounters(checkId: string, scope: string, snapshot: CounterSnapshot, keepSince: Date): Promise<{ recordedAt: Date | null }>;
  /** The newest snapshot taken at or before `cutoff`, else the oldest one there is (partial coverage), else undefined. */
  baselineCounters(checkId: string, scope: string, cutoff: Date): Promise<StoredCounterSnapshot | undefined>;
}

/** Progress of resumable work (a chunked scan, table_diff's key-range segments), as recorded after each chunk. */
export interface ScanProgress {
  keyColumns: KeyColumn[];
  /** The last key counted: the next chunk starts right after it. */
  lastKey: string[];
  /** Totals so far, by count name (the rows-scanned alias included). */
  counts: Record<string, number>;
  chunks: number;
  /** The chunk size the scan had adapted to. */
  chunkRows: number;
  /** What a kind keeps beyond counts (table_diff: sampled keys, row-hash mode); the kind validates it on resume. */
  state?: unknown;
  /**
   * The worst replica lag each source was read under by every read these counts rest on (earlier
   * runs' included); null or absent where some read's lag is not known: such progress is never resumed.
   */
  readUnder?: LagRecord | null | undefined;
}

/** Recorded progress an interrupted run left behind, taken over by this one. */
export interface ResumableProgress extends Omit<ScanProgress, 'readUnder'> {
  fromRun: string;
  /** When the interrupted scan read its first chunk (store clock): the oldest evidence in its counts. */
  since: Date;
  /** Validated on claim (scans.ts): a record for every source the progress read, each lag known. */
  readUnder: LagRecord;
}

/** Where resumable work records its progress (the state store, bound to one scan or check and one run). */
export interface ScanCheckpoint {
  /** Makes this run the checkpoint's owner; the progress to resume from, if any is still usable. */
  claim(): Promise<ResumableProgress | undefined>;
  /** Records progress after a chunk, in one statement; false when another run has taken the checkpoint over. */
  save(progress: ScanProgress): Promise<boolean>;
  /** The work is over (finished or stopped): nothing is left to resume. */
  clear(): Promise<void>;
}

/** What a kind may do while executing. All database access goes through here. */
/** What a kind may ask of one statement's transaction beyond the source's settings. */
export interface QueryOptions {
  /** work_mem in kB (room for a hash aggregate of known size); unset: the server's. */
  workMemKb?: number | undefined;
  /**
   * parallel_tuple_cost: what the planner charges per row a parallel worker hands to the leader.
   * Lower it for a statement whose per-row work the planner underprices (hashing a row's text
   * costs it one operator), so that work runs in workers; unset: the server's.
   */
  parallelTupleCost?: number | undefined;
}

/** One statement of eachInOneSnapshot: the source whose table it reads, and where its rows go. */
export interface SnapshotRead {
  source: string;
  statement: SQL;
  onRow: (row: Record<string, unknown>) => void;
}

export interface ExecutionContext {
  readonly checkId: string;
  readonly signal: AbortSignal;
  now(): Date;
  /** Runs one read-only statement on a source and returns its rows (int8/numeric as strings). */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(source: string, statement: SQL, options?: QueryOptions): Promise<Row[]>;
  /**
   * Like `query`, but hands each row to `onRow` as it arrives and keeps none (memory stays bounded
   * however many rows come back); resolves with the row count. An error `onRow` throws is rethrown.
   */
  queryEach<Row extends Record<string, unknown> = Record<string, unknown>>(source: string, statement: SQL, onRow: (row: Row) => void, options?: QueryOptions): Promise<number>;
  /**
   * Runs several read-only statements on a source in one REPEATABLE READ transaction, one after
   * another: every one reads the same snapshot (the first statement's). For reads a verdict
   * combines — counted apart, a write committed between them is in some and not in others.
   */
  queryInOneSnapshot(source: string, statements: readonly SQL[], options?: QueryOptions): Promise<Record<string, unknown>[][]>;
  /**
   * Whether one transaction can read all of `sources` (one source, or sources configured alike:
   * runner/one-snapshot.ts); where it cannot, they may be two databases and no snapshot spans them.
   */
  oneSnapshotReads(sources: readonly string[]): boolean;
  /**
   * Like `queryEach` for several statements, each on its own source, all in one REPEATABLE READ
   * transaction on the first one's connection, one after another: every one reads the same
   * snapshot. Only for sources `oneSnapshotReads` accepts (throws otherwise).
   */
  eachInOneSnapshot(reads: readonly SnapshotRead[], options?: QueryOptions): Promise<number[]>;
  /**
   * The name and type oid of each column `statement` returns, in its own read-only transaction
   * (ReadSession.describe: give it a statement that reads no rows). A source whose session cannot
   * describe makes it throw a fault: "could not verify", never a guess.
   */
  describe(source: string, statement: SQL): Promise<DescribedColumn[]>;
  /**
   * Runs `work` with a parser of statement texts on the source (ReadSession.withStatementParser):
   * one extra connection, under the source's limiter and statement timeout. Throws a fault
   * (`cannot_parse_statements`) where the source has none (embedded sources).
   */
  withStatementParser?<T>(source: string, work: (parser: StatementParser) => Promise<T>): Promise<T>;
  /** Reports progress of a long check (rows scanned so far, estimate of the total). */
  progress(update: { rowsScanned: number; rowsEstimated?: number }): void;
  /** The state store's counter snapshots; absent when the check runs without a store (a kind needing it must fault). */
  readonly snapshots?: CounterSnapshotStore | undefined;
  /**
   * The state store's checkpoint for this check's own resumable work over `sources`, keyed by
   * `identity` and the check's definition hash (a changed definition never resumes); undefined
   * without a store, or when every source says resume_max_age: 0.
   */
  checkpoint?(sources: readonly string[], identity: unknown): ScanCheckpoint | undefined;
}

/** The fields every check spec carries after parsing. */
export interface BaseCheckSpec {
  id: string;
  kind: string;
  description?: string | undefined;
  tags: string[];
  timeout?: number | undefined;
  schedule?: string | undefined;
  time_zone?: string | undefined;
}

/**
 * What one side of a comparing check reads: its source by name (the catalog compares the targets
 * names resolve to), the table it names (compared as written at load, and by the relation it
 * reaches on the server at run time: runner/self-comparison.ts) and, in `reads`, everything else
 * that decides the rows and values it reads, in a form that is equal exactly when the SQL is
 * (sql/shape.ts). Pure data, compared as JSON.
 */
export interface SideRead { source?: string | undefined; table?: TableRef | undefined; reads: unknown }

/**
 * Each side's column renaming, where the server found it reads a view renaming the columns of the
 * relation under it: the sides are then read as SQL over that relation (runner/self-comparison.ts).
 */
export interface SideRenaming { old?: ColumnRenaming | undefined; new?: ColumnRenaming | undefined }

/** A check kind: its schema, the sources it reads and how it executes. */
export interface CheckKind<Spec extends BaseCheckSpec = BaseCheckSpec> {
  readonly kind: Spec['kind'];
  /** One line for `parity validate --kinds` and the docs. */
  readonly description: string;
  readonly schema: z.ZodType<Spec, any>;
  /** Names of the sources the check reads, so the loader can verify they are declared. */
  sourcesOf(spec: Spec): string[];
  /**
   * The count scans the check needs, planned once (pure). The engine answers them — one statement,
   * fused with other checks on the same table, or chunked — before `execute` runs.
   */
  countScans?(spec: Spec): CountScan[];
  /**
   * Set when the verdict compares the counts of its scans with each other (row_count: old against
   * new). Scans on one source are then read in one statement, so in one snapshot: counted in two,
   * a write committed between them (a dual write) lands in one count only, and can cancel exactly
   * the difference the check is there to find (runner/scans.ts countTogether).
   */
  readonly comparesCounts?: true;
  /**
   * Set when restricting the count scans to the keys of earlier samples re-checks exactly those
   * rows (`recheck: failing`); the kind then takes its samples within ScanFacts.within.
   */
  readonly recheck?: 'sampled_keys';
  /**
   * Set when each count scan's `rows` count is the scope of what the check compares (row_count,
   * null_check, column_parity): a pass over scopes that are all empty compared nothing, and the
   * engine asks whether they always are (runner/empty-scope.ts). Unset where the scope only gates
   * a comparison made elsewhere (sql_assert runs its query whatever its scope holds).
   */
  readonly scopeIsCompared?: true;
  /**
   * The relations whose definitions a pass is judged by after reading (a value's plan read after
   * the scan: column_parity's and table_diff's value lineage): the engine reads their definition
   * version (introspect/definition-version.ts) before the first read and again after a pass, and a
   * pass over definitions that changed in between is "could not verify".
   */
  definitionsJudged?(spec: Spec): { source: string; table: TableRef }[];
  /**
   * The check's `incremental:` settings and the one table its count scans read, when it asks for
   * incremental runs; the engine then narrows the scans to changed rows (runner/incremental.ts).
   */
  incremental?(spec: Spec): IncrementalTarget<Spec> | undefined;
  /**
   * A comparing kind's two sides. The catalog refuses a check whose sides read the same thing from
   * the same target: it compares something with itself, so it can never fail.
   */
  sides?(spec: Spec, renaming?: SideRenaming): { old: SideRead; new: SideRead };
  /** Judges the check; `counts` holds the answers to `countScans(spec)`, in order (empty without). */
  execute(spec: Spec, ctx: ExecutionContext, counts: readonly CountResult[]): Promise<Outcome>;
}

/** Declares a kind with its spec type inferred from the schema. */
export function defineKind<Schema extends z.ZodType<BaseCheckSpec, any>>(kind: {
  kind: z.output<Schema>['kind'];
  description: string;
  schema: Schema;
  sourcesOf(spec: z.output<Schema>): string[];
  countScans?(spec: z.output<Schema>): CountScan[];
  comparesCounts?: true;
  recheck?: 'sampled_keys';
  scopeIsCompared?: true;
  definitionsJudged?(spec: z.output<Schema>): { source: string; table: TableRef }[];
  incremental?(spec: z.output<Schema>): IncrementalTarget<z.output<Schema>> | undefined;
  sides?(spec: z.output<Schema>, renaming?: SideRenaming): { old: SideRead; new: SideRead };
  execute(spec: z.output<Schema>, ctx: ExecutionContext, counts: readonly CountResult[]): Promise<Outcome>;
}): CheckKind<z.output<Schema>> {
  return kind as unknown as CheckKind<z.output<Schema>>;
}

/** Reads a named count the engine must have produced; a missing one is a fault, never a zero. */
export function requireCount(counts: CountResult, name: string): number {
  const value = counts[name];
  if (value === undefined || !Number.isFinite(value)) throw new Fault({ code: 'missing_count', message: `count "${name}" missing from the scan result` });
  return value;
}
