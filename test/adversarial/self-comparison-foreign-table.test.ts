/**
 * A foreign table whose wrapper reads back the other side's own table (postgres_fdw to this very
 * database — a loopback) shows the other side's rows under another relation: `t` against the
 * foreign table `t_remote` counted one table twice and passed, as did a column_parity and a
 * table_diff of the two. Whether a foreign table's rows are the other side's cannot be told from
 * the catalog (the server and table are options only the wrapper reads), so sides reading the same
 * SQL where either reads a foreign table were made `error` (`self_comparison`). Since then parity
 * reads through no foreign table at all (foreign-table-remote-code.test.ts: the remote side may
 * write), so every one of these is refused before it reads — as `self_comparison` where the
 * catalog-only probe asks first, else as `foreign_table` — with different SQL on the other side too.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

describeOnPostgres('sides that read a foreign table, on postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const url = new URL(db.url);
    await db.exec(`
      create extension postgres_fdw;
      create server loopback foreign data wrapper postgres_fdw
        options (host '${url.hostname}', port '${url.port || '5432'}', dbname '${url.pathname.slice(1)}');
      create user mapping for current_user server loopback options (user '${decodeURIComponent(url.username) || 'postgres'}');
      create table t (id int primary key, v text);
      insert into t select g, 'v' || g from generate_series(1, 300) g;
      create foreign table t_remote (id int, v text) server loopback options (schema_name 'public', table_name 't');
      create table parted (id int, v text) partition by range (id);
      create foreign table parted_remote partition of parted for values from (minvalue) to (maxvalue) server loopback options (schema_name 'public', table_name 't');
      create view t_remote_all as select * from t_remote;
    `);
  });
  afterAll(() => db?.close());

  const run = (check: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - ${check}\n`);

  const PAIRS: Record<string, [string, string]> = {
    'a table against a foreign table reading it back': ['t', 't_remote'],
    'a foreign table against the table it reads back': ['t_remote', 't'],
    'a table against a partitioned table whose partition is a foreign table reading it back': ['t', 'parted'],
    'a table against a plain view of a foreign table reading it back': ['t', 't_remote_all'],
  };
  const FORMS: Record<string, (old: string, neu: string) => string> = {
    row_count: (old, neu) => `{ id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`,
    'column_parity join': (old, neu) => `{ id: c, kind: column_parity, source: app, key: [id], old: { table: ${old}, expr: v }, new: { table: ${neu}, expr: v } }`,
    table_diff: (old, neu) => `{ id: c, kind: table_diff, key: [id], old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`,
  };

  for (const [formName, form] of Object.entries(FORMS)) {
    for (const [name, [old, neu]] of Object.entries(PAIRS)) {
      it(`is an error, never a pass: ${formName} of ${name}`, async () => {
        const result = await run(form(old, neu));
        // Refused before any read: by the self-comparison probe (catalog only) or the read guard, whichever asks first.
        expect(result.status, result.summary).toBe('error');
        expect(['self_comparison', 'foreign_table']).toContain(result.error?.code);
        expect(result.error?.message).toMatch(/foreign table/);
      });
    }
  }

  // Different SQL over the same rows: a value computed from the column it is compared with
  // (self-comparison-own-columns.test.ts) through the loopback. A foreign table's columns are the
  // wrapper's to name, so a value read from one is never taken as apart from the other side's.
  const OWN_COLUMNS: Record<string, string> = {
    'column_parity join, a function of the column read back': "{ id: c, kind: column_parity, source: app, key: [id], old: { table: t, expr: v }, new: { table: t_remote, expr: \"v || ''\" } }",
    'table_diff, a function of the column read back': "{ id: c, kind: table_diff, key: [id], old: { source: app, table: t }, new: { source: app, table: t_remote_all }, columns: { v: \"coalesce(v, v)\" } }",
  };
  for (const [name, check] of Object.entries(OWN_COLUMNS)) {
    it(`is an error, never a pass: ${name}`, async () => {
      const result = await run(check);
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'foreign_table']);
      expect(result.error?.message).toMatch(/foreign table/);
    });
  }

  it('is an error, never a pass: table_diff from another database whose foreign table reads the old side back', async () => {
    const other = await createTestDatabase('postgres');
    try {
      const url = new URL(db.url);
      await other.exec(`
        create extension postgres_fdw;
        create server back foreign data wrapper postgres_fdw options (host '${url.hostname}', port '${url.port || '5432'}', dbname '${url.pathname.slice(1)}');
        create user mapping for current_user server back options (user '${decodeURIComponent(url.username) || 'postgres'}');
        create foreign table t_back (id int, v text) server back options (schema_name 'public', table_name 't');`);
      const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\n  other: { url: "${other.url}" }\nchecks:\n  - { id: c, kind: table_diff, key: [id], old: { source: app, table: t }, new: { source: other, table: t_back }, columns: { v: "v || ''" } }\n`);
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'foreign_table']);
    } finally {
      await other.close();
    }
  });

  it('refuses a foreign table compared with different SQL on the other side too', async () => {
    const result = await run("{ id: c, kind: column_parity, source: app, key: [id], old: { table: t, expr: v }, new: { table: t_remote, expr: \"'x' || v\" } }");
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'foreign_table']);
  });

  it('control: still compares the table with a different table', async () => {
    await db.exec('create table t_copy as select * from t');
    const result = await run("{ id: c, kind: column_parity, source: app, key: [id], old: { table: t, expr: v }, new: { table: t_copy, expr: \"'x' || v\" } }");
    expect([result.status, result.error], result.summary).toEqual(['fail', null]);
  });
});
