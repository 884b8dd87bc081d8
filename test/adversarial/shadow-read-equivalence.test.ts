/**
 * Hostile values against shadow_read's record comparison: two records that differ, made to
 * compare equal by a normaliser, or a sample that counts one key many times. Each case was a
 * wrong pass; every case runs on both engines, through SQL read paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

async function shadow(db: TestDatabase, fields: { old: string; new: string; extra?: string; table?: string }): Promise<FinishedResult> {
  const catalog = catalogFromYaml(`
checks:
  - id: equivalence
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: ${fields.table ?? 't'}, side: old }, seed: 1 }
    old: { source: app, query: ${JSON.stringify(fields.old)} }
    new: { source: app, query: ${JSON.stringify(fields.new)} }
    max_mismatch_rate: 0.05
${fields.extra ?? ''}`, { app: db });
  const registry = registryForCatalog(catalog, { app: db });
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

// The value depends on a column of the row (live) as a real read does: two queries comparing only
// constants, or only functions of the key, are refused at load (never-fails.test.ts, never-fails-folded.test.ts);
// the new path reads a copy of the table (t_new): two values computed from the same column are
// refused when the check runs (shadow-read-self-columns.test.ts), and so are values of one table's
// columns that take one value whatever those columns hold (shadow-read-held-lineage.test.ts).
const select = (expression: string) => `select id, case when live then ${expression} end as v from t where id = any($keys)`;
const selectNew = (expression: string) => `select id, case when live_new then ${expression} end as v from t_new where id = any($keys)`;

describe.each(engines)('shadow_read record equivalence on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table t (id int primary key, live boolean not null default true, live_new boolean not null default true); insert into t select g from generate_series(1, 100) g; create table t_new as select * from t');
  });
  afterAll(() => db.close());

  describe('a text normaliser on a nested value keeps every JSON type inside it', () => {
    // Was a pass: the container was printed with JSON.stringify, which writes a number no double
    // holds exactly (a bigint, 1e0, -0) as a string, so the number and the string became one text.
    it.each([
      ['{"a": 9007199254740993}', '{"a": "9007199254740993"}'],
      ['[1e0]', '["1e0"]'],
      ['{"a": [-0]}', '{"a": ["-0"]}'],
      ['{"a": 1.5E3}', '{"a": "1.5E3"}'],
      ['[12345678901234567890.5]', '["12345678901234567890.5"]'],
    ])('%s differs from %s under trim, lower and collapse_whitespace', async (old, next) => {
      for (const normalizer of ['trim', 'lower', 'upper', 'collapse_whitespace']) {
        const result = await shadow(db, {
          old: select(`'${old}'::json`), new: selectNew(`'${next}'::json`), extra: `    compare: { normalize: { v: [${normalizer}] } }`,
        });
        expect(result.status, normalizer).toBe('fail');
      }
    });

    it('still compares nested numbers by value and members in any order (the control)', async () => {
      const result = await shadow(db, {
        old: select(`'{"a": 1.0, "b": ["X "]}'::json`), new: selectNew(`'{"b": ["x "], "a": 1}'::json`), extra: '    compare: { normalize: { v: [lower] } }',
      });
      expect(result.error).toBeNull();
      expect(result.status).toBe('pass');
    });

    // Was a pass: the normaliser ran over the container's whole text, member names included, so a
    // new path that renamed `Email` to `email` (or `first  name` to `first name`) agreed with the old.
    it.each([
      ['{"Email": "a@x"}', '{"email": "a@x"}', 'lower'],
      ['{"email": "a@x"}', '{"EMAIL": "a@x"}', 'upper'],
      ['[{"Total": 1}]', '[{"total": 1}]', 'lower'],
      ['{"first  name": "x"}', '{"first name": "x"}', 'collapse_whitespace'],
      ['{"first\u00a0name": "x"}', '{"first name": "x"}', 'collapse_whitespace'],
    ])('%s differs from %s under %s: member names are not values', async (old, next, normalizer) => {
      const result = await shadow(db, {
        old: select(`'${old}'::json`), new: selectNew(`'${next}'::json`), extra: `    compare: { normalize: { v: [${normalizer}] } }`,
      });
      expect(result.status).toBe('fail');
    });

    it('still folds the strings inside a container (the control)', async () => {
      const result = await shadow(db, {
        old: select(`'{"Email": "A@X", "tags": ["Big  Box"]}'::json`), new: selectNew(`'{"Email": "a@x", "tags": ["big box"]}'::json`),
        extra: '    compare: { normalize: { v: [lower, collapse_whitespace] } }',
      });
      expect(result.error).toBeNull();
      expect(result.status).toBe('pass');
    });
  });

  describe('the sample counts each key once', () => {
    beforeAll(async () => {
      // 200 users, every tenth read wrongly by the new path (10% > max 5%); events keyed by user,
      // user 1 with 2,000 of them: most sampled events are user 1's, which the new path gets right.
      await db.exec(`create table users (id int primary key, v text);
        insert into users select g, 'v' || g from generate_series(1, 200) g;
        create table events (user_id int, k text);
        insert into events select 1, 'k' || g from generate_series(1, 2000) g;
        insert into events select g, 'k' from generate_series(2, 200) g;
        insert into events select 1000000 + g, 'k' from generate_series(1, 3) g;
        analyze events`);
    });
    const old = 'select id, v from users where id = any($keys)';
    const wrong = "select id, case when id % 10 = 0 then 'wrong' else v end as v from users where id = any($keys)";

    // Was a pass: a key drawn many times counted as many keys compared, so 400 "keys" held about 40
    // distinct users, the tenth of them read wrongly hidden among 360 copies of user 1.
    async function run(key: string, table: string, paths: { old: string; new: string }) {
      const catalog = catalogFromYaml(`
checks:
  - id: duplicate-keys
    kind: shadow_read
    key: ${key}
    sample: { size: 400, from: { source: app, table: ${table}, side: old }, seed: 7 }
    old: { source: app, query: ${JSON.stringify(paths.old)} }
    new: { source: app, query: ${JSON.stringify(paths.new)} }
    max_mismatch_rate: 0.05
`, { app: db });
      const registry = registryForCatalog(catalog, { app: db });
      try {
        return await execute([...catalog.checks.values()][0]!, registry);
      } finally {
        await registry.closeAll();
      }
    }

    // Was a pass: a key drawn many times counted as many keys compared, so 400 "keys" held about 40
    // distinct users, the tenth of them read wrongly hidden among 360 copies of user 1.
    it('is could-not-verify when sample.from repeats a single-column key', async () => {
      const result = await run('[user_id]', 'events', { old: old.replace('id, v', 'id as user_id, v'), new: wrong.replace('select id,', 'select id as user_id,') });
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('duplicate_key');
    });

    it('is could-not-verify when sample.from repeats a composite key', async () => {
      await db.exec("create table events_by_user as select user_id, 'k' as k from events; analyze events_by_user");
      const composite = (query: string) => query.replace('select id,', "select id as user_id, 'k' as k,").replace('id = any($keys)', 'id = any($keys.user_id)');
      const result = await run('[user_id, k]', 'events_by_user', { old: composite(old), new: composite(wrong) });
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('duplicate_key');
    });

    // Draws are uniform over distinct keys, so this one was no wrong pass; it holds the same rule
    // for every sampling method (and the SQL paths would read the repeated keys as duplicates).
    it('refuses a repeated key found while drawing integer keys over a wide range too', async () => {
      await db.exec(`create table wide (user_id bigint); insert into wide select g * 3, 'x' from generate_series(1, 5000) g;
        insert into wide values (3), (6); analyze wide`.replace(", 'x'", ''));
      const catalog = catalogFromYaml(`
checks:
  - id: duplicate-draws
    kind: shadow_read
    key: [user_id]
    sample: { size: 4000, from: { source: app, table: wide }, seed: 7 }
    old: { source: app, query: "select user_id from wide where user_id = any($keys)" }
    new: { source: app, query: "select w.user_id from wide w where w.user_id = any($keys)" }
    max_mismatch_rate: 0.05
`, { app: db });
      const registry = registryForCatalog(catalog, { app: db });
      try {
        const result = await execute([...catalog.checks.values()][0]!, registry);
        expect(result).toMatchObject({ status: 'error', error: { code: 'duplicate_key' } });
      } finally {
        await registry.closeAll();
      }
    });
  });
});
