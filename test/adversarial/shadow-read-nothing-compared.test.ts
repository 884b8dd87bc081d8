/**
 * A shadow_read whose records hold nothing but the key — both queries select only the key, or
 * `compare.ignore` lists every other field — compares no value at all: its pass says only that the
 * sampled keys exist on both paths, whatever their data. It passed on the old code; now it cannot
 * verify (`nothing_compared`). Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const shadow = (oldQuery: string, newQuery: string, compare = '') => `
checks:
  - id: vacuous
    kind: shadow_read
    key: [id]
    sample: { size: 200, from: { source: app, table: users_old } }
    old: { source: app, query: "${oldQuery}" }
    new: { source: app, query: "${newQuery}" }
    max_mismatch_rate: 0.05
${compare}`;

describe.each(engines)('shadow_read comparing nothing on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table users_old (id int primary key, name text, email text);
      create table users_new (id int primary key, name text, email text);
      insert into users_old select g, 'user ' || g, g || '@x' from generate_series(1, 1000) g;
      insert into users_new select g, 'wrong', 'wrong' from generate_series(1, 1000) g;`);
  });
  afterAll(() => db.close());

  it('cannot verify when both paths return only the key', async () => {
    const result = await runCheck(db, shadow('select id from users_old where id = any($keys)', 'select id from users_new where id = any($keys)'));
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code).toBe('nothing_compared');
  });

  it('cannot verify when compare.ignore lists every field but the key', async () => {
    const result = await runCheck(db, shadow('select id, name, email from users_old where id = any($keys)', 'select id, name, email from users_new where id = any($keys)', '    compare: { ignore: [name, email] }'));
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code).toBe('nothing_compared');
  });

  it('still judges a path whose records hold one field besides the key', async () => {
    const result = await runCheck(db, shadow('select id, name, email from users_old where id = any($keys)', 'select id, name, email from users_new where id = any($keys)', '    compare: { ignore: [name] }'));
    expect(result.status, result.summary).toBe('fail');
  });
});
