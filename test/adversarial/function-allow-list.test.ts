/**
 * A READ ONLY transaction does not stop every function from changing the database: BRIN and GIN
 * maintenance, pg_surgery's heap_force_kill, pg_visibility's map truncation, amcheck's ShareLock,
 * advisory locks inside a user function, and set_config or setseed on the pooled session all run
 * there. A deny list cannot name every extension's or user's function, so operator SQL may call
 * only PostgreSQL's own read-only built-ins (src/sql/builtin-functions.ts), by any name or notation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { SpecProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';
import { isCatalogOperatorName } from '../../src/sql/builtin-operators.js';

/** Calls that run inside a READ ONLY transaction and write, lock, or change the session or server. */
const CALLS = [
  "brin_summarize_new_values('users_brin')",
  "pg_catalog.brin_desummarize_range('users_brin', 0)",
  "gin_clean_pending_list('users_gin')",
  'setseed(0.5)',
  'pg_export_snapshot()',
  "heap_force_kill('users'::regclass, array['(0,1)'::tid])",
  "public.heap_force_freeze('users'::regclass, array['(0,1)'::tid])",
  "pg_truncate_visibility_map('users')",
  "bt_index_parent_check('users_pkey')",
  "pg_prewarm('users')",
  "ext.pg_prewarm('users')",
  'app_helper_takes_a_lock()',
  '"app"."helper"(1)',
  "pg_nextoid('pg_class', 'oid', 'pg_class_oid_index')",
  'pg_stop_making_pinned_objects()',
  // Attribute notation: (x).f is f(x) when x has no field f.
  "('users'::regclass).pg_truncate_visibility_map",
  "('users_brin'::regclass).brin_summarize_new_values",
  "('users_pkey'::regclass).bt_index_parent_check",
  '(0.5).setseed',
];

/** Queries with other ways of naming operator code outside pg_catalog. */
const OTHER_NAMES = [
  'select 1 where 1 operator(public.===) 1',
  'select x from (select 1 as x) t order by x using operator(app.<)',
  'select 1 where 1 operator(app.=) any (select 1)',
  'select id from users tablesample app_sampler (10)',
  // A scalar function in FROM makes its alias that scalar, and alias.f is then the call f(alias).
  "select x.brin_summarize_new_values from to_regclass('users_brin') x",
  "select to_regclass.pg_truncate_visibility_map from to_regclass('users')",
  "select 1 from users u where exists (select r.bt_index_parent_check from unnest(array['users_pkey'::regclass]) with ordinality as r)",
  "select x.pg_prewarm from rows from (to_regclass('users')) x",
  // An operator pg_catalog has no operator of that name for binds to a user's function, named or not.
  "select 1 where 'a' ### 'b'",
  "select 1 where ### 'b'",
  "select 1 where 'a' ### any (select 'b')",
  "select 1 where 'a' ### all (array['b'])",
  'select x from (select 1 as x) t order by x using ###',
];

const HEADER = 'sources:\n  app: { url: "embedded:app" }\nchecks:\n';

const SLOTS: { name: string; path: string; yaml: (call: string) => string }[] = [
  { name: 'sql_assert query', path: 'checks[0].query', yaml: (call) => `  - id: c\n    kind: sql_assert\n    source: app\n    query: ${JSON.stringify(`select ${call} as v from users`)}\n` },
  { name: 'sql_assert query (FROM)', path: 'checks[0].query', yaml: (call) => `  - id: c\n    kind: sql_assert\n    source: app\n    query: ${JSON.stringify(`select 1 from users, lateral (select ${call}) f`)}\n` },
  { name: 'null_check where', path: 'checks[0].where', yaml: (call) => `  - id: c\n    kind: null_check\n    source: app\n    table: users\n    columns: [nickname]\n    where: ${JSON.stringify(`${call} is not null`)}\n` },
  { name: 'column_parity new', path: 'checks[0].new', yaml: (call) => `  - id: c\n    kind: column_parity\n    source: app\n    table: users\n    key: [id]\n    old: name\n    new: ${JSON.stringify(`case when ${call} is null then name else name end`)}\n` },
];

function problemsFor(yaml: string): SpecProblem[] {
  const parsed = parseCheckFile(HEADER + yaml, 'attack.yaml', {});
  return Array.isArray(parsed) ? parsed : [];
}

