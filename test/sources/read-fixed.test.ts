/**
 * Source.readFixed: one of parity's own statements in one simple Query, behind the limits and
 * search_path = pg_catalog. The replica-lag probe goes through it twice per check, so what the
 * shortcut must not lose is proved here on both engines: read only, no setting leaking out of
 * its implicit transaction, no function of another schema standing in for a built-in, an error
 * leaving nothing open on the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedStatement, type Source } from '../../src/sources/types.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { SourceQueryError } from '../../src/sources/errors.js';
import { REPLICA_LAG_SQL, probeReplicaLag } from '../../src/sources/replica-lag.js';
import { createTestDatabase, engines, registryFor, type TestDatabase } from '../support/databases.js';

const SETTINGS = fixedStatement(`select current_setting('transaction_read_only') as ro, current_setting('search_path') as path,
  current_setting('statement_timeout') as st, current_setting('lock_timeout') as lt`);

it('takes one statement only: a text with ";" is refused before it could reach a server', () => {
  expect(() => fixedStatement('select 1; delete from t')).toThrow(/one statement/);
  expect(() => fixedStatement('select 1')).not.toThrow();
  expect(REPLICA_LAG_SQL).not.toContain(';');
});

describe.each(engines)('fixed statements on %s', (engine) => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // A schema searched before pg_catalog; the look-alike test plants its functions there (a check
    // read refuses a database holding them, stand-in-code.test.ts, so only that test has them).
    await db.exec(`create schema evil; create table public.t (id int)`);
    if (engine === 'postgres') {
      await db.exec(`alter database ${new URL(db.url).pathname.slice(1)} set search_path = evil, pg_catalog, public`);
    } else {
      // One embedded session: a session-wide setting is what every later read starts from.
      await db.exec('set search_path = evil, pg_catalog, public');
    }
    // One connection: whatever a fixed statement left behind, the next read would meet it.
    registry = registryFor(db, 'app', { max_connections: 1 });
    source = await registry.get('app');
  });
  afterAll(async () => {
    await registry?.closeAll();
    await db?.close();
  });

  it('runs read only, with search_path = pg_catalog and its limits, and none of it outlives the statement', async () => {
    const [row] = await source.readFixed(SETTINGS, { statementTimeoutMs: 4_321 });
    expect(row).toMatchObject({ ro: 'on', path: 'pg_catalog' });
    // (PGlite does not enforce timeouts, but takes the settings all the same.)
    expect(row).toMatchObject({ st: '4321ms', lt: source.lockTimeoutMs === 1_000 ? '1s' : `${source.lockTimeoutMs}ms` });
    // The next read on the same connection starts from the database's own search_path again (a
    // check read puts pg_catalog in front of it; had 'pg_catalog' leaked, the role's path would be gone).
    const [after] = await source.readOnly((session) => session.query({ text: 'select pg_catalog.current_setting($1) as path', params: ['search_path'] }), { statementTimeoutMs: 5_000 });
    expect(after).toEqual({ path: 'pg_catalog, evil, pg_catalog, public' });
  });

  it('a look-alike function in a schema searched first does not answer for the built-in', async () => {
    // Look-alikes of the built-ins the lag probe calls.
    await db.exec(`create function evil.pg_is_in_recovery() returns boolean language sql as 'select true';
      create function evil.current_setting(text) returns text language sql as $$select 'hijacked'$$`);
    try {
      const lag = await probeReplicaLag(source, undefined);
      expect(lag.state).toBe('primary');
      const [row] = await source.readFixed(fixedStatement('select pg_is_in_recovery() as r'), { statementTimeoutMs: 5_000 });
      expect(row).toEqual({ r: false });
    } finally {
      await db.exec('drop function evil.pg_is_in_recovery(); drop function evil.current_setting(text)');
    }
  });

  it('cannot write, even a statement that tries', async () => {
    const error = await source.readFixed(fixedStatement('insert into public.t values (1) returning id'), { statementTimeoutMs: 5_000 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SourceQueryError);
    expect(String((error as Error).message)).toMatch(/read-only/);
    expect(await db.exec('select count(*)::int as n from public.t')).toEqual([{ n: 0 }]);
  });

  it('an error is a SourceQueryError naming the statement, and leaves the connection clean for the next read', async () => {
    const error = await source.readFixed(fixedStatement('select 1 / 0 as x'), { statementTimeoutMs: 5_000 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SourceQueryError);
    expect((error as SourceQueryError).sql).toBe('select 1 / 0 as x');
    const rows = await source.readOnly((session) => session.query({ text: "select pg_catalog.current_setting('transaction_isolation') as iso, 1 as one", params: [] }), { statementTimeoutMs: 5_000 });
    expect(rows).toEqual([{ iso: 'read committed', one: 1 }]);
    expect(await source.readFixed(fixedStatement('select 2 as two'), { statementTimeoutMs: 5_000 })).toEqual([{ two: 2 }]);
  });

  if (engine === 'postgres') {
    it('its statement_timeout holds, and an aborted signal cancels it', async () => {
      const timedOut = await source.readFixed(fixedStatement('select pg_sleep(5)'), { statementTimeoutMs: 200 }).then(() => undefined, (e: unknown) => e);
      expect(timedOut).toBeInstanceOf(SourceQueryError);
      expect((timedOut as SourceQueryError).fault.code).toBe('timeout');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = performance.now();
      const cancelled = await source.readFixed(fixedStatement('select pg_sleep(5)'), { statementTimeoutMs: 10_000, signal: controller.signal }).then(() => undefined, (e: unknown) => e);
      expect(cancelled).toBeInstanceOf(SourceQueryError);
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(await source.readFixed(fixedStatement('select 3 as three'), { statementTimeoutMs: 5_000 })).toEqual([{ three: 3 }]);
    });
  }
});
