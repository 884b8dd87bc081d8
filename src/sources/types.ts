/** The port through which parity reads a verified database. */
import type { CompiledQuery } from '../sql/build.js';

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
}

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
}

/** A verified database. Every read runs in a READ ONLY transaction with timeouts applied. */
export interface Source {
  readonly name: string;
  readonly driver: 'postgres' | 'embedded';
  /** The URL without secrets. */
  readonly description: string;
  readonly maxConnections: number;
  readonly lockTimeoutMs: number;
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

/**
 * Session settings pinned for every read: values must serialise identically on every source
 * (table_diff hashes rows on two servers), operator SQL is lexed as the check-file parser lexed it,
 * and parity identifies itself to DBAs.
 */
export const PINNED_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  bytea_output: 'hex',
  // The check-file parser lexes literals this way; a server set otherwise would split text differently.
  standard_conforming_strings: 'on',
  // A row-level security policy would hide rows from a check, which then verifies only what it
  // sees; with this off, a read a policy would filter fails instead (42501): "could not verify".
  row_security: 'off',
  // Settings a database or role may carry that change what a query returns. A non-zero fuzzy
  // limit makes GIN index scans return a random subset of their matches (a sql_assert over one
  // passed on a sample); the other two change what operator SQL means (`x = NULL` as IS NULL, an
  // unquoted NULL in an array literal as the text 'NULL'), so one check file meant different
  // things on different servers.
  gin_fuzzy_search_limit: '0',
  transform_null_equals: 'off',
  array_nulls: 'on',
  // parity reads type names from the catalog (format_type, regtype) and matches them against its
  // own lists; quoted names ("date") fell off the typed paths.
  quote_all_identifiers: 'off',
  // money is written as lc_monetary says (symbol, separators, decimals): table_diff hashes its text
  // on two servers, which must agree for the same value.
  lc_monetary: 'C',
  application_name: 'parity',
};
