/**
 * A chunked scan counts key ranges (after, upTo] of the table's primary key. A row whose key has a
 * NULL column lies in no range — `NULL > x` is not true — yet a table's primary key does not keep
 * every such row out: an inheritance child shares the parent's columns but not its primary key,
 * may drop the NOT NULL it inherited (up to Postgres 17; PGlite's newer Postgres refuses), and
 * `FROM parent` reads its rows too. A chunked null_check then never saw the child's row with a NULL
 * id and a NULL value, and passed where the single-statement scan failed. Now a chunked scan over
 * a table whose key may be NULL in any table it reads is refused (`nullable_key`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

describe.each(engines)('chunked scans over inheritance trees on %s', (engine) => {
  let db: TestDatabase;
  /** Whether this server let a child drop the NOT NULL of an inherited key column. */
  let armed = true;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table parent (id int primary key, x int, k text);
      create table child () inherits (parent);
      insert into parent select g, g, 'k' || g from generate_series(1, 1000) g;
      create table pairs (a int, b text, x int, primary key (a, b));
      create table pairs_child () inherits (pairs);
      insert into pairs select g % 10, 'b' || g, g from generate_series(1, 1000) g;
      create table textual (k text primary key, x int);
      create table textual_child () inherits (textual);
      insert into textual select 'k' || g, g from generate_series(1, 1000) g;
      create table sound (id int primary key, x int);
      create table sound_child () inherits (sound);
      insert into sound select g, g from generate_series(1, 500) g;
      insert into sound_child select g, null from generate_series(501, 520) g;
    `);
    try {
      await db.exec(`alter table child alter column id drop not null;
        alter table pairs_child alter column b drop not null;
        alter table textual_child alter column k drop not null`);
    } catch {
      armed = false;
    }
    const nullKey = armed ? [`insert into child values (null, null, null), (2000, 5, 'k2000')`, `insert into pairs_child values (1, null, null)`, `insert into textual_child values (null, null)`] : [];
    for (const statement of nullKey) await db.exec(statement);
  });
  afterAll(() => db.close());

  async function run(check: string, mode: 'single' | 'chunked') {
    const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
    if (mode === 'chunked') Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0 });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  }

  it('never passes a chunked scan over rows with a NULL key (integer, composite and text keys)', async () => {
    const checks = [
      '{ id: nulls, kind: null_check, source: app, table: parent, columns: [x], key: [k] }',
      '{ id: pair-nulls, kind: null_check, source: app, table: pairs, columns: [x], key: [a] }',
      '{ id: text-nulls, kind: null_check, source: app, table: textual, columns: [x] }',
      '{ id: parity, kind: column_parity, source: app, table: parent, key: [k], old: x, new: "coalesce(x, 0)" }',
      '{ id: count, kind: row_count, old: { source: app, table: parent }, new: { source: app, table: parent, where: "id is not null" } }',
    ];
    for (const check of checks) {
      const single = await run(check, 'single');
      const chunked = await run(check, 'chunked');
      if (!armed) {
        expect([check, chunked.status]).toEqual([check, single.status]);
        continue;
      }
      expect([check, single.status]).toEqual([check, 'fail']);
      expect([check, chunked.status, chunked.error?.code]).toEqual([check, 'error', 'nullable_key']);
    }
  });

  it('still chunks an inheritance tree whose key is NOT NULL everywhere, counting the children', async () => {
    const check = '{ id: sound, kind: null_check, source: app, table: sound, columns: [x] }';
    const [single, chunked] = [await run(check, 'single'), await run(check, 'chunked')];
    expect(single.observations).toMatchObject({ rows: 520, rows_with_nulls: 20 });
    expect(chunked.observations).toMatchObject({ rows: 520, rows_with_nulls: 20 });
    expect(chunked.status).toBe('fail');
  });
});
