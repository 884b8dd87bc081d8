/** Verified databases reached over the network with postgres.js. */
import postgres from 'postgres';
import type { SourceSpec } from '../spec/sources.js';
import { describeUrl } from '../spec/sources.js';
import { SourceQueryError, classifyError } from './errors.js';
import { PINNED_SETTINGS, type ReadOptions, type ReadSession, type Source } from './types.js';

/** Connects lazily; nothing is opened until the first read. */
export function createPostgresSource(name: string, spec: SourceSpec): Source {
  const sql = postgres(spec.url, {
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
      try {
        return (await sql.begin(options.isolation === 'repeatable read' ? 'isolation level repeatable read read only' : 'read only', async (tx) => {
          const settings: Record<string, string> = { ...PINNED_SETTINGS, statement_timeout: String(options.statementTimeoutMs), lock_timeout: String(spec.lock_timeout), idle_in_transaction_session_timeout: String(Math.max(options.statementTimeoutMs * 2, 60_000)) };
          const names = Object.keys(settings);
          lastSql = `select ${names.map((_, i) => `set_config($${i * 2 + 1}, $${i * 2 + 2}, true)`).join(', ')}`;
          await tx.unsafe(lastSql, names.flatMap((n) => [n, settings[n]!]));
          return work({
            async query(statement) {
              options.signal?.throwIfAborted();
              lastSql = statement.text;
              const pending = tx.unsafe(statement.text, statement.params as postgres.ParameterOrJSON<never>[]);
              const cancel = () => void pending.cancel();
              options.signal?.addEventListener('abort', cancel, { once: true });
              try {
                return [...(await pending)];
              } finally {
                options.signal?.removeEventListener('abort', cancel);
              }
            },
          });
        })) as T;
      } catch (error) {
        if (error instanceof SourceQueryError) throw error;
        throw new SourceQueryError(name, lastSql, classifyError(error, options.signal?.aborted ?? false), { cause: error });
      }
    },
    async ping() {
      try {
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
