/**
 * Query ids of statement texts, as the server computes them today: a second connection parses a
 * text (Parse only — parse analysis, no plan, no execution, no table privilege checked) in a read
 * only transaction, and while it sits idle there the reading session reads that backend's
 * `query_id` from pg_stat_get_activity. pg_stat_statements keys its entries by the same id (a hash
 * of relation oids, column numbers, operators and parameter types), so a text whose id today
 * equals its entry's means today what the entry's calls meant. Measured on Postgres 15: Parse and
 * Sync alone set query_id (no Bind), and it stays set while the backend is idle in its
 * transaction; the reading session must clear its activity snapshot before each read, or it sees
 * the first one again for the rest of its transaction.
 */
import { randomUUID } from 'node:crypto';
import type Postgres from 'postgres';
import { Fault } from '../results/fault.js';
import { isConnectionLost } from './errors.js';
import type { CompiledQuery } from '../sql/build.js';
import type { ParsedStatement, Row, StatementParser } from './types.js';

/** How the parser connection is opened and how the reading session reads. */
export interface ParserDeps {
  /** Opens a one-connection client to the same target, with these startup settings. */
  open(settings: Record<string, string>): Postgres.Sql;
  /** A statement on the reading session (its own read-only transaction). */
  watch(statement: CompiledQuery): Promise<Row[]>;
  statementTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Settings every parity session pins (the parse must not depend on the server's or role's). */
  pinned: Record<string, string>;
}

/** Runs `work` with a parser connection; the connection is closed when `work` ends, whatever happens. */
export async function withStatementParser<T>(deps: ParserDeps, work: (parser: StatementParser) => Promise<T>): Promise<T> {
  deps.signal?.throwIfAborted();
  // The reading session finds the parser by pid and checks this name: a multi-host URL could have
  // sent the second connection to another server, whose ids mean nothing here.
  const token = `parity-parse-${randomUUID()}`;
  const client = deps.open({
    ...deps.pinned,
    application_name: token,
    default_transaction_read_only: 'on',
    statement_timeout: String(deps.statementTimeoutMs),
    idle_in_transaction_session_timeout: String(Math.max(deps.statementTimeoutMs * 2, 60_000)),
    // `x = NULL` must stay an operator: literals stand in for normalised constants as NULL.
    transform_null_equals: 'off',
  });
  try {
    const reserved = await client.reserve();
    try {
      const [me] = await reserved.unsafe('select pg_catalog.pg_backend_pid() as pid');
      const pid = Number((me as { pid?: unknown } | undefined)?.pid);
      let path: string | undefined;
      const begin = async () => {
        await reserved.unsafe('begin read only');
        if (path !== undefined) await reserved.unsafe('select pg_catalog.set_config(\'search_path\', $1, true)', [path]);
      };
      await begin();
      const watched = async (): Promise<string | null> => {
        // Inside a transaction the backend activity is snapshotted once: clear it, then read.
        const [, rows] = await Promise.all([
          deps.watch({ text: 'select pg_catalog.pg_stat_clear_snapshot()', params: [] }),
          deps.watch({ text: 'select query_id::pg_catalog.text as query_id, application_name from pg_catalog.pg_stat_get_activity($1::pg_catalog.int4)', params: [pid] }),
        ]);
        const row = rows[0] as { query_id?: string | null; application_name?: string } | undefined;
        if (row?.application_name !== token) {
          throw new Fault({ code: 'connection', message: 'the connection that parses statement texts reached another server than the reading session (or cannot be seen from it), so its query ids cannot be compared' });
        }
        return row.query_id ?? null;
      };
      await watched();
      const parser: StatementParser = {
        async searchPath(next) {
          path = next;
          await reserved.unsafe('select pg_catalog.set_config(\'search_path\', $1, true)', [next]);
        },
        async queryIdOf(text, parameterTypes): Promise<ParsedStatement> {
          deps.signal?.throwIfAborted();
          let types: number[];
          try {
            const params = parameterTypes.map((oid) => reserved.typed(null as never, oid));
            // Parse and Describe of the unnamed statement; nothing is bound or executed.
            types = (await reserved.unsafe(text, params as never[], { prepare: false }).describe()).types;
          } catch (error) {
            if (isConnectionLost(error)) throw error;
            const { message, code } = error as { message?: unknown; code?: unknown };
            // The failed parse aborted the transaction: start another, with the same search_path.
            await reserved.unsafe('rollback');
            await begin();
            return { kind: 'rejected', message: String(message), sqlstate: typeof code === 'string' ? code : undefined };
          }
          return { kind: 'parsed', queryId: await watched(), parameterTypes: types };
        },
      };
      return await work(parser);
    } finally {
      await reserved.unsafe('rollback').catch(() => undefined);
      reserved.release();
    }
  } finally {
    await client.end({ timeout: 2 });
  }
}
