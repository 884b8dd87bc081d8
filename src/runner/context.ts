/**
 * The execution context handed to a kind: its only way to reach a database. It applies the
 * per-source concurrency limit, the statement timeout, cancellation, records every statement and,
 * where a source sets max_replica_lag or the check records resumable progress over it, reads its
 * lag after every statement.
 */
import { compile, type CompiledQuery, type SQL } from '../sql/build.js';
import { scanFactsOf } from '../kinds/types.js';
import type { DescribedColumn, ReadSession, StatementParser } from '../sources/types.js';
import type { CounterSnapshotStore, CountResult, CountScan, ExecutionContext, QueryOptions, SnapshotRead } from '../kinds/types.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { StatementRecord } from '../store/schema.js';
import type { Limiter } from '../concurrency/limiter.js';
import { createScanExecutor, type ScanExecutor } from './scans.js';
import { oneConnectionServes } from './one-snapshot.js';
import { mergeLags, type LagReadings } from './replica-lag-guard.js';
import { replicaLagIn } from '../sources/replica-lag.js';
import type { ReplicaLag } from '../results/replica-lag.js';
import { replicaLagFault } from '../results/replica-lag.js';
import { Fault } from '../results/fault.js';

/** What a check execution may use: sources, the limiter and scan engine of its run, its signal and clock. */
export interface ContextDeps {
  checkId: string;
  sources: SourceRegistry;
  limiters: (source: string) => Limiter;
  /** Check-level override of the source's statement_timeout. */
  timeoutMs?: number | undefined;
  signal: AbortSignal;
  now: () => Date;
  onProgress?: (update: { rowsScanned: number; rowsEstimated?: number }) => void;
  /** The run's scan engine (fusion, chunking); a plain one is made when absent. */
  scans?: ScanExecutor | undefined;
  /** The state store's counter snapshots, for kinds that compare now with a window ago. */
  snapshots?: CounterSnapshotStore | undefined;
}

export interface RecordingContext extends ExecutionContext {
  readonly statements: StatementRecord[];
  /**
   * Answers one planned count scan through the run's engine (fused, chunked or alone); for the
   * runner, not for kinds. `beside`: a one-value count read in the scan's own statement (alone),
   * into ScanFacts.countedBeside.
   */
  countPlanned(scan: CountScan, beside?: SQL): Promise<CountResult>;
  /** Answers planned scans whose counts are compared with each other: in one snapshot where one statement can read them (ScanExecutor.countTogether). */
  countPlannedTogether(scans: readonly CountScan[]): Promise<CountResult[]>;
  /**
   * The worst replica lag read after the check's statements and chunks, per source that sets
   * max_replica_lag or that resumable progress reads, with the lag that resumed progress carried.
   */
  lagsAfterStatements(): LagReadings;
  /** How many reads went through query/queryEach (everything but planned count scans) so far. */
  readsBesideCounts(): number;
}

