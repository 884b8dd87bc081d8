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

/** What a pinned setting's name or value may hold: parity's own constants and numbers, nothing to escape. */
const PLAIN_SETTING = /^[A-Za-z0-9_ ,.:-]*$/;

/**
 * The transaction-local settings as one statement without parameters. postgres.js (prepare off)
 * describes every statement that has parameters before executing it, a round trip of its own, and
 * sends nothing behind it meanwhile; written as literals, pinning costs no round trip of its own:
 * it goes out with the statement that follows. The values are parity's (PINNED_SETTINGS and
 * numbers from the source's configuration), never operator text; anything else is refused.
 */
export function pinningStatement(settings: Record<string, string>): string {
  const calls = Object.entries(settings).map(([name, value]) => {
    if (!PLAIN_SETTING.test(name) || !PLAIN_SETTING.test(value)) throw new Error(`setting ${JSON.stringify(name)} = ${JSON.stringify(value)} is not a plain value`);
    return `set_config('${name}', '${value}', true)`;
  });
  return `select ${calls.join(', ')}`;
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
      // An error thrown by a row consumer (`each`) is the caller's own: rethrown as it is, not as a fault.
      let consumerFailure: { error: unknown } | undefined;
      try {
        return (await sql.begin(options.isolation === 'repeatable read' ? 'isolation level repeatable read read only' : 'read only', async (tx) => {
          const settings: Record<string, string> = { ...PINNED_SETTINGS, statement_timeout: String(options.statementTimeoutMs), lock_timeout: String(spec.lock_timeout), idle_in_transaction_session_timeout: String(Math.max(options.statementTimeoutMs * 2, 60_000)) };
          if (options.maxParallelWorkers !== undefined) settings.max_parallel_workers_per_gather = String(options.maxParallelWorkers);
          const names = Object.keys(settings);
          const pinSql = pinningStatement(settings);
          lastSql = pinSql;
          // Sent, not awaited: the first statement goes out right behind it, saving a round trip
          // per transaction. The server runs them in order in this transaction, so a statement
          // never runs unpinned: if pinning fails the transaction is aborted and the statement
          // fails too. Every statement still awaits the pinning before its result counts.
          let pinned: Promise<void> | undefined = tx.unsafe(pinSql, [], EXTENDED).then(() => { pinned = undefined; }, (error: unknown) => {
            lastSql = pinSql;
            throw error;
          });
          pinned.catch(() => {});
          const run = async <R>(statement: CompiledQuery, start: (query: ReturnType<typeof tx.unsafe>) => Promise<R>): Promise<R> => {
            options.signal?.throwIfAborted();
            lastSql = statement.text;
            const pending = tx.unsafe(statement.text, statement.params as Postgres.ParameterOrJSON<never>[], EXTENDED);
            const cancel = () => void pending.cancel();
            options.signal?.addEventListener('abort', cancel, { once: true });
            try {
              const result = start(pending);
              if (pinned) {
                result.catch(() => {});
                await pinned;
              }
              return await result;
            } finally {
              options.signal?.removeEventListener('abort', cancel);
            }
          };
          return work({
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
        })) as T;
      } catch (error) {
        if (consumerFailure) throw consumerFailure.error;
        if (error instanceof SourceQueryError) throw error;
        throw new SourceQueryError(name, lastSql, classifyError(error, options.signal?.aborted ?? false), { cause: error });
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
