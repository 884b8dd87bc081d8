/**
 * The state store is never a verified database. parity writes its results, leases and snapshots
 * into the store; a DATABASE_URL copied from the application's (an easy slip) would make it create
 * its schema and write all of that into the very database it promises to leave alone. Before the
 * store is opened (and migrated), each Postgres source that answers is asked which database it is,
 * and the store likewise; a match refuses to start. Sources that do not answer in time are left to
 * the per-check guard (sources/preflight.ts refuses to read a database that holds parity's state).
 */
import { postgres } from '../drivers/postgres-js.js';
import { ConfigError } from '../config/config.js';
import { EMBEDDED_PREFIX } from '../checkfile/sources.js';
import type { Logger } from '../logging/logger.js';
import type { SourceRegistry } from '../sources/registry.js';
import { resolveTarget, type Env } from '../checkfile/target.js';

/**
 * The postmaster's start as an instant, written the same in every session: `::text` follows the
 * session's TimeZone and DateStyle, which the store's connection takes from the database (or role)
 * while a source's read pins UTC and ISO, so one database's two answers differed and the guard
 * let the store be migrated into a verified database that sets its own time zone.
 */
const STARTED_UTC = `pg_catalog.to_char(pg_catalog.timezone('UTC', pg_catalog.pg_postmaster_start_time()), 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/**
 * Run on DATABASE_URL before anything knows it is not a verified database, under that database's
 * own search_path: every type, function and operator names pg_catalog (test/sources/pinning-names).
 * One database of one running server, in terms any role may read: the postmaster's start (a
 * restart or another cluster differs), the database's oid and its name. Hostnames, ports and
 * proxies in between do not enter into it, so two URLs that reach one database by different
 * routes still match.
 */
export const DATABASE_IDENTITY_SQL = `select ${STARTED_UTC} as started, pg_catalog.current_database()::pg_catalog.text as database,
  (select d.oid::pg_catalog.text from pg_catalog.pg_database d where d.datname operator(pg_catalog.=) pg_catalog.current_database()) as oid`;

export interface DatabaseIdentity { started: string; database: string; oid: string }

const sameDatabase = (a: DatabaseIdentity, b: DatabaseIdentity): boolean => a.started === b.started && a.oid === b.oid && a.database === b.database;

/** How long a source may take to answer before the check is left to the per-check guard. */
const SOURCE_ANSWER_MS = 5_000;

/** Reads the store's identity over its own URL (nothing is written: the store is not migrated yet). */
async function storeIdentity(databaseUrl: string): Promise<DatabaseIdentity> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10, prepare: false });
  try {
    const [row] = await client.unsafe<DatabaseIdentity[]>(DATABASE_IDENTITY_SQL);
    if (!row) throw new Error('the identity query returned no row');
    return row;
  } finally {
    await client.end({ timeout: 1 });
  }
}

/** Throws ConfigError when a Postgres source is the state store's database. */
export async function refuseStoreAmongSources(databaseUrl: string, sources: SourceRegistry, env: Env, logger?: Logger): Promise<void> {
  const names = sources.names().filter((name) => !(sources.specOf(name)?.url ?? '').startsWith(EMBEDDED_PREFIX));
  if (names.length === 0) return;
  const store = await storeIdentity(databaseUrl);
  const answers = await Promise.all(names.map(async (name) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), SOURCE_ANSWER_MS); });
    const asked = sources.get(name)
      .then((source) => source.readOnly((session) => session.query({ text: DATABASE_IDENTITY_SQL, params: [] }), { statementTimeoutMs: SOURCE_ANSWER_MS }))
      .then((rows) => rows[0] as unknown as DatabaseIdentity | undefined)
      .catch((error: unknown) => {
        logger?.warn({ source: name, err: error }, 'source did not answer at start; whether it is the state store is checked again before each check reads it');
        return undefined;
      });
    try {
      return { name, identity: await Promise.race([asked, late]) };
    } finally {
      clearTimeout(timer);
    }
  }));
  // A source that did not answer is compared by where its URL leads: the same host and port and
  // the same database as the store's URL is the same database, answering or not.
  const storeRoute = resolveTarget(databaseUrl, env);
  const sameRoute = (name: string): boolean => {
    const route = resolveTarget(sources.specOf(name)?.url ?? '', env);
    if ('error' in route || 'error' in storeRoute || route.database !== storeRoute.database) return false;
    return route.hosts.some((h) => storeRoute.hosts.some((g) => g.port === h.port && g.host.toLowerCase() === h.host.toLowerCase()));
  };
  const same = answers.filter((a) => (a.identity ? sameDatabase(a.identity, store) : sameRoute(a.name))).map((a) => a.name);
  if (same.length > 0) {
    throw new ConfigError([`DATABASE_URL (the state store) is the same database as source ${same.map((n) => `"${n}"`).join(', ')} (database ${store.database}): parity would write its results into a database it verifies; give the state store a database of its own`]);
  }
}
