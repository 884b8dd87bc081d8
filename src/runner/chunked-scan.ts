/**
 * Chunked ("throttled") count scans: keyset pagination over the primary key, each chunk a short
 * read-only transaction of its own (unless snapshot: consistent), sized toward a target duration,
 * with a pause between chunks. Never OFFSET: every chunk is the key range right after the last one,
 * counted with a plain range predicate, which the planner runs like any query of its size (an index
 * range scan, parallel where the server would parallelise it); an ORDER BY … LIMIT over table rows
 * would force one serial ordered index scan. Where a chunk ends: for a single integer key, by
 * arithmetic from the key density (integer-ranges.ts); for any other key, the `n`-th next key read
 * from the primary-key index alone. Key ranges, unlike ctid ranges, count every row exactly once
 * even while rows are updated (a row can move pages) — unless the application updates a primary
 * key while the scan runs, which nothing here can see (documented; snapshot: consistent does not
 * depend on it).
 *
 * Two things follow from "every chunk is the key range right after the last one". A scan may stop
 * after any chunk once its stop rules hold (the counts so far already prove the check fails), and
 * it may resume: after each chunk the totals and the last key are recorded in one statement
 * (a checkpoint), so a run that dies resumes from the last recorded chunk — a chunk is either in
 * the recorded totals and after the recorded key, or in neither, so no row is counted twice and
 * none is skipped.
 */
import { columnSql, compile, joinSql, regclassText, sql, tableSql, type SQL } from '../sql/build.js';
import { castType, checkKeyTypes, comparableBound, comparableKey, keyRangeBounds, nthKeySql, readNthKey } from '../compare/key-range.js';
import { arrayLiteralText } from '../sql/array-literal.js';
import { SCAN_FACTS, type CountResult, type CountScan, type ResumableProgress, type ScanCheckpoint, type ScanFacts, type ScanProgress, type StopRule } from '../kinds/types.js';
import type { TableRef } from '../sql/identifiers.js';
import type { ScanSettings } from '../checkfile/sources.js';
import type { ReadSession, Source } from '../sources/types.js';
import type { StatementRecord } from '../store/schema.js';
import { SCANNED_ALIAS, countColumns, readCounts } from './count-scan.js';
import { chunkEnd, initialDensity, narrowedWidth, observeDensity, widthFor, type KeyDensity } from './integer-ranges.js';
import { Fault } from '../results/fault.js';
import { replicaLagFault, worseLag, type ReplicaLag } from '../results/replica-lag.js';
import { replicaLagIn } from '../sources/replica-lag.js';
import { systemClock } from './clock.js';
import { INTEGER_TYPES, planPrimaryKey, type KeyColumn } from '../introspect/primary-key.js';
import { plannerRowsSql } from '../introspect/row-estimate.js';
import { planLockedRelation, readProvenRelation, relationIdentitySql, tableReplacedMessage } from '../introspect/table-identity.js';

/** Column alias of the oid of the table a chunk read (see planChunk). */
const TABLE_OID_ALIAS = '__table_oid';

export type { KeyColumn, ResumableProgress, ScanCheckpoint, ScanProgress };

/** The planner's row estimate, for progress reporting only. */
export function planRowEstimate(table: TableRef): SQL {
  return sql`select greatest(${plannerRowsSql(table)}, 0)::bigint as estimate`;
}

/**
 * Where the next chunk ends: the `limit`-th key after `after` (or from the start), found by walking
 * the primary-key index only (no table rows are read). No row back: fewer keys remain, so the next
 * chunk is the last.
 */
export function planChunkEnd(table: TableRef, key: KeyColumn[], after: string[] | undefined, limit: number): SQL {
  return nthKeySql(table, key, after, limit);
}

/** First and last key of a single-column key (index endpoints: two index lookups). */
export function planKeyExtent(table: TableRef, key: KeyColumn): SQL {
  checkKeyTypes([key]);
  return sql`select min(${columnSql(key.name)})::text as min, max(${columnSql(key.name)})::text as max from ${tableSql(table)}`;
}

