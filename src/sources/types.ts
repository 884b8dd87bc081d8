/** The port through which parity reads a verified database. */
import type { CompiledQuery } from '../sql/build.js';
import type { EmbeddedIdentity } from '../embedded/identity.js';

export type Row = Record<string, unknown>;

/** Statements inside one READ ONLY transaction. */
export interface ReadSession {
  query(statement: CompiledQuery): Promise<Row[]>;
  /**
   * Runs the statement and hands each row to `onRow` as it arrives, keeping none (bounded memory
   * for large results); resolves with the number of rows. An error thrown by `onRow` is rethrown
   * as it is (rows after it are skipped). Both drivers implement it; a session that wraps another
   * (benchmarks) may leave it out, and callers then fall back to `query`.
   */
  each?(statement: CompiledQuery, onRow: (row: Row) => void): Promise<number>;
  /**
   * The name and type oid of each column the statement returns, in order, in this session's
   * transaction (its pinned settings and search path). postgres.js describes without executing;
   * PGlite's transaction cannot (describeQuery waits for the lock the transaction holds), so it
   * runs the statement: give it one that reads no rows (`limit 0`). Both drivers implement it; a
   * session without it (a wrapper that left it out) cannot answer what needs it.
   */
  describe?(statement: CompiledQuery): Promise<DescribedColumn[]>;
  /**
   * Runs `work` with a second connection of this source that parses statement texts without
   * executing them, watched from this session (statement-parser.ts): the query id the server
   * computes for a text, which pg_stat_statements keys its entries by. One extra connection, closed
   * when `work` ends. Only the postgres driver implements it (PGlite has no second session).
   */
  withStatementParser?<T>(work: (parser: StatementParser) => Promise<T>): Promise<T>;
}

/** Parses texts on a second connection, never executing them, and tells the query id each got. */
export interface StatementParser {
  /** The search_path the next parses resolve unqualified names through (this parser's transaction only). */
  searchPath(path: string): Promise<void>;
  /**
   * Parses `text` (Parse only: parse analysis, no plan, no execution, no table privilege checked)
   * with these parameter type oids (0, or fewer types than parameters: the server infers them).
   */
  queryIdOf(text: string, parameterTypes: readonly number[]): Promise<ParsedStatement>;
}

/** What one parse gave: the server's query id (null when it computes none) and the parameter types, or why it refused the text. */
export type ParsedStatement =
  | { kind: 'parsed'; queryId: string | null; parameterTypes: number[] }
  | { kind: 'rejected'; message: string; sqlstate: string | undefined };

/** One output column of a described statement. */
export interface DescribedColumn { name: string; type: number }

/** A statement written in parity's code, branded so a check file's text cannot be passed by mistake. */
export type FixedStatement = string & { readonly fixed: unique symbol };

/** Brands one of parity's own statement constants; refuses a text that could hold a second statement. */
export function fixedStatement(text: string): FixedStatement {
  if (text.includes(';')) throw new Error('a fixed statement is one statement, without ";"');
  return text as FixedStatement;
}

export interface ReadOptions {
  statementTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** `repeatable read` keeps one snapshot across statements (snapshot: consistent scans). */
  isolation?: 'read committed' | 'repeatable read' | undefined;
  /** max_parallel_workers_per_gather for this transaction (scan.max_parallel_workers); unset: the server's. */
  maxParallelWorkers?: number | undefined;
  /** work_mem for this transaction in kB; unset: the server's. */
  workMemKb?: number | undefined;
  /**
   * effective_io_concurrency for this transaction (bitmap heap scans prefetch that many pages);
   * unset: the server's. Left at 0 where the server cannot prefetch; embedded sources ignore it.
   */
  ioConcurrency?: number | undefined;
  /** parallel_tuple_cost for this transaction (what the planner charges per row a worker hands over); unset: the server's. */
  parallelTupleCost?: number | undefined;
  /**
   * The run's watch on which server this source reaches: the read's pinning statement also says
   * which server answered (ServerWatch), and the read counts only if it is the one every other read
   * of the run reached. Unset: not watched (reads outside a run).
   */
  server?: ServerWatch | undefined;
}

/**
 * Sees which server each read of one source reached during one run, and refuses (throws) when a
 * read reached another than the first: a DNS re-point, a pooler or a failover in the middle of a
 * run would otherwise mix two servers' rows under one recorded identity.
 */
export interface ServerWatch {
  /** `fingerprint`: what the read's server said about itself (pinning.ts SERVER_FINGERPRINT). */
  see(fingerprint: string): void;
  /**
   * Whether a read should still look for stand-in code (pinning.ts STAND_INS): until one read of
   * the run has done so on this source and gone through, every read does (concurrent first reads
   * all carry it). Looking costs a catalog query per read, ~1 ms to plan on Postgres and ~6 ms on
   * PGlite, so a run looks once per source, not once per read.
   */
  needsStandInGuard(): boolean;
  /** A read that carried the guard went through (and, where watched, reached the run's server). */
  standInGuardPassed(): void;
  /**
   * Whether any relation of the source's database holds code a read of it would run and may not
   * (sources/implicit-code.ts), as the run's first read found: `none` spares every later read of
   * the run the question; undefined until asked.
   */
  databaseImplicitCode(): 'none' | 'some' | undefined;
  setDatabaseImplicitCode(found: 'none' | 'some'): void;
  /**
   * Whether a set of relation names (sources/implicit-code.ts, one key per set) was already judged
   * in this run to run no code that may not run inside a read: a run asks the catalog once per set.
   */
  relationsCleared(key: string): boolean;
  /** The set `key` was judged and nothing it would run was refused. */
  clearRelations(key: string): void;
}

/** A verified database. Every read runs in a READ ONLY transaction with timeouts applied. */
export interface Source {
  readonly name: string;
  readonly driver: 'postgres' | 'embedded';
  /** The URL without secrets. */
  readonly description: string;
  readonly maxConnections: number;
  readonly lockTimeoutMs: number;
  /**
   * On embedded sources: which embedded database this instance opened (its own id and data
   * directory), recorded with every result; every embedded database names the same cluster to SQL.
   */
  readonly embedded?: EmbeddedIdentity;
  /**
   * Where the catalog's URL for this source is meant to reach (checkfile/reach-key.ts), recorded
   * with every reading as ServerIdentity.target; absent on a source opened without a catalog.
   */
  readonly reach?: string;
  readOnly<T>(work: (session: ReadSession) => Promise<T>, options: ReadOptions): Promise<T>;
  /**
   * One statement of parity's own (a constant in its code: no parameters, never check-file text)
   * behind its pinned settings, sent as one simple Query message: one round trip, one implicit
   * transaction that is read only and ends with the message (an error leaves nothing open).
   * For the probes each check repeats (replica lag), where readOnly's BEGIN and COMMIT would
   * cost two more round trips.
   */
  readFixed(text: FixedStatement, options: ReadOptions): Promise<Row[]>;
  /** Cheap reachability probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Defined in the SQL layer, below both the check-file rules (which URL parameters a read resets)
// and the drivers that pin them.
export { PINNED_SETTINGS } from '../sql/pinned-settings.js';
