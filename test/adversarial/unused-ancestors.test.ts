/**
 * `unused` on a partition or an inheritance child: a query, view or function over a parent reads
 * the child's rows (`select … from events` scans events_2019 unless pruning says otherwise), so
 * dropping the child silently takes rows from every reader of the parent. Each case passed
 * `evidence: catalog` on the old code, which looked only at the listed table and its descendants.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const catalogOnly = (listed: string) => `checks:\n  - id: ancestors\n    kind: unused\n    source: app\n    evidence: catalog\n    ${listed}\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: readers through a parent on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, `
      create table events (id int, at date, note text) partition by range (at);
      create table events_2019 partition of events for values from ('2019-01-01') to ('2020-01-01');
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
      create table base (id int, note text);
      create table base_old () inherits (base);`, (opened) => ({ db, store } = opened));

  it('passes when nothing reads the partition or its parent (the baseline the cases below break)', async () => {
    const result = await runUnused(db, catalogOnly('tables: [public.events_2019, public.base_old]'), store);
    expect(result.status, result.summary).toBe('pass');
  });

  it.each([
    ['view over the partitioned parent', 'tables: [public.events_2019]', 'create view all_events as select id, at from events', 'drop view all_events', /view all_events depends on public\.events_2019/],
    ['SQL function over the partitioned parent', 'tables: [public.events_2019]', 'create function event_count() returns bigint language sql as $$ select count(*) from events $$', 'drop function event_count', /function event_count\(\) \(SQL body\)/],
    ['view over an inheritance parent', 'tables: [public.base_old]', 'create view all_base as select id from base', 'drop view all_base', /view all_base depends on public\.base_old/],
    ['view over the parent of a partition column', 'columns: [public.events_2019.note]', 'create view notes as select note from events', 'drop view notes', /view notes depends on public\.events_2019\.note/],
  ])('fails naming a %s', async (_, listed, create, drop, expected) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly(listed), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(expected);
    } finally {
      await db.exec(drop);
    }
  });

  it('does not count a sibling partition or the parent\'s own structure as a use', async () => {
    await db.exec('create view recent as select id from events_2026; create index on events (at)');
    try {
      const result = await runUnused(db, catalogOnly('tables: [public.events_2019]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop view recent; drop index events_at_idx');
    }
  });
});