/**
 * A table the scan reads (the table itself or an inheritance descendant, which `FROM table` reads
 * too) where a key column may hold NULL, or none. The primary key keeps NULLs out of the table
 * itself, but a child table has no primary key of its own and, up to Postgres 17, may drop the
 * NOT NULL it inherited; a row with a NULL key column lies in no key range, so no chunk would count it.
 */
export function planNullableKeyTable(table: TableRef, key: KeyColumn[]): SQL {
  return sql`with recursive tree(oid) as (
      select ${regclassText(table)}::regclass::oid
      union select i.inhrelid from pg_inherits i join tree on i.inhparent = tree.oid)
    select c.oid::regclass::text as name, a.attname::text as column from tree
      join pg_class c on c.oid = tree.oid
      join pg_attribute a on a.attrelid = tree.oid and a.attnum > 0 and not a.attisdropped
     where a.attname = any(${arrayLiteralText(key.map((k) => k.name))}::text[]) and not a.attnotnull
     limit 1`;
}

/** The planner's row estimate for a key range (EXPLAIN only: nothing is read). */
export function planRangeEstimate(table: TableRef, key: KeyColumn, after: string | undefined, upTo: string): SQL {
  checkKeyTypes([key]);
  const column = columnSql(key.name);
  const lower = after === undefined ? sql`` : sql`${column} > ${after}::${castType(key.type)} and `;
  return sql`explain (format json) select 1 from ${tableSql(table)} where ${lower}${column} <= ${upTo}::${castType(key.type)}`;
}

/** Plan Rows of an `explain (format json)` result (the driver may hand back JSON or its text). */
export function readPlanRows(rows: readonly Record<string, unknown>[]): number {
  const raw = rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[] | undefined;
  const estimate = Number(plan?.[0]?.Plan?.['Plan Rows']);
  return Number.isFinite(estimate) ? estimate : Number.NaN;
}

/**
 * One chunk: the counts over the key range (after, upTo] — open-ended for the last chunk, so rows
 * appended during the scan are still counted. A plain range predicate on the primary key, so the
 * planner treats each chunk like any query of its size (an index range scan, with parallel
 * workers where the server would use them for the bare statement too).
 */
export function planChunk(scan: CountScan, key: KeyColumn[], after: string[] | undefined, upTo: string[] | undefined): SQL {
  const bounds = keyRangeBounds(key, after, upTo);
  const where = bounds.length === 0 ? sql`` : sql` where ${joinSql(bounds, sql` and `)}`;
  // Which table the name reached in this very statement (FROM locks it first): every chunk must
  // have counted the same one, or two tables' ranges would be added up (table-identity.ts).
  return sql`select ${joinSql(countColumns(scan))}, ${relationIdentitySql(scan.table)} as ${sql.identifier(TABLE_OID_ALIAS)} from ${tableSql(scan.table)}${where}`;
}

/**
 * Next chunk size: move toward the target duration, damped (geometric mean of the current and the
 * ideal size), within 1/10× … 100× of the configured size. The target duration is what the
 * operator asked for; the bounds only stop one odd chunk (a cold cache, a lock wait) from
 * swinging the size wildly.
 */
export function nextChunkRows(current: number, elapsedMs: number, settings: Pick<ScanSettings, 'chunk_rows' | 'target_chunk_ms'>): number {
  const ideal = elapsedMs <= 0 ? current * 2 : (current * settings.target_chunk_ms) / elapsedMs;
  const damped = Math.sqrt(current * ideal);
  const min = Math.max(100, Math.floor(settings.chunk_rows / 10));
  const max = settings.chunk_rows * 100;
  return Math.round(Math.min(max, Math.max(min, damped)));
}

function sameKey(a: KeyColumn[], b: KeyColumn[]): boolean {
  return a.length === b.length && a.every((k, i) => k.name === b[i]!.name && k.type === b[i]!.type);
}

