/**
 * The replay database: where scenarios run. Embedded PGlite in memory by default (shared in-process
 * with the source the checks read, `embedded:replay`), or a scratch database that replay creates
 * on a Postgres server and drops afterwards. Both speak through the same small port.
 */
import { randomUUID } from 'node:crypto';
import { postgres } from '../drivers/postgres-js.js';
import type { Sql } from 'postgres';
import { openEmbedded } from '../embedded/pglite.js';
import { describeUrl } from '../checkfile/sources.js';

/** A result row as the driver returns it. */
export type Row = Record<string, unknown>;
/** Bound parameters: text or NULL, exactly as generated. */
export type Params = readonly (string | null)[];

/** One statement at a time, inside or outside a transaction. */
export type Query = (text: string, params?: Params) => Promise<Row[]>;

/** The port replay writes through; checks read the same database through their own source. */
export interface ReplayDatabase {
  readonly engine: 'pglite' | 'postgres';
  /** The URL a check-file source uses to read this database. */
  readonly sourceUrl: string;
  /** Data directory for embedded sources (a memory scope). */
  readonly dataDir: string;
  /** What to print: engine and URL without secrets. */
  readonly description: string;
  /**
   * Whether pg_stat_statements is preloaded and installed here, so `unused` checks can watch who
   * uses the old shape (never on PGlite). Without it replay does not run them, and says so.
   */
  readonly statementStats: boolean;
  /**
   * What starts every case from an empty database: RESET_SQL, and with statement statistics also
   * this database's pg_stat_statements entries. A case's statements (an `ALTER … RENAME` in its
   * contract step) must not be evidence in the next, which reuses every name.
   */
  readonly caseReset: string;
  /** Runs a multi-statement script (a step file) without parameters. */
  script(text: string): Promise<void>;
  query: Query;
  /** Runs statements in one transaction; `rollback` simulates a process killed before COMMIT. */
  transaction<T>(work: (query: Query) => Promise<T>, options?: { rollback?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** Session settings that make snapshots deterministic (timestamptz renders in UTC) and quiet. */
const SESSION_SETUP = `set timezone to 'UTC'; set client_min_messages to warning`;

/** Drops and recreates the public schema: every case starts from an empty database. */
export const RESET_SQL = 'drop schema if exists public cascade; create schema public';

class Rollback extends Error {}

/** Opens an in-memory PGlite replay database. */
export async function openPgliteReplay(): Promise<ReplayDatabase> {
  const dataDir = `memory:replay-${randomUUID()}`;
  const { db, release } = await openEmbedded(dataDir, 'replay');
  await db.exec(SESSION_SETUP);
  // Without parameters the simple protocol is a third of the round trips in PGlite.
  const query: Query = async (text, params = []) =>
    params.length === 0 ? ((await db.exec(text)).at(-1)?.rows ?? []) as Row[] : (await db.query<Row>(text, [...params])).rows;
  return {
    engine: 'pglite',
    sourceUrl: 'embedded:replay',
    dataDir,
    description: 'embedded PGlite (in memory)',
    statementStats: false,
    caseReset: RESET_SQL,
    async script(text) {
      await db.exec(text);
    },
    query,
    async transaction(work, options = {}) {
      return db.transaction(async (tx) => {
        const result = await work(async (text, params = []) => (await tx.query<Row>(text, [...params])).rows);
        if (options.rollback) await tx.rollback();
        return result;
      });
    },
    close: release,
  };
}

/**
 * Creates a scratch database on the server at `serverUrl` and connects to it. postgres.js would
 * turn timestamp parameters into JS Dates (losing microseconds and reading naive times in the
 * process's zone), so date types pass through as the text replay generated.
 */
export async function openPostgresReplay(serverUrl: string): Promise<ReplayDatabase> {
  const name = `parity_replay_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sourceUrl = url.toString();
  const client = postgres(sourceUrl, {
    max: 1,
    onnotice: () => {},
    types: { rawDates: { to: 1184, from: [1082, 1114, 1184], serialize: (x: unknown) => (x instanceof Date ? x.toISOString() : String(x)), parse: (x: string) => x } },
  });
  // Replay resets the public schema of the database it reaches before every case. postgres.js
  // sends the URL's query parameters as startup parameters after its own, so `?database=app` in
  // the server URL would lead this connection to app, not the scratch database: nothing is
  // written until the server itself says which database this is.
  const reached = await client.unsafe<{ database: string }[]>('select pg_catalog.current_database()::text as database').then(
    (rows) => rows[0]?.database,
    async (error: unknown) => {
      await dropScratch(client, serverUrl, name);
      throw error;
    },
  );
  if (reached !== name) {
    await dropScratch(client, serverUrl, name);
    throw new Error(`--database ${describeUrl(serverUrl)} leads replay's connection to database "${String(reached)}", not the scratch database "${name}" it created (a query parameter such as ?database= overrides the path); replay writes only into its own scratch database, so drop that parameter`);
  }
  await client.unsafe(SESSION_SETUP);
  const statementStats = await installStatementStats(client);
  const query: Query = async (text, params = []) => [...(await client.unsafe(text, params as string[]))] as Row[];
  return {
    engine: 'postgres',
    sourceUrl,
    dataDir: `memory:replay-${randomUUID()}`,
    description: `Postgres scratch database ${describeUrl(sourceUrl)}${statementStats ? ', with pg_stat_statements' : ''}`,
    statementStats,
    caseReset: statementStats ? `${RESET_SQL}; ${RESET_STATEMENT_STATS}` : RESET_SQL,
    async script(text) {
      await client.unsafe(text);
    },
    query,
    async transaction(work, options = {}) {
      let result: Awaited<ReturnType<typeof work>> | undefined;
      try {
        await client.begin(async (tx) => {
          result = await work(async (text, params = []) => [...(await tx.unsafe(text, params as string[]))] as Row[]);
          if (options.rollback) throw new Rollback();
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
      }
      return result as Awaited<ReturnType<typeof work>>;
    },
    close: () => dropScratch(client, serverUrl, name),
  };
}

/** Closes the replay's connection and drops the scratch database it was made for. */
async function dropScratch(client: Sql, serverUrl: string, name: string): Promise<void> {
  await client.end({ timeout: 5 });
  const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await cleanup.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await cleanup.end({ timeout: 5 });
  }
}

/** The schema replay installs pg_stat_statements in: every case drops and recreates `public`. */
const STATS_SCHEMA = 'parity_replay_stats';

/** Resets the scratch database's pg_stat_statements entries only (every role's), never the server's other databases'. */
const RESET_STATEMENT_STATS = `select ${STATS_SCHEMA}.pg_stat_statements_reset(0, d.oid, 0) from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()`;

/**
 * Installs pg_stat_statements in the scratch database when the server preloads it, and says
 * whether it can be read and reset for each case. A server without it leaves `unused` checks unrun, never passing.
 */
async function installStatementStats(client: Sql): Promise<boolean> {
  const [preloaded] = await client.unsafe<{ on: boolean }[]>(`select 'pg_stat_statements' = any(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) as on`);
  if (!preloaded?.on) return false;
  try {
    await client.unsafe(`create schema if not exists ${STATS_SCHEMA}; create extension if not exists pg_stat_statements schema ${STATS_SCHEMA}`);
    await client.unsafe(`select dealloc from ${STATS_SCHEMA}.pg_stat_statements_info`);
    await client.unsafe(RESET_STATEMENT_STATS);
    return true;
  } catch {
    // Not allowed to install it (no superuser): the report says the unused checks did not run.
    return false;
  }
}

/** PGlite unless a Postgres server URL is given. */
export function openReplayDatabase(serverUrl?: string): Promise<ReplayDatabase> {
  return serverUrl ? openPostgresReplay(serverUrl) : openPgliteReplay();
}
