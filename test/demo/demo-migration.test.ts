/**
 * The demo end to end on each engine: the seed SQL, the shipped demo checks and migration, the
 * runner and the gates. The checks must fail on exactly the planted keys and pass after repair.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { DATASET_VERSION, DEMO_ROWS } from '../../src/demo/dataset.js';
import { DEFECTS } from '../../src/demo/defects.js';
import { HIDDEN_READERS, UNUSED_CHECK_ID } from '../../src/demo/hidden-readers.js';
import { readDemoState, repairDemo, seedDemo } from '../../src/demo/seed.js';
import { openService, type Service } from '../../src/service/service.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';

const REPO_CHECKS = new URL('../../checks/', import.meta.url);
const DEFECT_IDS = DEFECTS.map((d) => d.id).join(', ');

describe.each(engines)('the embedded demo on %s', (engine) => {
  let db: TestDatabase;
  let service: Service;
  let closeStore: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    dir = await mkdtemp(path.join(tmpdir(), 'parity-demo-'));
    // The shipped demo checks and migration, with the demo source pointed at this engine's database.
    await copyFile(new URL('demo-users.yaml', REPO_CHECKS), path.join(dir, 'demo-users.yaml'));
    await writeFile(path.join(dir, 'demo-sources.yaml'), `sources:\n  demo: { url: "${db.url}", max_connections: 2 }\n`);
    const store = await createTestStore(engine);
    closeStore = store.close;
    service = await openService(loadConfig({}, { checksDir: dir, dataDir: db.dataDir }), { store: store.store, env: {} });
  });
  afterAll(async () => {
    await service?.close();
    await closeStore?.();
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runAll = async (): Promise<FinishedRun> => {
    const { finished } = await service.runner.start({ checks: [...service.catalog().checks.values()], trigger: 'demo' });
    return finished;
  };
  const sampleIds = (run: FinishedRun, checkId: string) =>
    (run.results.find((r) => r.checkId === checkId)?.samples ?? []).map((s) => Number(s.key.id ?? s.detail?.id)).sort((a, b) => a - b);
  const expectedIds = (checkId: string) => DEFECTS.filter((d) => d.reportedBy.includes(checkId)).map((d) => d.id).sort((a, b) => a - b);
  const fingerprintOfHealthyRows = async () =>
    (await db.exec(`select md5(string_agg(u::text, '|' order by id)) as h from public.users u where id not in (${DEFECT_IDS})`))[0]!.h;

  it('seeds 100,000 messy names in one pass and records the dataset version', async () => {
    const outcome = await seedDemo(db.exec);
    expect(outcome).toMatchObject({ seeded: true, state: { version: DATASET_VERSION, rows: DEMO_ROWS } });
    const [shape] = await db.exec(`select
        count(*)::int as total,
        count(*) filter (where full_name is null)::int as nulls,
        count(*) filter (where full_name ~ '^\\s|\\s$')::int as padded,
        count(*) filter (where full_name ~ '\\s\\s')::int as doubled,
        count(*) filter (where full_name like '%' || chr(9) || '%')::int as tabs,
        count(*) filter (where full_name like '%' || chr(160) || '%')::int as no_break,
        count(*) filter (where full_name ~ '[😀🌸🚀🦄✨]')::int as emoji,
        count(*) filter (where full_name like '%''%')::int as apostrophes,
        count(*) filter (where full_name ~ ' (van der|de la|dos|von) ')::int as multi_part,
        count(*) filter (where full_name ~ '[一-龯]')::int as cjk,
        count(*) filter (where btrim(full_name) <> '' and btrim(full_name) !~ '\\s')::int as single_word
      from public.users_legacy`);
    expect(shape!.total).toBe(DEMO_ROWS);
    for (const [category, count] of Object.entries(shape!)) expect(count, category).toBeGreaterThan(0);
  });

  it('fails every required check, naming exactly the planted defect keys', async () => {
    const run = await runAll();
    const status = Object.fromEntries(run.results.map((r) => [r.checkId, r.status]));
    expect(status).toEqual({
      'users-row-count': 'fail', 'users-no-orphans': 'fail', 'users-emails-copied': 'pass',
      'users-name-backfilled': 'fail', 'users-name-parity': 'fail', 'users-name-matches-legacy': 'fail',
      [UNUSED_CHECK_ID]: 'fail',
    });
    for (const id of ['users-no-orphans', 'users-name-backfilled', 'users-name-parity', 'users-name-matches-legacy']) {
      expect(sampleIds(run, id), id).toEqual(expectedIds(id));
    }
    const rowCount = run.results.find((r) => r.checkId === 'users-row-count')!;
    expect(rowCount.observations).toMatchObject({ old_rows: DEMO_ROWS, new_rows: DEMO_ROWS - 1 });
    const truncated = run.results.find((r) => r.checkId === 'users-name-parity')!.samples!.find((s) => s.key.id === '1001');
    expect(truncated).toMatchObject({ old: 'Lucía de la Cruz', new: 'Lucía de' });
  });

  it('denies the switch-reads gate, with the failing checks as reasons', async () => {
    const decision = await service.gates.decide('users-split-name', 'switch-reads', { requestedBy: 'test' });
    expect(decision.allowed).toBe(false);
    const byId = Object.fromEntries(decision.checks.map((c) => [c.id, c.status]));
    expect(byId).toMatchObject({ 'users-name-backfilled': 'fail', 'users-name-parity': 'fail' });
  });

  it('denies the contract gate naming each hidden reader of the old shape', async () => {
    const decision = await service.gates.decide('users-split-name', 'contract', { requestedBy: 'test', refresh: true });
    expect(decision.allowed).toBe(false);
    const reason = decision.reasons.find((r) => r.startsWith(`check "${UNUSED_CHECK_ID}" failed`));
    for (const reader of HIDDEN_READERS) expect(reason).toContain(`${reader.object}`);
    expect(reason).toContain('view user_directory depends on public.users.full_name');
    expect(reason).toMatch(/function nightly_user_export\(\) \(SQL body\) depends on public\.users_legacy/);
    const result = (await service.store.latestFinished([UNUSED_CHECK_ID])).get(UNUSED_CHECK_ID)!;
    expect(result.samples?.map((s) => s.detail?.['object'])).toEqual(expect.arrayContaining(['user_directory', expect.stringMatching(/^nightly_user_export\(\)/)]));
  });

  it('repairs exactly the defects: healthy rows untouched, every check passes, every gate opens', async () => {
    const before = await fingerprintOfHealthyRows();
    const state = await repairDemo(db.exec);
    expect(state.repairedAt).toBeInstanceOf(Date);
    expect(await fingerprintOfHealthyRows()).toBe(before);
    const run = await runAll();
    expect(run.results.map((r) => [r.checkId, r.status]).filter(([, s]) => s !== 'pass')).toEqual([]);
    for (const phase of ['backfill', 'switch-reads', 'contract']) {
      const decision = await service.gates.decide('users-split-name', phase, { requestedBy: 'test' });
      expect(decision.allowed, `${phase}: ${decision.reasons.join('; ')}`).toBe(true);
    }
    // The contract gate opened on catalog evidence alone, because the check file asks for exactly
    // that; the result says so rather than claiming nobody ran a query.
    const unused = run.results.find((r) => r.checkId === UNUSED_CHECK_ID)!;
    expect(unused.summary).toMatch(/^unused by catalog evidence only .*NOT read: pg_stat_statements/);
    expect(unused.observations).toMatchObject({ evidence: 'catalog', evidence_not_read: [expect.stringContaining('pg_stat_statements'), expect.stringContaining('pg_stat_user_tables')] });
  });

  it('leaves an up-to-date seed alone and brings the defects back only on reset', async () => {
    expect(await seedDemo(db.exec)).toMatchObject({ seeded: false, state: { version: DATASET_VERSION } });
    expect((await readDemoState(db.exec)).repairedAt).toBeInstanceOf(Date);
    const reset = await seedDemo(db.exec, { reset: true });
    expect(reset.seeded).toBe(true);
    expect(reset.state.repairedAt).toBeUndefined();
    const [row] = await db.exec('select last_name from public.users where id = 314');
    expect(row!.last_name).toBeNull();
  });
});
