/** Verified databases reached over the network with postgres.js. */
import type Postgres from 'postgres';
import { postgres } from '../drivers/postgres-js.js';
import { PARAMETER_TYPES } from './parameter-types.js';
import type { SourceSpec } from '../checkfile/sources.js';
import { describeUrl } from '../checkfile/sources.js';
import { resolveTarget, type ResolvedTarget } from '../checkfile/target.js';
import { Fault } from '../results/fault.js';
import { SourceQueryError, classifyError, isConnectionLost } from './errors.js';
import type { CompiledQuery } from '../sql/build.js';
import { PINNED_SETTINGS, type ReadOptions, type ReadSession, type Source } from './types.js';
import { fingerprintOf, fixedStatementSettings, pinningSql } from './pinning.js';
import { guardingImplicitCode } from './implicit-code.js';
import { withStatementParser } from './statement-parser.js';

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

/** How long postgres.js may take to open a connection, in seconds. */
const CONNECT_TIMEOUT_S = 10;

/**
 * A reserved connection, or a CONNECT_TIMEOUT / abort error once `ms` pass or `signal` aborts. The
 * driver can lose a reserve's waiter when the connection closes while it asks for the server's
 * array types (it reconnects without it): unbounded, the read would wait forever. A connection
 * reserved after giving up is released at once.
 */
