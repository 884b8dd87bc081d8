/** Verified databases reached over the network with postgres.js. */
import type Postgres from 'postgres';
import { postgres } from '../drivers/postgres-js.js';
import type { SourceSpec } from '../checkfile/sources.js';
import { describeUrl } from '../checkfile/sources.js';
import { resolveTarget, type ResolvedTarget } from '../checkfile/target.js';
import { Fault } from '../results/fault.js';
import { SourceQueryError, classifyError } from './errors.js';
import type { CompiledQuery } from '../sql/build.js';
import { PINNED_SETTINGS, type ReadOptions, type ReadSession, type Source } from './types.js';
import { fixedStatementSettings, pinningSql } from './pinning.js';

/**
 * Every statement text parity sends goes through the extended protocol (Parse/Bind/Execute), which
 * the server refuses to give more than one statement: postgres.js would otherwise send an
 * `unsafe(text, [])` without parameters as a simple Query, where `select 1; delete …` runs both.
 */
const EXTENDED = { simple: false, prepare: false } as const;

/** The driver options that pin it to the resolved target, so it never re-reads PG* variables differently. */
function targetOptions(target: ResolvedTarget): Postgres.Options<Record<string, never>> {
  // A Unix-socket host is turned into a path by the driver only when given as a string; leave those to it.
  const sockets = target.hosts.some((h) => h.host.includes('/'));
  return {
    database: target.database,
    user: target.user,
    ...(sockets ? {} : { host: target.hosts.map((h) => h.host) as unknown as string, port: target.hosts.map((h) => h.port) as unknown as number }),
    ...(target.target_session_attrs ? { target_session_attrs: target.target_session_attrs as 'primary' } : {}),
  };
}

/** Connects lazily; nothing is opened until the first read. `target` is the catalog's resolution of the URL. */
export function createPostgresSource(name: string, spec: SourceSpec, target?: ResolvedTarget): Source {
  const resolved = target ?? resolveTarget(spec.url, process.env);
  if ('error' in resolved) throw new Fault({ code: 'invalid_url', message: `source "${name}": ${resolved.error}` });
  const sql = postgres(spec.url, {
    ...targetOptions(resolved),
    max: spec.max_connections,
    idle_timeout: 60,
    connect_timeout: 10,
    max_lifetime: 30 * 60,
    prepare: false,
    onnotice: () => {},
    // Belt and braces: even a statement that escaped its transaction could not write.
    connection: { application_name: 'parity', default_transaction_read_only: 'on' } as Record<string, string>,
  });
  return {
    name,
    driver: 'postgres',
    description: describeUrl(spec.url),
    maxConnections: spec.max_connections,
    lockTimeoutMs: spec.lock_timeout,
    async readOnly<T>(work: (session: ReadSession) => Promise<T>, options: ReadOptions): Promise<T> {
      let lastSql = 'begin read only';
      let pinSql = lastSql;
      let pinning: Promise<void> | undefined;
      let pinFailure: { error: unknown } | undefined;
      // An error thrown by a row consumer (`each`) is the caller's own: rethrown as it is, not as a fault.
      let consumerFailure: { error: unknown } | undefined;
      try {
        return (await sql.begin(options.isolation === 'repeatable read' ? 'isolation level repeatable read read only' : 'read only', async (tx) => {
          const settings: Record<string, string> = { ...PINNED_SETTINGS, statement_timeout: String(options.statementTimeoutMs), lock_timeout: String(spec.lock_timeout), idle_in_transaction_session_timeout: String(Math.max(options.statementTimeoutMs * 2, 60_000)) };
          if (options.maxParallelWorkers !== undefined) settings.max_parallel_workers_per_gather = String(options.maxParallelWorkers);
          if (options.workMemKb !== undefined) settings.work_mem = `${Math.round(options.workMemKb)}kB`;
          if (options.parallelTupleCost !== undefined) settings.parallel_tuple_cost = String(options.parallelTupleCost);
          lastSql = pinSql = pinningSql(settings, { ioConcurrency: options.ioConcurrency, catalogFirst: true, defaultAbbreviations: true });
          // Sent, not awaited: the first statement of `work` follows it on the same connection, in the
          // same round trip. Should it fail, the transaction is aborted and every statement after it
          // fails too (nothing runs unpinned); its own error is the one reported.
          pinning = tx.unsafe(lastSql, [], EXTENDED).then(() => undefined, (error: unknown) => {
            pinFailure = { error };
          });
          const run = async <R>(statement: CompiledQuery, start: (query: ReturnType<typeof tx.unsafe>) => Promise<R>): Promise<R> => {
            options.signal?.throwIfAborted();
            lastSql = statement.text;
            const pending = tx.unsafe(statement.text, statement.params as Postgres.ParameterOrJSON<never>[], EXTENDED);
            const cancel = () => void pending.cancel();
            options.signal?.addEventListener('abort', cancel, { once: true });
            try {
              return await start(pending);
            } finally {
              options.signal?.removeEventListener('abort', cancel);
            }
          };
          const answer = await work({
            query: (statement) => run(statement, async (pending) => [...(await pending)]),
            // forEach hands over each DataRow as it is parsed and keeps none of them.
            each: (statement, onRow) => run(statement, async (pending) => {
              let rows = 0;
              // Throwing inside forEach would make postgres.js destroy the connection; a consumer
              // error instead skips the remaining rows (no cancel request that could race a later
              // statement on the same connection) and is rethrown once the statement ends.
              await pending.forEach((row) => {
                // After an abort, rows still in flight until the cancel lands are dropped.
                if (consumerFailure || options.signal?.aborted) return;
                try {
                  onRow(row);
                  rows++;
                } catch (error) {
                  consumerFailure = { error };
                }
              });
              if (consumerFailure) throw consumerFailure.error;
              // Aborted, yet the statement ended before the cancel landed: rows were dropped, so never a result.
              options.signal?.throwIfAborted();
              return rows;
            }),
          });
          await pinning;
          if (pinFailure) throw pinFailure.error;
          return answer;
        })) as T;
      } catch (caught) {
        let error = caught;
        await pinning;
        if (pinFailure) {
          error = pinFailure.error;
          lastSql = pinSql;
        } else if (consumerFailure) throw consumerFailure.error;
        if (error instanceof SourceQueryError) throw error;
        throw new SourceQueryError(name, lastSql, classifyError(error, options.signal?.aborted ?? false), { cause: error });
      }
    },
    async readFixed(text, options) {
      const settings = fixedStatementSettings(options.statementTimeoutMs, spec.lock_timeout);
      options.signal?.throwIfAborted();
      const pending = sql.unsafe(`${pinningSql(settings)};\n${text}`, [], { prepare: false }).simple();
      const cancel = () => void pending.cancel();
      options.signal?.addEventListener('abort', cancel, { once: true });
      try {
        const results = await pending as unknown as Postgres.RowList<Postgres.Row[]>[];
        return [...results.at(-1)!];
      } catch (error) {
        throw new SourceQueryError(name, text, classifyError(error, options.signal?.aborted ?? false), { cause: error });
      } finally {
        options.signal?.removeEventListener('abort', cancel);
      }
    },
    async ping() {
      try {
        // A tagged template with prepare: false is an unnamed extended-protocol statement.
        await sql`select 1`;
      } catch (error) {
        throw new SourceQueryError(name, 'select 1', classifyError(error), { cause: error });
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