export interface ChunkedScanDeps {
  source: Source;
  settings: ScanSettings;
  statementTimeoutMs: number;
  signal: AbortSignal;
  /** Holds a connection slot of the source while a chunk runs. */
  withSlot<T>(work: () => Promise<T>): Promise<T>;
  onChunk?(progress: { rowsScanned: number; rowsEstimated: number; chunks: number }): void;
  /** Called when a statement starts, so a cancelled scan still shows what it ran. */
  onStatement(record: StatementRecord): void;
  sleep?(ms: number): Promise<void>;
  /** The scan may end after any chunk once every one of these holds (none: it never stops early). */
  stop?: readonly StopRule[] | undefined;
  /** Records progress per chunk and resumes an interrupted scan; absent (or a consistent snapshot): neither. */
  checkpoint?: ScanCheckpoint | undefined;
  /**
   * The source's max_replica_lag: the lag is read after every chunk read in a transaction of its
   * own. The check reads it before and after the whole scan, but a standby that fell behind and
   * caught up again in between served those chunks from an older state than the limit allows.
   * A scan with a checkpoint reads it after every chunk too, limit or not: the checkpoint carries
   * the worst lag of its chunks to the run that resumes them (see the loop).
   */
  maxReplicaLag?: { source: string; ms: number } | undefined;
}


