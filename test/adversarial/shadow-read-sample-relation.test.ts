/**
 * `sample.from` must be the relation the OLD query's rows come from, resolved on the server, not
 * any relation of that name the old query mentions. Counting a mention anywhere (a WHERE
 * sub-select, EXISTS, a scalar sub-query, a CTE that is not the row source, the nullable side of
 * an outer join, one arm of a UNION) let a check sample the NEW side's table — every key the new
 * shape lost is never drawn, and a migration that dropped 30% of the rows passed. So did an
 * unqualified `sample.from` naming a same-named table in another schema than the old query reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

// hs_old.acc: every row (the old side). public.acc: the same name, 30% of the rows lost (the new side).
const NEW = 'select id, name from public.acc where id = any($keys)';
const OLD = 'select id, name from hs_old.acc where id = any($keys)';

function check(from: string, old: string, fresh = NEW): string {
  return `checks:
  - id: sampled-relation
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { ${from} } }
    old: { source: legacy, query: "${old}" }
    new: { source: app, query: "${fresh}" }
    max_mismatch_rate: 0.05
`;
}

describe.each(engines)('shadow_read samples the relation the old rows come from on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    await db.exec(`create schema hs_old;
      create table hs_old.acc (id bigint primary key, name text);
      insert into hs_old.acc select g, 'user ' || g from generate_series(1, 5000) g;
      create table public.acc as select * from hs_old.acc where id % 10 >= 3;
      alter table public.acc add primary key (id);
      create table hs_old.kinds (id int primary key, label text);
      insert into hs_old.kinds values (1, 'one')`);
  });
  afterAll(() => db?.close());

  const run = (yaml: string) => runFirstCheck(catalogFromYaml(yaml, sources), sources);

  /** Either the check file cannot load, or the run is not a pass (the loss is shown or it could not verify). */
  async function outcome(yaml: string): Promise<string> {
    let catalog;
    try {
      catalog = catalogFromYaml(yaml, sources);
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
    void catalog;
    const result = await run(yaml);
    return `${result.status}: ${result.error?.code ?? ''} ${result.summary}`;
  }

  // The new table appears in the old query, but the old rows never come from it.
  it.each([
    ['a WHERE sub-select', `select a.id, a.name from hs_old.acc a where a.id = any($keys) and a.id not in (select id from public.acc where id < 0)`],
    ['an EXISTS', `select a.id, a.name from hs_old.acc a where a.id = any($keys) and (a.id > 0 or exists (select 1 from public.acc n where n.id = a.id))`],
    ['a scalar sub-query', `select a.id, a.name from hs_old.acc a where a.id = any($keys) and (select count(*) from public.acc) > 0`],
    ['a CTE that is not the row source', `with unused as (select * from public.acc) select a.id, a.name from hs_old.acc a where a.id = any($keys)`],
    ['a CTE read only in WHERE', `with n as (select id from public.acc where id < 0) select a.id, a.name from hs_old.acc a where a.id = any($keys) and a.id not in (select id from n)`],
    ['the nullable side of a LEFT JOIN', `select a.id, a.name from hs_old.acc a left join public.acc n on n.id = a.id where a.id = any($keys)`],
    ['the nullable side of a RIGHT JOIN', `select a.id, a.name from public.acc n right join hs_old.acc a on n.id = a.id where a.id = any($keys)`],
    ['one side of a FULL JOIN', `select coalesce(a.id, n.id) as id, coalesce(a.name, n.name) as name from hs_old.acc a full join public.acc n on n.id = a.id where coalesce(a.id, n.id) = any($keys)`],
    ['one arm of a UNION', `select id, name from hs_old.acc where id = any($keys) and id % 10 < 3 union select id, name from public.acc where id = any($keys)`],
    ['a LATERAL sub-select joined on the left', `select a.id, a.name from hs_old.acc a left join lateral (select n.name from public.acc n where n.id = a.id) l on true where a.id = any($keys)`],
    ['an inner join, the key read from the other relation', `select a.id, a.name from hs_old.acc a join public.acc n on n.id = a.id or true where a.id = any($keys) and n.id = a.id`],
    ['a sub-select in the join condition', `select a.id, a.name from hs_old.acc a join hs_old.kinds k on k.id = 1 and exists (select 1 from public.acc) where a.id = any($keys)`],
  ])('does not pass a sample of the new table named only in %s', async (_name, old) => {
    for (const table of ['public.acc', 'acc']) {
      const said = await outcome(check(`source: legacy, table: ${table}`, old));
      expect(said, table).not.toMatch(/^pass/);
    }
  });

  // The old query reads hs_old.acc; an unqualified sample.from `acc` resolves (search_path) to public.acc.
  it.each([
    ['an unqualified name another schema holds', 'source: legacy, table: acc', OLD],
    ['an unqualified name through a CTE', 'source: legacy, table: acc', `with o as (select * from hs_old.acc) select id, name from o where id = any($keys)`],
    ['an unqualified name through a sub-select', 'source: legacy, table: acc', `select id, name from (select * from hs_old.acc) o where id = any($keys)`],
    ['an unqualified name, the new query reading another table', 'source: legacy, table: acc', OLD, 'select id, name from hs_old.acc where id = any($keys) and id % 10 >= 3'],
  ])('does not pass a sample of %s', async (_name, from, old, fresh?: string) => {
    const said = await outcome(check(from, old, fresh));
    expect(said).not.toMatch(/^pass/);
    if (said.startsWith('error')) expect(said).toMatch(/sample_relation/);
  });

  // Controls: the sample is the old rows' relation, so the lost rows show (fail) — or nothing was lost (pass).
  it.each([
    ['the old table, qualified', 'source: legacy, table: hs_old.acc', OLD],
    ['the old table through a CTE', 'source: legacy, table: hs_old.acc', `with o as (select * from hs_old.acc) select id, name from o where id = any($keys)`],
    ['the old table through a sub-select', 'source: legacy, table: hs_old.acc', `select id, name from (select * from hs_old.acc) o where id = any($keys)`],
  ])('fails on the lost rows with a sample of %s (control)', async (_name, from, old) => {
    const result = await run(check(from, old));
    expect(result.status, result.summary).toBe('fail');
    expect((result.observations as Record<string, number>).missing_in_new).toBeGreaterThan(50);
  });

  // An old query naming the new table where its answer does not depend on it still reads where the
  // new rows come from: what it takes from there cannot be told from its reads (shadow-read-other-side).
  it.each([
    ['the old table, left-joined to the new one', 'source: legacy, table: hs_old.acc', `select a.id, a.name from hs_old.acc a left join public.acc n on n.id = a.id where a.id = any($keys)`],
    ['the old table, with the new one in a sub-select', 'source: legacy, table: hs_old.acc', `select a.id, a.name from hs_old.acc a where a.id = any($keys) and not exists (select 1 from public.acc n where n.id = -a.id)`],
  ])('cannot verify with a sample of %s (control)', async (_name, from, old) => {
    const result = await run(check(from, old));
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code).toBe('reads_other_side');
  });

  it('passes when an unqualified sample.from resolves to the relation the old query names (control)', async () => {
    // Old: public.acc (qualified); sample: acc (unqualified, public on the search path); new: the full table (only extras).
    const result = await run(check('source: legacy, table: acc', NEW, OLD));
    expect(result.status, result.summary).toBe('pass');
  });

  it('takes an inner join\'s row source from the key\'s qualifier, and asks for side: old where the key does not name one (control)', async () => {
    const joined = `select a.id, a.name from hs_old.acc a join hs_old.kinds k on k.id = 1 where a.id = any($keys)`;
    const viaNew = await run(check('source: legacy, table: hs_old.acc', joined));
    expect(viaNew.status, viaNew.summary).toBe('fail');
    // The key of the join's other relation: its rows are not the sampled table's.
    expect(() => catalogFromYaml(check('source: legacy, table: hs_old.kinds', joined), sources)).toThrow(/cannot tell/);
    const computed = `select a.id + 0 as id, a.name from hs_old.acc a join hs_old.kinds k on k.id = 1 where a.id = any($keys)`;
    expect(() => catalogFromYaml(check('source: legacy, table: hs_old.acc', computed), sources)).toThrow(/cannot tell/);
    const declared = await run(check('source: legacy, table: hs_old.acc, side: old', computed));
    expect(declared.status, declared.summary).toBe('fail');
  });
});
