/**
 * Chunked ("throttled") count scans: keyset pagination over the primary key, each chunk one short
 * statement in its own read-only transaction (unless snapshot: consistent), sized toward a target
 * duration, with a pause between chunks. Never OFFSET: every chunk starts where the last one ended,
 * found through the primary-key index, so the cost per chunk stays flat across the table.
 */
import { planPrimaryKey } from '../kinds/introspect.js';
import { columnSql, compile, joinSql, regclassText, sql, tableSql, type SQL } from '../sql/build.js';
import type { CountScan } from '../kinds/types.js';
import type { TableRef } from '../spec/identifiers.js';
import type { ScanSettings } from '../spec/sources.js';
import type { ReadSession, Source } from '../sources/types.js';
import type { StatementRecord } from '../store/schema.js';
import { SCANNED_ALIAS, countColumns, readCounts } from './count-scan.js';

export interface KeyColumn { name: string; type: string }

/** The planner's row estimate, for progress reporting only. */
export function planRowEstimate(table: TableRef): SQL {
  return sql`select greatest(reltuples, 0)::bigint as estimate from pg_class where oid = ${regclassText(table)}::regclass`;
}

const SAFE_TYPE = /^[a-z0-9_ ."()[\],]+$/i;

/** One chunk: the counts over the next `limit` rows after `after` (or from the start), plus the last key. */
export function planChunk(scan: CountScan, key: KeyColumn[], after: string[] | undefined, limit: number): SQL {
  for (const k of key) if (!SAFE_TYPE.test(k.type)) throw new Error(`unsupported key type ${k.type}`);
  const keyList = joinSql(key.map((k) => columnSql(k.name)));
  const lower = after === undefined
    ? sql`true`
    : key.length === 1
      ? sql`${sql.identifier(key[0]!.name)} > ${after[0]}::${sql.raw(key[0]!.type)}`
      : sql`(${keyList}) > (${joinSql(key.map((k, i) => sql`${after[i]}::${sql.raw(k.type)}`))})`;
  const counts = countColumns(scan);
  const descending = joinSql(key.map((k) => sql`${sql.identifier(k.name)} desc`));
  const last = key.length === 1
    ? [sql`max(${sql.identifier(key[0]!.name)})::text as last_0`]
    : key.map((k, i) => sql`(array_agg((${sql.identifier(k.name)})::text order by ${descending}))[1] as ${sql.identifier(`last_${i}`)}`);
  return sql`select ${joinSql([...counts, ...last])}
    from (select * from ${tableSql(scan.table)} where ${lower} order by ${keyList} limit ${limit}) as chunk`;
}

/** Next chunk size: move toward the target duration, damped, within 1/10× … 10× of the configured size. */
export function nextChunkRows(current: number, elapsedMs: number, settings: Pick<ScanSettings, 'chunk_rows' | 'target_chunk_ms'>): number {
  const ideal = elapsedMs <= 0 ? current * 2 : (current * settings.target_chunk_ms) / elapsedMs;
  const damped = Math.sqrt(current * ideal);
  const min = Math.max(100, Math.floor(settings.chunk_rows / 10));
  const max = settings.chunk_rows * 10;
  return Math.round(Math.min(max, Math.max(min, damped)));
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
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the scan chunk by chunk and adds the chunks up; the statements run are returned for the record. */
export async function runChunkedScan(scan: CountScan, deps: ChunkedScanDeps): Promise<Record<string, number>> {
  const names = Object.keys(scan.counts);
  const totals: Record<string, number> = Object.fromEntries([...names, SCANNED_ALIAS].map((n) => [n, 0]));
  const sleep = deps.sleep ?? defaultSleep;
  const read = { statementTimeoutMs: deps.statementTimeoutMs, signal: deps.signal, isolation: deps.settings.snapshot === 'consistent' ? 'repeatable read' as const : undefined };

  const run = async (session: ReadSession, statement: SQL, announce = true) => {
    const compiled = compile(statement);
    const record: StatementRecord = { source: scan.source, sql: compiled.text, params: compiled.params, duration_ms: 0 };
    if (announce) deps.onStatement(record);
    const started = performance.now();
    const rows = await session.query(compiled);
    record.duration_ms = Math.round((performance.now() - started) * 100) / 100;
    record.rows = rows.length;
    return { rows, record, elapsed: performance.now() - started };
  };

  const loop = async (open: <T>(work: (session: ReadSession) => Promise<T>) => Promise<T>) => {
    const { key, estimate } = await open(async (session) => {
      const keyRows = (await run(session, planPrimaryKey(scan.table))).rows;
      const estimateRows = (await run(session, planRowEstimate(scan.table))).rows;
      return { key: keyRows.map((r) => ({ name: String(r.name), type: String(r.type) })), estimate: Number(estimateRows[0]?.estimate ?? 0) };
    });
    if (key.length === 0) throw Object.assign(new Error(`chunked scans need a primary key; ${regclassText(scan.table)} has none`), { code: 'no_primary_key' });
    let after: string[] | undefined;
    let limit = deps.settings.chunk_rows;
    let chunks = 0;
    let chunkRecord: StatementRecord | undefined;
    for (;;) {
      deps.signal.throwIfAborted();
      // Keep one representative chunk statement (rows = chunks run) instead of thousands of near-identical records.
      const { rows, record, elapsed } = await open((session) => run(session, planChunk(scan, key, after, limit), chunkRecord === undefined));
      if (!chunkRecord) chunkRecord = Object.assign(record, { chunks: 0 });
      else chunkRecord.duration_ms = Math.round((chunkRecord.duration_ms + record.duration_ms) * 100) / 100;
      const row = rows[0];
      const counts = readCounts(row, names);
      for (const name of [...names, SCANNED_ALIAS]) totals[name]! += counts[name]!;
      chunks++;
      chunkRecord.chunks = chunks;
      deps.onChunk?.({ rowsScanned: totals[SCANNED_ALIAS]!, rowsEstimated: Math.max(estimate, totals[SCANNED_ALIAS]!), chunks });
      if (counts[SCANNED_ALIAS]! < limit) break;
      after = key.map((_, i) => String(row![`last_${i}`]));
      limit = nextChunkRows(limit, elapsed, deps.settings);
      if (deps.settings.pause_ms > 0) await sleep(deps.settings.pause_ms);
    }
  };

  if (deps.settings.snapshot === 'consistent') {
    await deps.withSlot(() => deps.source.readOnly((session) => loop((work) => work(session)), read));
  } else {
    await loop((work) => deps.withSlot(() => deps.source.readOnly(work, read)));
  }
  return totals;
}
