/**
 * The demo's contract check with full evidence, on a throwaway Postgres 15 with pg_stat_statements:
 * what the embedded demo (PGlite, catalog evidence only) cannot show. The shipped check, minus its
 * `evidence: catalog` line and plus a window, names the hidden readers in the catalog and the role
 * that ran the recorded export query; after --repair it passes only once a quiet window is covered.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairDemo, seedDemo } from '../../src/demo/seed.js';
import { UNUSED_CHECK_ID } from '../../src/demo/hidden-readers.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore } from '../support/databases.js';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';

/** The shipped demo check with full evidence: `evidence: catalog` removed, a 24h window, parity's own role ignored. */
async function fullEvidenceCheck(): Promise<string> {
  const file = parse(await readFile(new URL('../../checks/demo-users.yaml', import.meta.url), 'utf8')) as { checks: Record<string, unknown>[] };
  const check = file.checks.find((c) => c.id === UNUSED_CHECK_ID)!;
  expect(check.evidence).toBe('catalog');
  const { evidence: _, ...rest } = check;
  return stringify({ checks: [{ ...rest, source: 'app', window: '24h', ignore: { roles: ['parity_ro', 'postgres'] } }] });
}

describe('the demo\'s contract check with full evidence (throwaway Postgres 15 with pg_stat_statements)', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  let yaml: string;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/demo`;
  const source = () => ({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` });
  const exec = async (text: string) => {
    const client = postgres(urlAs('postgres'), { max: 1, onnotice: () => {} });
    try {
      return [...await client.unsafe(text)] as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements' });
    await cluster.exec('create database demo');
    await exec(`create extension pg_stat_statements;
      create role parity_ro login; grant pg_read_all_stats to parity_ro;
      create role reporting login;`);
    await seedDemo(exec);
    await exec('grant select on all tables in schema public to parity_ro, reporting');
    ({ store, close: closeStore } = await createTestStore('pglite'));
    yaml = await fullEvidenceCheck();
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it('names the hidden readers in the catalog, then the reporting role that ran the export query', async () => {
    const first = await runUnused(source(), yaml, store);
    expect(first.status).toBe('fail');
    expect(first.summary).toContain('view user_directory depends on public.users.full_name');
    expect(first.observations).toMatchObject({ evidence: 'full', evidence_not_read: [] });
    await ageSnapshots(store, UNUSED_CHECK_ID, 25);

    const reporting = postgres(urlAs('reporting'), { max: 1, onnotice: () => {}, connection: { application_name: 'nightly-export' } });
    try {
      await reporting.unsafe('select l.id, l.full_name, l.email from public.users_legacy l order by l.id limit 10');
    } finally {
      await reporting.end();
    }
    const second = await runUnused(source(), yaml, store);
    expect(second.status).toBe('fail');
    const findings = second.samples.map((s) => String(s.detail?.['finding']));
    expect(findings).toContainEqual(expect.stringMatching(/^role reporting ran `select l\.id, l\.full_name, l\.email from public\.users_legacy l order by l\.id limit \$1` 1 times in the last 25h \(reads public\.users_legacy\)$/));
    expect(findings).toContainEqual(expect.stringMatching(/^function nightly_user_export\(\) \(SQL body\) depends on public\.users_legacy$/));
  }, 120_000);

  it('after --repair it cannot verify until a quiet window is covered, then passes', async () => {
    await repairDemo(exec);
    const observing = await runUnused(source(), yaml, store);
    // The reporting role's call is still inside the window that began before the repair.
    expect(observing.status).toBe('fail');
    // A new observation starts from scratch (as after a changed check): forget the state store's snapshots.
    const { sql } = await import('drizzle-orm');
    await store.state.db.execute(sql`delete from parity.counter_snapshots where check_id = ${UNUSED_CHECK_ID}`);
    const fresh = await runUnused(source(), yaml, store);
    expect(fresh.status).toBe('error');
    expect(fresh.error?.message).toMatch(/^observing: 0s of 24h covered/);
    await ageSnapshots(store, UNUSED_CHECK_ID, 25);
    const quiet = await runUnused(source(), yaml, store);
    expect(quiet.status, quiet.summary).toBe('pass');
    expect(quiet.summary).toMatch(/^unused: no reader, writer, dependency or session in the last 25h/);
  }, 120_000);
});
