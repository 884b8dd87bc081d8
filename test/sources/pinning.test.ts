/**
 * Every read transaction on a Postgres source pins parity's settings before its statements run.
 * The pinning is sent without waiting for it (the first statement follows in the same write), so
 * these tests prove what that must not change: each statement sees the pinned values even where
 * the database's own defaults differ, and a failed pinning fails the read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinningSql } from '../../src/sources/pinning.js';
import { PINNED_SETTINGS, type Source } from '../../src/sources/types.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { SourceQueryError } from '../../src/sources/errors.js';
import { createTestDatabase, describeOnPostgres, registryFor, type TestDatabase } from '../support/databases.js';

it('writes the settings as literals and refuses anything that would need escaping', () => {
  expect(pinningSql({ TimeZone: 'UTC', DateStyle: 'ISO, YMD', statement_timeout: '30000' }))
    .toBe("select pg_catalog.set_config('TimeZone', 'UTC', true), pg_catalog.set_config('DateStyle', 'ISO, YMD', true), pg_catalog.set_config('statement_timeout', '30000', true)");
  expect(() => pinningSql({ TimeZone: "UTC', false) --" })).toThrow(/unexpected character/);
  expect(() => pinningSql({ "a'b": 'x' })).toThrow(/unexpected character/);
  expect(() => pinningSql({ search_path: 'a\\b' })).toThrow(/unexpected character/);
});

describeOnPostgres('pinned settings on a Postgres source', () => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const name = new URL(db.url).pathname.slice(1);
    // Defaults unlike parity's, so a statement that ran before its pinning would show them.
    await db.exec(`alter database ${name} set timezone = 'America/New_York'`);
    await db.exec(`alter database ${name} set extra_float_digits = -3`);
    await db.exec(`alter database ${name} set datestyle = 'SQL, DMY'`);
    await db.exec(`alter database ${name} set jit = on`);
    // A schema the role searches before pg_catalog (the look-alike test plants a set_config there).
    await db.exec('create schema evil');
    await db.exec(`alter database ${name} set search_path = evil, pg_catalog, public`);
    registry = registryFor(db);
    source = await registry.get('app');
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  const settingsSql = "select current_setting('TimeZone') as tz, current_setting('extra_float_digits') as efd, current_setting('DateStyle') as ds, current_setting('statement_timeout') as st, 0.1::float8::text as f";

  it('every statement of a read sees the pinned values, the first one included', async () => {
    for (let i = 0; i < 20; i++) {
      const [first, second] = await source.readOnly(async (session) => [
        (await session.query({ text: settingsSql, params: [] }))[0],
        // A statement with parameters (described first by the driver) sees them too.
        (await session.query({ text: `${settingsSql}, $1::int as n`, params: [i] }))[0],
      ], { statementTimeoutMs: 12_345 });
      for (const row of [first, second]) {
        expect(row).toMatchObject({ tz: PINNED_SETTINGS.TimeZone, efd: PINNED_SETTINGS.extra_float_digits, ds: PINNED_SETTINGS.DateStyle, st: '12345ms', f: '0.1' });
      }
    }
  });

  it('a read compiles nothing: jit is off for its statements, whatever the server or role sets', async () => {
    // parity's statements carry every branch of a run-time type dispatch; priced together they
    // crossed jit_optimize_above_cost and compiled each branch in every parallel worker (a 10M-row
    // column_parity: 4.7 s with JIT, 2.2 s without). The database sets it on (beforeAll).
    const [row] = await source.readOnly((session) => session.query({ text: "select current_setting('jit') as jit", params: [] }), { statementTimeoutMs: 5_000 });
    expect(row).toEqual({ jit: 'off' });
  });

  it('a look-alike set_config on the role\'s path refuses the read before its first statement runs', async () => {
    await db.exec(`create function evil.set_config(text, text, boolean) returns text language sql as $$select 'ignored'$$`);
    try {
      const error = await source.readOnly((session) => session.query({ text: settingsSql, params: [] }), { statementTimeoutMs: 12_345 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SourceQueryError);
      expect([(error as SourceQueryError).code, (error as SourceQueryError).message]).toEqual(['stand_in_code', expect.stringContaining('evil.set_config(text, text, boolean)')]);
    } finally {
      await db.exec('drop function evil.set_config(text, text, boolean)');
    }
  });

  it('a narrowed read\'s work_mem and effective_io_concurrency apply to its transaction only', async () => {
    const memSql = "select current_setting('work_mem') as wm, current_setting('effective_io_concurrency') as eic";
    const [raised] = await source.readOnly((session) => session.query({ text: memSql, params: [] }), { statementTimeoutMs: 5_000, workMemKb: 65_536, ioConcurrency: 64 });
    expect(raised).toEqual({ wm: '64MB', eic: '64' });
    const [plain] = await source.readOnly((session) => session.query({ text: memSql, params: [] }), { statementTimeoutMs: 5_000 });
    expect(plain).toEqual({ wm: '4MB', eic: '1' });
  });

  it('a read whose pinning fails is an error naming the pinning, never rows', async () => {
    // An unreadable statement_timeout makes set_config fail inside the transaction.
    const failing = source.readOnly((session) => session.query({ text: 'select 1 as one', params: [] }), { statementTimeoutMs: Number.NaN });
    const error = await failing.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SourceQueryError);
    expect((error as SourceQueryError).message).toMatch(/statement_timeout/);
    expect((error as SourceQueryError).sql).toMatch(/^select pg_catalog\.set_config/);
    // The source stays usable afterwards.
    expect(await source.readOnly((session) => session.query({ text: 'select 2 as two', params: [] }), { statementTimeoutMs: 30_000 })).toEqual([{ two: 2 }]);
  });
});
describe('the statement pinning a read transaction\'s settings', () => {
  it('writes every setting as a literal, so it needs no Describe round trip and can share one with the first read', () => {
    const text = pinningSql({ ...PINNED_SETTINGS, statement_timeout: '30000' });
    expect(text).not.toMatch(/\$\d/);
    expect(text).toContain("set_config('TimeZone', 'UTC', true)");
    expect(text).toContain("set_config('DateStyle', 'ISO, YMD', true)");
    expect(text).toContain("set_config('statement_timeout', '30000', true)");
    expect(text.match(/set_config\(/g)).toHaveLength(Object.keys(PINNED_SETTINGS).length + 1);
  });

  it('raises effective_io_concurrency only as a whole number from 1 to 1000, and never on a server that cannot prefetch', () => {
    expect(pinningSql({ TimeZone: 'UTC' }, { ioConcurrency: 64 })).toBe("select pg_catalog.set_config('TimeZone', 'UTC', true), "
      + "pg_catalog.set_config('effective_io_concurrency', case when pg_catalog.texteq(pg_catalog.current_setting('effective_io_concurrency'), '0') then '0' else '64' end, true)");
    for (const bad of [0, -1, 1001, 1.5, Number.NaN]) expect(() => pinningSql({}, { ioConcurrency: bad })).toThrow(/effective_io_concurrency/);
  });

  it('refuses a value it would have to quote rather than ever quoting one', () => {
    expect(() => pinningSql({ application_name: "x', false), set_config('default_transaction_read_only', 'off" })).toThrow(/unexpected character/);
    expect(() => pinningSql({ search_path: 'a\\b' })).toThrow(/unexpected character/);
    expect(() => pinningSql({ 'bad;name': '1' })).toThrow(/unexpected character/);
  });
});
