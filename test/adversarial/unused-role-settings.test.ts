/**
 * `unused` judged whether statements are counted by `current_setting('pg_stat_statements.track')`
 * in its own session. A role or database setting applies to other sessions only: `ALTER ROLE
 * reporting SET pg_stat_statements.track = 'none'` (or `compute_query_id = off`, without which
 * pg_stat_statements records nothing) hid every statement of that role, while parity's session
 * still read `top` — and a nightly reader of the column went unseen: a pass on the check that gates
 * dropping it. Now any such setting for this database or any role is a gap: could not verify.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { createTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/store.js';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';

const SETUP = `
  create extension pg_stat_statements;
  create table users (id int primary key, full_name text);
  create role parity_ro login; grant pg_read_all_stats to parity_ro;
  create role reporting_ro login;
  grant select on all tables in schema public to parity_ro, reporting_ro;`;

const check = (id: string) => `checks:
  - id: ${id}
    kind: unused
    source: app
    columns: [public.users.full_name]
    window: 24h
    ignore: { roles: [parity_ro, postgres] }
`;

describe('unused when a role or database turns statement counting off', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;
  const run = (id: string) => runUnused({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` }, check(id), store);
  const admin = () => postgres(urlAs('postgres'), { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements' });
    await cluster.exec('create database app');
    const sql = admin();
    await sql.unsafe(SETUP);
    await sql.end();
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it.each([
    ['alter role reporting_ro set pg_stat_statements.track = \'none\'', 'alter role reporting_ro reset pg_stat_statements.track'],
    ['alter role reporting_ro set compute_query_id = off', 'alter role reporting_ro reset compute_query_id'],
    ['alter database app set pg_stat_statements.track = \'none\'', 'alter database app reset pg_stat_statements.track'],
  ])('never passes after %s, while that role reads the column', async (setting, reset) => {
    const id = `c${randomUUID().slice(0, 8)}`;
    const sql = admin();
    try {
      await sql.unsafe(setting);
      expect((await run(id)).status).toBe('error');
      await ageSnapshots(store, id, 25);
      const reporting = postgres(urlAs('reporting_ro'), { max: 1, onnotice: () => {} });
      try {
        for (let i = 0; i < 3; i++) await reporting`select id, full_name from users where id = ${i}`;
      } finally {
        await reporting.end();
      }
      const result = await run(id);
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('statement_stats_off');
    } finally {
      await sql.unsafe(reset);
      await sql.end();
    }
  }, 60_000);
});

/**
 * The server-wide sibling: with `compute_query_id = off` in postgresql.conf no statement gets a
 * query id, pg_stat_statements records none, and `track` still reads `top` — the reader was
 * invisible and the check passed.
 */
describe('unused when the server computes no query ids', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', compute_query_id: 'off' });
    await cluster.exec('create database app');
    const sql = postgres(urlAs('postgres'), { max: 1, onnotice: () => {} });
    await sql.unsafe(SETUP);
    await sql.end();
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it('never passes while a reader reads the column unrecorded', async () => {
    const id = `c${randomUUID().slice(0, 8)}`;
    const run = () => runUnused({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` }, check(id), store);
    await run();
    await ageSnapshots(store, id, 25);
    const reporting = postgres(urlAs('reporting_ro'), { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 3; i++) await reporting`select id, full_name from users where id = ${i}`;
    } finally {
      await reporting.end();
    }
    const result = await run();
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code).toBe('statement_stats_off');
  }, 60_000);
});
