/**
 * Two SQL paths reading the same rows through the same columns compare a value with itself: the
 * run allowed any pair of paths whose rows come from one table (a migration of that table's
 * columns), so `side: old` over another table with both queries reading sc_new's `name` —
 * spelled with aliases, `name as name`, a view, `coalesce(name, name)`, casts that keep the value —
 * passed a new table wrong on 30% of its keys. A compared column whose new value is computed from
 * the column the old value is read from and more (`coalesce(first_name || …, full_name)`) agreed
 * wherever the new columns were lost. Each compared output column is traced on the server's plan
 * to the columns it is computed from; every one the same on both paths is `self_comparison`, one
 * sharing only some of them `reads_other_side`. A migration of one table's columns (`full_name`
 * against `first_name`/`last_name`) stays allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

function check(old: string, fresh: string, from = 'sc_old', extra = ''): string {
  return `checks:
  - id: self-columns
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: legacy, table: ${from}, side: old } }
    old: { source: legacy, query: ${JSON.stringify(old)} }
    new: { source: app, query: ${JSON.stringify(fresh)} }
    max_mismatch_rate: 0.05
${extra}`;
}

const NEW = 'select id, name from sc_new where id = any($keys)';

describe.each(engines)('shadow_read paths reading one column on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    // sc_new: 30% of its names wrong (the defect a shadow read must catch). sc_users: one table
    // migrating full_name to first_name/last_name, 30% of the new columns lost (NULL).
    await db.exec(`create schema sc_other;
      create table sc_old (id bigint primary key, name text, email text, region int);
      insert into sc_old select g, 'user ' || g, 'u' || g || '@x', g % 4 from generate_series(1, 5000) g;
      create table sc_new as select id, case when id % 10 < 3 then 'WRONG' else name end as name, email, region from sc_old;
      alter table sc_new add primary key (id);
      create view sc_new_view as select id, name as label, email from sc_new;
      create view sc_other.sc_alias as select n.id, n.name from public.sc_new n;
      create table sc_users (id bigint primary key, full_name text, first_name text, last_name text, email text, region_old int, region_new int);
      insert into sc_users select g, 'user ' || g, case when g % 10 < 3 then null else 'user' end, case when g % 10 < 3 then null else g::text end, 'u' || g || '@x', g % 4, case when g % 10 < 3 then 9 else g % 4 end from generate_series(1, 5000) g;
      create table sc_regions (id int primary key, label text);
      insert into sc_regions select g, 'region ' || g from generate_series(0, 9) g;
      create table sc_parts (id bigint, name text, email text) partition by range (id);
      create table sc_parts_1 partition of sc_parts for values from (1) to (2501);
      create table sc_parts_2 partition of sc_parts for values from (2501) to (10000);
      insert into sc_parts select id, name, email from sc_new`);
  });
  afterAll(() => db?.close());

  async function outcome(yaml: string): Promise<{ status: string; code: string | undefined; summary: string }> {
    const result = await runFirstCheck(catalogFromYaml(yaml, sources), sources);
    return { status: result.status, code: result.error?.code, summary: result.summary };
  }

  it.each([
    ['a table alias', 'select u.id, u.name from sc_new u where u.id = any($keys)'],
    ['name as name', 'select id as id, name as name from sc_new where id = any($keys)'],
    ['a schema-qualified name', 'select id, name from public.sc_new where id = any($keys)'],
    ['coalesce(name, name)', 'select id, coalesce(name, name) as name from sc_new where id = any($keys)'],
    ['a cast that keeps the value', 'select id, name::text::varchar::text as name from sc_new where id = any($keys)'],
    ['a view renaming the column', 'select id, label as name from sc_new_view where id = any($keys)'],
    ['a view in another schema', 'select a.id, a.name from sc_other.sc_alias a where a.id = any($keys)'],
    ['a sub-select in FROM', 'select s.id, s.name from (select id, name from sc_new) s where s.id = any($keys)'],
    ['a WITH query', 'with w as (select id, name from sc_new) select w.id, w.name from w where w.id = any($keys)'],
    ['a scalar sub-query on the same table', 'select n.id, (select m.name from sc_new m where m.id = n.id) as name from sc_new n where n.id = any($keys)'],
    ['a self-join on the key', 'select n.id, m.name from sc_new n join sc_new m on m.id = n.id where n.id = any($keys)'],
    ['an identity expression', "select id, name || '' as name from sc_new where id = any($keys)"],
    ['a sub-select with a LIMIT', 'select s.id, s.name from (select id, name from sc_new where id = any($keys) limit 100000) s'],
  ])('does not pass two paths reading one column: %s', async (_name, old) => {
    const said = await outcome(check(old, NEW));
    expect(said.status, said.summary).toBe('error');
    expect(said.code, said.summary).toBe('self_comparison');
  });

  it('does not pass two paths reading one partitioned table, one through its partitions', async () => {
    const said = await outcome(check(
      'select id, name from sc_parts where id = any($keys)',
      'select id, name from sc_parts_1 where id = any($keys) union all select id, name from sc_parts_2 where id = any($keys)',
    ));
    expect(said.status, said.summary).toBe('error');
    expect(['reads_other_side', 'self_comparison'], said.summary).toContain(said.code);
  });

  it('does not pass a new column computed from the old column it replaces', async () => {
    const said = await outcome(check(
      'select id, full_name as name from sc_users where id = any($keys)',
      "select id, coalesce(first_name || ' ' || last_name, full_name) as name from sc_users where id = any($keys)",
      'sc_users',
    ));
    expect(said.status, said.summary).toBe('error');
    expect(said.code, said.summary).toBe('reads_other_side');
  });

  it('does not pass a new column read from a row its old column picks', async () => {
    const said = await outcome(check(
      'select id, full_name as name from sc_users where id = any($keys)',
      "select u.id, m.first_name || ' ' || m.last_name as name from sc_users u left join sc_users m on m.first_name || ' ' || m.last_name = u.full_name where u.id = any($keys)",
      'sc_users',
    ));
    expect(said.status, said.summary).not.toBe('pass');
  });

  it('does not pass when the only other compared column is the same column', async () => {
    const said = await outcome(check(
      'select id, name, email from sc_new where id = any($keys)',
      'select n.id, n.name, n.email from sc_new n where n.id = any($keys)',
    ));
    expect(said.code, said.summary).toBe('self_comparison');
  });

  it('fails a migration of one table\'s columns (control)', async () => {
    const said = await outcome(check(
      'select id, full_name as name, email from sc_users where id = any($keys)',
      "select id, first_name || ' ' || last_name as name, email from sc_users where id = any($keys)",
      'sc_users',
    ));
    expect(said.status, said.summary).toBe('fail');
  });

  it('fails a migration read through a shared lookup (control)', async () => {
    const said = await outcome(check(
      'select u.id, r.label from sc_users u join sc_regions r on r.id = u.region_old where u.id = any($keys)',
      'select u.id, r.label from sc_users u join sc_regions r on r.id = u.region_new where u.id = any($keys)',
      'sc_users',
    ));
    expect(said.status, said.summary).toBe('fail');
  });

  it('passes a migration of one table whose new columns hold the old values (control)', async () => {
    const said = await outcome(check(
      "select id, full_name as name from sc_users where id = any($keys) and id % 10 >= 3",
      "select id, first_name || ' ' || last_name as name from sc_users where id = any($keys) and id % 10 >= 3",
      'sc_users',
    ).replace('side: old }', "side: old, where: 'id % 10 >= 3' }"));
    expect(said.status, said.summary).toBe('pass');
  });

  it('fails two tables read by two paths (control)', async () => {
    const said = await outcome(check('select id, name from sc_old where id = any($keys)', NEW));
    expect(said.status, said.summary).toBe('fail');
  });
});
