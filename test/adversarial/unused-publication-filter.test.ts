/**
 * `unused` on a column that a publication's row filter reads while its column list leaves the
 * column out: the filter decides which rows subscribers receive, so the column is in use (DROP
 * COLUMN refuses, and with CASCADE takes the table out of the publication). Only the column list
 * was looked at, so the check passed on the old code.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const catalogOnly = (column: string) => `checks:\n  - id: publication-filter\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [${column}]\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: publication row filters on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, `
      create table users (id int primary key, full_name text, email text);
      create table events (id int, at date, full_name text) partition by range (at);
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');`, (opened) => ({ db, store } = opened));

  it('passes with a column list and a row filter that both leave the column out', async () => {
    await db.exec("create publication named for table users (id, email) where (email <> '')");
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop publication named');
    }
  });

  it('fails naming a publication whose row filter reads the column outside its column list', async () => {
    await db.exec("create publication named for table users (id, email) with (publish = 'insert'); alter publication named set table users (id, email) where (full_name <> '')");
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/publication named \(table users, row filter\) depends on public\.users\.full_name/);
    } finally {
      await db.exec('drop publication named');
    }
  });

  it('fails naming a publication of the partitioned table whose row filter reads a partition\'s column', async () => {
    await db.exec("create publication root for table events (id, at) where (full_name is not null) with (publish_via_partition_root = true, publish = 'insert')");
    try {
      const result = await runUnused(db, catalogOnly('public.events_2026.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/publication root \(table events, row filter\)/);
    } finally {
      await db.exec('drop publication root');
    }
  });
});
