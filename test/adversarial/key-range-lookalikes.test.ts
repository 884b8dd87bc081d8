/**
 * Key ranges against look-alike operators. Chunked scans and table_diff's segments cut a table by
 * comparing its primary key with bounds (`key > after and key <= upTo`). For a single-column key
 * whose type pg_catalog has no `>` of exactly (varchar, enums, domains, arrays, character),
 * Postgres takes an exact operator from any schema on the path before pg_catalog's implicit-cast
 * candidates: with a look-alike `>` that is always false, a chunked null_check read its first chunk
 * and passed over a NULL the single-statement scan failed; a look-alike `max(varchar)` could move
 * a chunk's end the same way. Each such key now either reads every row or fails, never passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

/**
 * Key types, each given a look-alike `>` in schema evil that is never true. `binds`: pg_catalog has
 * no `>` of exactly the type, so a bare comparison would take the look-alike (character has one,
 * bpchar > bpchar, which wins as pg_catalog comes first; it is compared as a row all the same).
 */
const KEYS = [
  { type: 'character varying', binds: true, value: (g: string) => `'k' || lpad(${g}::text, 5, '0')` },
  { type: 'character(6)', binds: false, value: (g: string) => `'k' || lpad(${g}::text, 5, '0')` },
  { type: 'mood', binds: true, value: (g: string) => `('m' || ${g})::mood` },
  { type: 'posint', binds: true, value: (g: string) => g },
];
const LOOKALIKES = `
  create type mood as enum (${Array.from({ length: 300 }, (_, i) => `'m${i + 1}'`).join(', ')});
  create domain posint as int check (value > 0);
  ${['character varying', 'character', 'mood', 'posint'].map((t) => `
  create function evil.never(${t}, ${t}) returns boolean language sql immutable as 'select false';
  create operator evil.> (leftarg = ${t}, rightarg = ${t}, function = evil.never);
`).join('')}
  create function evil.first_of(character varying, character varying) returns character varying language sql immutable as 'select coalesce($1, $2)';
  create aggregate evil.max(character varying) (sfunc = evil.first_of, stype = character varying);`;

describe.each(engines)('key ranges over keys without an exact pg_catalog operator, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create schema evil');
    await db.exec(LOOKALIKES);
    for (const [i, key] of KEYS.entries()) {
      // 300 rows; the NULL (null_check) or the difference (table_diff) goes in the last: a scan that reads one chunk never sees it.
      await db.exec(`create table t${i} (k ${key.type} primary key, x int);
        insert into t${i} select ${key.value('g')}, g from generate_series(1, 300) g;
        create table n${i} (k ${key.type} primary key, x int);
        insert into n${i} select ${key.value('g')}, case when g = 300 then -1 else g end from generate_series(1, 300) g;`);
    }
    if (engine === 'postgres') {
      await db.exec(`alter database ${new URL(db.url).pathname.slice(1)} set search_path = evil, public`);
    } else {
      // PGlite has one session, which parity's reads share.
      await db.exec('set search_path = evil, public');
    }
  });
  afterAll(() => db.close());

  async function run(check: string, chunked: boolean) {
    const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
    if (chunked) Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0 });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  }

  it.each(KEYS.map((key, i) => [key.type, i] as const))('a chunked null_check over a %s key never passes over the NULL in its last row', async (_, i) => {
    await db.exec(`update t${i} set x = null where x = 300`);
    try {
      // Since the stand-in guard (stand-in-code.test.ts) a database whose role searches a look-alike
      // is refused before any read; the row comparison stays as the layer beneath it.
      const single = await run(`{ id: n${i}, kind: null_check, source: app, table: t${i}, columns: [x] }`, false);
      expect([single.status, single.error?.code]).toEqual(['error', 'stand_in_code']);
      const chunked = await run(`{ id: n${i}, kind: null_check, source: app, table: t${i}, columns: [x] }`, true);
      expect([chunked.status, chunked.error?.code]).toEqual(['error', 'stand_in_code']);
    } finally {
      await db.exec(`update t${i} set x = 300 where x is null`);
    }
  });

  it.each(KEYS.map((key, i) => [key.type, i] as const))('a segmented table_diff over a %s key never passes over the difference in its last row', async (_, i) => {
    const result = await run(`{ id: d${i}, kind: table_diff, key: [k], old: { source: app, table: t${i} }, new: { source: app, table: n${i} }, segment_rows: 100 }`, false);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('still reads every chunk of a varchar key when no look-alike is in the way', async () => {
    await db.exec(engine === 'postgres' ? `alter database ${new URL(db.url).pathname.slice(1)} set search_path = public` : 'set search_path = public');
    await db.exec('update t0 set x = null where x = 300');
    try {
      const chunked = await run('{ id: clean, kind: null_check, source: app, table: t0, columns: [x] }', true);
      expect(chunked.status).toBe('fail');
      expect(chunked.observations).toMatchObject({ rows_scanned: 300 });
      const diff = await run('{ id: clean-diff, kind: table_diff, key: [k], old: { source: app, table: t0 }, new: { source: app, table: n0 }, segment_rows: 100 }', false);
      expect(diff.status).toBe('fail');
    } finally {
      await db.exec('update t0 set x = 300 where x is null');
    }
  });
});
