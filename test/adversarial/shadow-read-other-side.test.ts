/**
 * A shadow read compares what the old path answers with what the new path answers; an old path
 * whose answer is read from the new side's rows (a join to the new table taking its values, a
 * `coalesce` over it, a scalar sub-query, a LATERAL, a CTE, a view wrapping the new table) answers
 * what the new path answers, and a new table wrong on 30% of its keys passed a 5% limit. The new
 * path borrowing the old side's rows (a `coalesce` filling its gaps from the old table) passed the
 * same way. Each path's reads are resolved on the server (views followed, names as the search path
 * reaches them); a path reading the relation the other path's rows come from is "could not verify"
 * (`reads_other_side`), unless both paths' rows come from one relation (an expand/contract
 * migration of one table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

const NEW = 'select id, name from os_new where id = any($keys)';
const OLD = 'select id, name from os_old where id = any($keys)';

function check(old: string, fresh = NEW, from = 'os_old'): string {
  // A UNION over two tables is no one relation's rows: the file says which side it samples.
  const side = /\bunion\b/i.test(old) ? ', side: old' : '';
  return `checks:
  - id: other-side
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: legacy, table: ${from}${side} } }
    old: { source: legacy, query: ${JSON.stringify(old)} }
    new: { source: app, query: ${JSON.stringify(fresh)} }
    max_mismatch_rate: 0.05
`;
}

describe.each(engines)('shadow_read paths reading the other side on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    // os_new: every key, 30% of them with a wrong name (the defect a shadow read must catch);
    // os_gaps: the new table with NULL where its name was not migrated.
    await db.exec(`create schema os_other;
      create table os_old (id bigint primary key, name text, region int);
      insert into os_old select g, 'user ' || g, g % 4 from generate_series(1, 5000) g;
      create table os_new as select id, case when id % 10 < 3 then 'WRONG' else name end as name, region from os_old;
      alter table os_new add primary key (id);
      create table os_gaps as select id, case when id % 10 < 3 then null else name end as name from os_old;
      alter table os_gaps add primary key (id);
      create view os_new_view as select * from os_new;
      create view os_new_names as select n.id, upper(n.name) as loud, n.name from os_new n where n.id > 0;
      create view os_other.os_alias as select id, name from public.os_new;
      create table os_regions (id int primary key, label text);
      insert into os_regions select g, 'region ' || g from generate_series(0, 3) g;
      alter table os_old add column given text, add column family text;
      update os_old set given = split_part(name, ' ', 1), family = split_part(name, ' ', 2)`);
  });
  afterAll(() => db?.close());

  async function outcome(yaml: string): Promise<{ status: string; code: string | undefined; summary: string }> {
    const result = await runFirstCheck(catalogFromYaml(yaml, sources), sources);
    return { status: result.status, code: result.error?.code, summary: result.summary };
  }

  it.each([
    ['an inner join taking the new table\'s values', 'select o.id, n.name from os_old o join os_new n on n.id = o.id where o.id = any($keys)'],
    ['a left join coalescing over the new table', 'select o.id, coalesce(n.name, o.name) as name from os_old o left join os_new n on n.id = o.id where o.id = any($keys)'],
    ['a scalar sub-query on the new table', 'select o.id, (select n.name from os_new n where n.id = o.id) as name from os_old o where o.id = any($keys)'],
    ['a LATERAL over the new table', 'select o.id, l.name from os_old o cross join lateral (select n.name from os_new n where n.id = o.id) l where o.id = any($keys)'],
    ['a CTE over the new table', 'with fresh as (select id, name from os_new) select o.id, f.name from os_old o join fresh f on f.id = o.id where o.id = any($keys)'],
    ['a view wrapping the new table', 'select o.id, v.name from os_old o join os_new_view v on v.id = o.id where o.id = any($keys)'],
    ['a view computing over the new table', 'select o.id, v.name from os_old o join os_new_names v on v.id = o.id where o.id = any($keys)'],
    ['a view in another schema', 'select o.id, v.name from os_old o join os_other.os_alias v on v.id = o.id where o.id = any($keys)'],
    ['the new table schema-qualified', 'select o.id, n.name from os_old o join public.os_new n on n.id = o.id where o.id = any($keys)'],
    ['a UNION arm over the new table', 'select o.id, o.name from os_old o where o.id = any($keys) and not exists (select 1 from os_new n where n.id = o.id) union all select n.id, n.name from os_new n where n.id = any($keys)'],
  ])('does not pass an old path that reads the new side: %s', async (_name, old) => {
    const said = await outcome(check(old));
    expect(said.status, said.summary).toBe('error');
    expect(said.code, said.summary).toBe('reads_other_side');
  });

  it('does not pass a new path that fills its gaps from the old table', async () => {
    const said = await outcome(check(OLD, 'select g.id, coalesce(g.name, o.name) as name from os_gaps g left join os_old o on o.id = g.id where g.id = any($keys)'));
    expect(said.status, said.summary).toBe('error');
    expect(said.code, said.summary).toBe('reads_other_side');
  });

  it('fails when each path reads its own side (control)', async () => {
    const said = await outcome(check(OLD));
    expect(said.status, said.summary).toBe('fail');
  });

  it('fails when both paths join a shared lookup table (control)', async () => {
    const said = await outcome(check(
      'select o.id, o.name, r.label from os_old o join os_regions r on r.id = o.region where o.id = any($keys)',
      'select n.id, n.name, r.label from os_new n join os_regions r on r.id = n.region where n.id = any($keys)',
    ));
    expect(said.status, said.summary).toBe('fail');
  });

  it('passes a migration of one table, both paths reading its rows (control)', async () => {
    const said = await outcome(check(
      'select id, name from os_old where id = any($keys)',
      "select o.id, o.given || ' ' || o.family as name from os_old o where o.id = any($keys)",
    ));
    expect(said.status, said.summary).toBe('pass');
  });
});
