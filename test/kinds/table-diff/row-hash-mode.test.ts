/**
 * Which row hash a table_diff run uses: the built-in seeded hash when both servers compute it
 * alike (a per-run probe), sha256 when they cannot (here: another server encoding) or when the
 * check asks for it. Either way equal rows pass and a changed row is found.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../../support/run-check.js';

describeOnPostgres('table_diff row-hash mode', () => {
  let utf8: TestDatabase;
  let latin1: TestDatabase;
  let lite: TestDatabase;
  const seed = `create table t (id int primary key, v text);
    insert into t select g, 'café ' || g from generate_series(1, 500) g`;
  beforeAll(async () => {
    [utf8, latin1, lite] = await Promise.all([createTestDatabase('postgres'), createTestDatabase('postgres', { latin1: true }), createTestDatabase('pglite')]);
    await Promise.all([utf8.exec(seed), latin1.exec(seed), lite.exec(seed)]);
  });
  afterAll(async () => {
    await Promise.all([utf8.close(), latin1.close(), lite.close()]);
  });

  const diff = async (oldDb: TestDatabase, newDb: TestDatabase, extra = '') => {
    const yaml = `
checks:
  - id: d
    kind: table_diff
    key: [id]
    old: { source: a, table: t }
    new: { source: b, table: t }
${extra}`;
    const catalog = catalogFromYaml(yaml, { a: oldDb, b: newDb });
    const registry = registryForCatalog(catalog, { a: oldDb, b: newDb });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  };

  it('uses the fast hash between PGlite and Postgres (the probe agrees) and still finds a change', async () => {
    expect((await diff(lite, utf8)).observations).toMatchObject({ row_hash: 'fast', mismatches: 0 });
    await utf8.exec(`update t set v = 'cafe 7' where id = 7`);
    try {
      const result = await diff(lite, utf8);
      expect(result.status).toBe('fail');
      expect(result.observations).toMatchObject({ row_hash: 'fast', changed: 1 });
    } finally {
      await utf8.exec(`update t set v = 'café 7' where id = 7`);
    }
  });

  it('falls back to sha256 when the servers encode text differently, and equal rows still pass', async () => {
    const result = await diff(latin1, utf8);
    expect(result.error).toBeNull();
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ row_hash: 'sha256', old_rows: 500, mismatches: 0 });
  });

  it('buckets a non-ASCII text key by its UTF-8 bytes, so servers of two encodings pair the same key', async () => {
    // The bucket hash was md5 of the key text in each server's own encoding: 'é' is one byte in
    // LATIN1 and two in UTF-8, so every non-ASCII key fell in another bucket on each side and was
    // reported missing on both (a wrong fail: the rows are equal).
    const keyed = `create table tk (k text primary key, v int);
      insert into tk select 'clé ' || g, g from generate_series(1, 300) g`;
    await Promise.all([latin1.exec(keyed), utf8.exec(keyed)]);
    try {
      const yaml = `
checks:
  - { id: d, kind: table_diff, key: [k], old: { source: a, table: tk }, new: { source: b, table: tk } }`;
      const catalog = catalogFromYaml(yaml, { a: latin1, b: utf8 });
      const registry = registryForCatalog(catalog, { a: latin1, b: utf8 });
      const run = () => execute([...catalog.checks.values()][0]!, registry);
      try {
        const result = await run();
        expect(result.error).toBeNull();
        expect(result.status).toBe('pass');
        expect(result.observations).toMatchObject({ row_hash: 'sha256', mismatches: 0 });
        await utf8.exec(`update tk set v = -1 where k = 'clé 7'`);
        const changed = await run();
        expect(changed.status).toBe('fail');
        expect(changed.observations).toMatchObject({ changed: 1, missing_in_new: 0, missing_in_old: 0 });
      } finally {
        await registry.closeAll();
      }
    } finally {
      await Promise.all([latin1.exec('drop table tk'), utf8.exec('drop table tk')]);
    }
  });

  it('uses sha256 when the check asks for it, even where the fast hash would do', async () => {
    const result = await diff(lite, utf8, '    row_hash: sha256');
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ row_hash: 'sha256' });
    expect(result.statements.some((s) => s.sql.includes('server_encoding'))).toBe(false);
  });
});
