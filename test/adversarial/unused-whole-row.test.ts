/**
 * `unused` on a column that catalog objects read through the table's whole row. Postgres records a
 * whole-row reference (`to_jsonb(u)`, `u is not null`, `new is distinct from old`) as no column
 * dependency at all — as none whatever when the object also names another column — so `DROP
 * COLUMN` succeeds and the object's output silently changes. Each case passed `evidence: catalog`
 * on the old code.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const catalogOnly = (column: string) => `checks:\n  - id: whole-row\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [${column}]\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: whole-row references on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, `
      create table users (id int primary key, full_name text, email text);
      create table events (id int, at date, full_name text) partition by range (at);
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');`, (opened) => ({ db, store } = opened));

  it('passes when nothing reads the column (the baseline the cases below break)', async () => {
    const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
    expect(result.status, result.summary).toBe('pass');
  });

  it.each([
    ['view exporting the whole row', 'create view export as select to_jsonb(u) as j from users u', 'drop view export', /view export depends on public\.users\.full_name/],
    ['view exporting the whole row beside another column', 'create view export as select u.id, to_jsonb(u) as j from users u', 'drop view export', /view export depends on public\.users\.full_name/],
    ['view selecting the row itself', 'create view export as select u from users u where u.id > 0', 'drop view export', /view export depends/],
    ['materialized view', 'create materialized view export as select u.id, row_to_json(u) as j from users u', 'drop materialized view export', /materialized view export depends/],
    ['rule', 'create table log (j jsonb); create rule keep as on update to users do also insert into log values (to_jsonb(old))', 'drop rule keep on users; drop table log', /rule keep on table users depends/],
    ['SQL-standard function body', 'create function row_of(i int) returns jsonb language sql begin atomic select to_jsonb(u) from users u where u.id = i; end', 'drop function row_of', /function row_of\(integer\)/],
    ['policy', "create policy whole on users using (to_jsonb(users) ? 'id')", 'drop policy whole on users', /policy whole on table users depends/],
    ['check constraint', 'alter table users add constraint whole check (users is not null)', 'alter table users drop constraint whole', /constraint whole on table users depends/],
    ['trigger condition', `create function noop() returns trigger language plpgsql as $$ begin return new; end $$;
      create trigger changed before update on users for each row when (old is distinct from new) execute function noop()`, 'drop function noop cascade', /trigger changed on table users depends/],
    ['column of another table typed by the row', 'create table snapshots (id int, row users)', 'drop table snapshots', /column row of table snapshots depends|snapshots/],
  ])('fails naming a %s', async (_, create, drop, expected) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(expected);
    } finally {
      await db.exec(drop);
    }
  });

  it('fails naming a view over the whole row of a partition of the listed table', async () => {
    await db.exec('create view recent as select e.id, to_jsonb(e) as j from events_2026 e');
    try {
      const result = await runUnused(db, catalogOnly('public.events.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/view recent depends on public\.events\.full_name/);
    } finally {
      await db.exec('drop view recent');
    }
  });
});

describe.each(engines)('unused: partition keys on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, `
      create table orders (id int, region text, placed date, note text) partition by list (region);
      create table orders_eu partition of orders for values in ('eu') partition by range ((extract(year from placed)));
      create table orders_eu_2026 partition of orders_eu for values from (2026) to (2027);`, (opened) => ({ db, store } = opened));

  // Every row written is routed by the key; Postgres records no object depending on the column.
  it.each([
    ['the partition key of the listed table', 'public.orders.region', /partition key of table orders depends on public\.orders\.region/],
    ['a key expression of a sub-partitioned partition', 'public.orders.placed', /partition key of table orders_eu depends on public\.orders\.placed/],
    ['the key of the table above a listed partition', 'public.orders_eu_2026.region', /partition key of table orders depends on public\.orders_eu_2026\.region/],
  ])('fails on %s', async (_, column, expected) => {
    const result = await runUnused(db, catalogOnly(column), store);
    expect(result.status, result.summary).toBe('fail');
    expect(result.summary).toMatch(expected);
  });

  it('passes on a column no key reads', async () => {
    const result = await runUnused(db, catalogOnly('public.orders.note'), store);
    expect(result.status, result.summary).toBe('pass');
  });
});