async function reserveWithin(sql: Postgres.Sql, ms: number, signal: AbortSignal | undefined): Promise<Postgres.ReservedSql> {
  signal?.throwIfAborted();
  const pending = sql.reserve();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no connection within ${ms} ms`), { code: 'CONNECT_TIMEOUT' })), ms);
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, gaveUp]);
  } catch (error) {
    pending.then((reserved) => reserved.release(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Connects lazily; nothing is opened until the first read. `target` is the catalog's resolution of the URL. */
export function createPostgresSource(name: string, spec: SourceSpec, target?: ResolvedTarget): Source {
  const resolved = target ?? resolveTarget(spec.url, process.env);
  if ('error' in resolved) throw new Fault({ code: 'invalid_url', message: `source "${name}": ${resolved.error}` });
  const sql = postgres(spec.url, {
    ...targetOptions(resolved),
    max: spec.max_connections,
    idle_timeout: 60,
    connect_timeout: CONNECT_TIMEOUT_S,
    max_lifetime: 30 * 60,
    prepare: false,
    // Texts bound as parameters reach the server as written (parameter-types.ts).
    types: PARAMETER_TYPES,
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
      const beginSql = options.isolation === 'repeatable read' ? 'begin isolation level repeatable read read only' : 'begin read only';
      let lastSql = beginSql;
      let reserved: Postgres.ReservedSql;
      try {
        reserved = await reserveWithin(sql, CONNECT_TIMEOUT_S * 1000 + options.statementTimeoutMs, options.signal);
      } catch (error) {
        throw new SourceQueryError(name, lastSql, classifyError(error, options.signal?.aborted ?? false), { cause: error });
      }
      const settings: Record<string, string> = { ...PINNED_SETTINGS, statement_timeout: String(options.statementTimeoutMs), lock_timeout: String(spec.lock_timeout), idle_in_transaction_session_timeout: String(Math.max(options.statementTimeoutMs * 2, 60_000)) };
      if (options.maxParallelWorkers !== undefined) settings.max_parallel_workers_per_gather = String(options.maxParallelWorkers);
      if (options.workMemKb !== undefined) settings.work_mem = `${Math.round(options.workMemKb)}kB`;
      if (options.parallelTupleCost !== undefined) settings.parallel_tuple_cost = String(options.parallelTupleCost);
      // Outside a run every read looks for stand-in code; inside one, reads look until one has.
      const refuseStandIns = options.server?.needsStandInGuard() ?? true;
      const pinSql = pinningSql(settings, { ioConcurrency: options.ioConcurrency, catalogFirst: true, defaultAbbreviations: true, fingerprint: options.server !== undefined, refuseStandIns });
      // BEGIN, the pinning and the first statement go out together, without waiting: one round trip
      // where sql.begin() took two (it awaits BEGIN alone). The server runs them in order on this one
      // connection, so no statement runs outside the transaction or unpinned while both succeed; a
      // failed BEGIN or pinning fails the read (and aborts what follows it), and a statement's result
      // counts only once both are known to have succeeded.
      let beginFailure: { error: unknown } | undefined;
      let pinFailure: { error: unknown } | undefined;
      let server: string | undefined;
      const begun = reserved.unsafe(beginSql, [], EXTENDED).then(() => undefined, (error: unknown) => {
        beginFailure = { error };
      });
      const pinning = reserved.unsafe(pinSql, [], EXTENDED).then((rows) => {
        server = fingerprintOf(rows[0]);
      }, (error: unknown) => {
        pinFailure = { error };
      });
      // An error thrown by a row consumer (`each`) is the caller's own: rethrown as it is, not as a fault.
      let consumerFailure: { error: unknown } | undefined;
      const run = async <R>(statement: CompiledQuery, start: (query: ReturnType<typeof reserved.unsafe>) => Promise<R>): Promise<R> => {
        options.signal?.throwIfAborted();
        lastSql = statement.text;
        // Unnamed, as every statement parity sends: named prepared statements would save postgres.js's
        // describe round trip for a statement with parameters, but measured no faster per read here
        // (0.63–0.67 ms either way) and break behind a transaction pooler that does not track them.
        const pending = reserved.unsafe(statement.text, statement.params as Postgres.ParameterOrJSON<never>[], EXTENDED);
        const cancel = () => void pending.cancel();
        options.signal?.addEventListener('abort', cancel, { once: true });
        try {
          return await start(pending);
        } finally {
          options.signal?.removeEventListener('abort', cancel);
        }
      };
      try {
        const answer = await work(guardingImplicitCode({
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
          // Parse and Describe only (an unnamed statement): nothing is executed.
          describe: (statement) => run(statement, async (pending) => (await pending.describe()).columns.map((column) => ({ name: column.name, type: column.type }))),
          // A one-connection client of its own: the pool may hold a single connection, this read's.
          withStatementParser: (parse) => withStatementParser({
            open: (startup) => postgres(spec.url, { ...targetOptions(resolved), max: 1, idle_timeout: 10, connect_timeout: CONNECT_TIMEOUT_S, prepare: false, types: PARAMETER_TYPES, onnotice: () => {}, connection: startup }),
            watch: (statement) => run(statement, async (pending) => [...(await pending)]),
            statementTimeoutMs: options.statementTimeoutMs,
            signal: options.signal,
            pinned: PINNED_SETTINGS,
          }, parse),
        }, name, options.server));
        await begun;
        if (beginFailure) throw beginFailure.error;
        await pinning;
        if (pinFailure) throw pinFailure.error;
        lastSql = 'commit';
        const committed = await reserved.unsafe('commit', [], EXTENDED);
        // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error: a work
        // that caught that statement's error (and went on to an answer) read in a transaction that
        // failed, so its answer is not one.
        if (committed.command !== 'COMMIT') {
          throw new Fault({ code: 'read_aborted', message: `source "${name}": a statement of this read failed, so its transaction ended in ${String(committed.command)}; nothing it read counts` });
        }
        // What this read saw counts only if it came from the server the run's other reads reached.
        if (options.server) {
          options.server.see(server ?? '');
          if (refuseStandIns) options.server.standInGuardPassed();
        }
        reserved.release();
        return answer;
      } catch (caught) {
        await begun;
        await pinning;
        const failure = beginFailure ?? pinFailure;
        let error = caught;
        if (failure) {
          error = failure.error;
          lastSql = beginFailure ? beginSql : pinSql;
        }
        // Rolled back before the connection goes back to the pool. A lost connection is not given back:
        // the driver already holds it as closed (reconnected on demand), and putting it back among
        // the open ones would hand the next read a dead socket.
        if (!isConnectionLost(caught) && !isConnectionLost(failure?.error)) {
          await reserved.unsafe('rollback', [], EXTENDED).then(() => reserved.release(), (rollbackError: unknown) => {
            if (!isConnectionLost(rollbackError)) reserved.release();
          });
        }
        if (!failure && consumerFailure) throw consumerFailure.error;
        if (error instanceof Fault) throw error;
        throw new SourceQueryError(name, lastSql, classifyError(error, options.signal?.aborted ?? false), { cause: error });
      }
    },
    async readFixed(text, options) {
      const settings = fixedStatementSettings(options.statementTimeoutMs, spec.lock_timeout);
      options.signal?.throwIfAborted();
      const pending = sql.unsafe(`${pinningSql(settings, { fingerprint: options.server !== undefined })};\n${text}`, [], { prepare: false }).simple();
      const cancel = () => void pending.cancel();
      options.signal?.addEventListener('abort', cancel, { once: true });
      try {
        const results = await pending as unknown as Postgres.RowList<Postgres.Row[]>[];
        if (options.server) options.server.see(fingerprintOf(results[0]?.[0]) ?? '');
        return [...results.at(-1)!];
      } catch (error) {
        if (error instanceof Fault) throw error;
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
