/**
 * postgres.js, loaded with the fixes parity needs and upstream has not released.
 *
 * postgres.js 3.4.9 can throw an uncatchable TypeError from `nextWrite` when a write is queued on a
 * connection whose socket has already closed (porsager/postgres#1154, #1208; fix proposed in #1209).
 * `sql.begin()` reaches it by itself: when a verified database dies mid-check, begin's own ROLLBACK
 * is written to the dead connection and the whole process exits. parity must answer "could not
 * verify" there, not crash, so every postgres.js client in parity comes from here.
 *
 * The fix is applied in memory, to this process's copy of the driver's CommonJS build: the patched
 * `connection.js` is compiled into the require cache before the driver's entry requires it. Nothing
 * in node_modules is written. Drop this module once a postgres.js release guards nextWrite (see
 * docs/decisions.md); `test/drivers/postgres-js.test.ts` proves the guard is needed and applied.
 */
import { createRequire, Module } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type postgresType from 'postgres';

/** The driver's unguarded nextWrite, as released in 3.4.x. */
const UNGUARDED = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;

/**
 * The guard from porsager/postgres#1209: settle instead of crashing. The pending query (and any
 * queued behind it) is rejected with CONNECTION_CLOSED, which parity classifies as a fault.
 */
const GUARDED = `  function nextWrite(fn) {
    if (!socket) { // guarded by parity: porsager/postgres#1208
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;

/**
 * A backend that dies mid-query (FATAL, e.g. 57P01 terminated by an administrator) sends its
 * ErrorResponse and closes before ReadyForQuery: 3.4.9 keeps that error in `errorResponse` across
 * the reconnect, and the reconnected connection's first ReadyForQuery rejects whatever waits on it
 * (the next read, or a reserve() that then leaves the connection stuck) with the dead backend's
 * error (porsager/postgres#1223). The close now hands that error to the query it belonged to and
 * forgets it.
 */
const STALE_ERROR = `    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))`;
const STALE_ERROR_CLEARED = `    const dying = errorResponse // cleared by parity: porsager/postgres#1223
    errorResponse = null
    !hadError && (query || sent.length) && error(dying || Errors.connection('CONNECTION_CLOSED', options, socket))`;

/**
 * A new connection asks for the server's array types before its first query. 3.4.9 starts that
 * query from a message handler and drops its promise: when the connection closes meanwhile (the
 * server going down or restarting as parity connects), the rejection is unhandled, and Node ends
 * the process. The rejection is now settled; a connection left open without its array types is
 * ended (its waiting query fails with CONNECTION_DESTROYED, a fault), so no read ever runs with
 * arrays it cannot parse.
 */
const UNSETTLED_TYPES = `        return fetchArrayTypes()
`;
const SETTLED_TYPES = `        return fetchArrayTypes().catch(() => socket && terminate()) // settled by parity: unhandled when the connection closes
`;

/**
 * That array-type query runs on every new connection before anything of parity's: before BEGIN
 * READ ONLY, the pinning and the stand-in guard, under the database's own search_path, and its
 * `=` are unqualified. A database owner who is no superuser can set that path
 * (`alter database … set search_path = evil, pg_catalog`) and define `evil.=(oid, oid)`: the
 * driver then ran the owner's function in parity's session as it connected. Its operators now
 * name pg_catalog, so nothing a search_path reaches can answer for them (its sorting and grouping
 * use oid's built-in operator classes, which only a superuser could change).
 */
const TYPES_QUERY_JOIN = 'left join pg_catalog.pg_type b on b.oid = a.typelem';
const TYPES_QUERY_JOIN_QUALIFIED = 'left join pg_catalog.pg_type b on b.oid operator(pg_catalog.=) a.typelem';
const TYPES_QUERY_FILTER = "where a.typcategory = 'A'";
const TYPES_QUERY_FILTER_QUALIFIED = "where a.typcategory operator(pg_catalog.=) 'A'::pg_catalog.\"char\"";

/** Whether the guard went in, and why not if it did not. */
export type GuardState = { applied: true; version: string } | { applied: false; version: string; reason: string };

/** Returns the source with nextWrite guarded, or undefined when the text is not the known unguarded one. */
export function guardNextWrite(source: string): string | undefined {
  if (![UNGUARDED, STALE_ERROR, UNSETTLED_TYPES, TYPES_QUERY_JOIN, TYPES_QUERY_FILTER].every((known) => source.includes(known))) return undefined;
  return source.replace(UNGUARDED, GUARDED).replace(STALE_ERROR, STALE_ERROR_CLEARED).replace(UNSETTLED_TYPES, SETTLED_TYPES)
    .replace(TYPES_QUERY_JOIN, TYPES_QUERY_JOIN_QUALIFIED).replace(TYPES_QUERY_FILTER, TYPES_QUERY_FILTER_QUALIFIED);
}

interface CompilableModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(content: string, filename: string): void;
}

function load(): { postgres: typeof postgresType; guard: GuardState } {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('postgres'); // the CommonJS build: cjs/src/index.js
  const connectionFile = path.join(path.dirname(entry), 'connection.js');
  const root = path.resolve(path.dirname(entry), '..', '..');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  let guard: GuardState;
  if (require.cache[connectionFile]) {
    // Someone required the CommonJS build before us; its Connection is already bound.
    guard = { applied: false, version, reason: 'postgres.js was loaded before parity could guard it' };
  } else {
    const patched = guardNextWrite(readFileSync(connectionFile, 'utf8'));
    if (patched === undefined) {
      // A release that changed nextWrite is expected to carry the fix; the test of this module
      // fails on it, so the guard is dropped deliberately rather than silently.
      guard = { applied: false, version, reason: `postgres@${version} connection.js does not have the known unguarded nextWrite` };
    } else {
      const mod = new (Module as unknown as new (id: string, parent?: unknown) => CompilableModule)(connectionFile, undefined);
      mod.filename = connectionFile;
      mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(connectionFile));
      mod._compile(patched, connectionFile);
      mod.loaded = true;
      require.cache[connectionFile] = mod as unknown as NodeJS.Module;
      guard = { applied: true, version };
    }
  }
  return { postgres: require('postgres') as typeof postgresType, guard };
}

const loaded = load();

/** The postgres.js factory (same API as `import postgres from 'postgres'`), with nextWrite guarded. */
export const postgres: typeof postgresType = loaded.postgres;

/** Whether this process's postgres.js carries the nextWrite guard. */
export const postgresGuard: GuardState = loaded.guard;
