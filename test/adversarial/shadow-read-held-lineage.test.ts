/**
 * Held cases of "shadow_read over one table's rows compares only the columns that moved": lineage
 * disjoint on paper, yet the comparison cannot fail. hl_users migrates full_name to
 * first_name/last_name and the new columns are wrong ('WRONG', not NULL) on 30% of the keys;
 * hl_versions keeps two versions per key, the latest one's new column wrong on 30% of the keys.
 * 1. Compared values fixed whatever their inputs (`substr(x, 1, 0)`, `x * 0`, a tautology, a
 *    value of the key alone) read different columns and agree on every row.
 * 2. DISTINCT ON choosing among a key's rows by the other side's column makes both sides read the
 *    one row where they agree.
 * 3. A function the planner does not inline hides what it reads: `f(id)` reading the new columns
 *    looks like a value of the key alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

function check(old: string, fresh: string, from = 'hl_users'): string {
  return `checks:
  - id: held-lineage
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: legacy, table: ${from}, side: old } }
    old: { source: legacy, query: ${JSON.stringify(old)} }
    new: { source: app, query: ${JSON.stringify(fresh)} }
    max_mismatch_rate: 0.05
`;
}

const pair = (oldValue: string, newValue: string): [string, string] => [
  `select id, ${oldValue} as name from hl_users where id = any($keys)`,
  `select id, ${newValue} as name from hl_users where id = any($keys)`,
];

describe.each(engines)('shadow_read held lineage cases on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    await db.exec(`create table hl_users (id bigint primary key, full_name text, first_name text, last_name text, score int, score_new int);
      insert into hl_users select g, 'user ' || g, case when g % 10 < 3 then 'WRONG' else 'user' end, g::text, g % 7, case when g % 10 < 3 then 99 else g % 7 end from generate_series(1, 5000) g;
      create table hl_versions (id bigint, version int, a text, b text, primary key (id, version));
      insert into hl_versions select g, v, 'v' || v || ' of ' || g, case when v = 2 and g % 10 < 3 then 'WRONG' else 'v' || v || ' of ' || g end from generate_series(1, 3000) g, generate_series(1, 2) v;
      create table hl_version_keys as select distinct id from hl_versions;
      alter table hl_version_keys add primary key (id);
      create function hl_new_name(k bigint) returns text language plpgsql stable as $$ begin return (select first_name || ' ' || last_name from hl_users where id = k); end $$;
      create function hl_new_name_sql(k bigint) returns text language sql stable as $$ select first_name || ' ' || last_name from hl_users where id = k $$;
      create function hl_new_row(k bigint) returns table (name text) language sql stable as $$ select first_name || ' ' || last_name from hl_users where id = k $$;
      create function hl_ignore(x text) returns text language plpgsql immutable as $$ begin return ''; end $$;
      alter table hl_users add column full_name_generated text generated always as (first_name || ' ' || last_name) stored;
      create index hl_versions_by_b on hl_versions (id, b);
      create view hl_both_view as select id, hl_new_name(id) as old_name, first_name || ' ' || last_name as new_name from hl_users;
      create view hl_plpgsql_view as select id, hl_new_name(id) as name from hl_users;
      create view hl_sql_view as select id, hl_new_name_sql(id) as name from hl_users;
      create view hl_srf_view as select u.id, f.name from hl_users u cross join lateral hl_new_row(u.id) f;
      create view hl_ignore_old as select id, hl_ignore(full_name) as name from hl_users;
      create view hl_ignore_new as select id, hl_ignore(first_name) as name from hl_users`);
  });
  afterAll(() => db?.close());

  // A check file refused when it loads never runs: as good as a refusal here.
  async function outcome(yaml: string): Promise<{ status: string; code: string | undefined; summary: string }> {
    let catalog;
    try { catalog = catalogFromYaml(yaml, sources); } catch (error) { if (process.env.HL_DEBUG) console.log('LOAD', String(error)); return { status: 'error', code: 'refused_at_load', summary: String(error) }; }
    const result = await runFirstCheck(catalog, sources);
    if (process.env.HL_DEBUG) console.log('OUTCOME', result.status, result.error?.code, result.summary);
    return { status: result.status, code: result.error?.code, summary: result.summary };
  }

  it.each([
    ['substr(x, 1, 0)', pair('substr(full_name, 1, 0)', "substr(first_name || ' ' || last_name, 1, 0)")],
    ['left(x, 0)', pair('left(full_name, 0)', 'left(first_name, 0)')],
    ['repeat(x, 0)', pair('repeat(full_name, 0)', 'repeat(first_name, 0)')],
    ['length(x) * 0', pair('length(full_name) * 0', 'length(first_name) * 0')],
    ['an int times zero', pair('score * 0', 'score_new * 0')],
    ['nullif(x, x)', pair("coalesce(nullif(full_name, full_name), '')", "coalesce(nullif(first_name, first_name), '')")],
    ['a tautology', pair('(full_name = full_name)::text', '(first_name = first_name)::text')],
    ['md5(x) is not null', pair('md5(full_name) is not null', 'md5(first_name) is not null')],
    ['a CASE no row takes', pair('case when full_name is null and full_name is not null then full_name end', 'case when first_name is null and first_name is not null then first_name end')],
    ['a CASE whose arms agree', pair("case when full_name > 'm' then 'x' else 'x' end", "case when first_name > 'm' then 'x' else 'x' end")],
    ['a value of the key alone', pair("id::text || substr(full_name, 1, 0)", "id::text || substr(first_name, 1, 0)")],
    ['a function ignoring its argument (in views)', ['select id, name from hl_ignore_old where id = any($keys)', 'select id, name from hl_ignore_new where id = any($keys)'] as [string, string]],
    ['a constant concatenated', pair("coalesce(null::text, '') || left(full_name, 0)", "coalesce(null::text, '') || left(last_name, 0)")],
  ])('does not pass compared values fixed whatever their inputs: %s', async (_name, [old, fresh]) => {
    const said = await outcome(check(old, fresh));
    expect(said.status, said.summary).toBe('error');
    expect(['self_comparison', 'refused_at_load', 'reads_other_side'], said.summary).toContain(said.code);
  });

  it.each([
    ['a plpgsql function reading the new columns', 'hl_plpgsql_view'],
    ['a SQL function with a FROM (not inlined)', 'hl_sql_view'],
    ['a set-returning function in FROM', 'hl_srf_view'],
  ])('does not pass a path whose function hides what it reads: %s', async (_name, view) => {
    // Only PostgreSQL's own functions may be called from a check's query; a view may call any.
    const said = await outcome(check(`select id, name from ${view} where id = any($keys)`, "select id, first_name || ' ' || last_name as name from hl_users where id = any($keys)"));
    expect(said.status, said.summary).toBe('error');
  });

  it('does not pass one view read by both paths whose old column a function computes from the new ones', async () => {
    const said = await outcome(check('select id, old_name as name from hl_both_view where id = any($keys)', 'select id, new_name as name from hl_both_view where id = any($keys)'));
    expect(said.status, said.summary).toBe('error');
  });

  it('does not pass an old column generated from the new ones', async () => {
    const said = await outcome(check(...pair('full_name_generated', "first_name || ' ' || last_name")));
    expect(said.status, said.summary).toBe('error');
  });

  it.each([
    ['DISTINCT ON ordered by agreement', 'select distinct on (id) id, a as v from hl_versions where id = any($keys) order by id, (a = b) desc, version desc', 'select distinct on (id) id, b as v from hl_versions where id = any($keys) order by id, (a = b) desc, version desc'],
    ['DISTINCT ON ordered by the new column', "select distinct on (id) id, a as v from hl_versions where id = any($keys) order by id, (b = 'WRONG'), version desc", "select distinct on (id) id, b as v from hl_versions where id = any($keys) order by id, (b = 'WRONG'), version desc"],
    ['DISTINCT ON in an index\'s order (no sort in the plan)', 'select distinct on (id) id, a as v from hl_versions where id = any($keys) order by id desc, b desc', 'select distinct on (id) id, b as v from hl_versions where id = any($keys) order by id desc, b desc'],
    ['a filter by agreement', 'select id, a as v from hl_versions where id = any($keys) and (a = b or version = 1) order by id, version', 'select id, b as v from hl_versions where id = any($keys) and (a = b or version = 1) order by id, version'],
  ])('does not pass paths choosing a key\'s row by the other side\'s column: %s', async (_name, old, fresh) => {
    const said = await outcome(check(old, fresh, 'hl_version_keys'));
    expect(said.status, said.summary).not.toBe('pass');
  });

  it('fails a migration choosing the latest version on both sides (control)', async () => {
    const said = await outcome(check(
      'select distinct on (id) id, a as v from hl_versions where id = any($keys) order by id, version desc',
      'select distinct on (id) id, b as v from hl_versions where id = any($keys) order by id, version desc',
      'hl_version_keys',
    ));
    expect(said.status, said.summary).toBe('fail');
  });

  it('fails a migration of one table\'s columns (control)', async () => {
    const said = await outcome(check(...pair('full_name', "first_name || ' ' || last_name")));
    expect(said.status, said.summary).toBe('fail');
  });

  it('fails a migration of an int column (control)', async () => {
    const said = await outcome(check(...pair('score', 'score_new')));
    expect(said.status, said.summary).toBe('fail');
  });
});