/** Creates the context for one check execution. */
export function createExecutionContext(deps: ContextDeps): RecordingContext {
  const statements: StatementRecord[] = [];
  const scans = deps.scans ?? createScanExecutor({ sources: deps.sources, limiters: deps.limiters });
  /** Per source with max_replica_lag (or read by resumable progress), the worst lag read after any of this check's statements. */
  const lagsAfterStatements: LagReadings = {};
  /** Sources whose lag is read after every statement though they set no limit: a checkpoint records it. */
  const lagRecorded = new Set<string>();
  const noteLags = (readings: LagReadings) => Object.assign(lagsAfterStatements, mergeLags(lagsAfterStatements, readings));
  let readsBesideCounts = 0;

  /** One recorded statement under the source's limiter, timeout and the check's signal; `rowsOf` counts what `read` returned. */
  async function recorded<T>(sourceName: string, statement: SQL, read: (session: ReadSession, compiled: CompiledQuery) => Promise<T>, rowsOf: (value: T) => number, options: QueryOptions = {}): Promise<T> {
    const [value] = await recordedTogether(sourceName, [statement], read, rowsOf, options);
    return value!;
  }

  /**
   * Recorded statements in one transaction, one after another (REPEATABLE READ when `isolation`
   * says so: one snapshot for all), under the source's limiter, timeout and the check's signal.
   * `recordAs` names the source each statement reads (default: `sourceName`), each one that
   * oneConnectionServes lets `sourceName`'s connection read; its lag is that connection's.
   */
  async function recordedTogether<T>(sourceName: string, statementsSql: readonly SQL[], read: (session: ReadSession, compiled: CompiledQuery, index: number) => Promise<T>, rowsOf: (value: T) => number, options: QueryOptions & { isolation?: 'repeatable read'; recordAs?: readonly string[] } = {}): Promise<T[]> {
    deps.signal.throwIfAborted();
    readsBesideCounts++;
    const names = statementsSql.map((_, i) => options.recordAs?.[i] ?? sourceName);
    const served = [...new Set([sourceName, ...names])];
    if (!oneConnectionServes(deps.sources, served)) throw new Error(`sources ${served.join(', ')} are not one connection's to read together`);
    const source = await deps.sources.get(sourceName);
    const spec = deps.sources.specOf(sourceName);
    const compiled = statementsSql.map((statement) => compile(statement));
    // A standby found behind its limit after an earlier statement is not read again (the check is
    // void anyway), and a statement never sent is not in the check's record of what it ran.
    for (const name of served) {
      const earlier = lagsAfterStatements[name];
      const behind = earlier && replicaLagFault(name, earlier);
      if (behind) throw new Fault({ ...behind, message: `${behind.message}, read after an earlier statement of this check` });
    }
    const records = compiled.map((c, i): StatementRecord => ({ source: names[i]!, sql: c.text, params: c.params, duration_ms: 0 }));
    statements.push(...records);
    const limit = spec?.max_replica_lag;
    let lag: ReplicaLag | undefined;
    const values = await deps.limiters(sourceName).run(() => source.readOnly(async (session) => {
      const answers: T[] = [];
      for (const [index, statement] of compiled.entries()) {
        const record = records[index]!;
        const started = performance.now();
        try {
          const answer = await read(session, statement, index);
          record.rows = rowsOf(answer);
          answers.push(answer);
        } finally {
          record.duration_ms = Math.round((performance.now() - started) * 100) / 100;
        }
      }
      // In the statements' own transaction: its connection is the server that answered.
      if (limit !== undefined || served.some((name) => lagRecorded.has(name))) lag = await replicaLagIn(session, limit);
      return answers;
    }, {
      statementTimeoutMs: deps.timeoutMs ?? spec?.statement_timeout ?? 30_000,
      signal: deps.signal,
      isolation: options.isolation,
      // The source's cap on parallel workers holds for every read, not only count scans.
      maxParallelWorkers: spec?.scan.max_parallel_workers,
      workMemKb: options.workMemKb,
      parallelTupleCost: options.parallelTupleCost,
    }));
    // A kind's reads are often many transactions (table_diff segments and passes, shadow_read
    // batches), and a standby can fall behind and catch up between the check's first and last
    // reading: the lag is read after each statement, as a chunked scan does after each chunk. The
    // worst reading joins the check's own (execute-check.ts), so even a last statement read behind
    // makes the result error, its observations kept.
    if (lag !== undefined) noteLags(Object.fromEntries(served.map((name) => [name, lag!])));
    return values;
  }

  function queryInOneSnapshot(sourceName: string, statementsSql: readonly SQL[], options?: QueryOptions): Promise<Record<string, unknown>[][]> {
    return recordedTogether(sourceName, statementsSql, (session, compiled) => session.query(compiled), (rows) => rows.length, { ...options, isolation: 'repeatable read' });
  }

  function eachInOneSnapshot(reads: readonly SnapshotRead[], options?: QueryOptions): Promise<number[]> {
    const sourceName = reads[0]?.source;
    if (sourceName === undefined) return Promise.resolve([]);
    return recordedTogether(sourceName, reads.map((r) => r.statement), async (session, compiled, index) => {
      const onRow = reads[index]!.onRow;
      if (session.each) return session.each(compiled, onRow);
      const all = await session.query(compiled);
      all.forEach(onRow);
      return all.length;
    }, (rows) => rows, { ...options, isolation: 'repeatable read', recordAs: reads.map((r) => r.source) });
  }

  function query<Row extends Record<string, unknown>>(sourceName: string, statement: SQL, options?: QueryOptions): Promise<Row[]> {
    return recorded(sourceName, statement, (session, compiled) => session.query(compiled) as Promise<Row[]>, (rows) => rows.length, options);
  }

  function queryEach<Row extends Record<string, unknown>>(sourceName: string, statement: SQL, onRow: (row: Row) => void, options?: QueryOptions): Promise<number> {
    const each = onRow as (row: Record<string, unknown>) => void;
    return recorded(sourceName, statement, async (session, compiled) => {
      if (session.each) return session.each(compiled, each);
      const all = await session.query(compiled);
      all.forEach(each);
      return all.length;
    }, (rows) => rows, options);
  }

  function describe(sourceName: string, statement: SQL): Promise<DescribedColumn[]> {
    // Recorded as a statement of no rows: it was sent (parsed and described), and read none.
    return recorded(sourceName, statement, (session, compiled) => {
      if (!session.describe) throw new Fault({ code: 'cannot_describe', message: `source "${sourceName}": its read session cannot describe a statement's columns, which this check needs to compare their values exactly` });
      return session.describe(compiled);
    }, () => 0);
  }

  async function withStatementParser<T>(sourceName: string, work: (parser: StatementParser) => Promise<T>): Promise<T> {
    deps.signal.throwIfAborted();
    const source = await deps.sources.get(sourceName);
    const spec = deps.sources.specOf(sourceName);
    // Recorded as one statement: the texts parsed are pg_stat_statements' own, read just before.
    const record: StatementRecord = { source: sourceName, sql: '-- parse statement texts on a second connection (query ids)', params: [], duration_ms: 0 };
    statements.push(record);
    return deps.limiters(sourceName).run(async () => {
      const started = performance.now();
      try {
        return await source.readOnly((session) => {
          if (!session.withStatementParser) throw new Fault({ code: 'cannot_parse_statements', message: `source "${sourceName}": its read session cannot parse statement texts on a second connection` });
          return session.withStatementParser(work);
        }, { statementTimeoutMs: deps.timeoutMs ?? spec?.statement_timeout ?? 30_000, signal: deps.signal });
      } finally {
        record.duration_ms = Math.round((performance.now() - started) * 100) / 100;
      }
    });
  }

  const scanRequest = () => ({ checkId: deps.checkId, timeoutMs: deps.timeoutMs, signal: deps.signal, onProgress: deps.onProgress, onStatement: (r: StatementRecord) => statements.push(r) });
  /** The lag a scan's chunks were read under, resumed ones included: the result records the worst. */
  const notingLags = (counts: CountResult): CountResult => {
    const readUnder = scanFactsOf(counts).readUnder;
    if (readUnder) noteLags(readUnder);
    return counts;
  };

  return {
    checkId: deps.checkId,
    withStatementParser,
    signal: deps.signal,
    statements,
    now: deps.now,
    snapshots: deps.snapshots,
    query,
    queryEach,
    queryInOneSnapshot,
    oneSnapshotReads: (names) => oneConnectionServes(deps.sources, names),
    eachInOneSnapshot,
    describe,
    async countPlanned(scan: CountScan, beside?: SQL): Promise<CountResult> {
      deps.signal.throwIfAborted();
      // A fused statement is recorded on every check it answered (fused_checks names them all).
      return notingLags(await scans.count(scan, { ...scanRequest(), beside }));
    },
    async countPlannedTogether(planned: readonly CountScan[]): Promise<CountResult[]> {
      deps.signal.throwIfAborted();
      return (await scans.countTogether(planned, scanRequest())).map(notingLags);
    },
    lagsAfterStatements: () => ({ ...lagsAfterStatements }),
    readsBesideCounts: () => readsBesideCounts,
    progress(update) {
      deps.onProgress?.(update);
    },
    checkpoint(sourceNames, identity) {
      // The strictest source decides how old resumed progress may be (0 anywhere: never resume).
      const maxAgeMs = sourceNames.length === 0 ? 0 : Math.min(...sourceNames.map((name) => deps.sources.specOf(name)?.scan.resume_max_age ?? 0));
      const inner = scans.checkpoint(deps.checkId, identity, maxAgeMs, sourceNames);
      if (!inner) return undefined;
      // Progress carried to a later run carries the lag it was read under, so every statement
      // from here on reads it (in its own transaction), and each save records the worst so far.
      for (const name of sourceNames) lagRecorded.add(name);
      return {
        async claim() {
          const progress = await inner.claim();
          if (progress) noteLags(progress.readUnder);
          return progress;
        },
        save(progress) {
          const known = sourceNames.every((name) => lagsAfterStatements[name] !== undefined);
          return inner.save({ ...progress, readUnder: known ? Object.fromEntries(sourceNames.map((name) => [name, lagsAfterStatements[name]!])) : null });
        },
        clear: () => inner.clear(),
      };
    },
  };
}
