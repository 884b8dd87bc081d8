/**
 * Every statement to a verified database goes through the extended protocol (issue 12 §1): a text
 * that carries two statements reaching the driver is refused by the server, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceQueryError } from '../../src/sources/errors.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { createTestDatabase, engines, registryFor, type TestDatabase } from '../support/databases.js';

const STACKED = [
  'select 1; select 2',
  'select 1; insert into target values (1)',
  // Ends parity's read-only transaction, lifts the session's read-only default, then writes.
  'commit; set default_transaction_read_only = off; insert into target values (2)',
  'select 1;\ninsert into target values (3);',
];

describe.each(engines)('extended protocol on %s', (engine) => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table target (id int)');
    registry = registryFor(db);
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  it.each(STACKED)('refuses %j at the server and writes nothing', async (text) => {
    const source = await registry.get('app');
    const error = await source.readOnly((session) => session.query({ text, params: [] }), { statementTimeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceQueryError);
    // 42601: "cannot insert multiple commands into a prepared statement" — only the extended protocol says this.
    expect((error as SourceQueryError).fault.sqlstate).toBe('42601');
    expect(await db.exec('select count(*)::int as n from target')).toEqual([{ n: 0 }]);
    // The source still works afterwards.
    expect(await source.readOnly((session) => session.query({ text: 'select 1 as one', params: [] }), { statementTimeoutMs: 5_000 })).toEqual([{ one: 1 }]);
  });

  it('refuses stacked statements through the row-streaming path too', async () => {
    const source = await registry.get('app');
    const error = await source.readOnly((session) => session.each!({ text: 'select 1; insert into target values (4)', params: [] }, () => {}), { statementTimeoutMs: 5_000 }).catch((e: unknown) => e);
    expect((error as SourceQueryError).fault?.sqlstate).toBe('42601');
    expect(await db.exec('select count(*)::int as n from target')).toEqual([{ n: 0 }]);
  });
});
