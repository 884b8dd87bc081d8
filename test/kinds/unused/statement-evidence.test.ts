/**
 * `unused` against a real Postgres 15 with pg_stat_statements preloaded (a throwaway cluster):
 * readers and writers in other roles are named, ignored roles are ignored, and every gap in the
 * evidence (no coverage yet, reset, eviction, truncated text, missing privilege) is `error`.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../../support/scratch-cluster.js';
import { createTestStore } from '../../support/databases.js';
import { loadSqlParser, parseSql } from '../../../src/sql/parser.js';
import type { Store } from '../../../src/store/store.js';
import { ageSnapshots, runUnused } from './support.js';
import { catalogFromYaml, registryForCatalog } from '../../support/run-check.js';
import { createRunner } from '../../../src/runner/runner.js';

const SETUP = `
  create extension pg_stat_statements;
  create table users (id int primary key, full_name text, email text);
  create table users_legacy (id int primary key, note text);
  insert into users values (1, 'Ada Lovelace', 'ada@example.com');
  create role parity_ro login; grant pg_read_all_stats to parity_ro;
  create role blind login;
  create role reporting_ro login; create role app_rw login; create role migrator login;
  grant select on all tables in schema public to parity_ro, blind, reporting_ro;
  grant all on all tables in schema public to app_rw, migrator;`;

function check(id: string, extra = ''): string {
  return `checks:
  - id: ${id}
    kind: unused
    source: app
    columns: [public.users.full_name]
    tables: [public.users_legacy]
    window: 24h
    ignore: { roles: [parity_ro, postgres, migrator]${extra} }
`;
}

describe('unused with pg_stat_statements (throwaway Postgres 15 cluster)', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;
  const sourceAs = (role: string) => ({ url: urlAs(role), dataDir: `memory:${randomUUID()}` });
  const clientAs = (role: string, application: string) => postgres(urlAs(role), { max: 1, onnotice: () => {}, connection: { application_name: application } });
  const run = (id: string, extra = '', role = 'parity_ro') => runUnused(sourceAs(role), check(id, extra), store);

  /** First run (records a baseline), then the baseline is aged past the window. */
  async function coveredBaseline(id: string) {
    const first = await run(id);
    expect(first.error?.code).toBe('window_not_covered');
    await ageSnapshots(store, id, 25);
  }

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', track_activity_query_size: '100' });
    await cluster.exec('create database app');
    const admin = postgres(urlAs('postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(SETUP);
    await admin.end();
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it('is observing until a snapshot is a window old, with the coverage in the result', async () => {
    const first = await run('observing');
    expect(first.status).toBe('error');
    expect(first.summary).toMatch(/window_not_covered: observing: 0s of 24h covered/);
    await ageSnapshots(store, 'observing', 3);
    const later = await run('observing');
    expect(later.status).toBe('error');
    expect(later.error?.message).toMatch(/^observing: 3h of 24h covered/);
    expect(later.observations).toMatchObject({ covered_seconds: expect.any(Number), coverage_ratio: 0.125 });
  }, 60_000);

  it('does not count a day the verified server\'s clock jumped as a day observed', async () => {
    const started = Date.now();
    const first = await run('clock-jump');
    expect(first.error?.code).toBe('window_not_covered');
    // The server's clock says 25h passed since the baseline; the state store's says seconds did.
    await ageSnapshots(store, 'clock-jump', 25, 'server only');
    const later = await run('clock-jump');
    expect(later.status, later.summary).toBe('error');
    expect(later.error?.code).toBe('window_not_covered');
    // Only what really passed between the two runs counts (seconds on a loaded machine), not 25h.
    const elapsedSeconds = Math.ceil((Date.now() - started) / 1000);
    expect(later.error?.message).toMatch(/^observing: \d+s of 24h covered \(the verified server's clock says 25h passed since the baseline, the state store's \d+s; the smaller counts\)/);
    expect(later.observations.covered_seconds).toBeGreaterThanOrEqual(0);
    expect(later.observations.covered_seconds).toBeLessThanOrEqual(elapsedSeconds);
  }, 60_000);

  it('passes when nobody used the shape; then names a reader of another role and application, not the ignored role', async () => {
    await coveredBaseline('readers');
    const quiet = await run('readers');
    expect(quiet.status, quiet.summary).toBe('pass');
    expect(quiet.observations.covered_seconds).toBeGreaterThanOrEqual(25 * 3600);

    const reporting = clientAs('reporting_ro', 'nightly-export');
    const migrator = clientAs('migrator', 'backfill-job');
    const app = clientAs('app_rw', 'web');
    try {
      for (let i = 0; i < 3; i++) await reporting`select id, full_name from users where id = ${i}`;
      await migrator`update users set full_name = upper(full_name)`;
      await app`select id, email from users`;
      const result = await run('readers');
      expect(result.status).toBe('fail');
      const text = result.samples.map((s) => String(s.detail?.['finding'])).join('\n');
      expect(text).toContain('role reporting_ro (application nightly-export) ran `select id, full_name from users where id = $1` 3 times in the last 25h (reads public.users.full_name)');
      expect(text).toMatch(/session \d+ \(role reporting_ro, application nightly-export, idle\)/);
      expect(text).not.toMatch(/migrator|backfill-job|app_rw/);
    } finally {
      await Promise.all([reporting.end(), migrator.end(), app.end()]);
    }
  }, 60_000);

  it('names writers of a listed table, by statement and by pg_stat_user_tables', async () => {
    await coveredBaseline('writers');
    const app = clientAs('app_rw', 'legacy-sync');
    await app`insert into users_legacy values (1, 'a'), (2, 'b')`;
    await app.end(); // a backend flushes its table statistics when it exits
    const result = await run('writers');
    expect(result.status).toBe('fail');
    const text = result.samples.map((s) => String(s.detail?.['finding'])).join('\n');
    expect(text).toContain('role app_rw ran `insert into users_legacy values ($1, $2), ($3, $4)` 1 times in the last 25h (writes public.users_legacy)');
    expect(text).toContain('public.users_legacy had 2 rows inserted, updated or deleted in the last 25h');
  }, 60_000);

  it('cannot verify while a session runs a statement whose text is cut off and not yet counted', async () => {
    await coveredBaseline('truncated');
    const reporting = clientAs('reporting_ro', 'slow-report');
    const padding = 'x'.repeat(120);
    // No constants in the text, so pg_stat_statements has no entry before the statement finishes.
    // postgres.js sends a query when it is awaited: .catch() starts it now.
    const slow = reporting.unsafe(`select pg_sleep($1::float8), $2::text as ${padding.slice(0, 60)}, email from users`, [4, padding]).catch(() => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const result = await run('truncated');
      expect(result.status).toBe('error');
      expect(result.error?.code).toBe('statement_truncated');
    } finally {
      await slow;
      await reporting.end();
    }
  }, 60_000);

  it('cannot verify across a pg_stat_statements reset', async () => {
    await coveredBaseline('reset');
    const admin = postgres(urlAs('postgres'), { max: 1 });
    await admin`select pg_stat_statements_reset()`;
    await admin.end();
    const result = await run('reset');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('statistics_discontinuous');
    expect(result.error?.message).toMatch(/pg_stat_statements was reset/);
  }, 60_000);

  it('cannot verify as a role that cannot see other roles\' statements', async () => {
    const reporting = clientAs('reporting_ro', 'x');
    await reporting`select email from users`;
    await reporting.end();
    const result = await run('blind', '', 'blind');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('insufficient_privilege');
    expect(result.error?.message).toMatch(/pg_read_all_stats/);
  }, 60_000);

  it('keeps its snapshots in the state store when run by the runner', async () => {
    const sources = { app: { ...sourceAs('parity_ro'), engine: 'postgres' as const, exec: async () => [], close: async () => {} } };
    const catalog = catalogFromYaml(check('via-runner'), sources);
    const registry = registryForCatalog(catalog, sources);
    try {
      const { finished } = await createRunner({ store, sources: registry }).start({ checks: [...catalog.checks.values()], trigger: 'cli' });
      const run = await finished;
      expect(run.results[0]?.error?.code).toBe('window_not_covered');
      const rows = await store.state.raw.transaction((exec) => exec(`select scope, taken_at from parity.counter_snapshots where check_id = 'via-runner'`));
      expect(rows).toHaveLength(1);
    } finally {
      await registry.closeAll();
    }
  }, 60_000);

  it('cannot verify without a state store to keep snapshots in', async () => {
    const result = await runUnused(sourceAs('parity_ro'), check('no-store'), undefined);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('no_state_store');
  }, 60_000);

  it('never wrote to the verified database: every statement parity ran was a read', async () => {
    await loadSqlParser();
    const admin = postgres(urlAs('postgres'), { max: 1 });
    try {
      const rows = await admin<{ query: string }[]>`select query from pg_stat_statements where userid = 'parity_ro'::regrole`;
      expect(rows.length).toBeGreaterThan(3);
      for (const { query } of rows) {
        const parsed = parseSql(query);
        expect(parsed.kind).toBe('parsed');
        if (parsed.kind !== 'parsed') continue;
        for (const { stmt } of parsed.tree.stmts ?? []) {
          expect(['SelectStmt', 'VariableSetStmt', 'TransactionStmt', 'VariableShowStmt']).toContain(Object.keys(stmt ?? {})[0]);
        }
      }
    } finally {
      await admin.end();
    }
  }, 60_000);
});

describe('unused with pg_stat_statements evicting entries', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '100' });
    await cluster.exec(`create extension pg_stat_statements; create table users (id int, full_name text)`);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it('cannot verify when entries were evicted during the window (pg_stat_statements_info.dealloc)', async () => {
    const yaml = `checks:\n  - id: evicted\n    kind: unused\n    source: app\n    columns: [users.full_name]\n    window: 1h\n    ignore: { roles: [postgres] }\n`;
    const source = { url: cluster.url, dataDir: `memory:${randomUUID()}` };
    expect((await runUnused(source, yaml, store)).error?.code).toBe('window_not_covered');
    await ageSnapshots(store, 'evicted', 2);
    const client = postgres(cluster.url, { max: 1, onnotice: () => {} });
    for (let i = 1; i <= 150; i++) await client.unsafe(`select ${Array.from({ length: i }, () => 'id').join(', ')} from users`);
    await client.end();
    const result = await runUnused(source, yaml, store);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('statistics_discontinuous');
    expect(result.error?.message).toMatch(/evicted \d+ entries/);
  }, 120_000);
});