/** Runs the scan chunk by chunk and adds the chunks up; each statement is handed to onStatement for the record. */
export async function runChunkedScan(scan: CountScan, deps: ChunkedScanDeps): Promise<CountResult> {
  // A narrowed scan reads what its predicate selects, not key ranges (scans.ts never chunks one).
  if (scan.where !== undefined) throw new Error('a scan narrowed by a WHERE predicate is never chunked');
  const names = Object.keys(scan.counts);
  const totals: Record<string, number> = Object.fromEntries([...names, SCANNED_ALIAS].map((n) => [n, 0]));
  const facts: ScanFacts = {};
  // One snapshot cannot be resumed in another transaction: a consistent scan starts over instead.
  const checkpoint = deps.settings.snapshot === 'consistent' ? undefined : deps.checkpoint;
  const stop = deps.stop ?? [];
  const sleep = deps.sleep ?? ((ms: number) => systemClock.sleep(ms));
  const read = { statementTimeoutMs: deps.statementTimeoutMs, signal: deps.signal, isolation: deps.settings.snapshot === 'consistent' ? 'repeatable read' as const : undefined, maxParallelWorkers: deps.settings.max_parallel_workers };

  const run = async (session: ReadSession, statement: SQL, announce = true) => {
    const compiled = compile(statement);
    const record: StatementRecord = { source: scan.source, sql: compiled.text, params: compiled.params, duration_ms: 0 };
    if (announce) deps.onStatement(record);
    const started = performance.now();
    const rows = await session.query(compiled);
    record.duration_ms = Math.round((performance.now() - started) * 100) / 100;
    record.rows = rows.length;
    return { rows, record };
  };

  const loop = async (open: <T>(work: (session: ReadSession) => Promise<T>) => Promise<T>) => {
    // Key, row estimate and, for a single integer key, its extent (chunk ends by arithmetic; empty table: none).
    const { key, nullable, estimate, integer, tableOid } = await open(async (session) => {
      // Locked first: the key, its NOT NULLs and extent below are read by name in this transaction,
      // and a table renamed over the name and back between them would hand the chunks another
      // table's key (rows with a NULL in this table's key column would lie in no chunk).
      const locked = (await run(session, planLockedRelation(scan.table, 'always'))).rows[0];
      const tableOid = locked?.identity;
      // Every chunk reads this very relation (checked below), so the scan proves what it counted.
      facts.relation = readProvenRelation(locked);
      const keyRows = (await run(session, planPrimaryKey(scan.table))).rows;
      const estimateRows = (await run(session, planRowEstimate(scan.table))).rows;
      const columns = keyRows.map((r) => ({ name: String(r.name), type: String(r.type) }));
      const nullable = columns.length === 0 ? undefined : (await run(session, planNullableKeyTable(scan.table, columns))).rows[0];
      const extent = columns.length === 1 && INTEGER_TYPES.has(columns[0]!.type) ? (await run(session, planKeyExtent(scan.table, columns[0]!))).rows[0] : undefined;
      return {
        tableOid: tableOid === null || tableOid === undefined ? undefined : String(tableOid),
        key: columns,
        nullable,
        estimate: Number(estimateRows[0]?.estimate ?? 0),
        integer: extent?.min === null || extent?.min === undefined ? undefined : { min: BigInt(String(extent.min)), max: BigInt(String(extent.max)) },
      };
    });
    if (key.length === 0) throw new Fault({ code: 'no_primary_key', message: `chunked scans need a primary key; ${regclassText(scan.table)} has none` });
    if (nullable) {
      throw new Fault({
        code: 'nullable_key',
        message: `chunked scans count key ranges of ${regclassText(scan.table)}, but column ${String(nullable.column)} of ${String(nullable.name)} (read with it) allows NULL, and a row with a NULL key lies in no range; use scan.mode: single for this source`,
      });
    }
    let after: string[] | undefined;
    let rowsWanted = deps.settings.chunk_rows;
    let chunks = 0;
    // The worst lag any chunk in the totals was read under. Read in every chunk's own transaction,
    // never once per run: a multi-host URL or a pooler can hand one chunk to a primary and the next
    // to a standby far behind it (one system identifier, one timeline: the same server to the watch).
    let worst: ReplicaLag | undefined;
    const readsLag = checkpoint !== undefined || deps.maxReplicaLag !== undefined;
    const resumable = await checkpoint?.claim();
    // Progress is only resumed over the same table (not only the same name), the same key and the
    // same counts; anything else starts over.
    const sameTable = tableOid !== undefined && (resumable?.state as { table?: unknown } | undefined)?.table === tableOid;
    if (resumable && sameTable && sameKey(resumable.keyColumns, key) && [...names, SCANNED_ALIAS].every((n) => Number.isFinite(resumable.counts[n]))) {
      for (const name of [...names, SCANNED_ALIAS]) totals[name] = resumable.counts[name]!;
      after = resumable.lastKey;
      chunks = resumable.chunks;
      rowsWanted = resumable.chunkRows;
      // Its chunks were read under the lag the interrupted runs recorded (claim() resumes only a
      // known one, within the limit): this result is dated by it, not only by this run's own.
      worst = resumable.readUnder[scan.source];
      facts.resumed = { fromRun: resumable.fromRun, chunks, rowsScanned: totals[SCANNED_ALIAS]!, since: resumable.since.toISOString(), readUnder: resumable.readUnder };
    }
    // One representative record per statement shape (duration = their sum; the chunk statement's
    // `chunks` = chunks run) instead of thousands of near-identical records.
    const kept = new Map<string, StatementRecord>();
    const runKept = async (session: ReadSession, shape: string, statement: SQL) => {
      const result = await run(session, statement, !kept.has(shape));
      const record = kept.get(shape);
      if (!record) kept.set(shape, shape === 'chunk' ? Object.assign(result.record, { chunks: 1 }) : result.record);
      else {
        record.duration_ms = Math.round((record.duration_ms + result.record.duration_ms) * 100) / 100;
        if (shape === 'chunk') record.chunks = (record.chunks ?? 0) + 1;
      }
      return result.rows;
    };

    // Integer keys: chunk ends by arithmetic. Others: the rowsWanted-th next key, from the index.
    let density: KeyDensity | undefined = integer ? initialDensity(integer.min, integer.max, estimate) : undefined;
    const chunkEndOf = async (session: ReadSession): Promise<{ end: string[] | undefined; width?: bigint }> => {
      if (integer && density) {
        const start = after === undefined ? integer.min - 1n : BigInt(after[0]!);
        let width = widthFor(rowsWanted, density);
        // The last, open-ended chunk is checked too: after a sparse stretch it may hold a dense one.
        for (let tries = 0; tries < 3; tries++) {
          if (start + width > integer.max) width = integer.max - start;
          const planned = readPlanRows(await runKept(session, 'range estimate', planRangeEstimate(scan.table, key[0]!, after?.[0], String(start + width))));
          const narrower = narrowedWidth(width, rowsWanted, planned);
          if (narrower === undefined) break;
          width = narrower;
        }
        const end = chunkEnd(start, width, integer.max);
        return end === undefined ? { end: undefined } : { end: [String(end)], width };
      }
      return { end: readNthKey((await runKept(session, 'chunk end', planChunkEnd(scan.table, key, after, rowsWanted)))[0], key) };
    };

    for (;;) {
      deps.signal.throwIfAborted();
      const started = performance.now();
      const { end, width, rows, lag } = await open(async (session) => {
        const bound = await chunkEndOf(session);
        const counted = await runKept(session, 'chunk', planChunk(scan, key, after, bound.end));
        // In the chunk's own transaction: its connection is the server that counted it.
        // In one snapshot (consistent) too: the check's reading before the scan took a connection of its own.
        const lagRead = readsLag ? await replicaLagIn(session, deps.maxReplicaLag?.ms) : undefined;
        return { ...bound, rows: counted, lag: lagRead };
      });
      const elapsed = performance.now() - started;
      if (rows[0]?.[TABLE_OID_ALIAS] !== tableOid || tableOid === undefined) throw new Fault({ code: 'table_replaced', message: tableReplacedMessage(scan.table, 'chunked scan') });
      if (deps.maxReplicaLag && lag) {
        const lagged = replicaLagFault(deps.maxReplicaLag.source, lag);
        if (lagged) throw new Fault({ ...lagged, message: `${lagged.message}, after chunk ${chunks + 1} of a chunked scan` });
      }
      if (lag) worst = worst ? worseLag(worst, lag) : lag;
      const counts = readCounts(rows[0], names);
      for (const name of [...names, SCANNED_ALIAS]) totals[name]! += counts[name]!;
      chunks++;
      deps.onChunk?.({ rowsScanned: totals[SCANNED_ALIAS]!, rowsEstimated: Math.max(estimate, totals[SCANNED_ALIAS]!), chunks });
      if (end === undefined) break;
      // Counts only grow, so a stop rule that holds now holds for the whole table: the verdict is fail.
      if (stop.length > 0 && stop.every((rule) => (totals[rule.count] ?? 0) >= rule.atLeast)) {
        facts.stoppedEarly = { chunks };
        facts.within = sql`${comparableKey(key)} <= ${comparableBound(key, end)}`;
        break;
      }
      after = end;
      const seen = counts[SCANNED_ALIAS]!;
      if (density && width !== undefined) density = observeDensity(density, width, seen);
      // Learn speed only from chunks near the wanted size: a sparse key range's time is mostly overhead.
      if (seen >= rowsWanted / 2) rowsWanted = nextChunkRows(seen, elapsed, deps.settings);
      // The chunk's totals and its last key in one statement: after a crash a chunk is either
      // in both or in neither.
      const readUnder = worst ? { [scan.source]: worst } : null;
      if (checkpoint && !(await checkpoint.save({ keyColumns: key, lastKey: end, counts: { ...totals }, chunks, chunkRows: rowsWanted, state: { table: tableOid }, readUnder }))) {
        throw new Fault({ code: 'checkpoint_lost', message: `another run took over the checkpoint of this scan of ${regclassText(scan.table)}; this run stops so the two never count the same rows` });
      }
      if (deps.settings.pause_ms > 0) await sleep(deps.settings.pause_ms);
    }
    // Chunks read in separate transactions add up exactly only if no primary key changed between
    // them; the result says so (one transaction, or one snapshot, needs no such assumption).
    if (deps.settings.snapshot !== 'consistent' && (chunks > 1 || facts.resumed)) facts.keysAssumedStable = true;
    if (worst) facts.readUnder = { [scan.source]: worst };
  };

  if (deps.settings.snapshot === 'consistent') {
    await deps.withSlot(() => deps.source.readOnly((session) => loop((work) => work(session)), read));
  } else {
    await loop((work) => deps.withSlot(() => deps.source.readOnly(work, read)));
  }
  await checkpoint?.clear();
  return Object.assign(totals, { [SCAN_FACTS]: facts });
}