describe('operator SQL may call only built-in read-only functions', () => {
  for (const slot of SLOTS) {
    it(`refuses every call that acts inside a READ ONLY transaction in ${slot.name}`, () => {
      for (const call of CALLS) {
        const problems = problemsFor(slot.yaml(call));
        expect(problems.length, `${slot.name} accepted: ${call}`).toBeGreaterThan(0);
        expect(problems.some((p) => p.path === slot.path && p.line > 0 && p.column > 0), call).toBe(true);
      }
    });
  }

  it('refuses operators and sampling methods named outside pg_catalog, and calls spelt as a column of a function in FROM', () => {
    for (const query of OTHER_NAMES) {
      expect(problemsFor(`  - id: c\n    kind: sql_assert\n    source: app\n    query: ${JSON.stringify(query)}\n`).length, query).toBeGreaterThan(0);
    }
  });

  it('still accepts the built-ins checks are written with', () => {
    const fine = [
      "lower(email) = pg_catalog.lower(email)", "coalesce(a, b) is not null", "extract(epoch from created_at) > 0", "substring(name from 1 for 3) <> ''",
      "trim(both ' ' from name) <> ''", "created_at at time zone 'UTC' < now()", "length(name) between 1 and 10", "md5(name) <> sha256(name::bytea)::text",
      "random() < 0.5", "clock_timestamp() > created_at", "gen_random_uuid() is not null", "count(*) over () > 0", "a->>'k' = jsonb_extract_path_text(a, 'k')",
      "date_trunc('day', created_at) = created_at::date", "regexp_replace(name, '\\s+', ' ', 'g') = name", "position('x' in name) > 0", "t.name is not null",
      "overlay(name placing 'x' from 1) <> ''", "1 operator(pg_catalog.=) 1", "(name).lower = lower(name)", "num_nonnulls(a, b) = 2",
    ];
    for (const expression of fine) expect(problemsFor(SLOTS[2]!.yaml(expression)), expression).toEqual([]);
    const queries = [
      'select id from users tablesample bernoulli (10) where string_agg is null',
      "select e.key, e.ordinality from jsonb_each('{}') with ordinality as e(key, value, ordinality)",
      "select r.a, g, g.g, x.x from jsonb_to_record('{}') as r(a int), generate_series(1, 2) g, to_regclass('users') x",
      'select u.id, u.name from users u',
    ];
    for (const query of queries) expect(problemsFor(`  - id: c\n    kind: sql_assert\n    source: app\n    query: "${query}"\n`), query).toEqual([]);
  });
});

describe.each(engines)('functions that change the database inside a READ ONLY transaction, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // Rows added after the BRIN index exists leave page ranges it has not summarised yet.
    await db.exec("create table users (id int primary key, name text); create index users_brin on users using brin (id) with (pages_per_range = 1); insert into users select g, repeat('n', 200) || g from generate_series(1, 2000) g;");
  });
  afterAll(() => db.close());

  it('brin_summarize_new_values writes the index from a check, so it is refused before anything runs', async () => {
    const check = `checks:\n  - id: c\n    kind: sql_assert\n    source: app\n    query: "select 1 as summarised from (select brin_summarize_new_values('users_brin') as n) s where n < 0"\n    expect: { rows: 0 }\n`;
    await expect(runCheck(db, check)).rejects.toThrow(/brin_summarize_new_values/);
    // Nothing ran: the ranges are still unsummarised, so summarising them now finds work to do.
    const [row] = await db.exec("select brin_summarize_new_values('users_brin') as n");
    expect(Number(row?.n)).toBeGreaterThan(0);
  });

  it('an operator that is not pg_catalog\'s calls a user\'s function, so it is refused before anything runs', async () => {
    await db.exec(`insert into users select g, repeat('n', 200) || g from generate_series(2001, 4000) g;
      create function public.summarise(a text, b text) returns boolean language sql as $$ select pg_catalog.brin_summarize_new_values('users_brin') >= 0 $$;
      create operator public.### (leftarg = text, rightarg = text, function = public.summarise);`);
    const check = `checks:\n  - id: c\n    kind: sql_assert\n    source: app\n    query: "select 1 as v where not ('a' ### 'b')"\n    expect: { rows: 0 }\n`;
    await expect(runCheck(db, check)).rejects.toThrow(/###/);
    const [row] = await db.exec("select brin_summarize_new_values('users_brin') as n");
    expect(Number(row?.n)).toBeGreaterThan(0);
  });

  it('keeps accepting every operator name pg_catalog has there', async () => {
    const rows = await db.exec(`select distinct oprname::text as name from pg_operator where oprnamespace = 'pg_catalog'::regnamespace`);
    const refused = rows.map((r) => String(r.name)).filter((name) => !isCatalogOperatorName(name));
    expect(refused).toEqual([]);
    expect(rows.length).toBeGreaterThan(60);
  });
});
